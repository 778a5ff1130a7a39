# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.tools.sql import create_index


class RebateAccrual(models.Model):
    """The rebate one posted invoice or refund line earns for one agreement.

    Written by the accrual engine on rebate.agreement only; the accruals of
    a period add up to the rebate of that period so far.
    """

    _name = "rebate.accrual"
    _description = "Rebate Accrual"
    _order = "date desc, id desc"
    _check_company_auto = True

    # indexed with period_start by init()
    agreement_id = fields.Many2one(
        "rebate.agreement", required=True, ondelete="cascade", readonly=True
    )
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Invoice Line",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    partner_id = fields.Many2one(
        "res.partner", string="Invoiced Contact", readonly=True
    )
    commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        readonly=True,
        index=True,
        help="The agreement's customer (commercial entity), whichever of its "
        "contacts was invoiced.",
    )
    user_id = fields.Many2one(related="agreement_id.user_id", string="Salesperson")
    product_id = fields.Many2one("product.product", readonly=True)
    date = fields.Date(readonly=True)
    period_start = fields.Date(readonly=True)
    period_end = fields.Date(readonly=True)
    base = fields.Float(
        digits="Product Price",
        readonly=True,
        help="Signed base the line adds to its period (untaxed amount in the "
        "agreement currency, or quantity in the product's unit).",
    )
    sales_amount = fields.Monetary(
        string="Sales",
        readonly=True,
        help="Signed untaxed amount of the line in the agreement currency.",
    )
    quantity = fields.Float(
        digits="Product Unit of Measure",
        readonly=True,
        help="Signed quantity of the line in the product's unit of measure.",
    )
    amount = fields.Monetary(
        string="Rebate", readonly=True, help="Signed rebate the line earns."
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    settlement_id = fields.Many2one(
        "rebate.settlement", readonly=True, index="btree_not_null", ondelete="set null"
    )

    def init(self):
        # The accruals of one agreement and period: read at every posting,
        # linked to their settlement at period close.
        create_index(
            self.env.cr,
            "rebate_accrual_agreement_period_index",
            self._table,
            ["agreement_id", "period_start"],
        )
