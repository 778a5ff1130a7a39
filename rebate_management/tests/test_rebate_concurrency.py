# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Two real transactions at once, each in its own thread and cursor.

These tests commit: the data they need must be visible to both cursors. They
work on customers of their own in the main company and leave their documents
cancelled behind them.
"""

import threading

from psycopg2.errors import SerializationFailure

from odoo import Command
from odoo.service.model import retrying
from odoo.tests import BaseCase, tagged
from odoo.tools import mute_logger

from .common import RebateTransactionsMixin


@tagged("post_install", "-at_install")
class TestRebateConcurrency(RebateTransactionsMixin, BaseCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            company = env.ref("base.main_company")
            self.journal_id = (
                env["account.journal"]
                .search(
                    [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
                )
                .id
            )
            self.assertTrue(self.journal_id, "the main company needs a sales journal")
            # a second sales journal: two postings in one journal would
            # already wait for each other on its numbering sequence
            journal_2 = env["account.journal"].search(
                [("code", "=", "CCS"), ("company_id", "=", company.id)]
            ) or env["account.journal"].create(
                {
                    "name": "Concurrency Sales",
                    "code": "CCS",
                    "type": "sale",
                    "company_id": company.id,
                }
            )
            self.journal_2_id = journal_2.id
            product = env["product.product"].create(
                {"name": "Concurrency Widget", "lst_price": 100.0, "taxes_id": False}
            )
            self.product_id = product.id
            self.customer_id = (
                env["res.partner"]
                .create({"name": "Concurrent Customer", "is_company": True})
                .id
            )
            agreement = env["rebate.agreement"].create(
                {
                    "name": "Concurrency",
                    "partner_id": self.customer_id,
                    "company_id": company.id,
                    "currency_id": company.currency_id.id,
                    "date_start": "2024-01-01",
                    "date_end": "2024-12-31",
                    "period": "quarter",
                    "tier_mode": "retroactive",
                    "journal_id": self.journal_id,
                    "tier_ids": [
                        Command.create({"threshold": 1000.0, "rate": 2.0}),
                        Command.create({"threshold": 2000.0, "rate": 5.0}),
                    ],
                }
            )
            agreement.action_activate()
            self.agreement_id = agreement.id
            self.company_id = company.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        self._cancel_committed([self.agreement_id], [self.customer_id])

    def _draft_invoice(self, env, amount, date="2024-02-01", journal_id=None):
        return env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer_id,
                "company_id": self.company_id,
                "journal_id": journal_id or self.journal_id,
                "invoice_date": date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_id,
                            "quantity": 1,
                            "price_unit": amount,
                        }
                    )
                ],
            }
        )

    def test_concurrent_postings_accrue_exactly(self):
        """Two invoices of one customer posted at once: each alone stays below
        the 2,000 threshold, together they cross it. Once both committed, the
        accruals add up to R(2,400) = 120."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            first_id = self._draft_invoice(env, 1200.0).id
            second_id = self._draft_invoice(
                env, 1200.0, journal_id=self.journal_2_id
            ).id

        first_posted = threading.Event()
        second_started = threading.Event()

        def post_first(env):
            env["account.move"].browse(first_id).action_post()
            env.flush_all()
            first_posted.set()
            # hold the transaction open while the second one posts
            second_started.wait(timeout=10)
            threading.Event().wait(0.5)
            env.cr.commit()

        attempts = []

        def post_second(env):
            first_posted.wait(timeout=10)
            second_started.set()
            # What Odoo does for a request that hits a serialization failure
            # (odoo.service.model.retrying): roll back and start again on a
            # fresh snapshot.
            for attempt in range(1, 6):
                attempts.append(attempt)
                try:
                    with mute_logger("odoo.sql_db"):
                        env["account.move"].browse(second_id).action_post()
                        env.flush_all()
                    env.cr.commit()
                    return
                except SerializationFailure:
                    env.cr.rollback()
                    env.invalidate_all()

        self._run_in_threads(post_first, post_second)
        # the second transaction read the base before the first committed:
        # it had to start again to see the first's accrual
        self.assertEqual(attempts, [1, 2])

        with self.registry.cursor() as cr:
            env = self._env(cr)
            agreement = env["rebate.agreement"].browse(self.agreement_id)
            moves = env["account.move"].browse([first_id, second_id])
            self.assertEqual(moves.mapped("state"), ["posted", "posted"])
            self.assertEqual(
                sorted(agreement.accrual_ids.mapped("base")), [1200.0, 1200.0]
            )
            self.assertEqual(agreement._get_rebate(2400.0), 120.0)
            self.assertAlmostEqual(sum(agreement.accrual_ids.mapped("amount")), 120.0)

    def test_concurrent_closes_settle_once(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            self._draft_invoice(env, 1500.0).action_post()
            self._draft_invoice(env, 700.0, date="2024-05-01").action_post()

        first_created = threading.Event()
        second_started = threading.Event()
        created = {}

        def close_first(env):
            agreement = env["rebate.agreement"].browse(self.agreement_id)
            created["first"] = (
                env["rebate.settlement"]
                .close_periods("2024-06-30", agreements=agreement)
                .ids
            )
            env.flush_all()
            first_created.set()
            second_started.wait(timeout=10)
            threading.Event().wait(0.5)
            env.cr.commit()

        attempts = []

        def close_second(env):
            first_created.wait(timeout=10)
            second_started.set()

            def close():
                attempts.append(len(attempts) + 1)
                agreement = env["rebate.agreement"].browse(self.agreement_id)
                created["second"] = (
                    env["rebate.settlement"]
                    .close_periods("2024-06-30", agreements=agreement)
                    .ids
                )

            # as an RPC request runs it: Odoo's retry
            retrying(close, env)

        with mute_logger("odoo.sql_db"):
            self._run_in_threads(close_first, close_second)

        self.assertEqual(len(created["first"]), 2)
        # the second close waited for the first's lock on the agreement
        # (rebate.settlement._lock_agreements_to_close), failed to serialize,
        # and its retry found nothing due
        self.assertEqual(attempts, [1, 2])
        self.assertEqual(created["second"], [])
        with self.registry.cursor() as cr:
            env = self._env(cr)
            settlements = env["rebate.settlement"].search(
                [("agreement_id", "=", self.agreement_id)], order="date_from"
            )
            self.assertEqual(settlements.ids, sorted(created["first"]))
            self.assertEqual(settlements.mapped("rebate_total"), [30.0, 0.0])
            self.assertEqual(settlements.mapped(lambda s: len(s.accrual_ids)), [1, 1])
