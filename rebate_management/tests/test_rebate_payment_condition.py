# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import io

from openpyxl import load_workbook

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebatePaymentCondition(RebateCommon):
    """Only customers who pay (on time) earn (issue #14, part 4): each
    invoice counts by the share of it paid, through Odoo's payment register
    and reconciliation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.Settlement = cls.env["rebate.settlement"]
        (cls.product_x | cls.rebate_product).taxes_id = False

    def _invoice(self, amount, date, due, partner=None):
        invoice = self._create_invoice(
            [(self.product_x, amount / 100.0, 100.0)],
            date=date,
            partner=partner,
            post=False,
        )
        invoice.invoice_date_due = due
        invoice.action_post()
        return invoice

    def _pay(self, invoice, amount, date):
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "journal_id": self.bank_journal.id,
                    "amount": amount,
                    "payment_date": date,
                    "payment_difference_handling": "open",
                }
            )
            ._create_payments()
        )

    def test_paid_on_time_counts_the_share_paid_by_due_date_and_grace(self):
        agreement = self._create_agreement(
            [(0.0, 10.0)], payment_condition="paid_on_time", payment_grace_days=5
        )
        on_time = self._invoice(1000.0, "2025-01-10", "2025-02-09")
        half = self._invoice(1000.0, "2025-02-10", "2025-03-12")
        unpaid = self._invoice(500.0, "2025-03-05", "2025-04-04")
        refund = self._create_invoice(
            [(self.product_x, 2, 100.0)], date="2025-03-20", move_type="out_refund"
        )
        self.assertTrue(refund)
        # accrual at posting assumes payment: 10 % of 2,300
        self.assertAccrued(agreement, 230.0)
        self._pay(on_time, 1000.0, "2025-02-14")  # within the 5 grace days
        self._pay(half, 500.0, "2025-03-17")  # the last day of grace
        self._pay(half, 500.0, "2025-03-18")  # a day late
        self._pay(unpaid, 500.0, "2025-04-30")  # late
        # the last invoice is due on 04-04, plus 5 days: no settlement before
        self.assertFalse(
            self.Settlement.close_periods("2025-04-08", agreements=agreement)
        )
        settlement = self.Settlement.close_periods("2025-04-09", agreements=agreement)
        self.assertRecordValues(
            settlement,
            [
                {
                    # 1,000 + 500 on time, the refund in full
                    "base_total": 1300.0,
                    "base_forfeited": 1000.0,
                    "rebate_total": 130.0,
                    "accrued_total": 230.0,
                }
            ],
        )
        settlement.action_approve()
        self.assertEqual(settlement.state, "approved")
        # the statement says, per invoice, what counted and why
        lines = settlement._get_statement_lines()
        self.assertEqual(
            [(line["share"], line["reason"]) for line in lines],
            [
                (1.0, "Paid by 02/14/2025"),
                (0.5, "50.0 % paid by 03/17/2025"),
                (0.0, "Not paid by 04/09/2025"),
                (1.0, "Refund: counts in full"),
            ],
        )
        self.assertEqual(sum(line["rebate"] for line in lines), 130.0)
        sheet = load_workbook(io.BytesIO(settlement._get_statement_xlsx())).worksheets[
            0
        ]
        texts = [cell.value for row in sheet.iter_rows() for cell in row]
        self.assertIn("50.0 % paid by 03/17/2025", texts)

    def test_paid_counts_payments_by_the_close_date(self):
        agreement = self._create_agreement([(0.0, 10.0)], payment_condition="paid")
        first = self._invoice(1000.0, "2025-01-10", "2025-02-09")
        second = self._invoice(1000.0, "2025-02-10", "2025-03-12")
        self._pay(first, 1000.0, "2025-06-01")  # late, but before the close
        self._pay(second, 400.0, "2025-03-01")
        self._pay(second, 600.0, "2025-07-15")  # after the close
        q1, q2 = self.Settlement.close_periods(
            "2025-06-30", agreements=agreement
        ).sorted("date_from")
        self.assertRecordValues(
            q1 | q2,
            [
                {"base_total": 1400.0, "base_forfeited": 600.0, "rebate_total": 140.0},
                {"base_total": 0.0, "base_forfeited": 0.0, "rebate_total": 0.0},
            ],
        )

    def test_rebate_credit_notes_do_not_pay(self):
        """A rebate credit note offset against an invoice is not a payment of
        it; a customer's credit note is."""
        earlier = self._create_agreement(
            [(0.0, 10.0)], payout_method="offset", name="Earlier"
        )
        february = self._invoice(1000.0, "2025-02-10", "2025-02-10")
        self._pay(february, 1000.0, "2025-02-20")
        conditional = self._create_agreement(
            [(0.0, 10.0)],
            payment_condition="paid",
            date_start="2025-04-01",
            product_ids=[(6, 0, self.product_x.ids)],
            name="Paid only",
        )
        may = self._invoice(1000.0, "2025-05-10", "2025-05-10")
        q1 = self.Settlement.close_periods("2025-03-31", agreements=earlier)
        q1.action_approve()
        q1.action_create_credit_note()
        # the rebate (100) went against the oldest open invoice: May's
        self.assertEqual(may.amount_residual, 900.0)
        # a customer credit note of 200 (another product) pays 200 of it
        credit = self._create_invoice(
            [(self.product_z, 1, 200.0)],
            date="2025-05-20",
            move_type="out_refund",
            post=False,
        )
        credit.invoice_line_ids.tax_ids = False
        credit.action_post()
        (credit | may).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
            and not line.reconciled
        ).reconcile()
        self.assertEqual(may.amount_residual, 700.0)
        settlement = self.Settlement.close_periods("2025-06-30", agreements=conditional)
        self.assertRecordValues(
            settlement, [{"base_total": 200.0, "base_forfeited": 800.0}]
        )

    def test_payment_in_another_currency(self):
        agreement = self._create_agreement([(0.0, 10.0)], payment_condition="paid")
        foreign = self.setup_other_currency("EUR", rates=[("2025-01-01", 2.0)])
        invoice = self._create_invoice(
            [(self.product_x, 10, 100.0)],
            date="2025-02-10",
            currency=foreign,
            post=False,
        )
        invoice.invoice_date_due = "2025-03-10"
        invoice.action_post()
        # 1,000 EUR at 2 EUR per unit of the company currency: a base of 500
        self._pay(invoice, 500.0, "2025-03-01")  # half, in EUR
        self.assertEqual(invoice.amount_residual, 500.0)
        self.assertEqual(agreement.accrued_amount, 50.0)
        settlement = self.Settlement.close_periods("2025-03-31", agreements=agreement)
        self.assertRecordValues(
            settlement,
            [{"base_total": 250.0, "base_forfeited": 250.0, "rebate_total": 25.0}],
        )

    def test_payment_before_the_invoice_date_counts(self):
        """A prepayment, dated before the invoice and reconciled with it
        later, paid it on time."""
        agreement = self._create_agreement(
            [(0.0, 10.0)], payment_condition="paid_on_time"
        )
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 1000.0,
                "date": "2025-01-05",
                "journal_id": self.bank_journal.id,
            }
        )
        payment.action_post()
        invoice = self._invoice(1000.0, "2025-02-10", "2025-03-12")
        (payment.move_id | invoice).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        settlement = self.Settlement.close_periods("2025-03-31", agreements=agreement)
        self.assertRecordValues(
            settlement,
            [{"base_total": 1000.0, "base_forfeited": 0.0, "rebate_total": 100.0}],
        )

    def test_grace_days_cannot_be_negative_and_terms_lock(self):
        with self.assertRaisesText(ValidationError, "cannot be negative"):
            self._create_agreement(
                [(0.0, 1.0)],
                activate=False,
                payment_condition="paid_on_time",
                payment_grace_days=-1,
            )
        agreement = self._create_agreement([(0.0, 1.0)])
        with self.assertRaisesText(Exception, "locked since it was approved"):
            agreement.payment_condition = "paid"
