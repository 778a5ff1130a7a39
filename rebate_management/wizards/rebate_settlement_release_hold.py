# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class RebateSettlementReleaseHold(models.TransientModel):
    """Ask a sales manager why a settlement's credit hold is released."""

    _name = "rebate.settlement.release.hold"
    _inherit = "rebate.settlement.reason.mixin"
    _description = "Release a Rebate Credit Hold"

    credit_hold_note = fields.Text(related="settlement_id.credit_hold_note")
    reason = fields.Text(required=True)

    def action_release(self):
        return self._action_confirm()

    def _apply_reason(self):
        self.settlement_id.action_release_hold(self.reason)
