# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, models
from odoo.tools import SQL

from ..tools import Simulated, values_table

CUSTOMER_COLUMNS = (("agreement_id", "int4"), ("partner_id", "int4"))


class RebateLineQuery(models.AbstractModel):
    """The line queries of a simulation (rebate.agreement.simulate): the
    simulated agreements take their lines whatever the others (no
    precedence), and a template counts the customers of its grade as a
    buying group its members, through the one customers relation; so a
    simulation reads the engine's own queries and no copy of them."""

    _inherit = "rebate.line.query"

    @api.model
    def _get_simulated(self):
        """The Simulated of the context, or None."""
        simulated = self.env.context.get("rebate_simulated")
        return simulated if isinstance(simulated, Simulated) else None

    @api.model
    def _get_named_customers_query(self):
        query = super()._get_named_customers_query()
        simulated = self._get_simulated()
        if simulated is None or not simulated.customer_pairs:
            return query
        return SQL(
            """%s
            UNION ALL
            SELECT s.agreement_id, s.partner_id,
                   '-infinity'::date, 'infinity'::date
              FROM %s""",
            query,
            values_table("s", CUSTOMER_COLUMNS, simulated.customer_pairs),
        )

    @api.model
    def _read_agreement_traits(self, agreement_ids):
        traits = super()._read_agreement_traits(agreement_ids)
        simulated = self._get_simulated()
        if simulated is not None:
            # priced alone: no other agreement takes their lines
            traits["yielding"] = sorted(
                set(traits["yielding"]).difference(simulated.agreement_ids)
            )
            # their customers are joined as a group's (_get_customer_join)
            traits["groups"] = sorted(
                set(traits["groups"]).union(simulated.customer_agreement_ids())
            )
        return traits
