# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import io

from freezegun import freeze_time
from openpyxl import load_workbook

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, tagged

from .common import RebateCommon, RebateHttpMixin

APPROVAL = "rebate_management.mail_activity_type_agreement_approval"


@tagged("post_install", "-at_install")
class TestRebateRoleDefects(RebateHttpMixin, RebateCommon, HttpCase):
    """Defects found trying the engine as each role would (issue #23): each
    tested as the role that met it, and over XML-RPC where an integrator
    calls it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_role_users("def")
        cls.Settlement = cls.env["rebate.settlement"]
        cls.bank_journal = cls.company_data["default_journal_bank"]
        (cls.product_x | cls.rebate_product).taxes_id = False

    def _running_agreement(self):
        """10/2026 - 09/2027, quarterly, 2 %: its second quarter runs on
        2026-12-07."""
        return self._create_agreement(
            [(0.0, 2.0)],
            name="Running",
            date_start="2026-10-01",
            date_end="2027-09-30",
        )

    # 1. A close dated in the future

    @freeze_time("2026-12-07")
    def test_a_close_after_today_is_refused(self):
        agreement = self._running_agreement()
        self._create_invoice([(self.product_x, 10, 100.0)], date="2026-11-02")
        Settlement = self.Settlement.with_user(self.accountant)
        with self.assertRaisesText(
            UserError, "Periods are closed once they have ended"
        ):
            Settlement.close_periods("2027-09-30", agreements=agreement)
        with self.assertRaisesText(UserError, "after today (12/07/2026)"):
            Settlement.close_periods("2026-12-08")
        self.assertFalse(agreement.settlement_ids)
        self.assertEqual(agreement.state, "active")
        # the button and the scheduled close close as of today: nothing ended
        action = agreement.with_user(self.accountant).action_close_periods()
        self.assertEqual(
            action["params"]["message"],
            "Nothing to close yet: no period of Running has ended, the first ends "
            "on 12/31/2026.",
        )
        self.Settlement._cron_close_periods()
        self.assertFalse(agreement.settlement_ids)
        # over RPC too, and nothing is written
        self.assertCallFails(
            "after today",
            self.accountant,
            "rebate.settlement",
            "close_periods",
            "2027-09-30",
            agreements=[agreement.id],
        )
        self.assertFalse(agreement.settlement_ids)

    @freeze_time("2026-12-07")
    def test_close_refuses_bad_agreements(self):
        agreement = self._running_agreement()
        Settlement = self.Settlement.with_user(self.accountant)
        for bad in ("x", [agreement.id, "x"], {"id": agreement.id}, True):
            with self.assertRaisesText(UserError, "as a list of rebate agreement ids"):
                Settlement.close_periods("2026-12-07", agreements=bad)
        with self.assertRaisesText(UserError, "as a list of rebate agreement ids"):
            Settlement.close_periods("2026-12-07", agreements=self.customer)
        self.assertCallFails(
            "as a list of rebate agreement ids",
            self.accountant,
            "rebate.settlement",
            "close_periods",
            "2026-12-07",
            agreements="x",
        )
        # one id is an agreement too
        self.assertEqual(
            Settlement.close_periods("2026-12-07", agreements=agreement.id),
            self.Settlement,
        )

    @freeze_time("2026-01-10")
    def test_a_settlement_without_document_is_cancelled_and_closes_again(self):
        """A period closed by mistake at zero is done without a document: the
        accountant cancels it, the agreement closed by it is active again,
        and the period closes again with what was posted since."""
        agreement = self._create_agreement([(0.0, 2.0)], name="Year")
        settlements = self.Settlement.with_user(self.accountant).close_periods(
            "2025-12-31", agreements=agreement
        )
        last = settlements.filtered(lambda s: s.date_from.isoformat() == "2025-10-01")
        self.assertRecordValues(
            last, [{"state": "done", "rebate_total": 0.0, "document_id": False}]
        )
        self.assertEqual(agreement.state, "closed")
        with self.assertRaisesText(UserError, "cancel settlements"):
            last.with_user(self.manager).action_cancel()
        last.with_user(self.accountant).action_cancel()
        self.assertEqual(last.state, "cancelled")
        self.assertEqual(agreement.state, "active")
        self._create_invoice([(self.product_x, 10, 100.0)], date="2025-11-15")
        [again] = self.Settlement.with_user(self.accountant).close_periods(
            "2025-12-31", agreements=agreement
        )
        self.assertRecordValues(
            again,
            [
                {
                    "date_from": last.date_from,
                    "base_total": 1000.0,
                    "rebate_total": 20.0,
                    "state": "draft",
                }
            ],
        )
        self.assertEqual(agreement.state, "closed")
        # a settlement with its document is undone by reversing the document
        again.with_user(self.accountant).action_approve()
        again.with_user(self.accountant).action_create_credit_note()
        with self.assertRaisesText(UserError, "reverse the document instead"):
            again.with_user(self.accountant).action_cancel()
        self.assertEqual(again.state, "done")

    # 2. The statement mail never depends on the clerk's address

    @freeze_time("2025-04-10")
    def test_credit_note_by_an_accountant_without_email(self):
        self.accountant.email = False
        self.env.company.email = "rebates@company.example.com"
        self.customer.email = "customer@example.com"
        agreement = self._create_agreement([(0.0, 2.0)], send_statement=True)
        self._create_invoice([(self.product_x, 10, 100.0)], date="2025-02-01")
        settlement = self.Settlement.with_user(self.accountant).close_periods(
            "2025-03-31", agreements=agreement
        )
        settlement.with_user(self.accountant).action_approve()
        settlement.with_user(self.accountant).action_create_credit_note()
        self.assertRecordValues(settlement, [{"state": "done"}])
        self.assertEqual(settlement.document_id.state, "posted")
        message = settlement.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.env.company.partner_id)
        self.assertIn("rebates@company.example.com", message.email_from)
        mail = (
            self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        )
        self.assertEqual(mail.state, "outgoing")

    @freeze_time("2025-04-10")
    def test_a_statement_that_cannot_be_mailed_keeps_the_document(self):
        self.accountant.email = False
        self.env.company.email = False
        self.env["ir.config_parameter"].sudo().set_param("mail.default.from", False)
        self.env["ir.config_parameter"].sudo().set_param("mail.catchall.domain", False)
        agreement = self._create_agreement([(0.0, 2.0)], send_statement=True)
        self._create_invoice([(self.product_x, 10, 100.0)], date="2025-02-01")
        [settlement_id] = self._call(
            self.accountant,
            "rebate.settlement",
            "close_periods",
            "2025-03-31",
            agreements=[agreement.id],
        )
        settlement = self.Settlement.browse(settlement_id)
        settlement.sudo().action_approve()
        self._call(
            self.accountant,
            "rebate.settlement",
            "action_create_credit_note",
            [settlement_id],
        )
        self.assertEqual(settlement.state, "done")
        self.assertEqual(settlement.document_id.amount_total, 20.0)
        self.assertTrue(
            settlement.message_ids.filtered(
                lambda m: "The statement was not mailed" in m.body
            )
        )

    # 3. and 12. A forfeited settlement's statement and form

    @freeze_time("2025-04-20")
    def test_statement_of_a_forfeited_settlement(self):
        agreement = self._create_agreement(
            [(0.0, 10.0)], payment_condition="paid_on_time"
        )
        paid, unpaid = (
            self._create_invoice([(self.product_x, 10, 100.0)], date=date, post=False)
            for date in ("2025-01-10", "2025-01-20")
        )
        paid.invoice_date_due = "2025-02-09"
        unpaid.invoice_date_due = "2025-02-19"
        (paid + unpaid).action_post()
        (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=paid.ids)
            .create({"journal_id": self.bank_journal.id, "payment_date": "2025-01-10"})
            ._create_payments()
        )
        settlement = self.Settlement.close_periods("2025-04-20", agreements=agreement)
        settlement = settlement.filtered(
            lambda s: s.date_to.isoformat() == "2025-03-31"
        )
        self.assertRecordValues(
            settlement,
            [{"base_total": 1000.0, "base_forfeited": 1000.0, "rebate_total": 100.0}],
        )
        sheet = load_workbook(
            io.BytesIO(base64.b64decode(settlement.export_xlsx()))
        ).worksheets[0]
        texts = [str(cell.value) for row in sheet.iter_rows() for cell in row]
        self.assertFalse([text for text in texts if "changed since" in text])
        # a document posted since is still flagged, like with like
        self._create_invoice(
            [(self.product_x, 2, 100.0)], date="2025-03-02", move_type="out_refund"
        )
        sheet = load_workbook(io.BytesIO(settlement._get_statement_xlsx())).worksheets[
            0
        ]
        texts = [str(cell.value) for row in sheet.iter_rows() for cell in row]
        self.assertIn(
            "The documents of this period changed since the settlement was "
            "computed: their base is now 800.00 instead of 1,000.00.",
            texts,
        )
        # the form shows what counted of each accrual
        accruals = settlement.with_user(self.salesperson).accrual_ids.sorted("date")
        self.assertEqual(accruals.mapped("counted_share"), [1.0, 0.0, 1.0])
        self.assertEqual(accruals.mapped("counted_base"), [1000.0, 0.0, -200.0])
        self.assertEqual(
            accruals.mapped("counted_reason"),
            ["Paid by 02/09/2025", "Not paid by 02/19/2025", "Refund: counts in full"],
        )

    # 9. Public methods answer what RPC carries

    @freeze_time("2025-04-10")
    def test_workbooks_and_the_old_document_link_over_rpc(self):
        agreement = self._create_agreement([(0.0, 2.0)])
        self._create_invoice([(self.product_x, 10, 100.0)], date="2025-02-01")
        settlement = self.Settlement.close_periods("2025-03-31", agreements=agreement)
        settlement.action_approve()
        settlement.action_create_credit_note()
        statement = self._call(
            self.salesperson, "rebate.settlement", "export_xlsx", settlement.ids
        )
        sheet = load_workbook(io.BytesIO(base64.b64decode(statement))).worksheets[0]
        self.assertEqual(sheet.cell(1, 1).value, f"Rebate statement {settlement.name}")
        audit = self._call(
            self.accountant,
            "rebate.audit",
            "export_audit_xlsx",
            "2025-01-01",
            "2025-12-31",
        )
        workbook = load_workbook(io.BytesIO(base64.b64decode(audit)))
        self.assertIn("Settlements", workbook.sheetnames)
        self.assertCallFails(
            "x is not a date",
            self.accountant,
            "rebate.audit",
            "export_audit_xlsx",
            "x",
            "2025-12-31",
        )
        # the document's old name, deprecated, still reads
        [row] = self._call(
            self.accountant,
            "rebate.settlement",
            "read",
            settlement.ids,
            ["credit_note_id", "document_id"],
        )
        self.assertEqual(row["credit_note_id"], row["document_id"])
        self.assertEqual(row["document_id"][0], settlement.document_id.id)

    # 4. The documents' journal

    def test_journal_must_carry_the_documents(self):
        for user in (self.manager, self.salesperson):
            with self.assertRaisesText(ValidationError, "choose a Sales journal"):
                self.env["rebate.agreement"].with_user(user).create(
                    {
                        "name": "Bank journal",
                        "partner_id": self.customer.id,
                        "date_start": "2025-01-01",
                        "date_end": "2025-12-31",
                        "journal_id": self.bank_journal.id,
                    }
                )
        agreement = self._create_agreement([(0.0, 2.0)], activate=False)
        with self.assertRaisesText(ValidationError, "choose a Sales journal"):
            agreement.with_user(self.manager).journal_id = self.bank_journal
        self.assertCallFails(
            "choose a Sales journal",
            self.manager,
            "rebate.agreement",
            "write",
            [agreement.id],
            {"journal_id": self.bank_journal.id},
        )
        self.assertEqual(agreement.journal_id, self.sale_journal)

    # 5. A sales manager completes a bank payout agreement

    def test_manager_chooses_the_payout_journal(self):
        agreement = self._create_agreement([(0.0, 2.0)], activate=False)
        form_view = (
            self.env["rebate.agreement"]
            .with_user(self.manager)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="payout_journal_id"', form_view)
        journals = (
            self.env["account.journal"]
            .with_user(self.manager)
            .name_search("", [("type", "=", "bank")])
        )
        self.assertIn(self.bank_journal.id, [journal_id for journal_id, _n in journals])
        agreement.with_user(self.manager).write(
            {"payout_method": "bank", "payout_journal_id": self.bank_journal.id}
        )
        self.assertEqual(agreement.payout_journal_id, self.bank_journal)

    # 8. A close that waits for due dates says so

    @freeze_time("2025-04-05")
    def test_close_says_it_waits_for_due_dates(self):
        agreement = self._create_agreement(
            [(0.0, 10.0)],
            name="On time",
            payment_condition="paid_on_time",
            payment_grace_days=5,
        )
        invoice = self._create_invoice(
            [(self.product_x, 10, 100.0)], date="2025-03-20", post=False
        )
        invoice.invoice_date_due = "2025-04-19"
        invoice.action_post()
        action = agreement.with_user(self.accountant).action_close_periods()
        self.assertEqual(
            action["params"]["message"],
            "Nothing to close yet: On time, 01/01/2025 - 03/31/2025, waits until "
            "its invoices are due and closes on 04/24/2025.",
        )
        self.assertFalse(agreement.settlement_ids)

    # 11. The customer's salesperson; the managers' to-do

    def test_customer_salesperson_and_approval_todo(self):
        Agreement = self.env["rebate.agreement"].with_user(self.manager)
        agreement = Agreement.create(
            {
                "name": "Filled in",
                "partner_id": self.customer.id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
                "rebate_product_id": self.rebate_product.id,
                "tier_ids": [Command.create({"threshold": 0.0, "rate": 2.0})],
            }
        )
        self.assertEqual(agreement.user_id, self.salesperson)
        without = Agreement.create(
            {
                "name": "No salesperson",
                "partner_id": self.other_customer.id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
            }
        )
        self.assertEqual(without.user_id, self.manager)
        agreement.with_user(self.salesperson).action_submit()
        todos = agreement.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref(APPROVAL)
        )
        self.assertIn(self.manager, todos.user_id)
        self.assertNotIn(self.salesperson, todos.user_id)
        self.assertNotIn(self.accountant, todos.user_id)
        agreement.with_user(self.manager).action_activate()
        self.assertFalse(agreement.activity_ids)
        # submitted over RPC, sent back to draft: the to-do goes
        other = self._create_agreement([(0.0, 2.0)], activate=False, name="Back")
        self._call(self.salesperson, "rebate.agreement", "action_submit", [other.id])
        self.assertIn(self.manager, other.activity_ids.user_id)
        other.with_user(self.manager).action_draft()
        self.assertFalse(other.activity_ids)

    # 13. Interim parts to approve first, in order

    @freeze_time("2025-04-10")
    def test_earlier_parts_listed_in_order(self):
        agreement = self._create_agreement(
            [(0.0, 2.0)], period="quarter", settlement_period="month"
        )
        self._create_invoice([(self.product_x, 10, 100.0)], date="2025-01-15")
        self._create_invoice([(self.product_x, 10, 100.0)], date="2025-02-15")
        self._create_invoice([(self.product_x, 10, 100.0)], date="2025-03-15")
        january, february, march = self.Settlement.close_periods(
            "2025-03-31", agreements=agreement
        ).sorted("date_from")
        with self.assertRaisesText(
            UserError, f"Approve {january.name}, {february.name} first"
        ):
            march.with_user(self.accountant).action_approve()
