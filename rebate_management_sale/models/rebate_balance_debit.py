# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class RebateBalanceDebit(models.Model):
    """What left a rebate balance credit: spent on an order, expired, or
    taken back; with its entry on the balance account."""

    _name = "rebate.balance.debit"
    _description = "Rebate Balance Debit"
    _order = "date, id"
    _check_company_auto = True

    credit_id = fields.Many2one(
        "rebate.balance.credit",
        required=True,
        readonly=True,
        ondelete="restrict",
        index=True,
    )
    partner_id = fields.Many2one(related="credit_id.partner_id", store=True)
    company_id = fields.Many2one(related="credit_id.company_id", store=True)
    currency_id = fields.Many2one(related="credit_id.currency_id")
    kind = fields.Selection(
        [
            ("spend", "Spent on an order"),
            ("refund", "Given back by a refund"),
            ("clawback", "Taken back by a claw-back"),
            ("adjust", "Adjusted by hand"),
            ("expiry", "Expired"),
        ],
        required=True,
        readonly=True,
    )
    state = fields.Selection(
        [("reserved", "Reserved"), ("done", "Done"), ("cancelled", "Cancelled")],
        required=True,
        readonly=True,
        default="done",
        index=True,
        help="Reserved: held by a confirmed order until its invoice is posted. "
        "Cancelled: the order or document was cancelled; the amount is back on "
        "the balance.",
    )
    settlement_id = fields.Many2one(
        "rebate.settlement",
        string="Claw-back",
        readonly=True,
        index=True,
        check_company=True,
        help="The negative settlement that took it back.",
    )
    sale_order_id = fields.Many2one(
        "sale.order", readonly=True, index=True, check_company=True
    )
    date = fields.Date(required=True, readonly=True)
    note = fields.Text(readonly=True, help="Why an accountant took it by hand.")
    amount = fields.Monetary(required=True, readonly=True)
    move_id = fields.Many2one(
        "account.move",
        string="Entry",
        readonly=True,
        check_company=True,
        help="The invoice that spent it, the refund that gave it back, or the "
        "entry that released it.",
    )
