# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rebate_balance_account_id = fields.Many2one(
        related="company_id.rebate_balance_account_id", readonly=False
    )
    rebate_balance_cap_percent = fields.Float(
        related="company_id.rebate_balance_cap_percent", readonly=False
    )
    rebate_balance_cap_amount = fields.Monetary(
        related="company_id.rebate_balance_cap_amount",
        readonly=False,
    )
