# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import UserError

# what only the balance's own methods set on a deduction line
DEDUCTION_FIELDS = frozenset(
    {
        "is_rebate_deduction",
        "rebate_deduction_kind",
        "price_unit",
        "product_uom_qty",
        "discount",
        "tax_id",
        "product_id",
    }
)


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    is_rebate_deduction = fields.Boolean(
        string="Rebate Balance Deduction",
        readonly=True,
        copy=False,
        help="The line pays part of the order with the customer's rebate "
        "balance (Use Rebate Balance).",
    )

    rebate_deduction_kind = fields.Selection(
        [("balance", "Rebate balance"), ("goods", "Goods rebate")],
        readonly=True,
        copy=False,
    )

    def _compute_tax_id(self):
        """A deduction keeps the taxes of the goods it is taken from."""
        return super(
            SaleOrderLine, self - self.filtered("is_rebate_deduction")
        )._compute_tax_id()

    def _compute_price_unit(self):
        """A deduction keeps the amount the balance gave it."""
        return super(
            SaleOrderLine, self - self.filtered("is_rebate_deduction")
        )._compute_price_unit()

    def _is_not_sellable_line(self):
        return self.is_rebate_deduction or super()._is_not_sellable_line()

    def _can_be_invoiced_alone(self):
        return super()._can_be_invoiced_alone() and not self.is_rebate_deduction

    def _prepare_invoice_line(self, **optional_values):
        """A deduction is booked on the rebate balance account, which it
        draws down."""
        vals = super()._prepare_invoice_line(**optional_values)
        if self.is_rebate_deduction:
            account = self.company_id._get_rebate_balance_account()
            vals.update(
                is_rebate_deduction=True,
                rebate_deduction_kind=self.rebate_deduction_kind,
                account_id=account.id,
            )
        elif self._is_rebate_loyalty_line():
            # points or a coupon paid as a rebate: the discount pays the
            # rebate, on Loyalty's own account; it counts toward no rebate
            vals.update(is_rebate_deduction=True, rebate_deduction_kind="loyalty")
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        applying = self.env.context.get("rebate_balance_apply")
        if not applying:
            deduction = self.env.ref(
                "rebate_management_sale.product_rebate_balance",
                raise_if_not_found=False,
            )
            for vals in vals_list:
                if vals.get("is_rebate_deduction") or (
                    deduction and vals.get("product_id") == deduction.id
                ):
                    raise UserError(self._get_deduction_edit_error())
        lines = super().create(vals_list)
        if not applying:
            lines.order_id._refresh_rebate_balance()
        return lines

    def write(self, vals):
        applying = self.env.context.get("rebate_balance_apply")
        if (
            not applying
            and DEDUCTION_FIELDS & set(vals)
            and (
                self.filtered("is_rebate_deduction") or vals.get("is_rebate_deduction")
            )
        ):
            raise UserError(self._get_deduction_edit_error())
        result = super().write(vals)
        if not applying and self._get_deduction_base_fields() & set(vals):
            self.order_id._refresh_rebate_balance()
        return result

    def unlink(self):
        orders = self.filtered(lambda line: not line.is_rebate_deduction).order_id
        result = super().unlink()
        if not self.env.context.get("rebate_balance_apply"):
            orders.exists()._refresh_rebate_balance()
        return result

    def _is_rebate_loyalty_line(self):
        """A reward line of points or a coupon paid as a rebate: it pays the
        customer's rebate and counts toward no rebate base."""
        self.ensure_one()
        return bool(self.reward_id and self.coupon_id.rebate_funded)

    @api.model
    def _get_deduction_base_fields(self):
        """The line fields a deduction is computed from: writing one
        recomputes the order's deduction within the caps."""
        return {"product_uom_qty", "price_unit", "discount", "tax_id", "product_id"}

    def _get_deduction_edit_error(self):
        return self.env._(
            "A rebate balance deduction is set by Use Rebate Balance, within the "
            "customer's balance and the caps; it cannot be written by hand. "
            "Remove the line, or use the balance again after changing the order."
        )
