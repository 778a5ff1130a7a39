# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


def _setting(field_type, name):
    """The settings' editable mirror of the company's field ``name`` (a
    ``field_type``): the one definition stays on ``res.company``."""
    return field_type(related=f"company_id.{name}", readonly=False)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rebate_four_eyes = _setting(fields.Boolean, "rebate_four_eyes")
    rebate_credit_hold_days = _setting(fields.Integer, "rebate_credit_hold_days")
    rebate_near_tier_percent = _setting(fields.Float, "rebate_near_tier_percent")
    rebate_alert_surge_days = _setting(fields.Integer, "rebate_alert_surge_days")
    rebate_alert_surge_percent = _setting(fields.Float, "rebate_alert_surge_percent")
    rebate_alert_return_days = _setting(fields.Integer, "rebate_alert_return_days")
    rebate_alert_cost_percent = _setting(fields.Float, "rebate_alert_cost_percent")
