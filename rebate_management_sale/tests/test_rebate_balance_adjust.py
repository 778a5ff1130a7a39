# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from xmlrpc.client import Fault

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.rebate_management.tests.common import RebateHttpMixin

from .common import RebateSaleCommon


@tagged("post_install", "-at_install")
class TestRebateBalanceAdjust(RebateSaleCommon, HttpCase, RebateHttpMixin):
    """Only an accountant adjusts a balance by hand, with a reason kept in
    the customer's chatter; the books follow."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = cls._create_rebate_user("adj_acc", "group_rebate_accountant")
        cls.manager = cls._create_rebate_user("adj_mgr", "group_rebate_manager")
        cls.expense = cls.company_data["default_account_expense"]

    def _adjust(self, amount, user=None, reason="Goodwill for the late delivery"):
        wizard = (
            self.env["rebate.balance.adjust"]
            .with_user(user or self.accountant)
            .create(
                {
                    "partner_id": self.customer.id,
                    "amount": amount,
                    "account_id": self.expense.id,
                    "reason": reason,
                }
            )
        )
        return wizard.action_adjust()

    def test_accountant_adds_and_takes(self):
        credit = self._adjust(100.0)
        self.assertRecordValues(
            credit,
            [
                {
                    "partner_id": self.customer.id,
                    "amount": 100.0,
                    "amount_available": 100.0,
                    "note": "Goodwill for the late delivery",
                    "settlement_id": False,
                }
            ],
        )
        self.assertEqual(
            self._entry_lines(credit.move_id),
            sorted(
                [
                    (self.balance_account.id, self.customer.id, 0.0, 100.0),
                    (self.expense.id, self.customer.id, 100.0, 0.0),
                ]
            ),
        )
        debit = self._adjust(-40.0, reason="Billing error")
        self.assertRecordValues(
            debit, [{"credit_id": credit.id, "kind": "adjust", "amount": 40.0}]
        )
        self.assertAlmostEqual(credit.amount_available, 60.0)
        self.assertAlmostEqual(self._account_balance(self.customer), 60.0)
        notes = self.customer.message_ids.mapped("body")
        self.assertTrue(any("Billing error" in str(body) for body in notes))
        self.assertTrue(any("Goodwill" in str(body) for body in notes))
        self.assertTrue(any("100.00 added" in str(body) for body in notes))
        self.assertTrue(any("40.00 taken" in str(body) for body in notes))

    def test_bad_adjustments_write_nothing(self):
        self._adjust(100.0)
        moves_before = self.env["account.move"].search_count([])
        with self.assertRaisesText(UserError, "cannot be taken from it"):
            self._adjust(-150.0)
        with self.assertRaisesText(UserError, "Say why"):
            self._adjust(10.0, reason="   ")
        with self.assertRaisesText(UserError, "Enter the amount"):
            self._adjust(0.0)
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)

    def test_only_accountants(self):
        with self.assertRaises(AccessError):
            self._adjust(100.0, user=self.manager)
        with self.assertRaises(Fault):
            self._call(
                self.manager,
                "rebate.balance.adjust",
                "create",
                {
                    "partner_id": self.customer.id,
                    "amount": 100.0,
                    "account_id": self.expense.id,
                    "reason": "x",
                },
            )
        self.assertFalse(self.env["rebate.balance.credit"].search([]))
