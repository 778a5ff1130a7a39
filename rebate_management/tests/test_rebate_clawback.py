# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..reports.rebate_statement_xlsx import _credit_note_text
from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateClawback(RebateCommon):
    """A negative settlement is a claw-back (issue #14, part 2): approved like
    any other, paid back by a customer invoice."""

    def _negative_settlement(self):
        agreement = self._create_agreement(
            [(0.0, 2.0)], partner_id=self.other_customer.id
        )
        self._create_invoice([(self.product_x, 1, 100.0)], partner=self.other_customer)
        refund = self._create_invoice(
            [(self.product_x, 3, 100.0)],
            partner=self.other_customer,
            move_type="out_refund",
        )
        settlement = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=agreement
        )
        return settlement, refund

    def test_negative_settlement_is_invoiced(self):
        settlement, _refund = self._negative_settlement()
        self.assertRecordValues(
            settlement, [{"rebate_total": -4.0, "state": "draft", "is_negative": True}]
        )
        self.assertIn("claw-back", settlement.message_ids[:1].body)
        settlement.action_approve()
        self.assertEqual(settlement.state, "approved")
        settlement.action_create_credit_note()
        invoice = settlement.document_id
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "state": "posted",
                    "partner_id": self.other_customer.id,
                    "journal_id": self.sale_journal.id,
                    "amount_untaxed": 4.0,
                    "rebate_settlement_id": settlement.id,
                    "invoice_origin": settlement.name,
                    "ref": "Rebate claw-back Agreement, 01/01/2025 - 03/31/2025",
                }
            ],
        )
        self.assertEqual(invoice.invoice_line_ids.product_id, self.rebate_product)
        self.assertEqual(invoice.invoice_line_ids.price_unit, 4.0)
        self.assertEqual(settlement.state, "done")
        # the customer owes it: a receivable, open until paid
        self.assertEqual(invoice.payment_state, "not_paid")
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertEqual(receivable.balance, invoice.amount_total)
        # the claw-back invoice is the rebate's own document: it never counts
        self.assertFalse(invoice.rebate_accrual_ids)
        self.assertEqual(settlement.agreement_id.accrued_amount, -4.0)

    def test_counted_documents_stay_posted_after_a_clawback(self):
        settlement, refund = self._negative_settlement()
        settlement.action_approve()
        settlement.action_create_credit_note()
        with self.assertRaisesText(UserError, settlement.name):
            refund.button_draft()
        self.assertEqual(refund.state, "posted")

    def test_one_call_pays_out_and_claws_back(self):
        negative, _refund = self._negative_settlement()
        paid = self._create_q1_settlement(rate=5.0)
        self.assertEqual(paid.rebate_total, 50.0)
        settlements = negative | paid
        settlements.action_approve()
        settlements.action_create_credit_note()
        documents = settlements.document_id
        self.assertEqual(
            [(move.move_type, move.amount_untaxed) for move in documents],
            [("out_invoice", 4.0), ("out_refund", 50.0)],
        )
        self.assertEqual(set(settlements.mapped("state")), {"done"})

    def test_interim_true_up_clawed_back(self):
        """The worked example's third quarter: -1,500 invoiced back."""
        agreement = self._create_yearly_agreement(settlement_period="quarter")
        self._create_invoice([(self.product_x, 600, 100.0)], date="2025-02-10")
        self._create_invoice([(self.product_x, 500, 100.0)], date="2025-05-15")
        self._create_invoice(
            [(self.product_x, 200, 100.0)], date="2025-08-20", move_type="out_refund"
        )
        q1, q2, q3 = (
            self.env["rebate.settlement"]
            .close_periods("2025-09-30", agreements=agreement)
            .sorted("date_from")
        )
        (q1 | q2 | q3).action_approve()
        (q1 | q2 | q3).action_create_credit_note()
        self.assertEqual(
            [
                (s.document_id.move_type, s.document_id.amount_untaxed)
                for s in q1 | q2 | q3
            ],
            [("out_refund", 1200.0), ("out_refund", 2100.0), ("out_invoice", 1500.0)],
        )
        # the year so far paid R(90,000) = 1,800, once
        paid = sum(
            s.document_id.amount_untaxed * (-1 if s.is_negative else 1)
            for s in q1 | q2 | q3
        )
        self.assertEqual(paid, 1800.0)

    def test_statement_names_the_invoice(self):
        settlement, _refund = self._negative_settlement()

        self.assertEqual(
            _credit_note_text(settlement), "Claw-back invoice: not issued yet"
        )
        settlement.action_approve()
        settlement.action_create_credit_note()
        self.assertEqual(
            _credit_note_text(settlement),
            f"Claw-back invoice: {settlement.document_id.name}",
        )
