# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import datetime

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .. import rebate_maths
from .common import RebateCommon
from .test_rebate_export import find_row, load

# The lump sums: 1,000 from 100,000, 3,000 from 200,000.
LUMP_SUMS = ((100000.0, 1000.0), (200000.0, 3000.0))


@tagged("post_install", "-at_install")
class TestRebateLumpSum(RebateCommon):
    """Tiers that pay a fixed amount once their threshold is reached (issue
    #30, part 1): the same engine, accrual, close and interim settlements."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.product_x | cls.product_y | cls.rebate_product).taxes_id = False

    def _lump_sum(self, tier_mode="retroactive", tiers=LUMP_SUMS, **vals):
        return self._create_agreement(
            [],
            name=vals.pop("name", f"Lump sums, {tier_mode}"),
            tier_mode=tier_mode,
            period=vals.pop("period", "year"),
            tier_ids=[
                Command.create(
                    {
                        "threshold": threshold,
                        "amount_type": "fixed",
                        "fixed_amount": amount,
                    }
                )
                for threshold, amount in tiers
            ],
            **vals,
        )

    def _sell(self, amount, date, move_type="out_invoice"):
        return self._create_invoice(
            [(self.product_x, amount / 100.0, 100.0)], date=date, move_type=move_type
        )

    def test_the_worked_example(self):
        retroactive = self._lump_sum(activate=False)
        stepped = self._lump_sum("stepped", activate=False)
        self.assertEqual(retroactive.tier_amount_type, "fixed")
        for base, expected_retroactive, expected_stepped in (
            (250000.0, 3000.0, 4000.0),
            (200000.0, 3000.0, 4000.0),
            (199999.99, 1000.0, 1000.0),
            (100000.0, 1000.0, 1000.0),
            (99999.99, 0.0, 0.0),
            (-5000.0, 0.0, 0.0),
        ):
            with self.subTest(base=base):
                self.assertEqual(retroactive._get_rebate(base), expected_retroactive)
                self.assertEqual(stepped._get_rebate(base), expected_stepped)
        flat = self._lump_sum("flat", tiers=LUMP_SUMS[:1], activate=False)
        self.assertEqual(
            [flat._get_rebate(base) for base in (150000.0, 100000.0, 99999.99)],
            [1000.0, 1000.0, 0.0],
        )
        # the maths alone
        self.assertEqual(
            rebate_maths.fixed_stepped_rebate(250000.0, LUMP_SUMS), (4000.0, 1)
        )
        self.assertEqual(
            rebate_maths.fixed_retroactive_rebate(50.0, LUMP_SUMS), (0.0, None)
        )

    def test_accrued_as_thresholds_are_crossed_and_settled(self):
        agreement = self._lump_sum()
        self._sell(150000.0, "2025-03-10")
        self.assertAccrued(agreement, 1000.0)
        crossing = self._sell(60000.0, "2025-06-10")
        # the invoice that crosses 200,000 carries the jump
        self.assertEqual(sum(crossing.rebate_accrual_ids.mapped("amount")), 2000.0)
        self.assertAccrued(agreement, 3000.0)
        # a refund falling back below it reverses it
        refund = self._sell(20000.0, "2025-09-10", move_type="out_refund")
        self.assertEqual(sum(refund.rebate_accrual_ids.mapped("amount")), -2000.0)
        self.assertAccrued(agreement, 1000.0)
        settlement = self.env["rebate.settlement"].close_periods("2025-12-31")
        self.assertRecordValues(
            settlement,
            [{"base_total": 190000.0, "rebate_total": 1000.0, "accrued_total": 1000.0}],
        )
        # the statement: the lump sum in the tier table, spread over the
        # lines by their base, at the effective rate
        sheet = load(settlement._get_statement_xlsx()).active
        tier_header = find_row(sheet, "From")
        self.assertEqual(
            [
                [cell.value for cell in sheet[row]][:4]
                for row in range(tier_header, tier_header + 3)
            ],
            [
                ["From", "Up to", "Fixed amount (USD)", "Reached"],
                [100000.0, 200000.0, 1000.0, "✓ Reached"],
                [200000.0, None, 3000.0, None],
            ],
        )
        header = find_row(sheet, "Date")
        total = find_row(sheet, "Total")
        self.assertEqual(sheet.cell(header, 6).value, "Effective rate (%)")
        self.assertEqual(
            [
                [cell.value for cell in sheet[row]][4:7]
                for row in range(header + 1, total)
            ],
            [
                [150000.0, 0.526316, 789.47],
                [60000.0, 0.526316, 315.79],
                [-20000.0, 0.526316, -105.26],
            ],
        )
        self.assertEqual(sheet.cell(total, 7).value, 1000.0)

    def test_interim_parts_pay_and_take_back_the_lump_sum(self):
        agreement = self._lump_sum(settlement_period="quarter")
        close = self.env["rebate.settlement"].close_periods
        self._sell(150000.0, "2025-02-10")
        q1 = close("2025-03-31", agreements=agreement)
        self.assertRecordValues(
            q1,
            [{"base_cumulative": 150000.0, "rebate_total": 1000.0, "is_interim": True}],
        )
        q1.action_approve()
        self._sell(60000.0, "2025-05-10", move_type="out_refund")
        q2 = close("2025-06-30", agreements=agreement)
        # 90,000 to date: below the first tier, the lump sum paid is taken back
        self.assertRecordValues(
            q2,
            [
                {
                    "base_cumulative": 90000.0,
                    "rebate_previous": 1000.0,
                    "rebate_total": -1000.0,
                }
            ],
        )
        q2.action_approve()
        self._sell(130000.0, "2025-08-10")
        q3 = close("2025-09-30", agreements=agreement)
        # 220,000 to date: 3,000, of which nothing is left settled
        self.assertRecordValues(
            q3,
            [
                {
                    "base_cumulative": 220000.0,
                    "rebate_previous": 0.0,
                    "rebate_total": 3000.0,
                }
            ],
        )

    def test_the_tiers_pay_one_way_and_never_less_than_nothing(self):
        with self.assertRaisesText(ValidationError, "not both"):
            self._create_agreement(
                [],
                name="Mixed",
                tier_mode="retroactive",
                tier_ids=[
                    Command.create({"threshold": 0.0, "rate": 1.0}),
                    Command.create(
                        {
                            "threshold": 1000.0,
                            "amount_type": "fixed",
                            "fixed_amount": 50.0,
                        }
                    ),
                ],
                activate=False,
            )
        with self.assertRaisesText(ValidationError, "cannot be negative"):
            self._lump_sum(tiers=((1000.0, -50.0),), activate=False)
        with self.assertRaisesText(ValidationError, "without any sale"):
            self._lump_sum(tiers=((0.0, 50.0),), activate=False)
        agreement = self._lump_sum(activate=False)
        with self.assertRaisesText(ValidationError, "not both"):
            agreement.tier_ids[0].amount_type = "rate"
        self.assertEqual(agreement.tier_ids.mapped("amount_type"), ["fixed", "fixed"])

    def test_said_as_amounts_to_the_customer(self):
        agreement = self._lump_sum()
        self.assertEqual(
            agreement.tier_ids.sorted("threshold").mapped("value_label"),
            ["$\xa01,000.00", "$\xa03,000.00"],
        )
        self._sell(150000.0, "2025-03-10")
        progress = agreement._get_portal_progress(datetime.date(2025, 4, 1))
        self.assertEqual(
            (progress["tier_label"], progress["next_rate_label"], progress["rebate"]),
            ("$\xa01,000.00", "$\xa03,000.00", 1000.0),
        )
        self.assertEqual(
            agreement.tier_ids.sorted("threshold")[0]._describe(),
            "from $\xa0100,000.00: $\xa01,000.00",
        )

    def test_the_effect_counts_the_lump_sum(self):
        self._sell(100000.0, "2024-05-10")
        agreement = self._lump_sum()
        self._sell(250000.0, "2025-05-10")
        agreement._refresh_effect(force=True)
        self.assertRecordValues(
            agreement,
            [
                {
                    "effect_sales": 250000.0,
                    "effect_sales_prior": 100000.0,
                    "effect_rebate": 3000.0,
                    "effect_cost_pct": 1.2,
                }
            ],
        )

    def test_simulated(self):
        for date, amount in (("2024-03-10", 150000.0), ("2024-06-10", 60000.0)):
            self._sell(amount, date)
        draft = self._lump_sum(activate=False)
        result = draft.simulate()
        self.assertEqual(
            (result["base"], result["rebate"], result["periods"][-1]["rate"]),
            (210000.0, 3000.0, 3000.0),
        )
        self.assertIn("$\xa03,000.00", draft._render_simulation(result))
