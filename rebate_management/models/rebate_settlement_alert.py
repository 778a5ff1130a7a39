# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class RebateSettlementAlert(models.Model):
    """A pattern worth a second look on a settlement, flagged when it is
    computed: a surge at the period's end, returns right after it, a rebate
    out of proportion to the sales. Written by the engine only."""

    _name = "rebate.settlement.alert"
    _description = "Rebate Settlement Alert"
    _order = "settlement_id, code"

    settlement_id = fields.Many2one(
        "rebate.settlement", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="settlement_id.company_id", store=True)
    code = fields.Selection(
        [
            ("period_end_surge", "Surge at the period's end"),
            ("returns_after_period", "Returns after the period"),
            ("cost_share", "Rebate out of proportion to sales"),
        ],
        required=True,
    )
    message = fields.Text(required=True)
