# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).


class SimulatedCustomers:
    """The customers a simulation counts for agreements that have none of
    their own (a template: the customers of its grade), as the context of
    the line queries carries them (``rebate_simulated_customers``). An
    object, not a dict: a context sent over RPC is JSON and cannot hold
    one, so no client can add customers to an agreement's lines."""

    def __init__(self, pairs):
        # (agreement id, customer id) pairs
        self.pairs = sorted(set(pairs))

    def agreement_ids(self):
        return sorted({agreement_id for agreement_id, _partner in self.pairs})
