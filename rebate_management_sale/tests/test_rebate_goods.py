# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import RebateSaleCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")
class TestRebateGoods(RebateSaleCommon):
    """Goods rebates (货补), the README's example: a goods balance of 1,000;
    a product at 60 gives 16 free units (960), 40 stays for the next
    order."""

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
            settlement = cls.env["rebate.settlement"].close_periods(
                "2025-03-31", agreements=cls.agreement
            )
            settlement.action_approve()
            settlement.action_create_credit_note()
        cls.settlement = settlement
        cls.credit = settlement.balance_credit_ids

    def _goods_order(self, qty=20):
        order = self._create_order([(self.goods, qty, 60.0, self.vat13)])
        order.action_apply_goods_rebate()
        return order

    def _free_line(self, order):
        return order.order_line.filtered(
            lambda line: line.rebate_deduction_kind == "goods"
        )

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
