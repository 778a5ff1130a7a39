# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rebate_four_eyes = fields.Boolean(
        related="company_id.rebate_four_eyes", readonly=False
    )
    rebate_credit_hold_days = fields.Integer(
        related="company_id.rebate_credit_hold_days", readonly=False
    )
    rebate_near_tier_percent = fields.Float(
        related="company_id.rebate_near_tier_percent", readonly=False
    )
    rebate_alert_surge_days = fields.Integer(
        related="company_id.rebate_alert_surge_days", readonly=False
    )
    rebate_alert_surge_percent = fields.Float(
        related="company_id.rebate_alert_surge_percent", readonly=False
    )
    rebate_alert_return_days = fields.Integer(
        related="company_id.rebate_alert_return_days", readonly=False
    )
    rebate_alert_cost_percent = fields.Float(
        related="company_id.rebate_alert_cost_percent", readonly=False
    )
