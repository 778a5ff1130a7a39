# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RebateAgreement(models.Model):
    _inherit = "rebate.agreement"

    payout_method = fields.Selection(
        selection_add=[
            ("balance", "Rebate balance"),
            ("goods", "Goods rebate"),
            ("points", "Loyalty points"),
            ("coupon", "Coupon"),
        ],
        ondelete={
            "balance": "set default",
            "goods": "set default",
            "points": "set default",
            "coupon": "set default",
        },
    )
    balance_validity_months = fields.Integer(
        string="Validity (Months)",
        tracking=True,
        help="A rebate paid into the balance, or as a coupon, can be spent for "
        "this many months from the day it is credited; what is left then "
        "expires. 0: never.",
    )

    goods_product_ids = fields.Many2many(
        "product.product",
        "rebate_agreement_goods_product_rel",
        "agreement_id",
        "product_id",
        string="Goods Given",
        tracking=True,
        help="Goods rebate: the products the customer's goods balance is spent "
        "on, as free units at the order's price.",
    )

    @api.constrains("payout_method", "goods_product_ids")
    def _check_goods_products(self):
        for agreement in self.filtered(lambda a: a.payout_method == "goods"):
            if not agreement.goods_product_ids:
                raise ValidationError(
                    self.env._(
                        "Agreement %(name)s pays its rebates in goods: choose the "
                        "goods its customer may take.",
                        name=agreement.name,
                    )
                )

    @api.constrains("balance_validity_months")
    def _check_balance_validity_months(self):
        for agreement in self:
            if agreement.balance_validity_months < 0:
                raise ValidationError(
                    self.env._(
                        "The balance validity of agreement %(name)s cannot be "
                        "negative.",
                        name=agreement.name,
                    )
                )

    @api.constrains("payout_method", "company_id")
    def _check_balance_account(self):
        for agreement in self.filtered(lambda a: a._pays_into_balance()):
            agreement.company_id._get_rebate_balance_account()

    def _get_balance_payout_methods(self):
        """The payout methods that credit a balance of the customer rather
        than issue a credit note."""
        return {"balance", "goods"}

    def _get_balance_kind(self):
        """Which balance the agreement pays into: ``goods`` or ``balance``."""
        self.ensure_one()
        return "goods" if self.payout_method == "goods" else "balance"

    def _pays_into_balance(self):
        self.ensure_one()
        return self.payout_method in self._get_balance_payout_methods()

    def _get_balance_expiry(self, date):
        """The last day a credit made on ``date`` can be spent (None: it
        never expires)."""
        self.ensure_one()
        if not self.balance_validity_months:
            return None
        return date + relativedelta(months=self.balance_validity_months, days=-1)
