# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RebateSaleCommon


@tagged("post_install", "-at_install")
class TestRebateBalanceOrder(RebateSaleCommon):
    """Spending the balance on an order (the worked example of the README):
    2,000 expiring on 31 December and 3,000 six months later; caps 10 % and
    3,000 per order; an order of 20,000 at 13 % in November."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the company's sales tax (booked on its tax account) at 13 % and 9 %
        sales_tax = cls.company_data["default_tax_sale"]
        cls.vat13 = sales_tax.copy({"name": "VAT 13%", "amount": 13.0})
        cls.vat9 = sales_tax.copy({"name": "VAT 9%", "amount": 9.0})
        cls.product_z.lst_price = 100.0
        cls.env.company.write(
            {"rebate_balance_cap_percent": 10.0, "rebate_balance_cap_amount": 3000.0}
        )
        cls.first = cls._create_agreement(
            [(0.0, 10.0)],
            name="First",
            payout_method="balance",
            balance_validity_months=12,
            product_ids=[Command.set(cls.product_x.ids)],
        )
        cls.later = cls._create_agreement(
            [(0.0, 10.0)],
            name="Later",
            payout_method="balance",
            balance_validity_months=12,
            product_ids=[Command.set(cls.product_y.ids)],
        )
        cls._create_invoice(
            [(cls.product_x, 200, 100.0), (cls.product_y, 600, 50.0)],
            date="2025-02-10",
        )
        Settlement = cls.env["rebate.settlement"]
        with freeze_time("2026-01-01"):
            first = Settlement.close_periods("2025-03-31", agreements=cls.first)
            first.action_approve()
            first.action_create_credit_note()
        with freeze_time("2026-07-01"):
            later = Settlement.close_periods("2025-03-31", agreements=cls.later)
            later.action_approve()
            later.action_create_credit_note()
        cls.first_credit = first.balance_credit_ids
        cls.later_credit = later.balance_credit_ids

    def _order(self, lines):
        return self._create_order(lines)

    def _deductions(self, order):
        return order.order_line.filtered("is_rebate_deduction")

    def test_credits_as_the_example_has_them(self):
        self.assertRecordValues(
            self.first_credit + self.later_credit,
            [
                {"amount": 2000.0, "date_expiry": fields.Date.to_date("2026-12-31")},
                {"amount": 3000.0, "date_expiry": fields.Date.to_date("2027-06-30")},
            ],
        )
        with freeze_time("2026-11-10"):
            order = self._order([(self.product_z, 200, 100.0, self.vat13)])
            self.assertAlmostEqual(order.rebate_balance_available, 5000.0)

    @freeze_time("2026-11-10")
    def test_worked_example_one_tax(self):
        order = self._order([(self.product_z, 200, 100.0, self.vat13)])
        order.action_apply_rebate_balance()
        deduction = self._deductions(order)
        self.assertRecordValues(
            deduction,
            [
                {
                    "price_unit": -2000.0,
                    "product_uom_qty": 1.0,
                    "price_subtotal": -2000.0,
                }
            ],
        )
        self.assertEqual(deduction.tax_id, self.vat13)
        self.assertAlmostEqual(order.rebate_balance_amount, 2000.0)
        # what the balance keeps for other orders once this one took its part
        self.assertAlmostEqual(order.rebate_balance_available, 3000.0)
        self.assertAlmostEqual(order.amount_untaxed, 18000.0)
        self.assertAlmostEqual(order.amount_tax, 2340.0)
        self.assertAlmostEqual(order.amount_total, 20340.0)
        # applying again changes nothing
        order.action_apply_rebate_balance()
        self.assertEqual(self._deductions(order), deduction)
        # a quotation reserves nothing
        self.assertAlmostEqual(self.first_credit.amount_available, 2000.0)

        order.action_confirm()
        debit = order.rebate_balance_debit_ids
        self.assertRecordValues(
            debit,
            [
                {
                    "credit_id": self.first_credit.id,
                    "kind": "spend",
                    "state": "reserved",
                    "amount": 2000.0,
                }
            ],
        )
        self.assertAlmostEqual(self.first_credit.amount_available, 0.0)
        self.assertAlmostEqual(self.later_credit.amount_available, 3000.0)
        order.invalidate_recordset(["rebate_balance_available"])
        self.assertAlmostEqual(order.rebate_balance_available, 3000.0)

        invoice = order._create_invoices()
        invoice.action_post()
        self.assertAlmostEqual(invoice.amount_untaxed, 18000.0)
        self.assertAlmostEqual(invoice.amount_tax, 2340.0)
        self.assertAlmostEqual(invoice.amount_total, 20340.0)
        line = invoice.invoice_line_ids.filtered("is_rebate_deduction")
        self.assertEqual(line.account_id, self.balance_account)
        self.assertEqual((line.debit, line.credit), (2000.0, 0.0))
        self.assertRecordValues(debit, [{"state": "done", "move_id": invoice.id}])
        order.invalidate_recordset(["rebate_balance_available"])
        self.assertAlmostEqual(order.rebate_balance_available, 3000.0)
        order.action_apply_rebate_balance()
        self.assertEqual(self._deductions(order), deduction)
        self.assertEqual(self.first_credit.state, "used")
        self.customer.invalidate_recordset(["rebate_balance"])
        self.assertAlmostEqual(self.customer.rebate_balance, 3000.0)
        self.assertAlmostEqual(self._account_balance(self.customer), 3000.0)
        action = self.customer_contact.action_view_rebate_balance()
        self.assertEqual(
            self.env[action["res_model"]].search(action["domain"]),
            self.first_credit + self.later_credit,
        )

    @freeze_time("2026-11-10")
    def test_worked_example_two_tax_groups(self):
        order = self._order(
            [
                (self.product_z, 100, 100.0, self.vat13),
                (self.product_z, 100, 100.0, self.vat9),
            ]
        )
        order.action_apply_rebate_balance()
        deductions = self._deductions(order).sorted(lambda line: line.tax_id.amount)
        self.assertEqual(deductions.mapped("price_unit"), [-1000.0, -1000.0])
        self.assertEqual(deductions.tax_id, self.vat9 + self.vat13)
        self.assertEqual(deductions[0].tax_id, self.vat9)
        self.assertAlmostEqual(order.amount_tax, 1170.0 + 810.0)
        self.assertAlmostEqual(order.amount_untaxed, 18000.0)

    @freeze_time("2026-11-10")
    def test_deduction_lines_never_count(self):
        agreement = self._create_agreement(
            [(0.0, 1.0)],
            name="This year",
            date_start="2026-01-01",
            date_end="2026-12-31",
            product_ids=[Command.set(self.product_z.ids)],
        )
        order = self._order([(self.product_z, 200, 100.0, self.vat13)])
        order.action_apply_rebate_balance()
        order.action_confirm()
        order._create_invoices().action_post()
        self.assertAccrued(agreement, 200.0)

    @freeze_time("2026-11-10")
    def test_changing_lines_recomputes_within_caps(self):
        order = self._order([(self.product_z, 200, 100.0, self.vat13)])
        order.action_apply_rebate_balance()
        product_line = order.order_line.filtered(
            lambda line: not line.is_rebate_deduction
        )
        product_line.product_uom_qty = 100
        self.assertAlmostEqual(order.rebate_balance_amount, 1000.0)
        product_line.product_uom_qty = 400
        # 10 % of 40,000 is 4,000: the per-order cap holds it at 3,000
        self.assertAlmostEqual(order.rebate_balance_amount, 3000.0)

    @freeze_time("2026-11-10")
    def test_cancel_and_refund_give_the_balance_back(self):
        order = self._order([(self.product_z, 200, 100.0, self.vat13)])
        order.action_apply_rebate_balance()
        order.action_confirm()
        self.assertAlmostEqual(self.first_credit.amount_available, 0.0)
        order._action_cancel()
        self.assertEqual(order.rebate_balance_debit_ids.state, "cancelled")
        self.assertAlmostEqual(self.first_credit.amount_available, 2000.0)

        order = self._order([(self.product_z, 200, 100.0, self.vat13)])
        order.action_apply_rebate_balance()
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.action_post()
        refund = invoice._reverse_moves()
        refund.action_post()
        give_back = order.rebate_balance_debit_ids.filtered(
            lambda debit: debit.kind == "refund"
        )
        self.assertRecordValues(
            give_back,
            [
                {
                    "amount": -2000.0,
                    "move_id": refund.id,
                    "credit_id": self.first_credit.id,
                }
            ],
        )
        self.assertAlmostEqual(self.first_credit.amount_available, 2000.0)
        self.assertAlmostEqual(self._account_balance(self.customer), 5000.0)

    @freeze_time("2026-11-10")
    def test_deduction_is_not_written_by_hand(self):
        order = self._order([(self.product_z, 200, 100.0, self.vat13)])
        order.action_apply_rebate_balance()
        deduction = self._deductions(order)
        with self.assertRaisesText(UserError, "cannot be written by hand"):
            deduction.price_unit = -5000.0
        # a discount on the deduction would get past the caps
        with self.assertRaisesText(UserError, "cannot be written by hand"):
            deduction.discount = -100.0
        product = self.env.ref("rebate_management_sale.product_rebate_balance")
        with self.assertRaisesText(UserError, "cannot be written by hand"):
            order.write(
                {
                    "order_line": [
                        Command.create(
                            {"product_id": product.id, "price_unit": -4000.0}
                        )
                    ]
                }
            )
        self.assertAlmostEqual(order.rebate_balance_amount, 2000.0)

    @freeze_time("2026-11-10")
    def test_spending_costs_fixed_queries(self):
        """Posting an invoice that spends a balance costs the same queries
        in the balance's hook whatever the number of its deduction lines
        (tax groups): 1,000 of the first credit each (one more query per
        further credit an order draws on: its new amounts)."""
        vat5 = self.vat9.copy({"name": "VAT 5%", "amount": 5.0})
        one = self._order([(self.product_z, 200, 100.0, self.vat13)])
        three = self._order(
            [
                (self.product_z, 100, 100.0, self.vat13),
                (self.product_z, 100, 100.0, self.vat9),
                (self.product_z, 100, 100.0, vat5),
            ]
        )
        self.env.company.write(
            {"rebate_balance_cap_percent": 0.0, "rebate_balance_cap_amount": 1000.0}
        )
        for order in (one, three):
            order.action_apply_rebate_balance()
            order.action_confirm()
        self.assertEqual(len(self._deductions(three)), 3)
        for order in (one, three):
            self.assertEqual(
                order.rebate_balance_debit_ids.credit_id, self.first_credit
            )
        Move = type(self.env["account.move"])
        spend = Move._spend_rebate_balance
        counts = []

        def counting_spend(moves):
            self.env.flush_all()
            before = self.env.cr.sql_log_count
            result = spend(moves)
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - before)
            return result

        invoices = [order._create_invoices() for order in (one, three)]
        with patch.object(Move, "_spend_rebate_balance", counting_spend):
            for invoice in invoices:
                invoice.action_post()
        self.assertEqual(counts[0], counts[1])
        # two: finding the orders' reserved debits, and writing them spent
        self.assertEqual(counts, [2, 2])
