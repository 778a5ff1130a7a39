# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from io import BytesIO

from freezegun import freeze_time
from openpyxl import load_workbook

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import RebateSaleCommon


@tagged("post_install", "-at_install")
class TestRebateBalanceCredit(RebateSaleCommon):
    """A settlement paid into the rebate balance: the entry that credits
    the liability, the credit and its expiry, and what is refused."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agreement = cls._create_agreement(
            [(0.0, 10.0)],
            payout_method="balance",
            balance_validity_months=12,
        )
        cls._create_invoice([(cls.product_x, 20, 100.0)], date="2025-02-10")

    def _credit(self):
        with freeze_time("2025-04-10"):
            return self._settle(self.agreement, "2025-03-31")

    def test_settlement_credits_the_balance(self):
        settlement = self._credit()
        self.assertEqual(settlement.state, "done")
        self.assertAlmostEqual(settlement.rebate_total, 200.0)
        entry = settlement.document_id
        self.assertEqual(entry.move_type, "entry")
        self.assertEqual(entry.state, "posted")
        self.assertEqual(entry.rebate_settlement_id, settlement)
        self.assertEqual(entry.date, fields.Date.to_date("2025-04-10"))
        self.assertEqual(entry.journal_id, self.company_data["default_journal_misc"])
        self.assertEqual(
            self._entry_lines(entry),
            sorted(
                [
                    (self.income_account.id, self.customer.id, 200.0, 0.0),
                    (self.balance_account.id, self.customer.id, 0.0, 200.0),
                ]
            ),
        )
        credit = settlement.balance_credit_ids
        self.assertEqual(len(credit), 1)
        self.assertRecordValues(
            credit,
            [
                {
                    "partner_id": self.customer.id,
                    "company_id": self.env.company.id,
                    "kind": "balance",
                    "date": fields.Date.to_date("2025-04-10"),
                    "date_expiry": fields.Date.to_date("2026-04-09"),
                    "amount": 200.0,
                    "amount_used": 0.0,
                    "amount_available": 200.0,
                    "state": "open",
                    "move_id": entry.id,
                    "account_id": self.balance_account.id,
                    "release_account_id": self.income_account.id,
                }
            ],
        )
        with freeze_time("2025-04-10"):
            self.customer.invalidate_recordset(["rebate_balance"])
            self.assertAlmostEqual(self.customer.rebate_balance, 200.0)
            # a contact of the customer shows the customer's balance
            self.assertAlmostEqual(self.customer_contact.rebate_balance, 200.0)
        self.assertAlmostEqual(self._account_balance(self.customer), 200.0)

    def test_statement_says_the_rebate_went_to_the_balance(self):
        settlement = self._credit()
        sheet = load_workbook(BytesIO(settlement._get_statement_xlsx())).active
        texts = [cell.value for row in sheet.iter_rows() for cell in row if cell.value]
        self.assertIn(
            "Paid into your rebate balance: $\xa0200.00, to spend on your next orders "
            "until 04/09/2026",
            texts,
        )
        self.assertFalse([t for t in texts if str(t).startswith("Credit note:")])
        # and the mail says it too
        mail = settlement.message_ids.filtered(
            lambda message: message.attachment_ids
            and "rebate balance" in str(message.body)
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("to spend on your next orders", str(mail.body))
        self.assertIn("04/09/2026", str(mail.body))

    def test_settlement_form_speaks_of_the_balance(self):
        settlement = self._credit()
        self.assertTrue(settlement.pays_into_balance)
        arch = self.env["rebate.settlement"].get_view(view_type="form")["arch"]
        self.assertIn('string="Pay into Balance"', arch)
        self.assertIn("Balance Entry", arch)
        self.assertIn("or pays_into_balance", arch)

    def test_expired_credit_is_released_on_its_last_day(self):
        credit = self._credit().balance_credit_ids
        Credit = self.env["rebate.balance.credit"]
        with freeze_time("2026-04-09"):
            Credit._cron_expire_credits()
            self.assertEqual(credit.state, "open", "usable on its last day")
            self.customer.invalidate_recordset(["rebate_balance"])
            self.assertAlmostEqual(self.customer.rebate_balance, 200.0)
        with freeze_time("2026-04-10"):
            self.customer.invalidate_recordset(["rebate_balance"])
            self.assertAlmostEqual(
                self.customer.rebate_balance, 0.0, msg="not spendable once expired"
            )
            Credit._cron_expire_credits()
        self.assertEqual(credit.state, "expired")
        self.assertAlmostEqual(credit.amount_used, 200.0)
        self.assertAlmostEqual(credit.amount_available, 0.0)
        debit = credit.debit_ids
        self.assertRecordValues(
            debit,
            [
                {
                    "kind": "expiry",
                    "amount": 200.0,
                    "date": fields.Date.to_date("2026-04-09"),
                }
            ],
        )
        release = debit.move_id
        self.assertEqual(release.state, "posted")
        self.assertEqual(release.date, fields.Date.to_date("2026-04-09"))
        self.assertEqual(
            self._entry_lines(release),
            sorted(
                [
                    (self.balance_account.id, self.customer.id, 200.0, 0.0),
                    (self.income_account.id, self.customer.id, 0.0, 200.0),
                ]
            ),
        )
        self.assertAlmostEqual(self._account_balance(self.customer), 0.0)
        # run again: nothing more is released
        with freeze_time("2026-05-01"):
            Credit._cron_expire_credits()
        self.assertEqual(len(credit.debit_ids), 1)

    def test_no_expiry_when_validity_is_zero(self):
        self.agreement.balance_validity_months = 0
        credit = self._credit().balance_credit_ids
        self.assertFalse(credit.date_expiry)
        with freeze_time("2030-01-01"):
            self.env["rebate.balance.credit"]._cron_expire_credits()
            self.customer.invalidate_recordset(["rebate_balance"])
            self.assertAlmostEqual(self.customer.rebate_balance, 200.0)
        self.assertEqual(credit.state, "open")

    def test_balance_needs_the_liability_account(self):
        self.env.company.rebate_balance_account_id = False
        with self.assertRaisesText(ValidationError, "has no rebate balance account"):
            self._create_agreement([(0.0, 5.0)], payout_method="balance")
        with self.assertRaisesText(ValidationError, "has no rebate balance account"):
            self._credit()
        self.assertFalse(self.agreement.settlement_ids.document_id)
        self.assertFalse(self.env["rebate.balance.credit"].search([]))

    def test_balance_account_must_be_a_liability(self):
        receivable = self.company_data["default_account_receivable"]
        with self.assertRaisesText(ValidationError, "must be a liability account"):
            self.env.company.rebate_balance_account_id = receivable

    def test_bad_caps_and_validity_are_refused(self):
        company = self.env.company
        with self.assertRaisesText(ValidationError, "between 0 and 100"):
            company.rebate_balance_cap_percent = 120.0
        with self.assertRaisesText(ValidationError, "between 0 and 100"):
            company.rebate_balance_cap_percent = -1.0
        with self.assertRaisesText(ValidationError, "cannot be negative"):
            company.rebate_balance_cap_amount = -5.0
        with self.assertRaisesText(ValidationError, "cannot be negative"):
            self.agreement.balance_validity_months = -1
        company.rebate_balance_cap_percent = 10.0
        company.rebate_balance_cap_amount = 3000.0
        self.assertEqual(company.rebate_balance_cap_percent, 10.0)

    def _claw_back(self, spent=0.0):
        """Credit 200 (Q1), spend ``spent`` of it on an invoice, then refund
        Q1's sales in Q2: a claw-back of 200."""
        settlement = self._credit()
        if spent:
            # (invoiced after the agreement's year: it does not count)
            with freeze_time("2026-01-05"):
                self._spend(spent)
        self._create_invoice(
            [(self.product_x, 20, 100.0)], date="2025-05-05", move_type="out_refund"
        )
        with freeze_time("2026-01-10"):
            negative = self.env["rebate.settlement"].close_periods(
                "2025-06-30", agreements=self.agreement
            )
            self.assertTrue(negative.is_negative)
            self.assertAlmostEqual(negative.rebate_total, -200.0)
            negative.action_approve()
            negative.action_create_credit_note()
        return settlement.balance_credit_ids, negative

    def _spend(self, amount):
        """An order of the customer paying ``amount`` with its balance,
        confirmed and invoiced."""
        self.env.company.rebate_balance_cap_amount = amount
        no_tax = self.env["account.tax"]
        order = self._create_order([(self.product_z, 10, 100.0, no_tax)])
        order.action_apply_rebate_balance()
        order.action_confirm()
        order._create_invoices().action_post()
        self.env.company.rebate_balance_cap_amount = 0.0
        return order

    def test_claw_back_taken_from_the_balance(self):
        """The balance still holds the whole claw-back: it is taken back by
        a journal entry, nothing is invoiced."""
        credit, negative = self._claw_back()
        entry = negative.document_id
        self.assertEqual(entry.move_type, "entry")
        self.assertEqual(
            self._entry_lines(entry),
            sorted(
                [
                    (self.balance_account.id, self.customer.id, 200.0, 0.0),
                    (self.income_account.id, self.customer.id, 0.0, 200.0),
                ]
            ),
        )
        self.assertRecordValues(
            negative.balance_debit_ids,
            [
                {
                    "credit_id": credit.id,
                    "kind": "clawback",
                    "amount": 200.0,
                    "move_id": entry.id,
                }
            ],
        )
        self.assertAlmostEqual(credit.amount_available, 0.0)
        self.assertAlmostEqual(self._account_balance(self.customer), 0.0)
        sheet = load_workbook(BytesIO(negative._get_statement_xlsx())).active
        texts = [cell.value for row in sheet.iter_rows() for cell in row if cell.value]
        self.assertIn("Taken back from your rebate balance: $\xa0200.00", texts)

    def test_claw_back_of_a_spent_balance_is_invoiced(self):
        """150 of the 200 already spent: 50 is taken back from the balance,
        150 invoiced; the invoice shows both parts."""
        credit, negative = self._claw_back(spent=150.0)
        invoice = negative.document_id
        self.assertEqual(invoice.move_type, "out_invoice")
        # the rebate product's 15 % on the invoiced 150 only: the 50 taken
        # from the balance was credited untaxed
        self.assertAlmostEqual(invoice.amount_untaxed, 150.0)
        self.assertAlmostEqual(invoice.amount_tax, 22.5)
        self.assertAlmostEqual(invoice.amount_total, 172.5)
        deduction = invoice.invoice_line_ids.filtered("is_rebate_deduction")
        self.assertEqual(deduction.account_id, self.balance_account)
        self.assertAlmostEqual(deduction.price_subtotal, -50.0)
        self.assertAlmostEqual(
            sum((invoice.invoice_line_ids - deduction).mapped("price_subtotal")), 200.0
        )
        self.assertRecordValues(
            negative.balance_debit_ids,
            [{"credit_id": credit.id, "kind": "clawback", "amount": 50.0}],
        )
        self.assertAlmostEqual(credit.amount_available, 0.0)
        self.assertAlmostEqual(self._account_balance(self.customer), 0.0)
        sheet = load_workbook(BytesIO(negative._get_statement_xlsx())).active
        texts = [cell.value for row in sheet.iter_rows() for cell in row if cell.value]
        self.assertIn(
            "Taken back from your rebate balance: $\xa050.00; invoiced: $\xa0172.50 "
            f"({invoice.name})",
            texts,
        )


