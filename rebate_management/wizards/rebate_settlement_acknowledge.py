# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class RebateSettlementAcknowledge(models.TransientModel):
    """Ask a sales manager why a settlement's alerts are let through."""

    _name = "rebate.settlement.acknowledge"
    _inherit = "rebate.settlement.reason.mixin"
    _description = "Acknowledge Rebate Settlement Alerts"

    alert_ids = fields.One2many(related="settlement_id.alert_ids")
    note = fields.Text(required=True)

    def action_acknowledge(self):
        return self._action_confirm()

    def _apply_reason(self):
        self.settlement_id.action_acknowledge_alerts(self.note)
