# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models
from odoo.tools import SQL


class RebateLineQuery(models.AbstractModel):
    _inherit = "rebate.line.query"

    @api.model
    def _get_counted_condition(self):
        """A line that spends a rebate balance never counts toward a rebate
        base: it pays the customer's rebate, it is not a sale. A goods
        rebate's line counts, negative: the free units it takes off (the
        same product, at the same price) earn nothing."""
        return SQL(
            "%s AND (aml.is_rebate_deduction IS NOT TRUE"
            " OR aml.rebate_deduction_kind = 'goods')",
            super()._get_counted_condition(),
        )
