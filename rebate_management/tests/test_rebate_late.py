# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import io

from openpyxl import load_workbook

from odoo.tests import tagged

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateLateDocuments(RebateCommon):
    """Late documents (issue #14, part 3): posted after their period's
    settlement was approved, counted once, in the next settlement."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # quarterly, tiers 0 -> 5 %, 1,000 -> 10 %, retroactive
        cls.agreement = cls._create_agreement(
            [(0.0, 5.0), (1000.0, 10.0)], tier_mode="retroactive"
        )
        cls.Settlement = cls.env["rebate.settlement"]

    def _sell(self, amount, date, move_type="out_invoice"):
        return self._create_invoice(
            [(self.product_x, amount / 100.0, 100.0)], date=date, move_type=move_type
        )

    def _q1_credited(self):
        self._sell(1000.0, "2025-02-10")
        q1 = self._approve_and_pay(self._close("2025-03-31"))
        self.assertEqual(q1.rebate_total, 100.0)
        return q1

    def _year_approved(self):
        """The other customer's yearly agreement (the same tiers): 1,200 sold
        in 2025, the year closed and approved (120); (agreement, year)."""
        agreement = self._create_agreement(
            [(0.0, 5.0), (1000.0, 10.0)],
            tier_mode="retroactive",
            period="year",
            partner_id=self.other_customer.id,
        )
        self._create_invoice([(self.product_x, 12, 100.0)], partner=self.other_customer)
        year = self._close("2025-12-31", agreement)
        self.assertEqual(year.rebate_total, 120.0)
        self.assertEqual(agreement.state, "closed")
        year.action_approve()
        return agreement, year

    def test_worked_example(self):
        """Q1 1,000 credited (100); a refund of 300 dated in February posted
        later; Q2 2,000: 200 + (R(700) - R(1,000)) = 135."""
        q1 = self._q1_credited()
        refund = self._sell(300.0, "2025-02-20", move_type="out_refund")
        self.assertEqual(refund.rebate_accrual_ids.late_settlement_id, q1)
        self._sell(2000.0, "2025-05-10")
        q2 = self._close("2025-06-30")
        self.assertRecordValues(
            q2,
            [
                {
                    "base_total": 2000.0,
                    "adjustment_total": -65.0,
                    "rebate_total": 135.0,
                    "is_adjustment": False,
                }
            ],
        )
        self.assertEqual(q2.late_accrual_ids.move_id, refund)
        # the approved Q1 keeps its amounts, and no longer lists the refund
        self.assertRecordValues(q1, [{"base_total": 1000.0, "rebate_total": 100.0}])
        self.assertNotIn(refund, q1.accrual_ids.move_id)
        # closing again, recomputing, approving: counted once
        self.assertFalse(self._close("2025-06-30"))
        q2.action_recompute()
        self.assertEqual(q2.rebate_total, 135.0)
        self.assertEqual(q2.late_accrual_ids.move_id, refund)
        q2.action_approve()
        q3 = self._close("2025-09-30")
        self.assertEqual(q3.adjustment_total, 0.0)
        self.assertEqual(q3.rebate_total, 0.0)
        # Q2's statement: its own lines split its own 200, the refund apart
        self.assertEqual(
            sum(line["rebate"] for line in q2._get_statement_lines()), 200.0
        )
        self.assertEqual(
            q2._get_late_statement_lines(),
            [
                {
                    "date": refund.invoice_date,
                    "move_name": refund.name,
                    "period_from": q1.date_from,
                    "period_to": q1.date_to,
                    "base": -300.0,
                    "rebate": -65.0,
                }
            ],
        )
        sheet = load_workbook(io.BytesIO(q2._get_statement_xlsx())).worksheets[0]
        texts = [cell.value for row in sheet.iter_rows() for cell in row if cell.value]
        self.assertIn("Late documents", texts)
        self.assertIn(refund.name, texts)
        self.assertIn(-65.0, texts)

    def test_cancel_and_close_again_carries_once(self):
        self._q1_credited()
        refund = self._sell(300.0, "2025-02-20", move_type="out_refund")
        self._sell(2000.0, "2025-05-10")
        q2 = self._close("2025-06-30")
        q2.action_cancel()
        self.assertFalse(
            refund.rebate_accrual_ids.adjustment_settlement_id.filtered(
                lambda s: s.state != "cancelled"
            )
        )
        again = self._close("2025-06-30")
        self.assertEqual(again.adjustment_total, -65.0)
        self.assertEqual(again.rebate_total, 135.0)
        self.assertEqual(refund.rebate_accrual_ids.adjustment_settlement_id, again)

    def test_late_document_posted_after_the_carrier_is_computed(self):
        """A late document posted after the next settlement was computed makes
        it stale: approval asks for a recompute, which carries it."""
        self._q1_credited()
        self._sell(2000.0, "2025-05-10")
        q2 = self._close("2025-06-30")
        self.assertEqual(q2.rebate_total, 200.0)
        refund = self._sell(300.0, "2025-02-20", move_type="out_refund")
        with self.assertRaisesText(Exception, "Recompute it before approving"):
            q2.action_approve()
        q2.action_recompute()
        self.assertRecordValues(
            q2, [{"adjustment_total": -65.0, "rebate_total": 135.0}]
        )
        self.assertEqual(q2.late_accrual_ids.move_id, refund)

    def test_late_document_on_a_cancelled_settlement_is_not_late(self):
        """Q1 approved, a late refund, Q1 cancelled: Q1 is settled again from
        its documents, the refund included, and nothing is carried."""
        self._sell(1000.0, "2025-02-10")
        q1 = self._close("2025-03-31")
        q1.action_approve()
        refund = self._sell(300.0, "2025-02-20", move_type="out_refund")
        self.assertEqual(refund.rebate_accrual_ids.late_settlement_id, q1)
        q1.action_cancel()
        again = self._close("2025-03-31")
        self.assertRecordValues(
            again,
            [{"base_total": 700.0, "rebate_total": 35.0, "adjustment_total": 0.0}],
        )
        self._sell(2000.0, "2025-05-10")
        q2 = self._close("2025-06-30")
        self.assertEqual(q2.adjustment_total, 0.0)
        self.assertEqual(q2.rebate_total, 200.0)

    def test_closed_agreement_gets_an_adjustment_settlement(self):
        agreement, year = self._year_approved()
        year.action_create_credit_note()
        refund = self._create_invoice(
            [(self.product_x, 5, 100.0)],
            partner=self.other_customer,
            move_type="out_refund",
            date="2025-11-15",
        )
        self.assertEqual(refund.rebate_accrual_ids.late_settlement_id, year)
        adjustment = self._close("2026-01-31", agreement)
        self.assertRecordValues(
            adjustment,
            [
                {
                    "is_adjustment": True,
                    "date_from": year.date_from,
                    "date_to": year.date_to,
                    "base_total": -500.0,
                    # R(700) - R(1,200) = 35 - 120
                    "adjustment_total": -85.0,
                    "rebate_total": -85.0,
                    "state": "draft",
                }
            ],
        )
        self.assertEqual(adjustment.accrual_ids.move_id, refund)
        self.assertFalse(self._close("2026-01-31", agreement))
        adjustment.action_approve()
        adjustment.action_create_credit_note()
        self.assertEqual(adjustment.document_id.move_type, "out_invoice")
        self.assertEqual(adjustment.document_id.amount_untaxed, 85.0)
        # the year's settled amount stays as approved
        self.assertEqual(year.rebate_total, 120.0)
        # a second late document after the adjustment: its own adjustment,
        # on the base settled so far (700)
        self._create_invoice(
            [(self.product_x, 4, 100.0)], partner=self.other_customer, date="2025-12-01"
        )
        second = self._close("2026-02-28", agreement)
        # R(1,100) - R(700) = 110 - 35
        self.assertEqual(second.rebate_total, 75.0)

    def test_interim_late_document_is_counted_by_the_next_part(self):
        """Interim: a late document in an approved part is counted by the
        next part of the same period (its base to date), not carried."""
        agreement = self._create_agreement(
            [(0.0, 5.0), (1000.0, 10.0)],
            tier_mode="retroactive",
            period="year",
            settlement_period="quarter",
            partner_id=self.other_customer.id,
        )
        self._create_invoice(
            [(self.product_x, 8, 100.0)], partner=self.other_customer, date="2025-02-10"
        )
        q1 = self._close("2025-03-31", agreement)
        q1.action_approve()
        late = self._create_invoice(
            [(self.product_x, 4, 100.0)], partner=self.other_customer, date="2025-03-10"
        )
        self.assertFalse(late.rebate_accrual_ids.late_settlement_id)
        q2 = self._close("2025-06-30", agreement)
        # R(1,200) - 40
        self.assertRecordValues(
            q2,
            [
                {
                    "base_cumulative": 1200.0,
                    "adjustment_total": 0.0,
                    "rebate_total": 80.0,
                }
            ],
        )

    def test_carriers_in_order_whatever_the_recompute(self):
        """Two late documents carried by two settlements: each measured on
        the base settled before it, whichever is recomputed (the review's
        case: Q1 900 at 5 %, +100 late into Q2, +100 late into Q3)."""
        self._sell(900.0, "2025-02-10")
        q1 = self._close("2025-03-31")
        q1.action_approve()
        self._sell(100.0, "2025-02-11")
        q2 = self._close("2025-06-30")
        self.assertEqual(q2.adjustment_total, 55.0)  # R(1,000) - R(900)
        self._sell(100.0, "2025-02-12")
        q3 = self._close("2025-09-30")
        self.assertEqual(q3.adjustment_total, 10.0)  # R(1,100) - R(1,000)
        q2.action_recompute()
        q3.action_recompute()
        (q2 | q3).action_recompute()
        self.assertEqual((q2.adjustment_total, q3.adjustment_total), (55.0, 10.0))
        q2.action_approve()
        q3.action_approve()
        # the year pays R(1,100) for Q1, once
        self.assertEqual(q1.rebate_total + 55.0 + 10.0, 110.0)

    def test_two_adjustment_settlements_recomputed_together(self):
        agreement, year = self._year_approved()
        self._create_invoice(
            [(self.product_x, 5, 100.0)],
            partner=self.other_customer,
            move_type="out_refund",
        )
        first = self._close("2026-01-31", agreement)
        self._create_invoice([(self.product_x, 4, 100.0)], partner=self.other_customer)
        second = self._close("2026-02-28", agreement)
        self.assertEqual((first.rebate_total, second.rebate_total), (-85.0, 75.0))
        (first | second).action_recompute()
        self.assertEqual((first.rebate_total, second.rebate_total), (-85.0, 75.0))
        self.assertEqual(len(first.late_accrual_ids), 1)
        self.assertEqual(len(second.late_accrual_ids), 1)

    def test_settled_period_stays_once_its_late_documents_are_paid(self):
        self._sell(1000.0, "2025-02-10")
        q1 = self._close("2025-03-31")
        q1.action_approve()
        self._sell(300.0, "2025-02-20", move_type="out_refund")
        self._sell(2000.0, "2025-05-10")
        q2 = self._close("2025-06-30")
        q2.action_approve()
        with self.assertRaisesText(Exception, "cannot be cancelled"):
            q1.action_cancel()
        self.assertEqual(q1.state, "approved")
