# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    rebate_four_eyes = fields.Boolean(
        string="Rebate Four-Eyes Approval",
        help="Whoever created or last recomputed a rebate settlement cannot "
        "approve it.",
    )
