# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebatePayout(RebateCommon):
    """Payout methods (issue #14, part 5): the credit note alone, offset
    against the customer's oldest open invoices, or paid from a bank
    journal; all through Odoo's own reconciliation and payment register."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank_journal = cls.company_data["default_journal_bank"]
        # the rebate product untaxed: the credit note's total is the rebate
        cls.rebate_product.taxes_id = False

    def _settle(self, **agreement_vals):
        """A settlement of 50.00 (5 % of 1,000 in Q1), approved and paid out."""
        agreement = self._create_agreement([(0.0, 5.0)], **agreement_vals)
        self._create_invoice([(self.product_x, 10, 100.0)], date="2025-02-10")
        settlement = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=agreement
        )
        self.assertEqual(settlement.rebate_total, 50.0)
        settlement.action_approve()
        return settlement

    def _open_invoice(self, amount, date, due):
        invoice = self._create_invoice(
            [(self.product_z, 1, amount)], date=date, post=False
        )
        invoice.invoice_date_due = due
        invoice.invoice_line_ids.tax_ids = False
        invoice.action_post()
        return invoice

    def test_credit_note_stays_the_customers_credit(self):
        settlement = self._settle()
        settlement.action_create_credit_note()
        credit_note = settlement.document_id
        self.assertEqual(credit_note.payment_state, "not_paid")
        self.assertEqual(credit_note.amount_residual, 50.0)
        self.assertFalse(settlement.payout_payment_id)

    def test_offset_against_the_oldest_open_invoices(self):
        settlement = self._settle(payout_method="offset")
        # the sales invoice of _settle is open too (due today): the offset
        # takes the oldest due dates first
        newer = self._open_invoice(40.0, "2025-03-01", "2025-05-31")
        older = self._open_invoice(30.0, "2025-03-02", "2025-04-15")
        sales = self.customer.invoice_ids.filtered(
            lambda m: m not in (newer | older) and m.move_type == "out_invoice"
        )
        sales.invoice_date_due = "2025-12-31"
        settlement.action_create_credit_note()
        credit_note = settlement.document_id
        self.assertEqual(credit_note.payment_state, "paid")
        # settled in full by a credit note: Odoo calls the invoice reversed
        self.assertEqual(older.amount_residual, 0.0)
        self.assertEqual(older.payment_state, "reversed")
        self.assertEqual(newer.payment_state, "partial")
        self.assertEqual(newer.amount_residual, 20.0)
        self.assertEqual(sales.payment_state, "not_paid")
        self.assertEqual(settlement.state, "done")

    def test_offset_without_open_invoices_leaves_a_credit(self):
        settlement = self._settle(payout_method="offset")
        # the only open invoice is the one counted: pay it first
        sales = self.customer.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice"
        )
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=sales.ids
        ).create({"journal_id": self.bank_journal.id})._create_payments()
        self.assertIn(sales.payment_state, ("paid", "in_payment"))
        settlement.action_create_credit_note()
        self.assertEqual(settlement.document_id.payment_state, "not_paid")
        # (the last message is the statement sent to the customer, #17)
        notes = settlement.message_ids.filtered(lambda m: m.message_type != "comment")
        self.assertIn("left to the customer's credit", notes[0].body)

    def test_bank_payment_pays_the_customer(self):
        settlement = self._settle(
            payout_method="bank", payout_journal_id=self.bank_journal.id
        )
        settlement.action_create_credit_note()
        payment = settlement.payout_payment_id
        self.assertRecordValues(
            payment,
            [
                {
                    "payment_type": "outbound",
                    "partner_type": "customer",
                    "partner_id": self.customer.id,
                    "journal_id": self.bank_journal.id,
                    "amount": 50.0,
                }
            ],
        )
        self.assertEqual(payment.reconciled_invoice_ids, settlement.document_id)
        self.assertIn(settlement.document_id.payment_state, ("paid", "in_payment"))
        self.assertEqual(settlement.state, "done")

    def test_mixed_methods_in_one_call(self):
        plain = self._create_agreement([(0.0, 5.0)])
        banked = self._create_agreement(
            [(0.0, 5.0)],
            partner_id=self.other_customer.id,
            payout_method="bank",
            payout_journal_id=self.bank_journal.id,
        )
        self._create_invoice([(self.product_x, 10, 100.0)])
        self._create_invoice([(self.product_x, 20, 100.0)], partner=self.other_customer)
        settlements = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=plain | banked
        )
        settlements.action_approve()
        settlements.action_create_credit_note()
        plain_s = settlements.filtered(lambda s: s.agreement_id == plain)
        banked_s = settlements - plain_s
        self.assertFalse(plain_s.payout_payment_id)
        self.assertEqual(plain_s.document_id.payment_state, "not_paid")
        self.assertEqual(banked_s.payout_payment_id.amount, 100.0)
        self.assertEqual(banked_s.payout_payment_id.partner_id, self.other_customer)
        self.assertEqual(set(settlements.mapped("state")), {"done"})

    def test_bank_needs_a_bank_journal(self):
        with self.assertRaisesText(ValidationError, "choose the bank journal"):
            self._create_agreement([(0.0, 1.0)], activate=False, payout_method="bank")
        with self.assertRaisesText(ValidationError, "choose the bank journal"):
            self._create_agreement(
                [(0.0, 1.0)],
                activate=False,
                payout_method="bank",
                payout_journal_id=self.sale_journal.id,
            )
        agreement = self._create_agreement([(0.0, 1.0)], activate=False)
        with self.assertRaisesText(ValidationError, "choose the bank journal"):
            agreement.payout_method = "bank"
        self.assertEqual(agreement.payout_method, "credit_note")

    def test_clawback_invoice_is_left_to_pay(self):
        agreement = self._create_agreement(
            [(0.0, 2.0)],
            partner_id=self.other_customer.id,
            payout_method="bank",
            payout_journal_id=self.bank_journal.id,
        )
        self._create_invoice(
            [(self.product_x, 3, 100.0)],
            partner=self.other_customer,
            move_type="out_refund",
        )
        settlement = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=agreement
        )
        settlement.action_approve()
        settlement.action_create_credit_note()
        self.assertEqual(settlement.document_id.move_type, "out_invoice")
        self.assertEqual(settlement.document_id.payment_state, "not_paid")
        self.assertFalse(settlement.payout_payment_id)