@tagged("post_install", "-at_install")
class TestRebateBalanceAccess(RebateSaleCommon):
    """Who reads a balance: the customer's salesperson, managers,
    accountants and the customer on the portal; nobody writes it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = cls._create_rebate_user("bal_sales", "group_rebate_user")
        cls.other_salesperson = cls._create_rebate_user(
            "bal_other", "group_rebate_user"
        )
        cls.accountant = cls._create_rebate_user("bal_acc", "group_rebate_accountant")
        cls.customer.user_id = cls.salesperson
        cls.agreement = cls._create_agreement(
            [(0.0, 10.0)], payout_method="balance", balance_validity_months=12
        )
        cls._create_invoice([(cls.product_x, 20, 100.0)], date="2025-02-10")
        cls.portal_user = cls.env["res.users"].create(
            {
                "name": "Customer Portal",
                "login": "bal_portal",
                "password": "bal_portal-pass",
                "partner_id": cls.customer_contact.id,
                "groups_id": [Command.set([cls.env.ref("base.group_portal").id])],
            }
        )

    def setUp(self):
        super().setUp()
        with freeze_time("2025-04-10"):
            self.credit = self._settle(self.agreement, "2025-03-31").balance_credit_ids

    def test_who_reads_the_balance(self):
        Credit = self.env["rebate.balance.credit"]
        for user in (self.salesperson, self.accountant, self.portal_user):
            self.assertEqual(Credit.with_user(user).search([]), self.credit, user.login)
        self.assertFalse(Credit.with_user(self.other_salesperson).search([]))
        with self.assertRaises(AccessError):
            self.credit.with_user(self.other_salesperson).read(["amount"])

    def test_nobody_writes_the_balance_by_hand(self):
        for user in (self.salesperson, self.accountant, self.portal_user):
            with self.assertRaises(AccessError, msg=user.login):
                self.credit.with_user(user).write({"amount": 5000.0})
            with self.assertRaises(AccessError, msg=user.login):
                self.env["rebate.balance.credit"].with_user(user).create(
                    {
                        "settlement_id": self.credit.settlement_id.id,
                        "partner_id": self.customer.id,
                        "company_id": self.env.company.id,
                        "date": "2025-04-10",
                        "amount": 5000.0,
                        "account_id": self.balance_account.id,
                    }
                )
        self.assertAlmostEqual(self.credit.amount, 200.0)
