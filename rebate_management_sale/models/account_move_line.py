# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    is_rebate_deduction = fields.Boolean(
        string="Rebate Balance Deduction",
        readonly=True,
        copy=True,
        help="The line pays part of the invoice with the customer's rebate "
        "balance (booked on the rebate balance account), or with points or a "
        "coupon paid as a rebate; it never counts toward a rebate.",
    )
    rebate_deduction_kind = fields.Selection(
        [
            ("balance", "Rebate balance"),
            ("goods", "Goods rebate"),
            ("loyalty", "Rebate points or coupon"),
        ],
        readonly=True,
        copy=True,
        help="Goods rebate: the line takes the free units' value off; it counts, "
        "negative, so that free units earn no rebate.",
    )
