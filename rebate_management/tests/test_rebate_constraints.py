# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateConstraints(RebateCommon):
    """Wrong input answers with a clear error and changes nothing."""

    def _agreement_count(self):
        return self.env["rebate.agreement"].search_count([])

    def test_duplicate_thresholds(self):
        count = self._agreement_count()
        with self.assertRaisesText(ValidationError, "same threshold"):
            self._create_agreement(
                [(100.0, 1.0), (100.0, 2.0)], tier_mode="stepped", activate=False
            )
        self.assertEqual(self._agreement_count(), count)
        agreement = self._create_agreement(
            [(0.0, 1.0)], tier_mode="stepped", activate=False
        )
        with self.assertRaisesText(ValidationError, "same threshold"):
            agreement.tier_ids = [Command.create({"threshold": 0.0, "rate": 3.0})]
        self.assertEqual(len(agreement.tier_ids), 1)

    def test_negative_threshold_and_rate(self):
        count = self._agreement_count()
        with self.assertRaisesText(
            ValidationError, "threshold of a rebate tier cannot be negative"
        ):
            self._create_agreement([(-1.0, 1.0)], activate=False)
        with self.assertRaisesText(
            ValidationError, "rate of a rebate tier cannot be negative"
        ):
            self._create_agreement([(0.0, -1.0)], activate=False)
        self.assertEqual(self._agreement_count(), count)

    def test_end_before_start(self):
        count = self._agreement_count()
        with self.assertRaisesText(ValidationError, "cannot be before its start date"):
            self._create_agreement([(0.0, 1.0)], date_end="2024-12-31", activate=False)
        self.assertEqual(self._agreement_count(), count)
        agreement = self._create_agreement([(0.0, 1.0)], activate=False)
        with self.assertRaisesText(ValidationError, "cannot be before its start date"):
            agreement.date_end = "2024-06-30"
        self.assertEqual(str(agreement.date_end), "2025-12-31")

    def test_activation_requirements(self):
        no_tier = self._create_agreement([], activate=False)
        with self.assertRaisesText(UserError, "has no tier"):
            no_tier.action_activate()
        flat_two = self._create_agreement([(0.0, 1.0), (10.0, 2.0)], activate=False)
        with self.assertRaisesText(UserError, "exactly one tier"):
            flat_two.action_activate()
        no_product = self._create_agreement(
            [(0.0, 1.0)], rebate_product_id=False, activate=False
        )
        with self.assertRaisesText(UserError, "rebate product"):
            no_product.action_activate()
        no_journal = self._create_agreement(
            [(0.0, 1.0)], journal_id=False, activate=False
        )
        with self.assertRaisesText(UserError, "credit note journal"):
            no_journal.action_activate()
        agreements = no_tier + flat_two + no_product + no_journal
        self.assertEqual(set(agreements.mapped("state")), {"draft"})
        # an invoice posted now is accrued by none of them
        self._create_invoice([(self.product_x, 1, 100.0)])
        self.assertFalse(agreements.accrual_ids)
        active = self._create_agreement([(0.0, 1.0)])
        with self.assertRaisesText(UserError, "Only draft agreements"):
            active.action_activate()

    def test_delete_agreement_with_accruals(self):
        agreement = self._create_agreement([(0.0, 1.0)])
        self._create_invoice([(self.product_x, 1, 100.0)])
        with self.assertRaisesText(UserError, "cannot be deleted"):
            agreement.unlink()
        self.assertTrue(agreement.exists())
        self.assertEqual(len(agreement.accrual_ids), 1)
        unused = self._create_agreement([(0.0, 1.0)], activate=False)
        unused.unlink()
        self.assertFalse(unused.exists())

    def test_cancel_agreement_drops_unsettled_accruals(self):
        agreement = self._create_agreement([(0.0, 1.0)])
        self._create_invoice([(self.product_x, 1, 100.0)])
        agreement.action_cancel()
        self.assertEqual(agreement.state, "cancelled")
        self.assertFalse(agreement.accrual_ids)
        self._create_invoice([(self.product_x, 1, 100.0)])
        self.assertFalse(agreement.accrual_ids)

    def test_approve_cancelled_settlement(self):
        settlement = self._create_q1_settlement()
        settlement.action_cancel()
        with self.assertRaisesText(UserError, "only draft settlements can be approved"):
            settlement.action_approve()
        self.assertEqual(settlement.state, "cancelled")
