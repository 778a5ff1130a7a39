# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).


class Simulated:
    """What a simulation (rebate.agreement.simulate) asks of the line
    queries, carried by their context (``rebate_simulated``): the agreements
    simulated, whose terms are priced as if they were their customers' only
    agreement (no precedence), and the customers of those that have none of
    their own (a template: the customers of its grade). An object, not a
    dict: a context sent over RPC is JSON and cannot hold one, so no client
    can change what an agreement's lines are."""

    def __init__(self, agreement_ids, customer_pairs=()):
        self.agreement_ids = sorted(set(agreement_ids))
        # (agreement id, customer id) pairs
        self.customer_pairs = sorted(set(customer_pairs))

    def customer_agreement_ids(self):
        """The agreements given customers."""
        return sorted({agreement_id for agreement_id, _p in self.customer_pairs})
