# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo.tests.common import BaseCase, tagged

from .. import rebate_maths as maths

TIERS = [(0.0, 10.0), (100.0, 20.0), (300.0, 30.0)]


@tagged("post_install", "-at_install")
class TestRebateMaths(BaseCase):
    """The arithmetic on plain values: no database, no ORM."""

    def test_tier_modes(self):
        # the README's example: tiers 0 -> 10 %, 100 -> 20 %, 300 -> 30 %
        self.assertEqual(maths.retroactive_rebate(3800.0, TIERS, 0.01), (1140.0, 2))
        self.assertEqual(maths.stepped_rebate(3800.0, TIERS, 0.01), (1100.0, 2))
        self.assertEqual(maths.flat_rebate(3800.0, TIERS[:1], 0.01), (380.0, 0))
        # a fully passed band adds its width, not its upper bound
        self.assertEqual(maths.stepped_rebate(300.0, TIERS, 0.01), (50.0, 2))
        rebate, index = maths.stepped_rebate(250.0, TIERS, 0.01)
        self.assertAlmostEqual(rebate, 40.0)
        self.assertEqual(index, 1)

    def test_thresholds_reached_within_a_millionth(self):
        tiers = [(100.0, 1.0), (200.0, 2.0)]
        self.assertIsNone(maths.reached_tier_index(99.99, tiers))
        self.assertEqual(maths.reached_tier_index(99.9999996, tiers), 0)
        self.assertEqual(maths.reached_tier_index(199.9999994, tiers), 0)
        self.assertEqual(maths.reached_tier_index(199.9999996, tiers), 1)
        self.assertEqual(maths.retroactive_rebate(50.0, tiers, 1.0), (0.0, None))
        self.assertEqual(maths.stepped_rebate(50.0, tiers, 1.0), (0.0, None))
        self.assertEqual(maths.flat_rebate(50.0, [], 1.0), (0.0, None))
        # touching bounds match one tier each, never two
        self.assertEqual(maths.retroactive_rebate(200.0, tiers, 1.0), (400.0, 1))

    def test_refunds_below_zero(self):
        self.assertEqual(
            maths.retroactive_rebate(-50.0, [(0.0, 2.0)], 0.01), (0.0, None)
        )
        self.assertEqual(maths.flat_rebate(-50.0, [(0.0, 2.0)], 0.01), (-1.0, 0))

    def test_periods(self):
        start, end = date(2025, 1, 31), date(2025, 12, 31)
        self.assertEqual(
            maths.period_of(start, end, 1, date(2025, 3, 1)),
            (date(2025, 2, 28), date(2025, 3, 30)),
        )
        self.assertEqual(
            maths.periods_until(date(2025, 1, 1), end, 3, date(2025, 7, 5)),
            [
                (date(2025, 1, 1), date(2025, 3, 31)),
                (date(2025, 4, 1), date(2025, 6, 30)),
            ],
        )
        # the last period ends with the agreement
        self.assertEqual(
            maths.periods_until(date(2025, 1, 1), date(2025, 5, 15), 3)[-1],
            (date(2025, 4, 1), date(2025, 5, 15)),
        )
        self.assertEqual(maths.add_months(date(2024, 1, 31), 1), date(2024, 2, 29))

    def test_rounding_and_split(self):
        self.assertEqual(maths.round_base(10.0049, "amount", 0.01), 10.0)
        self.assertEqual(maths.round_base(10.0000004, "quantity", 0.01), 10.0)
        self.assertEqual(maths.round_base(1.23456789, "quantity", 0.01), 1.234568)
        # the remainder goes to the heaviest line; the parts add up
        parts = maths.split_amount(10.0, [1.0, 1.0, 1.0], 0.01)
        self.assertEqual(sorted(parts), [3.33, 3.33, 3.34])
        self.assertAlmostEqual(sum(parts), 10.0)
        self.assertEqual(maths.split_amount(5.0, [0.0, 0.0], 0.01), [5.0, 0.0])
        self.assertEqual(maths.split_amount(0.001, [1.0, 2.0], 0.01), [0.0, 0.0])
        self.assertEqual(maths.split_amount(1.0, [], 0.01), [])
