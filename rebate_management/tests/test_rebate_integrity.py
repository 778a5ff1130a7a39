# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
import threading
from hashlib import sha256
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2.errors import SerializationFailure

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import BaseCase, Form, tagged
from odoo.tools import mute_logger

from ..models.rebate_settlement_close import SettlementAmounts
from .common import RebateCommon, RebateTransactionsMixin


@tagged("post_install", "-at_install")
class TestRebateIntegrity(RebateCommon):
    """Tamper-evident settlements (issue #28, part 2): the hash of each
    settlement approved, chained per company, the cancellation of a secured
    one in the same chain, and the Rebate Integrity Check."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_x.taxes_id = False
        cls.Settlement = cls.env["rebate.settlement"]
        cls.salesperson = cls._create_rebate_user("hash_sales", "group_rebate_user")
        cls.manager = cls._create_rebate_user("hash_manager", "group_rebate_manager")
        cls.accountant = cls._create_rebate_user("hash_acc", "group_rebate_accountant")

    def _close_q1(self, count, amount=1000.0):
        """``count`` customers, each with an agreement (flat 1 %) and an
        invoice of ``amount`` on 2025-02-10: their Q1 settlements, drafts."""
        agreements = self.env["rebate.agreement"]
        for index in range(count):
            customer = self.env["res.partner"].create(
                {"name": f"Secured {index}", "is_company": True}
            )
            agreements |= self._create_agreement(
                [(0.0, 1.0)], partner_id=customer.id, name=f"Secured {index}"
            )
            self._create_invoice([(self.product_x, 1, amount)], partner=customer)
        return self.Settlement.close_periods("2025-03-31", agreements=agreements)

    @freeze_time("2025-04-02 10:00:00")
    def _approve_q1(self, count):
        settlements = self._close_q1(count).sorted("id")
        settlements.action_approve()
        return settlements

    def _report(self):
        """The check's report of the test company."""
        reports = [
            report
            for report in self.Settlement._get_integrity_report()
            if report["company_id"] == self.env.company.id
        ]
        self.assertEqual(len(reports), 1)
        return reports[0]

    def test_hash_set_at_approval_and_chained(self):
        first, second = self._approve_q1(2)
        self.assertEqual(first.secure_sequence_number, 1)
        self.assertEqual(second.secure_sequence_number, 2)
        record = json.loads(first.integrity_record)
        self.assertEqual(record["rebate_total"], "10")
        self.assertEqual(record["base_total"], "1000")
        self.assertEqual(record["approved_date"], "2025-04-02 10:00:00")
        self.assertEqual(record["approved_by_id"], str(self.env.user.id))
        self.assertEqual(record["partner_id"], str(first.partner_id.id))
        self.assertEqual(record["accrual_count"], "1")
        self.assertEqual(record["accrual_amount"], "10")
        self.assertEqual(
            first.inalterable_hash,
            sha256(first.integrity_record.encode()).hexdigest(),
        )
        # the second's hash is that of its figures after the first's hash
        self.assertEqual(
            second.inalterable_hash,
            sha256(
                (first.inalterable_hash + second.integrity_record).encode()
            ).hexdigest(),
        )
        draft = self._close_q1(1)
        self.assertFalse(draft.inalterable_hash)
        self.assertFalse(draft.secure_sequence_number)

    def test_intact_chain(self):
        settlements = self._approve_q1(3)
        self.assertIn(
            {
                "company_id": self.env.company.id,
                "first_id": settlements[0].id,
                "last_id": settlements[2].id,
                "corrupted_ids": [],
            },
            self.Settlement._check_hash_integrity(),
        )
        self.assertEqual(self._report()["count"], 3)

    def test_altered_rebate_total_is_named(self):
        settlements = self._approve_q1(3)
        self.env.cr.execute(
            "UPDATE rebate_settlement SET rebate_total = 99 WHERE id = %s",
            [settlements[1].id],
        )
        self.env.invalidate_all()
        report = self._report()
        self.assertEqual(report["corrupted_ids"], [settlements[1].id])
        self.assertEqual(
            report["problems"][settlements[1].id],
            ["Rebate: 10 when secured, 99 now."],
        )

    def test_altered_accrual_amount_is_named(self):
        settlements = self._approve_q1(2)
        accrual = settlements[0].accrual_ids
        self.assertEqual(len(accrual), 1)
        self.env.cr.execute(
            "UPDATE rebate_accrual SET amount = 12.5 WHERE id = %s", [accrual.id]
        )
        self.env.invalidate_all()
        report = self._report()
        self.assertEqual(report["corrupted_ids"], [settlements[0].id])
        self.assertEqual(
            report["problems"][settlements[0].id],
            [
                "Rebate of the accrual lines: 10 when secured, 12.5 now.",
                "Accrual lines (their ids and figures): "
                f"{self._digest(accrual.id, '10', '1000')} when secured, "
                f"{self._digest(accrual.id, '12.5', '1000')} now.",
            ],
        )

    def _digest(self, accrual_id, amount, base):
        return sha256(f"{accrual_id}|{amount}|{base}".encode()).hexdigest()

    def test_secured_figures_rewritten_break_the_chain(self):
        """Who rewrites a settlement's figures with its record and hash
        leaves the next hash unmatched."""
        settlements = self._approve_q1(3)
        forged = json.loads(settlements[1].integrity_record) | {"rebate_total": "99"}
        record = json.dumps(forged, sort_keys=True, separators=(",", ":"))
        forged_hash = sha256(
            (settlements[0].inalterable_hash + record).encode()
        ).hexdigest()
        self.env.cr.execute(
            """
            UPDATE rebate_settlement
               SET rebate_total = 99, integrity_record = %s, inalterable_hash = %s
             WHERE id = %s
            """,
            [record, forged_hash, settlements[1].id],
        )
        self.env.invalidate_all()
        report = self._report()
        self.assertEqual(report["corrupted_ids"], [settlements[2].id])
        self.assertEqual(
            report["problems"][settlements[2].id],
            [
                "The hash of its approval (No. 3) does not match: what it secured, "
                "or the entry before it, was changed."
            ],
        )

    def test_approved_without_hash_is_named(self):
        settlements = self._approve_q1(2)
        self.env.cr.execute(
            """
            UPDATE rebate_settlement
               SET inalterable_hash = NULL, secure_sequence_number = NULL
             WHERE id = %s
            """,
            [settlements[1].id],
        )
        self.env.invalidate_all()
        report = self._report()
        self.assertEqual(report["corrupted_ids"], [settlements[1].id])
        self.assertEqual(report["last_id"], settlements[0].id)

    def test_cancellation_is_secured(self):
        first, second = self._approve_q1(2)
        with freeze_time("2025-04-03"):
            first.action_cancel()
        self.assertEqual(first.state, "cancelled")
        self.assertEqual(first.cancel_sequence_number, 3)
        record = json.dumps(
            {
                "approval_hash": first.inalterable_hash,
                "event": "cancel",
                "id": first.id,
                "name": first.name,
                "state": "cancelled",
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        self.assertEqual(
            first.cancel_hash,
            sha256((second.inalterable_hash + record).encode()).hexdigest(),
        )
        # the period closed again is secured after the cancellation
        again = self.Settlement.close_periods(
            "2025-03-31", agreements=first.agreement_id
        )
        with freeze_time("2025-04-04"):
            again.action_approve()
        self.assertEqual(again.secure_sequence_number, 4)
        report = self._report()
        self.assertEqual(report["corrupted_ids"], [])
        self.assertEqual(report["last_id"], again.id)
        # a cancellation by SQL is named
        self.env.cr.execute(
            "UPDATE rebate_settlement SET state = 'cancelled' WHERE id = %s",
            [again.id],
        )
        self.env.invalidate_all()
        report = self._report()
        self.assertEqual(report["corrupted_ids"], [again.id])
        self.assertEqual(
            report["problems"][again.id],
            ["It is cancelled, but its cancellation was not secured."],
        )

    def test_cancelled_settlement_lets_go_of_its_lines(self):
        """A cancelled settlement's period accrues again: its invoice reset
        to draft drops its lines, and the chain stays intact."""
        (settlement,) = self._approve_q1(1)
        invoice = settlement.accrual_ids.move_id
        settlement.action_cancel()
        invoice.button_draft()
        self.assertFalse(
            self.env["rebate.accrual"].search([("move_id", "=", invoice.id)])
        )
        self.assertEqual(self._report()["corrupted_ids"], [])

    def test_cancellation_undone_is_named(self):
        first, _second = self._approve_q1(2)
        first.action_cancel()
        self.env.cr.execute(
            "UPDATE rebate_settlement SET state = 'approved' WHERE id = %s", [first.id]
        )
        self.env.invalidate_all()
        report = self._report()
        self.assertEqual(report["corrupted_ids"], [first.id])
        self.assertEqual(
            report["problems"][first.id],
            [
                "The hash of its cancellation (No. 3) does not match: what it "
                "secured, or the entry before it, was changed.",
                "Status: cancelled when secured, Approved now.",
            ],
        )

    def test_cancellation_of_a_done_settlement_is_secured(self):
        """A period closed at zero is done at once, without a document, and
        secured; it may be cancelled: its cancellation is secured after
        it."""
        agreement = self._create_agreement([(0.0, 1.0)])
        settlement = self.Settlement.close_periods("2025-03-31", agreements=agreement)
        self.assertRecordValues(
            settlement, [{"state": "done", "rebate_total": 0.0, "document_id": False}]
        )
        self.assertEqual(json.loads(settlement.integrity_record)["approved_by_id"], "")
        settlement.action_cancel()
        self.assertEqual(
            (settlement.secure_sequence_number, settlement.cancel_sequence_number),
            (1, 2),
        )
        report = self._report()
        self.assertEqual(report["corrupted_ids"], [])
        self.assertEqual(report["last_id"], settlement.id)

    def test_hash_restricted_journal(self):
        """With Odoo's "Secure Posted Entries with Hash" on the rebate
        journal, the credit note is secured as it is posted, and is undone
        by its reversal, as a settlement with a document is."""
        self.sale_journal.restrict_mode_hash_table = True
        (settlement,) = self._approve_q1(1)
        with freeze_time("2025-04-10"):
            settlement.action_create_credit_note()
        credit_note = settlement.document_id
        self.assertEqual(credit_note.journal_id, self.sale_journal)
        self.assertTrue(credit_note.inalterable_hash)
        with self.assertRaisesText(UserError, "locked journal entry"):
            credit_note.button_draft()
        reversal = credit_note._reverse_moves(
            [{"invoice_date": "2025-04-12", "ref": "Reversal"}]
        )
        reversal.action_post()
        self.assertTrue(reversal.inalterable_hash)
        self.assertEqual(settlement.state, "done")
        self.assertEqual(self._report()["corrupted_ids"], [])

    def test_secured_settlement_stays(self):
        (settlement,) = self._approve_q1(1)
        settlement.action_cancel()
        with self.assertRaisesText(UserError, "secured by its hash"):
            settlement.unlink()
        with self.assertRaisesText(UserError, "can only be set by its workflow"):
            settlement.write({"inalterable_hash": "forged"})
        with self.assertRaisesText(UserError, "secured by its hash"):
            settlement._rebate_workflow().write({"approved_date": "2025-05-01"})

    def test_late_document_leaves_the_chain_intact(self):
        (settlement,) = self._approve_q1(1)
        self._create_invoice(
            [(self.product_x, 1, 500.0)],
            date="2025-03-15",
            partner=settlement.partner_id,
        )
        report = self._report()
        self.assertEqual(report["corrupted_ids"], [])
        self.assertEqual(report["first_id"], settlement.id)

    def _close_at_zero(self, count):
        """``count`` agreements without sales closed for Q1: done at once."""
        agreements = self.env["rebate.agreement"]
        for index in range(count):
            customer = self.env["res.partner"].create(
                {"name": f"Zero {index}", "is_company": True}
            )
            agreements |= self._create_agreement(
                [(0.0, 1.0)], partner_id=customer.id, name=f"Zero {index}"
            )
        return self.Settlement.close_periods("2025-03-31", agreements=agreements)

    def test_done_at_close_secured_with_their_rows(self):
        """Periods closed at zero are secured as their rows are written: the
        entries computed from their values (no update after), the figures
        kept those the check reads back."""
        Settlement = type(self.Settlement)
        updates = []
        write_integrity = Settlement._write_integrity

        def _write_integrity(records, rows, fnames):
            updates.append(fnames)
            return write_integrity(records, rows, fnames)

        with patch.object(Settlement, "_write_integrity", _write_integrity):
            settlements = self._close_at_zero(3).sorted("id")
        self.assertEqual(updates, [])
        self.assertEqual(settlements.mapped("state"), ["done"] * 3)
        self.assertEqual(settlements.mapped("secure_sequence_number"), [1, 2, 3])
        figures = settlements._read_integrity_figures()
        for settlement in settlements:
            self.assertEqual(
                json.loads(settlement.integrity_record), figures[settlement.id]
            )
        self.assertEqual(self._report()["corrupted_ids"], [])

    def test_done_at_close_skipped_leaves_no_gap(self):
        """A period a concurrent close settled meanwhile is skipped, its entry
        with it: the others are secured again, the chain without a gap."""
        first = self._close_at_zero(1)
        others = self.env["rebate.agreement"]
        for index in range(2):
            customer = self.env["res.partner"].create({"name": f"Late {index}"})
            others |= self._create_agreement([(0.0, 1.0)], partner_id=customer.id)
        ordered = [others[0], first.agreement_id, others[1]]
        terms = first.agreement_id._read_accrual_terms()
        terms.update(others._read_accrual_terms())
        vals_list = [
            self.Settlement._prepare_settlement_vals(
                terms[agreement.id],
                (agreement.id, first.date_from, first.date_to),
                SettlementAmounts(0.0, 0.0, 0.0, 0.0),
                0.0,
            )
            for agreement in ordered
        ]
        created = self.Settlement.browse(self.Settlement._create_once(vals_list))
        self.assertEqual(created.agreement_id, others)
        self.assertEqual(created.sorted("id").mapped("secure_sequence_number"), [2, 3])
        report = self._report()
        self.assertEqual(report["corrupted_ids"], [])
        self.assertEqual(report["count"], 3)

    def test_hash_field_with_a_default_secured_after_the_rows(self):
        """A field the hash covers that a default fills (a module's): the
        settlements done at close are secured once written, the default in
        their figures."""
        Settlement = type(self.Settlement)
        fnames = [
            *self.Settlement._get_integrity_hash_fields(),
            "alerts_acknowledgement_note",
        ]
        self.env["ir.default"].set(
            "rebate.settlement", "alerts_acknowledgement_note", "Noted"
        )
        with patch.object(
            Settlement, "_get_integrity_hash_fields", lambda self: fnames
        ):
            settlements = self._close_at_zero(2)
            self.assertEqual(
                json.loads(settlements[0].integrity_record)[
                    "alerts_acknowledgement_note"
                ],
                "Noted",
            )
            self.assertEqual(self._report()["corrupted_ids"], [])

    def _approve_and_count(self, count):
        settlements = self._close_q1(count)
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        settlements.action_approve()
        self.env.flush_all()
        queries = self.env.cr.sql_log_count - before
        self.assertTrue(all(settlements.mapped("secure_sequence_number")))
        return queries

    def test_approval_query_count(self):
        self._approve_and_count(1)  # warms the ORM caches
        two = self._approve_and_count(2)
        six = self._approve_and_count(6)
        self.assertEqual(two, six, "approving 6 settlements costs the queries of 2")
        self.assertEqual(
            self.Settlement.search(
                [("company_id", "=", self.env.company.id)], order="id"
            ).mapped("secure_sequence_number"),
            list(range(1, 10)),
        )

    def test_check_is_for_accountants_and_managers(self):
        (settlement,) = self._approve_q1(1)
        for user in (self.accountant, self.manager):
            wizard = Form(self.env["rebate.integrity.check"].with_user(user)).save()
            wizard.action_check()
            self.assertTrue(wizard.is_intact)
            self.assertEqual(wizard.line_ids.result, "Intact")
            self.assertEqual(wizard.line_ids.first_settlement_id, settlement)
        self.env.cr.execute(
            "UPDATE rebate_settlement SET base_total = 1 WHERE id = %s", [settlement.id]
        )
        self.env.invalidate_all()
        wizard.action_check()
        self.assertFalse(wizard.is_intact)
        self.assertEqual(wizard.line_ids.corrupted_settlement_ids, settlement)
        self.assertEqual(
            wizard.line_ids.details,
            f"{settlement.name}: Base: 1000 when secured, 1 now.",
        )
        self.assertAccessErrors(
            lambda: self.env["rebate.integrity.check"]
            .with_user(self.salesperson)
            .create({}),
            lambda: self.Settlement.with_user(self.salesperson)._check_hash_integrity(),
        )


@tagged("post_install", "-at_install")
class TestRebateIntegrityConcurrency(RebateTransactionsMixin, BaseCase):
    """Two approvals of one company at once chain one after the other: the
    second waits for the first, fails to serialize, and, retried as Odoo
    retries a request, comes after it. These tests commit (see
    test_rebate_concurrency)."""

    def setUp(self):
        super().setUp()
        self.settlement_ids = []
        with self.registry.cursor() as cr:
            env = self._env(cr)
            company = env.ref("base.main_company")
            journal = env["account.journal"].search(
                [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
            )
            product = env["product.product"].create(
                {"name": "Chained Widget", "lst_price": 100.0, "taxes_id": False}
            )
            for index in range(2):
                self.settlement_ids.append(
                    self._draft_settlement(env, company, journal, product, index)
                )
        self.addCleanup(self._cleanup)

    def _draft_settlement(self, env, company, journal, product, index):
        customer = env["res.partner"].create(
            {"name": f"Chained Customer {index}", "is_company": True}
        )
        agreement = env["rebate.agreement"].create(
            {
                "name": f"Chained {index}",
                "partner_id": customer.id,
                "company_id": company.id,
                "date_start": "2024-01-01",
                "date_end": "2024-12-31",
                "period": "quarter",
                "journal_id": journal.id,
                "tier_ids": [Command.create({"threshold": 0.0, "rate": 1.0})],
            }
        )
        agreement.action_activate()
        env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "company_id": company.id,
                "journal_id": journal.id,
                "invoice_date": "2024-02-01",
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": product.id, "quantity": 1, "price_unit": 1000.0}
                    )
                ],
            }
        ).action_post()
        return env["rebate.settlement"].close_periods("2024-03-31", agreement).id

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            settlements = env["rebate.settlement"].browse(self.settlement_ids)
            agreements = settlements.agreement_id
            settlements.filtered(lambda s: s.state != "cancelled").action_cancel()
            moves = env["account.move"].search(
                [("partner_id", "in", agreements.partner_id.ids)]
            )
            agreements._rebate_workflow().write({"state": "cancelled"})
            moves.filtered(lambda m: m.state == "posted").button_cancel()

    def test_concurrent_approvals_chain_in_turn(self):
        first_approved = threading.Event()
        second_started = threading.Event()
        retried = []

        def approve_first(env):
            env["rebate.settlement"].browse(self.settlement_ids[0]).action_approve()
            env.flush_all()
            first_approved.set()
            second_started.wait(timeout=10)
            threading.Event().wait(0.5)
            env.cr.commit()

        def approve_second(env):
            first_approved.wait(timeout=10)
            # the transaction starts before the first commits
            env.cr.execute("SELECT 1")
            second_started.set()
            try:
                with mute_logger("odoo.sql_db"):
                    env["rebate.settlement"].browse(
                        self.settlement_ids[1]
                    ).action_approve()
            except SerializationFailure:
                # what Odoo does with a request that failed to serialize
                retried.append(True)
                env.cr.rollback()
                env.invalidate_all()
                env["rebate.settlement"].browse(self.settlement_ids[1]).action_approve()
            env.cr.commit()

        self._run_in_threads(approve_first, approve_second)

        self.assertEqual(retried, [True])
        with self.registry.cursor() as cr:
            env = self._env(cr)
            first, second = env["rebate.settlement"].browse(self.settlement_ids)
            self.assertEqual(
                second.secure_sequence_number, first.secure_sequence_number + 1
            )
            self.assertEqual(
                second.inalterable_hash,
                sha256(
                    (first.inalterable_hash + second.integrity_record).encode()
                ).hexdigest(),
            )
            [report] = (
                env["rebate.settlement"]
                .with_context(allowed_company_ids=first.company_id.ids)
                ._check_hash_integrity()
            )
            self.assertEqual(report["corrupted_ids"], [])
            self.assertEqual(report["last_id"], second.id)
