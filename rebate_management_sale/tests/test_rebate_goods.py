# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from xmlrpc.client import Fault

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, tagged

from odoo.addons.rebate_management.tests.common import RebateHttpMixin

from .common import RebateSaleCommon


class RebateGoodsCommon(RebateSaleCommon):
    """A goods agreement of the customer (10 % of product X, paid in goods
    G at 60), 10,000 invoiced in Q1 2025 and paid out: a goods balance of
    1,000."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.goods = cls._create_product(
            name="Goods G", lst_price=60.0, categ_id=cls.categ_other.id
        )
        cls.vat13 = cls.company_data["default_tax_sale"].copy(
            {"name": "VAT 13%", "amount": 13.0}
        )
        cls.agreement = cls._create_agreement(
            [(0.0, 10.0)],
            name="Goods",
            payout_method="goods",
            goods_product_ids=[Command.set(cls.goods.ids)],
            product_ids=[Command.set(cls.product_x.ids)],
        )
        cls._create_invoice([(cls.product_x, 100, 100.0)], date="2025-02-10")
        with freeze_time("2025-04-10"):
            settlement = cls._settle(cls.agreement, "2025-03-31")
        cls.settlement = settlement
        cls.credit = settlement.balance_credit_ids

    def _goods_order(self, qty=20, **vals):
        order = self._create_order([(self.goods, qty, 60.0, self.vat13)], **vals)
        order.action_apply_goods_rebate()
        return order

    def _free_line(self, order):
        return order.order_line.filtered(
            lambda line: line.rebate_deduction_kind == "goods"
        )


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")
class TestRebateGoods(RebateGoodsCommon):
    """Goods rebates (货补), the README's example: a goods balance of 1,000;
    a product at 60 gives 16 free units (960), 40 stays for the next
    order."""

    def test_goods_balance_credited(self):
        self.assertRecordValues(
            self.credit,
            [{"kind": "goods", "amount": 1000.0, "amount_available": 1000.0}],
        )
        self.customer.invalidate_recordset(["rebate_goods_balance", "rebate_balance"])
        self.assertAlmostEqual(self.customer.rebate_goods_balance, 1000.0)
        self.assertAlmostEqual(self.customer.rebate_balance, 0.0)
        self.assertAlmostEqual(self._account_balance(self.customer), 1000.0)

    def test_worked_example(self):
        order = self._goods_order()
        free = self._free_line(order)
        self.assertRecordValues(
            free,
            [
                {
                    "product_id": self.goods.id,
                    "product_uom_qty": -16.0,
                    "price_unit": 60.0,
                    "price_subtotal": -960.0,
                }
            ],
        )
        self.assertEqual(free.tax_id, self.vat13)
        self.assertAlmostEqual(order.rebate_goods_amount, 960.0)
        self.assertAlmostEqual(order.rebate_goods_available, 40.0)
        self.assertAlmostEqual(order.amount_untaxed, 240.0)
        self.assertAlmostEqual(order.amount_tax, 31.2)
        # applying again changes nothing
        order.action_apply_goods_rebate()
        self.assertEqual(self._free_line(order), free)

        order.action_confirm()
        self.assertRecordValues(
            order.rebate_balance_debit_ids,
            [{"credit_id": self.credit.id, "state": "reserved", "amount": 960.0}],
        )
        invoice = order._create_invoices()
        invoice.action_post()
        line = invoice.invoice_line_ids.filtered("is_rebate_deduction")
        self.assertEqual(line.account_id, self.balance_account)
        self.assertEqual(line.rebate_deduction_kind, "goods")
        self.assertEqual((line.quantity, line.debit), (-16.0, 960.0))
        self.assertAlmostEqual(invoice.amount_untaxed, 240.0)
        self.assertAlmostEqual(self.credit.amount_available, 40.0)
        self.assertAlmostEqual(self._account_balance(self.customer), 40.0)
        # the invoiced order still reads what it took and what is left, and
        # applying again changes nothing
        order.invalidate_recordset(["rebate_goods_available"])
        self.assertAlmostEqual(order.rebate_goods_available, 40.0)
        order.action_apply_goods_rebate()
        self.assertEqual(self._free_line(order), free)

        # returning the goods gives the value back to the goods balance
        refund = invoice._reverse_moves()
        refund.action_post()
        self.assertAlmostEqual(self.credit.amount_available, 1000.0)
        self.assertAlmostEqual(self._account_balance(self.customer), 1000.0)
        self.assertAlmostEqual(
            refund.amount_untaxed, 240.0, msg="money for paid units only"
        )

    def test_free_units_earn_nothing(self):
        on_goods = self._create_agreement(
            [(0.0, 10.0)],
            name="Goods sales 2026",
            date_start="2026-01-01",
            date_end="2026-12-31",
            product_ids=[Command.set(self.goods.ids)],
        )
        order = self._goods_order()
        order.action_confirm()
        order._create_invoices().action_post()
        # 4 units paid, 240: 24; the 16 free units earn nothing
        self.assertAccrued(on_goods, 24.0)

    def test_remainder_below_one_unit_stays(self):
        order = self._goods_order(qty=10)
        self.assertAlmostEqual(order.rebate_goods_amount, 600.0)
        self.assertEqual(self._free_line(order).product_uom_qty, -10.0)
        order.action_confirm()
        second = self._goods_order(qty=10)
        # 400 left: 6 units of 60 (360), 40 stays
        self.assertEqual(self._free_line(second).product_uom_qty, -6.0)
        self.assertAlmostEqual(second.rebate_goods_available, 40.0)

    def test_goods_payout_needs_goods(self):
        with self.assertRaisesText(ValidationError, "choose the goods"):
            self._create_agreement(
                [(0.0, 5.0)], name="No goods", payout_method="goods", activate=False
            )

    def test_goods_on_the_quantity_basis(self):
        """A goods agreement on the quantity basis, 2.00 per unit of X: the
        600 units of Q1 (100 + 500) give 1,200 more to the goods balance,
        2,200 in all; an order of 40 at 60 takes 36 free units (2,160), 40
        left."""
        agreement = self._create_agreement(
            [(0.0, 2.0)],
            name="Goods per unit",
            basis="quantity",
            payout_method="goods",
            goods_product_ids=[Command.set(self.goods.ids)],
            product_ids=[Command.set(self.product_x.ids)],
        )
        self._create_invoice([(self.product_x, 500, 20.0)], date="2025-02-12")
        with freeze_time("2025-04-10"):
            settlement = self._settle(agreement, "2025-03-31")
        self.assertAlmostEqual(settlement.rebate_total, 1200.0)
        self.customer.invalidate_recordset(["rebate_goods_balance"])
        self.assertAlmostEqual(self.customer.rebate_goods_balance, 2200.0)
        order = self._goods_order(qty=40)
        self.assertEqual(self._free_line(order).product_uom_qty, -36.0)
        self.assertAlmostEqual(order.rebate_goods_available, 40.0)


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")
class TestRebateGoodsRoles(RebateGoodsCommon, HttpCase, RebateHttpMixin):
    """Who takes goods on an order, on every path: the customer's
    salesperson (the action and XML-RPC), never another salesperson; the
    free line is never written by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        salesman = "base.group_user,sales_team.group_sale_salesman"
        cls.seller = cls._create_rebate_user(
            "goods_seller", "group_rebate_user", groups=salesman
        )
        cls.other_seller = cls._create_rebate_user(
            "goods_other", "group_rebate_user", groups=salesman
        )
        cls.customer.user_id = cls.seller

    def test_other_salesperson_refused(self):
        order = self._create_order(
            [(self.goods, 20, 60.0, self.vat13)], user_id=self.other_seller.id
        )
        with self.assertRaises(Fault):
            self._call(
                self.other_seller, "sale.order", "action_apply_goods_rebate", [order.id]
            )
        with self.assertRaises(AccessError):
            order.with_user(self.other_seller).action_apply_goods_rebate()
        self.assertFalse(self._free_line(order))

    def test_own_salesperson_over_xmlrpc(self):
        order = self._create_order(
            [(self.goods, 20, 60.0, self.vat13)], user_id=self.seller.id
        )
        self._call(self.seller, "sale.order", "action_apply_goods_rebate", [order.id])
        order.invalidate_recordset()
        free = self._free_line(order)
        self.assertEqual(free.product_uom_qty, -16.0)
        # applying again changes nothing
        self._call(self.seller, "sale.order", "action_apply_goods_rebate", [order.id])
        self.assertEqual(self._free_line(order).product_uom_qty, -16.0)
        self.assertCallFails(
            "cannot be written by hand",
            self.seller,
            "sale.order.line",
            "write",
            [free.id],
            {"product_uom_qty": -30.0},
        )
        free.invalidate_recordset()
        self.assertEqual(free.product_uom_qty, -16.0)
