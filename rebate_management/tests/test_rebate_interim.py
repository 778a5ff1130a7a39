# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import io
from unittest.mock import patch

from openpyxl import load_workbook

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateInterim(RebateCommon):
    """Tiers measured on the year, paid every quarter with a true-up (issue
    #14, part 1): R(base to date) - what was settled before, once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # tiers 0 -> 2 %, 100,000 -> 3 %, retroactive, on the year
        cls.agreement = cls._create_yearly_agreement(
            name="Yearly tiers, quarterly pay", settlement_period="quarter"
        )

    def _sell(self, amount, date, move_type="out_invoice"):
        return self._create_invoice(
            [(self.product_x, amount / 100.0, 100.0)], date=date, move_type=move_type
        )

    def assertSettlement(self, settlement, **expected):
        self.assertRecordValues(settlement, [expected])

    def test_worked_example_quarter_by_quarter(self):
        """The issue's example: 1,200, 2,100, -1,500, 0; the year pays 1,800."""
        self._sell(60000.0, "2025-02-10")
        q1 = self._close("2025-03-31")
        self.assertSettlement(
            q1,
            date_from=fields.Date.to_date("2025-01-01"),
            date_to=fields.Date.to_date("2025-03-31"),
            base_total=60000.0,
            base_cumulative=60000.0,
            rebate_previous=0.0,
            rebate_total=1200.0,
            accrued_total=1200.0,
            is_interim=True,
            state="draft",
        )
        q1.action_approve()
        q1.action_create_credit_note()
        self.assertEqual(q1.document_id.amount_untaxed, 1200.0)

        may = self._sell(50000.0, "2025-05-15")
        q2 = self._close("2025-06-30")
        self.assertSettlement(
            q2,
            date_from=fields.Date.to_date("2025-04-01"),
            date_to=fields.Date.to_date("2025-06-30"),
            base_total=50000.0,
            base_cumulative=110000.0,
            rebate_previous=1200.0,
            rebate_total=2100.0,
            # the May invoice crossed the tier: R(110,000) - R(60,000)
            accrued_total=2100.0,
        )
        self.assertEqual(q2.accrual_ids.move_id, may)
        q2.action_approve()

        self._sell(20000.0, "2025-08-20", move_type="out_refund")
        q3 = self._close("2025-09-30")
        self.assertSettlement(
            q3,
            base_total=-20000.0,
            base_cumulative=90000.0,
            rebate_previous=3300.0,
            rebate_total=-1500.0,
            accrued_total=-1500.0,
            state="draft",
        )

        q4 = self._close("2025-12-31")
        self.assertSettlement(
            q4,
            date_from=fields.Date.to_date("2025-10-01"),
            date_to=fields.Date.to_date("2025-12-31"),
            base_total=0.0,
            base_cumulative=90000.0,
            rebate_previous=1800.0,
            rebate_total=0.0,
            state="done",
        )
        year = q1 | q2 | q3 | q4
        self.assertEqual(sum(year.mapped("rebate_total")), 1800.0)
        self.assertEqual(
            self.agreement._get_rebate(90000.0), sum(year.mapped("rebate_total"))
        )
        self.assertEqual(self.agreement.state, "closed")

    def test_one_close_settles_every_part_in_order(self):
        """Closed once at the year's end, the four parts are those of the
        quarter-by-quarter close, and the year pays what a yearly settlement
        of the same documents pays."""
        self._sell(60000.0, "2025-02-10")
        self._sell(50000.0, "2025-05-15")
        self._sell(20000.0, "2025-08-20", move_type="out_refund")
        yearly = self._create_yearly_agreement(name="Yearly tiers, paid once")
        settlements = self._close("2025-12-31", self.agreement | yearly)
        parts = settlements.filtered(lambda s: s.agreement_id == self.agreement).sorted(
            "date_from"
        )
        self.assertEqual(parts.mapped("rebate_total"), [1200.0, 2100.0, -1500.0, 0.0])
        self.assertEqual(parts.mapped("rebate_previous"), [0.0, 1200.0, 3300.0, 1800.0])
        self.assertEqual(
            parts.mapped("base_cumulative"), [60000.0, 110000.0, 90000.0, 90000.0]
        )
        once = settlements - parts
        self.assertRecordValues(
            once,
            [
                {
                    "base_total": 90000.0,
                    "base_cumulative": 90000.0,
                    "rebate_previous": 0.0,
                    "rebate_total": 1800.0,
                    "is_interim": False,
                }
            ],
        )
        self.assertEqual(sum(parts.mapped("rebate_total")), once.rebate_total)
        # the accruals of each part add up to what it accrued; all of them to
        # the year's rebate
        for part in parts:
            self.assertAlmostEqual(
                sum(part.accrual_ids.mapped("amount")), part.accrued_total, places=2
            )
        self.assertAccrued(self.agreement, 1800.0)

    def test_cancel_in_order_and_close_again(self):
        self._sell(60000.0, "2025-02-10")
        self._sell(50000.0, "2025-05-15")
        q1, q2 = self._close("2025-06-30").sorted("date_from")
        with self.assertRaisesText(UserError, "cancel %s first" % q2.name):
            q1.action_cancel()
        self.assertEqual(q1.state, "draft")
        q2.action_cancel()
        q1.action_cancel()
        again = self._close("2025-06-30").sorted("date_from")
        self.assertEqual(len(again), 2)
        self.assertFalse(again & (q1 | q2))
        self.assertEqual(again.mapped("rebate_total"), [1200.0, 2100.0])
        self.assertEqual(again.mapped("rebate_previous"), [0.0, 1200.0])
        # cancelling both at once is in order too
        again.action_cancel()
        self.assertEqual(set(again.mapped("state")), {"cancelled"})

    def test_recompute_and_approve_see_the_parts_before(self):
        """A document posted late in Q1 changes Q1 and, through it, what Q2
        pays: approving a stale part is refused; recomputing both gives each
        its share and the total R(base to date)."""
        self._sell(60000.0, "2025-02-10")
        self._sell(50000.0, "2025-05-15")
        q1, q2 = self._close("2025-06-30").sorted("date_from")
        self._sell(10000.0, "2025-03-20")
        with self.assertRaisesText(UserError, "Recompute it before approving"):
            q1.action_approve()
        q1.action_recompute()
        self.assertRecordValues(q1, [{"base_total": 70000.0, "rebate_total": 1400.0}])
        # Q2's own documents did not change, what was settled before did
        with self.assertRaisesText(UserError, "Recompute it before approving"):
            (q1 | q2).action_approve()
        q2.action_recompute()
        self.assertRecordValues(
            q2,
            [
                {
                    "base_total": 50000.0,
                    "base_cumulative": 120000.0,
                    "rebate_previous": 1400.0,
                    "rebate_total": 2200.0,
                }
            ],
        )
        (q1 | q2).action_approve()
        self.assertEqual(
            sum((q1 | q2).mapped("rebate_total")),
            self.agreement._get_rebate(120000.0),
        )

    def test_rebuild_keeps_an_approved_part(self):
        """Recomputing the accruals keeps those of an approved part and
        accrues the rest of the year on top of its base."""
        self._sell(60000.0, "2025-02-10")
        q1 = self._close("2025-03-31")
        q1.action_approve()
        self._sell(50000.0, "2025-05-15")
        q1_accruals = q1.accrual_ids
        self.agreement.action_recompute_accruals()
        self.assertTrue(q1_accruals.exists())
        self.assertAccrued(self.agreement, 3300.0)
        q2 = self._close("2025-06-30")
        self.assertEqual(q2.accrued_total, 2100.0)

    def test_settlement_period_must_fit_the_period(self):
        with self.assertRaisesText(ValidationError, "no longer than the period"):
            self._create_agreement(
                [(0.0, 1.0)], activate=False, period="quarter", settlement_period="year"
            )
        # a period of five months (as an addon adding one would) cannot be
        # paid quarterly
        Agreement = type(self.env["rebate.agreement"])
        months = {"month": 1, "quarter": 3, "half_year": 5, "year": 12}
        with (
            patch.object(
                Agreement, "_get_period_months", lambda self, period: months[period]
            ),
            self.assertRaisesText(ValidationError, "divide it"),
        ):
            self._create_agreement(
                [(0.0, 1.0)],
                activate=False,
                period="half_year",
                settlement_period="quarter",
            )
        # the same length as the period, or empty: settled once per period
        same = self._create_agreement(
            [(0.0, 1.0)], activate=False, period="quarter", settlement_period="quarter"
        )
        self._sell(1000.0, "2025-02-10")
        same.action_activate()
        settlement = self._close("2025-03-31", same)
        self.assertFalse(settlement.is_interim)
        self.assertEqual(settlement.rebate_total, 10.0)

    def test_settlement_period_is_a_locked_term(self):
        with self.assertRaisesText(UserError, "locked since it was approved"):
            self.agreement.settlement_period = "month"
        draft = self._create_agreement([(0.0, 1.0)], activate=False, period="year")
        with Form(draft) as form:
            form.settlement_period = "half_year"
        self.assertEqual(draft.settlement_period, "half_year")
        self.assertIn(
            "settlement_period", self.env["rebate.agreement"]._get_term_fields()
        )

    def test_statement_shows_base_to_date(self):
        self._sell(60000.0, "2025-02-10")
        self._sell(50000.0, "2025-05-15")
        __, q2 = self._close("2025-06-30").sorted("date_from")
        self.assertEqual(q2._get_reached_tier().threshold, 100000.0)
        content = q2._get_statement_xlsx()
        sheet = load_workbook(io.BytesIO(content)).worksheets[0]
        values = {
            row[0].value: row[1].value
            for row in sheet.iter_rows(max_col=2)
            if row[0].value
        }
        self.assertEqual(values["Base"], 50000.0)
        self.assertEqual(values["Base to date"], 110000.0)
        self.assertEqual(values["Settled before"], 1200.0)
        self.assertEqual(values["Rebate"], 2100.0)

    def test_parts_are_approved_in_order(self):
        self._sell(60000.0, "2025-02-10")
        self._sell(50000.0, "2025-05-15")
        q1, q2 = self._close("2025-06-30").sorted("date_from")
        with self.assertRaisesText(UserError, "Approve %s first" % q1.name):
            q2.action_approve()
        self.assertEqual(q2.state, "draft")
        q1.action_approve()
        q2.action_approve()
        self.assertEqual(q2.state, "approved")
