# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateCreditHold(RebateCommon):
    """No rebate for customers who do not pay their bills (issue #15, part
    5): approval and payout refused while invoices are overdue beyond the
    company's limit, unless a sales manager releases the hold."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank_journal = cls.company_data["default_journal_bank"]
        (cls.product_x | cls.product_z | cls.rebate_product).taxes_id = False
        cls.env.company.rebate_credit_hold_days = 30
        cls.manager = cls._create_rebate_user("hold_manager", "group_rebate_manager")
        cls.salesperson = cls._create_rebate_user("hold_sales", "group_rebate_user")

    def _invoice(self, amount, date, due, product=None):
        """An invoice of ``product`` (by default Z, which the agreement does
        not count: the settlement stays as computed)."""
        invoice = self._create_invoice(
            [(product or self.product_z, 1, amount)], date=date, post=False
        )
        invoice.invoice_date_due = due
        invoice.action_post()
        return invoice

    def _pay(self, invoice, date):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(
            {"journal_id": self.bank_journal.id, "payment_date": date}
        )._create_payments()

    def _settlement(self):
        """A settlement of 100.00 (10 % of Q1's 1,000.00)."""
        agreement = self._create_agreement(
            [(0.0, 10.0)], product_ids=[Command.set(self.product_x.ids)]
        )
        self._invoice(1000.0, "2025-02-10", "2025-12-31", self.product_x)
        settlement = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=agreement
        )
        self.assertEqual(settlement.rebate_total, 100.0)
        return settlement

    @freeze_time("2025-04-15")
    def test_overdue_invoices_hold_the_rebate_until_paid(self):
        settlement = self._settlement()
        overdue = self._invoice(500.0, "2025-02-01", "2025-03-15")  # 31 days
        # 30 days past due exactly: not more than the limit
        self._invoice(200.0, "2025-02-01", "2025-03-16")
        with self.assertRaisesText(UserError, "is on credit hold") as capture:
            settlement.action_approve()
        message = str(capture.exception)
        self.assertIn(overdue.name, message)
        self.assertIn("more than 30 days", message)
        self.assertEqual(message.count("open"), 1)
        self.assertEqual(settlement.state, "draft")
        self.assertIn(overdue.name, settlement.credit_hold_note)
        self.assertEqual(settlement.credit_hold_move_ids, overdue)
        # paying it lifts the hold by itself
        self._pay(overdue, "2025-04-15")
        settlement.invalidate_recordset(["credit_hold_note"])
        self.assertFalse(settlement.credit_hold_note)
        settlement.action_approve()
        settlement.action_create_credit_note()
        self.assertEqual(settlement.state, "done")

    @freeze_time("2025-04-15")
    def test_a_hold_released_then_a_new_overdue_invoice(self):
        settlement = self._settlement()
        overdue = self._invoice(500.0, "2025-02-01", "2025-03-01")
        for user in (self.salesperson, self.env.user.browse(self.env.uid)):
            if user == self.salesperson:
                with self.assertRaises(AccessError):
                    settlement.with_user(user).action_release_hold("Promised")
        accountant = self._create_rebate_user("hold_acc", "group_rebate_accountant")
        with self.assertRaises(AccessError):
            settlement.with_user(accountant).action_release_hold("Promised")
        with self.assertRaisesText(UserError, "Say why"):
            settlement.with_user(self.manager).action_release_hold("  ")
        self.assertFalse(settlement.hold_released_by_id)
        # through the wizard, as in the form
        wizard = (
            self.env["rebate.settlement.release.hold"]
            .with_user(self.manager)
            .create({"settlement_id": settlement.id, "reason": "Payment plan agreed"})
        )
        wizard.action_release()
        self.assertEqual(settlement.hold_released_by_id, self.manager)
        self.assertEqual(settlement.hold_release_reason, "Payment plan agreed")
        self.assertEqual(settlement.hold_released_move_ids, overdue)
        self.assertIn("Payment plan agreed", settlement.message_ids[0].body)
        settlement.action_approve()
        self.assertEqual(settlement.state, "approved")
        # a new invoice falls overdue before the payout: held again
        late = self._invoice(80.0, "2025-02-10", "2025-03-10")
        with self.assertRaisesText(UserError, late.name):
            settlement.action_create_credit_note()
        self.assertEqual(settlement.state, "approved")
        self.assertFalse(settlement.document_id)
        # the release fields are the workflow's
        with self.assertRaisesText(UserError, "can only be set by its workflow"):
            settlement.sudo().write({"hold_release_reason": "forged"})

    @freeze_time("2025-04-15")
    def test_no_hold_when_off_or_for_a_claw_back(self):
        settlement = self._settlement()
        self._invoice(500.0, "2025-01-01", "2025-01-31")
        self.env.company.rebate_credit_hold_days = 0
        self.assertFalse(settlement.credit_hold_note)
        settlement.action_approve()
        self.assertEqual(settlement.state, "approved")
        with self.assertRaisesText(UserError, "not on credit hold"):
            settlement.with_user(self.manager).action_release_hold("Why not")
