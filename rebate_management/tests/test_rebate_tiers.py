# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateTiers(RebateCommon):
    """R(base) of each tier mode, including bases on and just below thresholds."""

    def _terms(self, tiers, tier_mode="flat", **vals):
        """A draft agreement of ``tiers`` in ``tier_mode``: its R(base) is
        read without activating it."""
        return self._create_agreement(
            tiers, activate=False, tier_mode=tier_mode, **vals
        )

    def _rebates(self, agreement, bases):
        return [agreement._get_rebate(base) for base in bases]

    def test_flat(self):
        agreement = self._terms([(0.0, 2.0)])
        self.assertEqual(
            self._rebates(agreement, [0.0, 1234.56, 5000.0, -500.0]),
            [0.0, 24.69, 100.0, -10.0],
        )

    def test_retroactive(self):
        agreement = self._terms([(1000.0, 2.0), (5000.0, 5.0)], "retroactive")
        self.assertEqual(
            self._rebates(
                agreement, [0.0, 999.99, 1000.0, 4999.0, 5000.0, 8000.0, -50.0]
            ),
            # below the first threshold nothing; on a threshold the whole base
            # at that tier's rate
            [0.0, 0.0, 20.0, 99.98, 250.0, 400.0, 0.0],
        )

    def test_stepped_worked_example(self):
        agreement = self._terms([(0.0, 10.0), (100.0, 20.0), (300.0, 30.0)], "stepped")
        # 100 x 10 % + 200 x 20 % + 3,500 x 30 % = 10 + 40 + 1,050
        self.assertEqual(agreement._get_rebate(3800.0), 1100.0)
        # a fully passed band adds its width, not its upper bound
        self.assertEqual(
            self._rebates(agreement, [50.0, 100.0, 299.0, 300.0, 301.0, 0.0, -10.0]),
            [5.0, 10.0, 49.8, 50.0, 50.3, 0.0, 0.0],
        )

    def test_stepped_first_threshold_above_zero(self):
        agreement = self._terms([(200.0, 10.0), (500.0, 20.0)], "stepped")
        self.assertEqual(
            self._rebates(agreement, [199.0, 200.0, 500.0, 600.0]),
            [0.0, 0.0, 30.0, 50.0],
        )

    def test_quantity_basis_rate_per_unit(self):
        agreement = self._terms(
            [(0.0, 0.5), (100.0, 0.75)], "retroactive", basis="quantity"
        )
        # rates are currency per unit on the quantity basis
        self.assertEqual(self._rebates(agreement, [99.0, 100.0]), [49.5, 75.0])

    def test_tiers_unordered_input(self):
        agreement = self._terms([(300.0, 30.0), (0.0, 10.0), (100.0, 20.0)], "stepped")
        self.assertEqual(agreement._get_rebate(3800.0), 1100.0)
