# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, models
from odoo.tools import SQL

from ..tools import SimulatedCustomers, values_table

CUSTOMER_COLUMNS = (("agreement_id", "int4"), ("partner_id", "int4"))


class RebateLineQuery(models.AbstractModel):
    """The customers of a simulated template (rebate.agreement.simulate):
    the line queries count their lines as a buying group's members', through
    the one customers relation, so a simulation reads the engine's own
    queries and no copy of them."""

    _inherit = "rebate.line.query"

    @api.model
    def _get_simulated_customers(self):
        """The SimulatedCustomers of the context, or None."""
        customers = self.env.context.get("rebate_simulated_customers")
        return customers if isinstance(customers, SimulatedCustomers) else None

    @api.model
    def _get_customers_relation(self):
        relation = super()._get_customers_relation()
        simulated = self._get_simulated_customers()
        if simulated is None:
            return relation
        return SQL(
            """(
            SELECT * FROM %s AS known
            UNION ALL
            SELECT s.agreement_id, s.partner_id,
                   '-infinity'::date, 'infinity'::date
              FROM %s)""",
            relation,
            values_table("s", CUSTOMER_COLUMNS, simulated.pairs),
        )

    @api.model
    def _read_agreement_traits(self, agreement_ids):
        traits = super()._read_agreement_traits(agreement_ids)
        simulated = self._get_simulated_customers()
        if simulated is not None:
            # their customers are joined as a group's (_get_customer_join)
            traits["groups"] = sorted(
                set(traits["groups"]).union(simulated.agreement_ids())
            )
        return traits
