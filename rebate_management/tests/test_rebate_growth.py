# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import datetime

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .. import rebate_maths
from .common import RebateCommon
from .test_rebate_export import find_row, label_value, load

# The growth tiers: from 10 % growth at 2 %, from 25 % at 3 %.
GROWTH_TIERS = ((10.0, 2.0), (25.0, 3.0))
D = datetime.date


@tagged("post_install", "-at_install")
class TestRebateGrowth(RebateCommon):
    """Growth rebates (issue #30, part 2): tiers on the growth over the same
    period a year earlier, on the whole base or on the increase, through
    accrual, close, interim settlements, the statement, the portal, the
    simulation and the effect."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.product_x | cls.product_y | cls.rebate_product).taxes_id = False

    def _growth(self, growth_basis="total", tiers=GROWTH_TIERS, **vals):
        """A quarterly retroactive growth rebate of the customer for 2025."""
        fixed = vals.pop("fixed", False)
        return self._create_agreement(
            [],
            name=vals.pop("name", f"Growth, {growth_basis}"),
            tier_mode=vals.pop("tier_mode", "retroactive"),
            growth_basis=growth_basis,
            tier_ids=[
                Command.create(
                    {
                        "threshold": threshold,
                        "amount_type": "fixed",
                        "fixed_amount": value,
                    }
                    if fixed
                    else {"threshold": threshold, "rate": value}
                )
                for threshold, value in tiers
            ],
            **vals,
        )

    def _sell(self, amount, date, move_type="out_invoice", partner=None):
        return self._create_invoice(
            [(self.product_x, 1, amount)],
            date=date,
            move_type=move_type,
            partner=partner,
        )

    def test_the_worked_example(self):
        total = self._growth(activate=False)
        increase = self._growth("increase", activate=False)
        for base, prior, on_total, on_increase in (
            (130000.0, 100000.0, 3900.0, 900.0),
            (125000.0, 100000.0, 3750.0, 750.0),
            (124999.99, 100000.0, 2500.0, 500.0),
            (110000.0, 100000.0, 2200.0, 200.0),
            (109999.99, 100000.0, 0.0, 0.0),
            (105000.0, 100000.0, 0.0, 0.0),
            (80000.0, 100000.0, 0.0, 0.0),
            # no sales a year earlier: no growth to measure
            (130000.0, 0.0, 0.0, 0.0),
            (130000.0, None, 0.0, 0.0),
            (130000.0, -5000.0, 0.0, 0.0),
        ):
            with self.subTest(base=base, prior=prior):
                self.assertEqual(total._get_rebate(base, prior_base=prior), on_total)
                self.assertEqual(
                    increase._get_rebate(base, prior_base=prior), on_increase
                )
        stepped = self._growth(tier_mode="stepped", activate=False)
        # 2 % from 110,000 to 125,000, 3 % above: 300 + 150
        self.assertEqual(stepped._get_rebate(130000.0, prior_base=100000.0), 450.0)
        flat = self._growth("increase", tier_mode="flat", tiers=((0.0, 5.0),))
        self.assertEqual(flat._get_rebate(130000.0, prior_base=100000.0), 1500.0)
        self.assertEqual(flat._get_rebate(90000.0, prior_base=100000.0), 0.0)

    def test_the_same_dates_a_year_earlier(self):
        window = rebate_maths.prior_year_window
        self.assertEqual(
            window(D(2025, 1, 1), D(2025, 3, 31)), (D(2024, 1, 1), D(2024, 3, 31))
        )
        # a month's last day stays its month's last day, leap years both ways
        self.assertEqual(
            window(D(2029, 2, 1), D(2029, 2, 28)), (D(2028, 2, 1), D(2028, 2, 29))
        )
        self.assertEqual(
            window(D(2028, 2, 29), D(2028, 2, 29)), (D(2027, 2, 28), D(2027, 2, 28))
        )
        self.assertEqual(
            window(D(2025, 1, 15), D(2025, 4, 14)), (D(2024, 1, 15), D(2024, 4, 14))
        )
        self.assertAlmostEqual(rebate_maths.growth_percent(107000.0, 100000.0), 7.0)
        self.assertIsNone(rebate_maths.growth_percent(107000.0, 0.0))

    def test_accrued_and_settled_on_the_whole_base(self):
        self._sell(100000.0, "2024-02-10")  # Q1 last year
        self._sell(40000.0, "2024-05-10")  # Q2 last year
        agreement = self._growth()
        first = self._sell(105000.0, "2025-02-10")
        # 5 % growth: nothing yet
        self.assertEqual(sum(first.rebate_accrual_ids.mapped("amount")), 0.0)
        crossing = self._sell(25000.0, "2025-03-10")
        # 30 %: the invoice crossing 25 % carries 3 % of the whole base
        self.assertEqual(sum(crossing.rebate_accrual_ids.mapped("amount")), 3900.0)
        refund = self._sell(6000.0, "2025-03-20", move_type="out_refund")
        # 124,000: 24 % growth, back to 2 %
        self.assertEqual(sum(refund.rebate_accrual_ids.mapped("amount")), -1420.0)
        self._sell(6000.0, "2025-03-25")
        self.assertAccrued(agreement, 3900.0, "2025-01-01")
        self._sell(30000.0, "2025-05-10")  # Q2: 25 % below last year
        settlements = self._close("2025-06-30", agreement)
        self.assertRecordValues(
            settlements.sorted("date_from"),
            [
                {
                    "base_total": 130000.0,
                    "base_prior": 100000.0,
                    "growth_percent": 30.0,
                    "rebate_total": 3900.0,
                    "accrued_total": 3900.0,
                },
                {
                    "base_total": 30000.0,
                    "base_prior": 40000.0,
                    "growth_percent": -25.0,
                    "rebate_total": 0.0,
                    "accrued_total": 0.0,
                },
            ],
        )
        q1 = settlements.sorted("date_from")[0]
        self.assertEqual(
            q1.growth_note,
            "Growth of 30.00 % over the same period a year earlier "
            "(01/01/2024 to 03/31/2024: $\xa0100,000.00).",
        )
        # recomputed from the source documents, the same figures
        q1.action_recompute()
        self.assertRecordValues(q1, [{"base_prior": 100000.0, "rebate_total": 3900.0}])
        q1.action_approve()
        self.assertEqual(q1.state, "approved")

    def test_settled_on_the_increase_only(self):
        self._sell(100000.0, "2024-02-10")
        agreement = self._growth("increase")
        self._sell(130000.0, "2025-02-10")
        self.assertAccrued(agreement, 900.0)
        settlement = self._close("2025-03-31", agreement)
        self.assertRecordValues(
            settlement,
            [{"base_total": 130000.0, "base_prior": 100000.0, "rebate_total": 900.0}],
        )
        # the lines share the rebate by their base: the effective rate
        sheet = load(settlement._get_statement_xlsx()).active
        self.assertEqual(label_value(sheet, "Base a year earlier"), 100000.0)
        self.assertEqual(label_value(sheet, "Growth (%)"), 30.0)
        self.assertEqual(label_value(sheet, "Growth rebate"), "On the increase only")
        header = find_row(sheet, "Date")
        self.assertEqual(sheet.cell(header, 6).value, "Effective rate (%)")
        self.assertEqual(
            [cell.value for cell in sheet[header + 1]][4:7], [130000.0, 0.692308, 900.0]
        )
        tier_header = find_row(sheet, "From growth (%)")
        self.assertEqual(
            [
                [cell.value for cell in sheet[row]][:4]
                for row in range(tier_header, tier_header + 3)
            ],
            [
                ["From growth (%)", "Up to growth (%)", "Rate (%)", "Reached"],
                [10.0, 25.0, 2.0, None],
                [25.0, None, 3.0, "✓ Reached"],
            ],
        )

    def test_no_sales_a_year_earlier_no_growth_rebate(self):
        agreement = self._growth()
        self._sell(130000.0, "2025-02-10")
        self.assertAccrued(agreement, 0.0)
        settlement = self._close("2025-03-31", agreement)
        self.assertRecordValues(
            settlement,
            [
                {
                    "base_total": 130000.0,
                    "base_prior": 0.0,
                    "rebate_total": 0.0,
                    "state": "done",
                }
            ],
        )
        why = (
            "No growth rebate: no sales from 01/01/2024 to 03/31/2024, the same "
            "period a year earlier, to measure a growth against."
        )
        self.assertEqual(settlement.growth_note, why)
        sheet = load(settlement._get_statement_xlsx()).active
        self.assertTrue(find_row(sheet, why))
        self.assertEqual(label_value(sheet, "Base a year earlier"), 0.0)
        with self.assertRaises(AssertionError):
            find_row(sheet, "Growth (%)")

    def test_a_lump_sum_on_a_growth_threshold(self):
        self._sell(100000.0, "2024-02-10")
        agreement = self._growth(tiers=((25.0, 5000.0),), fixed=True)
        self._sell(124999.0, "2025-02-10")
        self.assertAccrued(agreement, 0.0)
        self._sell(1.0, "2025-03-10")
        self.assertAccrued(agreement, 5000.0)
        settlement = self._close("2025-03-31", agreement)
        self.assertRecordValues(
            settlement, [{"base_total": 125000.0, "rebate_total": 5000.0}]
        )
        self.assertEqual(
            agreement.tier_ids._describe(), "from 25.00 % growth: $\xa05,000.00"
        )

    def test_settled_once_a_year(self):
        self._sell(60000.0, "2024-03-10")
        self._sell(40000.0, "2024-10-10")
        agreement = self._growth(period="year")
        self._sell(70000.0, "2025-04-10")
        self._sell(59999.99, "2025-11-10")
        # the year: 129,999.99 against 100,000, 30 % growth less a cent
        self.assertAccrued(agreement, 3900.0)
        settlement = self._close("2025-12-31", agreement)
        self.assertRecordValues(
            settlement,
            [
                {
                    "date_from": D(2025, 1, 1),
                    "date_to": D(2025, 12, 31),
                    "base_total": 129999.99,
                    "base_prior": 100000.0,
                    "rebate_total": 3900.0,
                    "state": "draft",
                }
            ],
        )
        self.assertEqual(agreement.state, "closed")

    def test_interim_parts_measure_the_year_against_last_year(self):
        for date in ("2024-02-10", "2024-05-10", "2024-08-10", "2024-11-10"):
            self._sell(25000.0, date)
        agreement = self._growth(period="year", settlement_period="quarter")
        self._sell(130000.0, "2025-02-10")
        q1 = self._close("2025-03-31", agreement)
        # the year to date, 130,000, against last year's 100,000
        self.assertRecordValues(
            q1,
            [
                {
                    "base_cumulative": 130000.0,
                    "base_prior": 100000.0,
                    "rebate_total": 3900.0,
                    "is_interim": True,
                }
            ],
        )
        q1.action_approve()
        self._sell(30000.0, "2025-05-10", move_type="out_refund")
        q2 = self._close("2025-06-30", agreement)
        # 100,000 to date: no growth, what Q1 paid is taken back
        self.assertRecordValues(
            q2,
            [
                {
                    "base_cumulative": 100000.0,
                    "rebate_previous": 3900.0,
                    "rebate_total": -3900.0,
                }
            ],
        )

    def test_said_to_the_customer_on_the_portal(self):
        self._sell(100000.0, "2024-02-10")
        agreement = self._growth()
        self._sell(107000.0, "2025-02-10")
        progress = agreement._get_portal_progress(D(2025, 2, 15))
        self.assertEqual(
            progress["growth_label"],
            "You are 7.00 % above last year ($\xa0100,000.00). 3.00 points of "
            "growth to the 2.00 % tier.",
        )
        # the next tier as a base to reach: 110,000
        self.assertEqual(
            (progress["next_threshold"], progress["to_next"], progress["rebate"]),
            (110000.0, 3000.0, 0.0),
        )
        self._sell(20000.0, "2025-03-10")
        progress = agreement._get_portal_progress(D(2025, 3, 15))
        self.assertEqual(
            progress["growth_label"],
            "You are 27.00 % above last year ($\xa0100,000.00).",
        )
        self.assertEqual(
            (progress["tier_label"], progress["rebate"]), ("3.00 %", 3810.0)
        )
        # the terms as the customer reads them
        self.assertEqual(
            agreement.tier_ids.sorted("threshold").mapped("threshold_label"),
            ["10.00 % growth", "25.00 % growth"],
        )
        later = agreement._get_portal_progress(D(2025, 5, 15))
        self.assertEqual(
            later["growth_label"],
            "No sales in the same period last year: there is no growth to "
            "measure, and no growth rebate.",
        )
        # no tier to reach: none reached, none next
        self.assertEqual((later["tier"], later["next_threshold"]), (None, None))

    def test_growth_on_the_whole_base_starts_from_retroactive_tiers(self):
        form = Form(self.env["rebate.agreement"])
        self.assertEqual(form.tier_mode, "flat")
        form.growth_basis = "total"
        self.assertEqual(form.tier_mode, "retroactive")

    def test_simulated_on_past_sales(self):
        self._sell(100000.0, "2023-02-10")
        self._sell(130000.0, "2024-02-10")
        self._sell(50000.0, "2024-05-10")
        draft = self._growth(activate=False)
        result = draft.simulate("2024-01-01", "2024-06-30")
        self.assertEqual(
            [
                (row["base"], row["base_prior"], row["rebate"])
                for row in result["periods"]
            ],
            [(130000.0, 100000.0, 3900.0), (50000.0, 0.0, 0.0)],
        )
        self.assertEqual(result["rebate"], 3900.0)
        html = str(draft._render_simulation(result))
        self.assertIn("A Year Earlier", html)
        self.assertIn("3.00 % from 25.00 % growth", html)
        increase = self._growth("increase", activate=False)
        self.assertEqual(increase.simulate("2024-01-01", "2024-06-30")["rebate"], 900.0)

    def test_the_effect_counts_the_growth_rebate(self):
        self._sell(100000.0, "2024-02-10")
        agreement = self._growth()
        self._sell(130000.0, "2025-02-10")
        agreement._refresh_effect(force=True)
        self.assertRecordValues(
            agreement,
            [
                {
                    "effect_sales": 130000.0,
                    "effect_sales_prior": 100000.0,
                    "effect_rebate": 3900.0,
                }
            ],
        )

    def test_prior_bases_read_in_the_close_s_own_batch(self):
        agreements = self.env["rebate.agreement"]
        partners = self.env["res.partner"].create(
            [{"name": f"Grower {index}"} for index in range(6)]
        )
        for partner in partners:
            self._sell(100000.0, "2024-02-10", partner=partner)
            self._sell(130000.0, "2025-02-10", partner=partner)
        for partner in partners:
            agreements |= self._growth(name=partner.name, partner_id=partner.id)
        counts = []
        # (the first close reads what every later one finds cached; one
        # settlement is numbered apart, several in one query)
        for batch in (agreements[:1], agreements[1:3], agreements[3:]):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            settlements = self._close("2025-03-31", batch)
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(settlements.mapped("rebate_total"), [3900.0] * len(batch))
        # two agreements or three: the same queries
        self.assertEqual(counts[1], counts[2])

    def test_terms_the_engine_cannot_price_are_refused(self):
        cases = (
            ("below -100", {"tiers": ((-150.0, 1.0),)}, "from -100"),
            (
                "increase with lump sums",
                {"growth_basis": "increase", "tiers": ((25.0, 5000.0),), "fixed": True},
                "on the whole base",
            ),
            (
                "a flat rate on the whole base",
                {"tier_mode": "flat", "tiers": ((10.0, 2.0),)},
                "pays whatever the growth",
            ),
            (
                "a decline on the increase",
                {"growth_basis": "increase", "tiers": ((-10.0, 2.0), (10.0, 3.0))},
                "0 % or more",
            ),
            (
                "a lump sum at -100",
                {"tiers": ((-100.0, 500.0),), "fixed": True},
                "above -100 %",
            ),
        )
        for name, vals, text in cases:
            with self.subTest(name), self.assertRaisesText(ValidationError, text):
                growth_basis = vals.pop("growth_basis", "total")
                self._growth(growth_basis, activate=False, name=name, **vals)
        self.assertFalse(
            self.env["rebate.agreement"].search([("name", "in", [c[0] for c in cases])])
        )
        # a decline is a valid threshold on the whole base
        declining = self._growth(tiers=((-10.0, 1.0), (10.0, 2.0)), activate=False)
        self.assertEqual(declining._get_rebate(95000.0, prior_base=100000.0), 950.0)
        # changed afterwards: refused, and nothing written
        with self.assertRaisesText(ValidationError, "0 % or more"):
            declining.growth_basis = "increase"
        with self.assertRaisesText(ValidationError, "from -100"):
            declining.tier_ids[0].threshold = -120.0
        declining.invalidate_recordset()
        self.assertEqual(
            (
                declining.growth_basis,
                declining.tier_ids.sorted("threshold")[0].threshold,
            ),
            ("total", -10.0),
        )
        # a lump sum switched to the increase
        lump = self._growth(tiers=((25.0, 5000.0),), fixed=True, activate=False)
        with self.assertRaisesText(ValidationError, "on the whole base"):
            lump.growth_basis = "increase"
        # without growth, thresholds are bases again: no negative one
        with self.assertRaisesText(ValidationError, "cannot be negative"):
            declining.growth_basis = "none"
