# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class RebateSettlementReleaseHold(models.TransientModel):
    """Ask a sales manager why a settlement's credit hold is released."""

    _name = "rebate.settlement.release.hold"
    _description = "Release a Rebate Credit Hold"

    settlement_id = fields.Many2one("rebate.settlement", required=True, readonly=True)
    credit_hold_note = fields.Text(related="settlement_id.credit_hold_note")
    reason = fields.Text(required=True)

    def action_release(self):
        self.ensure_one()
        self.settlement_id.action_release_hold(self.reason)
        return {"type": "ir.actions.act_window_close"}
