# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    rebate_four_eyes = fields.Boolean(
        string="Rebate Four-Eyes Approval",
        help="Whoever created or last recomputed a rebate settlement cannot "
        "approve it.",
    )
    rebate_credit_hold_days = fields.Integer(
        help="While a customer has invoices open more than this many days past "
        "their due date, its rebates are neither approved nor paid out, unless "
        "a sales manager releases the hold. 0: no credit hold.",
    )

    rebate_near_tier_percent = fields.Float(
        string="Rebate Near-Tier Percent",
        default=10.0,
        help="A salesperson gets a to-do when a customer's base of the current "
        "period is within this percent below its next tier. 0: no nudges.",
    )

    @api.constrains("rebate_credit_hold_days")
    def _check_rebate_credit_hold_days(self):
        for company in self:
            if company.rebate_credit_hold_days < 0:
                raise ValidationError(
                    self.env._("The rebate credit hold days cannot be negative.")
                )

    @api.constrains("rebate_near_tier_percent")
    def _check_rebate_near_tier_percent(self):
        for company in self:
            if not 0.0 <= company.rebate_near_tier_percent <= 100.0:
                raise ValidationError(
                    self.env._("The near-tier percent must be between 0 and 100.")
                )
