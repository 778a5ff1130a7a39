# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
import math

from odoo import Command, api, fields, models

from odoo.addons.rebate_management.tools import integrator_api


class SaleOrder(models.Model):
    """Goods rebates (货补): the customer's goods balance spent as free units
    of its goods agreements' products, at the order's price. Each goods line
    of the order gets a line of the same product, unit price and taxes for
    minus the units the balance covers (whole units only: a remainder
    smaller than one unit stays for the next order), so the invoice shows
    what was given, the balance account falls by it, and the free units,
    netted out of every rebate base, earn nothing."""

    _inherit = "sale.order"

    rebate_goods_amount = fields.Monetary(
        string="Goods Rebate Used",
        compute="_compute_rebate_goods_amount",
        store=True,
        help="The value of the free units this order takes from the customer's "
        "goods balance, untaxed.",
    )
    rebate_goods_available = fields.Monetary(
        string="Goods Balance Left",
        compute="_compute_rebate_goods_available",
        currency_field="company_currency_id",
        help="What the customer's goods balance keeps for other orders once "
        "this one has taken its free units.",
    )

    @api.depends("order_line.price_subtotal", "order_line.rebate_deduction_kind")
    def _compute_rebate_goods_amount(self):
        for order in self:
            order.rebate_goods_amount = order._get_deduction_total("goods")

    @api.depends("partner_id", "company_id", "rebate_goods_amount")
    def _compute_rebate_goods_available(self):
        for order in self:
            order.rebate_goods_available = (
                order._get_rebate_balance_spendable("goods") - order.rebate_goods_amount
            )

    @integrator_api
    def action_apply_goods_rebate(self):
        """Take the order's goods of the customer's goods agreements free,
        as far as its goods balance goes, in whole units. Applying again
        changes nothing unless the order or the balance did."""
        self.check_access("write")
        for order in self:
            order._check_rebate_balance_user()
            order._check_rebate_balance_applicable()
            order._apply_goods_rebate()
        return True

    def _get_goods_rebate_products(self):
        """The products the customer's goods balance is spent on: those of
        its active goods agreements in the order's company."""
        self.ensure_one()
        agreements = (
            self.env["rebate.agreement"]
            .sudo()
            .search(
                [
                    *self._get_customer_agreements_domain(),
                    ("payout_method", "=", "goods"),
                    ("state", "in", ("active", "closed")),
                ]
            )
        )
        return agreements.goods_product_ids

    def _get_goods_rebate_plan(self):
        """[(line, free units)]: the order's lines of goods, in order, each
        with the whole units the goods balance covers at its price."""
        self.ensure_one()
        products = self._get_goods_rebate_products()
        left = self._get_rebate_balance_spendable("goods")
        plan = []
        for line in self.order_line.sorted("sequence"):
            if (
                line.is_rebate_deduction
                or line.display_type
                or line.product_id not in products
                or line.product_uom_qty <= 0
                or line.price_subtotal <= 0
            ):
                continue
            unit_value = line.price_subtotal / line.product_uom_qty
            units = min(line.product_uom_qty, math.floor(left / unit_value + 1e-9))
            if units > 0:
                plan.append((line, units))
                left -= self.currency_id.round(units * unit_value)
        return plan

    def _apply_goods_rebate(self):
        self.ensure_one()
        plan = self._get_goods_rebate_plan()
        current = self.order_line.filtered(
            lambda line: line.rebate_deduction_kind == "goods"
        )
        have = sorted(
            (line.product_id.id, -line.product_uom_qty, line.price_unit)
            for line in current
        )
        want = sorted(
            (line.product_id.id, float(units), line.price_unit) for line, units in plan
        )
        if have == want:
            return
        order = self.with_context(rebate_balance_apply=True)
        order.write(
            {
                "order_line": [Command.unlink(line.id) for line in current]
                + [
                    Command.create(order._prepare_goods_rebate_line_vals(line, units))
                    for line, units in plan
                ]
            }
        )
        if self.state == "sale":
            self._cancel_reservations()
            self._reserve_rebate_balance()

    def _prepare_goods_rebate_line_vals(self, line, units):
        """The line that takes ``units`` of ``line`` off: the same product,
        price, discount and taxes, for minus the units."""
        return {
            "is_rebate_deduction": True,
            "rebate_deduction_kind": "goods",
            "product_id": line.product_id.id,
            "name": self.env._(
                "Goods rebate: %(product)s", product=line.product_id.display_name
            ),
            "product_uom_qty": -units,
            "product_uom": line.product_uom.id,
            "price_unit": line.price_unit,
            "discount": line.discount,
            "tax_id": [Command.set(line.tax_id.ids)],
            "sequence": line.sequence,
        }

    def _get_invoiceable_lines(self, final=False):
        """A goods rebate's line (negative units) goes with the goods it
        takes free: Odoo invoices negative lines on final invoices only."""
        lines = super()._get_invoiceable_lines(final)
        invoiced = lines.product_id
        free = self.order_line.filtered(
            lambda line: line.rebate_deduction_kind == "goods"
            and line.qty_to_invoice < 0
            and line.product_id in invoiced
            and line not in lines
        )
        return lines | free
