# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class RebateSettlementAcknowledge(models.TransientModel):
    """Ask a sales manager why a settlement's alerts are let through."""

    _name = "rebate.settlement.acknowledge"
    _description = "Acknowledge Rebate Settlement Alerts"

    settlement_id = fields.Many2one("rebate.settlement", required=True, readonly=True)
    alert_ids = fields.One2many(related="settlement_id.alert_ids")
    note = fields.Text(required=True)

    def action_acknowledge(self):
        self.ensure_one()
        self.settlement_id.action_acknowledge_alerts(self.note)
        return {"type": "ir.actions.act_window_close"}
