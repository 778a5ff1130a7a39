# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import io

from openpyxl import load_workbook

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from ..reports.rebate_statement_xlsx import COL_REBATE
from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebatePenalty(RebateCommon):
    """Commitments with penalties and purchase frequency (issue #15, parts 3
    and 4)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Settlement = cls.env["rebate.settlement"]
        cls.penalty_product = cls.env.ref("rebate_management.product_rebate_penalty")
        (cls.product_x | cls.rebate_product | cls.penalty_product).taxes_id = False

    def _committed_quarter(self, penalty_type, penalty_value, sold):
        """The settlement of Q1 2025 of a 5 % agreement committing to 10,000
        with that penalty, ``sold`` sold on 2025-02-10."""
        agreement = self._create_agreement(
            [(0.0, 5.0)],
            commitment_base=10000.0,
            penalty_type=penalty_type,
            penalty_value=penalty_value,
        )
        self._sell(sold)
        return self._close(agreements=agreement)

    def _document_lines(self, settlement):
        return sorted(
            (line.product_id, line.price_unit)
            for line in settlement.document_id.invoice_line_ids
        )

    def test_worked_example_a_penalty_above_the_rebate_is_invoiced(self):
        settlement = self._committed_quarter("shortfall_percent", 10.0, 6000.0)
        self.assertEqual(settlement.base_total, 6000.0)
        self.assertEqual(settlement.penalty_total, 400.0)
        self.assertEqual(settlement.rebate_total, -100.0)
        self.assertIn("Penalty of", settlement.reward_note)
        self.assertIn("penalty of this period exceeds", settlement.message_ids[0].body)
        settlement.action_approve()
        settlement.action_create_credit_note()
        invoice = settlement.document_id
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.amount_total, 100.0)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(
            self._document_lines(settlement),
            sorted([(self.rebate_product, -300.0), (self.penalty_product, 400.0)]),
        )
        self.assertEqual(settlement.state, "done")

    def test_a_penalty_below_the_rebate_is_a_line_of_the_credit_note(self):
        settlement = self._committed_quarter("fixed", 200.0, 9000.0)
        self.assertEqual(settlement.penalty_total, 200.0)
        self.assertEqual(settlement.rebate_total, 250.0)
        settlement.action_approve()
        settlement.action_create_credit_note()
        credit_note = settlement.document_id
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.amount_total, 250.0)
        self.assertEqual(
            self._document_lines(settlement),
            sorted([(self.rebate_product, 450.0), (self.penalty_product, -200.0)]),
        )
        # the statement: the lines earned 450.00, the penalty takes 200.00
        sheet = load_workbook(io.BytesIO(settlement._get_statement_xlsx())).worksheets[
            0
        ]
        rows = list(sheet.iter_rows(values_only=True))
        values = {row[0]: row[1] for row in rows if row[0]}
        self.assertEqual(values["Penalty"], -200.0)
        self.assertEqual(values["Rebate"], 250.0)
        lines = settlement._get_statement_lines()
        self.assertEqual([line["rebate"] for line in lines], [450.0])
        [line_row] = [row for row in rows if row[1] == lines[0]["move_name"]]
        self.assertEqual(line_row[COL_REBATE], 450.0)

    def test_no_penalty_once_the_commitment_is_met(self):
        settlement = self._committed_quarter("fixed", 200.0, 10000.0)
        self.assertEqual(settlement.penalty_total, 0.0)
        self.assertEqual(settlement.rebate_total, 500.0)
        self.assertFalse(settlement.reward_note)

    def test_a_commitment_on_the_quantity_basis(self):
        agreement = self._create_agreement(
            [(0.0, 1.0)],
            basis="quantity",
            commitment_base=100.0,
            penalty_type="fixed",
            penalty_value=50.0,
        )
        self._create_invoice([(self.product_x, 80, 10.0)], date="2025-02-10")
        settlement = self._close(agreements=agreement)
        self.assertEqual(settlement.base_total, 80.0)
        # 80 units at 1.00, less the fixed penalty
        self.assertEqual(settlement.penalty_total, 50.0)
        self.assertEqual(settlement.rebate_total, 30.0)
        with self.assertRaisesText(ValidationError, "counts quantities"):
            self._create_agreement(
                [(0.0, 1.0)],
                activate=False,
                basis="quantity",
                commitment_base=100.0,
                penalty_type="shortfall_percent",
                penalty_value=10.0,
            )

    def test_penalty_on_an_interim_agreement_falls_on_the_true_up(self):
        agreement = self._create_agreement(
            [(0.0, 5.0)],
            period="year",
            settlement_period="quarter",
            commitment_base=40000.0,
            penalty_type="shortfall_percent",
            penalty_value=10.0,
        )
        self._sell(10000.0, date="2025-02-10")
        self._sell(5000.0, date="2025-05-10")
        self._sell(5000.0, date="2025-11-10")
        settlements = self._close("2025-12-31", agreement).sorted("date_from")
        self.assertEqual(
            [(s.rebate_previous, s.penalty_total, s.rebate_total) for s in settlements],
            [
                (0.0, 0.0, 500.0),
                (500.0, 0.0, 250.0),
                (750.0, 0.0, 0.0),
                # R(20,000) - 750 = 250, less 10 % of the 20,000 short
                (750.0, 2000.0, -1750.0),
            ],
        )
        # approved in order; recomputing the true-up finds the same amounts
        # (Q3, at zero, is done already)
        self.assertEqual(settlements[2].state, "done")
        for settlement in settlements[:2]:
            settlement.action_approve()
        true_up = settlements[3]
        true_up.action_recompute()
        self.assertEqual(true_up.rebate_previous, 750.0)
        self.assertEqual(true_up.penalty_total, 2000.0)
        self.assertEqual(true_up.rebate_total, -1750.0)
        true_up.action_approve()

    def test_bad_commitments_are_refused_and_nothing_written(self):
        agreement = self._create_agreement([(0.0, 5.0)], activate=False)
        cases = [
            ({"commitment_base": -1.0}, "cannot be negative"),
            (
                {
                    "commitment_base": 100.0,
                    "penalty_type": "fixed",
                    "penalty_value": -5.0,
                },
                "cannot be negative",
            ),
            (
                {
                    "commitment_base": 100.0,
                    "penalty_type": "shortfall_percent",
                    "penalty_value": 100.01,
                },
                "cannot exceed 100",
            ),
            ({"penalty_type": "fixed", "penalty_value": 5.0}, "no commitment"),
            ({"min_invoice_count": -1}, "cannot be negative"),
        ]
        for vals, message in cases:
            with self.subTest(vals=vals):
                with self.assertRaisesText(ValidationError, message):
                    agreement.write(vals)
                self.assertEqual(agreement.commitment_base, 0.0)
                self.assertEqual(agreement.penalty_type, "none")
                self.assertEqual(agreement.min_invoice_count, 0)
        # a percent of exactly 100 is allowed
        agreement.write(
            {
                "commitment_base": 100.0,
                "penalty_type": "shortfall_percent",
                "penalty_value": 100.0,
            }
        )
        agreement.penalty_product_id = False
        with self.assertRaisesText(UserError, "penalty product"):
            agreement.action_activate()
        agreement.penalty_product_id = self.penalty_product
        agreement.action_activate()
        # a locked term once approved
        with self.assertRaisesText(UserError, "locked"):
            agreement.commitment_base = 50.0
        with self.assertRaisesText(UserError, "locked"):
            agreement.min_invoice_count = 2

    def test_clearing_the_commitment_in_the_form_clears_the_penalty(self):
        agreement = self._create_agreement(
            [(0.0, 5.0)],
            activate=False,
            commitment_base=1000.0,
            penalty_type="fixed",
            penalty_value=20.0,
        )
        with Form(agreement) as form:
            form.commitment_base = 0.0
        self.assertEqual(agreement.penalty_type, "none")
        self.assertEqual(agreement.penalty_value, 0.0)

    def test_too_few_invoices_earn_no_rebate(self):
        agreement = self._create_agreement([(0.0, 5.0)], min_invoice_count=3)
        self._sell(1000.0, date="2025-01-10")
        self._sell(1000.0, date="2025-02-10")
        self._sell(100.0, date="2025-03-10", move_type="out_refund")
        settlement = self._close(agreements=agreement)
        self.assertEqual(settlement.base_total, 1900.0)
        self.assertEqual(settlement.invoice_count, 2)
        self.assertTrue(settlement.rebate_withheld)
        self.assertEqual(settlement.rebate_total, 0.0)
        self.assertEqual(settlement.state, "done")
        self.assertEqual(
            settlement.reward_note,
            "No rebate: 2 invoice(s) in the period, fewer than the 3 the "
            "agreement asks.",
        )
        # the next quarter has three: its rebate is paid
        for day in ("2025-04-10", "2025-05-10", "2025-06-10"):
            self._sell(1000.0, date=day)
        second = self._close("2025-06-30", agreement)
        self.assertEqual(second.invoice_count, 3)
        self.assertFalse(second.rebate_withheld)
        self.assertEqual(second.rebate_total, 150.0)
