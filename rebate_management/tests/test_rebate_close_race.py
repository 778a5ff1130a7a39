# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Closes racing (issue #31, part 7: "two schedulers racing"), and a posting
racing the close: each a real transaction in its own thread and cursor, as
Odoo's scheduler, an RPC request or a queued job runs it.

The first transaction holds itself open until the second waits for one of
its locks, so that the two overlap every time. What each attempt saw is
counted: a retry is proved, not assumed.

These tests commit: they work on customers and agreements of their own in
the main company, for 2024, under a clock frozen in January 2025 (the
scheduled close settles every agreement due: the demo's start later), and
leave their documents cancelled behind them.
"""

import threading
from collections import Counter

from freezegun import freeze_time
from psycopg2.errors import SerializationFailure

from odoo import Command
from odoo.service.model import retrying
from odoo.tests import BaseCase, tagged
from odoo.tools import mute_logger

from .common import RebateTransactionsMixin

AGREEMENTS = 6
TODAY = "2025-01-10"
ALL = tuple(range(AGREEMENTS))


@tagged("post_install", "-at_install")
class TestRebateCloseRace(RebateTransactionsMixin, BaseCase):
    def setUp(self):
        super().setUp()
        clock = freeze_time(TODAY)
        clock.start()
        self.addCleanup(clock.stop)
        self.agreement_ids, self.customer_ids = [], []
        with self.registry.cursor() as cr:
            env = self._env(cr)
            company = env.ref("base.main_company")
            self.company_id = company.id
            self.product_id = (
                env["product.product"]
                .create({"name": "Race Widget", "lst_price": 100.0, "taxes_id": False})
                .id
            )
            self.journal_ids = [
                self._journal(env, company, code) for code in ("RC1", "RC2")
            ]
            for index in range(AGREEMENTS):
                customer = env["res.partner"].create(
                    {"name": f"Race Customer {index}", "is_company": True}
                )
                agreement = env["rebate.agreement"].create(
                    {
                        "name": f"Race {index}",
                        "partner_id": customer.id,
                        "company_id": company.id,
                        "date_start": "2024-01-01",
                        "date_end": "2024-12-31",
                        "period": "quarter",
                        "tier_ids": [Command.create({"threshold": 0.0, "rate": 2.0})],
                    }
                )
                agreement.action_activate()
                self.customer_ids.append(customer.id)
                self.agreement_ids.append(agreement.id)
                # Q1 invoiced: settled at 2 %, the three other quarters at zero
                self._invoice(env, index, 1000.0 * (index + 1)).action_post()
        self.addCleanup(self._cleanup)

    @staticmethod
    def _journal(env, company, code):
        """A sales journal of these tests (one per concurrent posting: the
        numbering of one journal would already make them wait)."""
        journal = env["account.journal"].search(
            [("code", "=", code), ("company_id", "=", company.id)]
        ) or env["account.journal"].create(
            {"name": f"Race {code}", "code": code, "type": "sale"}
        )
        return journal.id

    def _invoice(self, env, index, amount, date="2024-02-10", journal=0):
        """A draft invoice of ``amount`` to the customer of agreement
        ``index``."""
        return env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer_ids[index],
                "journal_id": self.journal_ids[journal],
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

    def _cleanup(self):
        self._cancel_committed(self.agreement_ids, self.customer_ids)

    # The race

    def _waiting_for_a_lock(self):
        """Whether a transaction of this database waits for a lock."""
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return bool(cr.fetchone()[0])

    def _hold(self):
        """Keep the calling transaction open until another one waits for a
        lock (True), or for 10 seconds (False: nothing waited; a busy
        machine may take seconds to get the other one there)."""
        for _poll in range(200):
            if self._waiting_for_a_lock():
                return True
            threading.Event().wait(0.05)
        return False

    def _race(self, first, second, retry=(True, True)):
        """Run ``first(env)`` and ``second(env)`` at once, each in a
        transaction of its own, ``first`` holding its own open (changes
        written) until ``second`` waits for one of its locks. Each runs in
        Odoo's retry (odoo.service.model.retrying, what an RPC request
        gets) where ``retry`` says so; else as Odoo's scheduler calls a
        job, once, rolled back on an error.

        :return: {"first"/"second": its result}, {its name: attempts},
            {its name: the error it ended with}, whether ``second`` waited
        """
        results, attempts, errors, waited = {}, Counter(), {}, []
        started = threading.Event()

        def run(name, target, env, hold=False):
            def attempt():
                attempts[name] += 1
                results[name] = target(env)
                env.flush_all()
                if hold:
                    started.set()
                    waited.append(self._hold())

            try:
                if retry[name == "second"]:
                    retrying(attempt, env)
                else:
                    attempt()
                    env.cr.commit()
            except Exception as error:  # noqa: BLE001 - what the test checks
                env.cr.rollback()
                errors[name] = error
            finally:
                started.set()

        def second_run(env):
            started.wait(timeout=10)
            run("second", second, env)

        # (muted here, once: each thread muting it would unmute it for both)
        with mute_logger("odoo.sql_db"):
            self._run_in_threads(
                lambda env: run("first", first, env, hold=True), second_run
            )
        return results, attempts, errors, waited == [True]

    # What each side does

    @staticmethod
    def _scheduled(env):
        """One call of the scheduled close: the ids of what it settled."""
        Settlement = env["rebate.settlement"]
        before = Settlement.search([]).ids
        Settlement._cron_close_periods()
        return sorted(set(Settlement.search([]).ids) - set(before))

    def _manual(self, indexes, date=TODAY):
        """A close on ``date`` of the agreements of ``indexes`` (a button, an
        RPC call or a queued job): the ids of what it settled."""

        def close(env):
            agreements = [self.agreement_ids[index] for index in indexes]
            return (
                env["rebate.settlement"].close_periods(date, agreements=agreements).ids
            )

        return close

    # The checks

    def _settlements(self, env, index):
        """The settlements of agreement ``index``, in period order: (date
        from, rebate, state)."""
        agreement = env["rebate.agreement"].browse(self.agreement_ids[index])
        return agreement.settlement_ids.sorted("date_from").mapped(
            lambda s: (str(s.date_from), s.rebate_total, s.state)
        )

    def assertSettled(self, env, indexes=ALL):
        """Each agreement of ``indexes`` settled once per quarter, Q1 at 2 %
        of its invoice and the rest at zero (secured as settled), and closed;
        every settlement's name unique, and the company's chain verifies.

        :return: the settlements of this test's agreements
        """
        settlements = env["rebate.settlement"].search(
            [("agreement_id", "in", self.agreement_ids)]
        )
        for index in indexes:
            self.assertEqual(
                self._settlements(env, index),
                [
                    ("2024-01-01", 20.0 * (index + 1), "draft"),
                    ("2024-04-01", 0.0, "done"),
                    ("2024-07-01", 0.0, "done"),
                    ("2024-10-01", 0.0, "done"),
                ],
            )
        agreements = env["rebate.agreement"].browse(self.agreement_ids)
        self.assertEqual(
            agreements.mapped("state"),
            ["closed" if index in indexes else "active" for index in range(AGREEMENTS)],
        )
        self.assertEqual(len(settlements), 4 * len(indexes))
        self.assertEqual(len(set(settlements.mapped("name"))), len(settlements))
        self.assertChainVerifies(env, settlements, 3 * len(indexes))
        return settlements

    def assertChainVerifies(self, env, settlements, secured):
        """``secured`` of ``settlements`` secured, each a number of its own,
        and the company's chain verifies."""
        numbers = settlements.filtered("inalterable_hash").mapped(
            "secure_sequence_number"
        )
        self.assertEqual(len(set(numbers)), secured)
        [report] = [
            report
            for report in env["rebate.settlement"]._check_hash_integrity()
            if report["company_id"] == self.company_id
        ]
        self.assertEqual(report["corrupted_ids"], [])

    def assertFresh(self, env):
        """Every draft settlement of this test's agreements as computed afresh
        from the source documents: what approving it checks (those settled
        at zero are done, their figures secured by the chain)."""
        settlements = env["rebate.settlement"].search(
            [("agreement_id", "in", self.agreement_ids), ("state", "=", "draft")]
        )
        fresh = settlements._fresh_totals()
        self.assertEqual(
            [fresh[settlement][0]["rebate_total"] for settlement in settlements],
            settlements.mapped("rebate_total"),
        )

    def _check(self, check, *args):
        with self.registry.cursor() as cr:
            return check(self._env(cr), *args)

    # Two closes

    def test_two_scheduled_closes_at_once(self):
        """Odoo's scheduler never runs one scheduled action twice at once;
        two calls of the scheduled close all the same (another scheduled
        action, a server of another deployment): the second waits for the
        first, fails to serialize and is rolled back (the scheduler does not
        retry a call); its next call finds nothing due."""
        results, attempts, errors, waited = self._race(
            self._scheduled, self._scheduled, retry=(False, False)
        )
        self.assertTrue(waited)
        self.assertEqual(attempts, {"first": 1, "second": 1})
        self.assertIsInstance(errors.pop("second"), SerializationFailure)
        self.assertFalse(errors)
        self.assertEqual(self._check(self._scheduled), [])
        settlements = self._check(self.assertSettled)
        self.assertEqual(results["first"], sorted(settlements.ids))

    def test_scheduled_then_manual_close_overlapping(self):
        """A close of four of the agreements (the button, RPC: in Odoo's
        retry) while the scheduled close settles all six: it waits, fails to
        serialize, and its retry finds nothing due."""
        results, attempts, errors, waited = self._race(
            self._scheduled, self._manual([2, 3, 4, 5]), retry=(False, True)
        )
        self.assertEqual((waited, errors), (True, {}))
        self.assertEqual(attempts, {"first": 1, "second": 2})
        self.assertEqual(results["second"], [])
        settlements = self._check(self.assertSettled)
        self.assertEqual(results["first"], sorted(settlements.ids))

    def test_manual_then_scheduled_close_overlapping(self):
        """The scheduled close while a close of four of the agreements runs:
        the scheduled call fails to serialize and is rolled back, settling
        nothing; its next call settles the two agreements left."""
        results, attempts, errors, waited = self._race(
            self._manual([2, 3, 4, 5]), self._scheduled, retry=(True, False)
        )
        self.assertTrue(waited)
        self.assertEqual(attempts, {"first": 1, "second": 1})
        self.assertIsInstance(errors.pop("second"), SerializationFailure)
        self.assertFalse(errors)
        self.assertEqual(len(results["first"]), 16)
        self._check(self.assertSettled, [2, 3, 4, 5])
        self.assertEqual(len(self._check(self._scheduled)), 8)
        self._check(self.assertSettled)

    def test_closes_of_different_batches(self):
        """Two closes of three agreements each at once, as parallel queued
        jobs run them: both settle theirs; the second waits for the chain of
        secured settlements the first extends, and Odoo's retry runs it
        again after the first, which it then chains after."""
        results, attempts, errors, waited = self._race(
            self._manual([0, 1, 2]), self._manual([3, 4, 5])
        )
        self.assertEqual((waited, errors), (True, {}))
        self.assertEqual(attempts, {"first": 1, "second": 2})
        self.assertEqual((len(results["first"]), len(results["second"])), (12, 12))
        settlements = self._check(self.assertSettled)
        self.assertEqual(
            sorted(results["first"] + results["second"]), sorted(settlements.ids)
        )

    # A posting and the close

    def _race_posting(self, close_first):
        """An invoice of 500 to the first agreement's customer, dated in Q3,
        posted while the close settles Q1 to Q3 (``close_first``: the close
        holds its agreements first; else the posting does)."""
        with self.registry.cursor() as cr:
            invoice_id = self._invoice(
                self._env(cr), 0, 500.0, date="2024-08-10", journal=1
            ).id

        def post(env):
            env["account.move"].browse(invoice_id).action_post()
            return invoice_id

        close = self._manual(range(AGREEMENTS), date="2024-09-30")
        race = (close, post) if close_first else (post, close)
        results, attempts, errors, waited = self._race(*race)
        self.assertEqual((waited, errors), (True, {}))
        # the second waited for the first, failed to serialize, and Odoo's
        # retry ran it again after the first
        self.assertEqual(attempts, {"first": 1, "second": 2})
        return invoice_id

    def test_posting_while_the_close_settles_its_period(self):
        """The close settles Q3 at zero (done) first: the posting waits for
        it, fails to serialize, and posts again after it, late for Q3. The
        next close carries it."""
        invoice_id = self._race_posting(close_first=True)

        def check(env):
            self.assertEqual(
                self._settlements(env, 0),
                [
                    ("2024-01-01", 20.0, "draft"),
                    ("2024-04-01", 0.0, "done"),
                    ("2024-07-01", 0.0, "done"),
                ],
            )
            agreement = env["rebate.agreement"].browse(self.agreement_ids[0])
            [accrual] = env["account.move"].browse(invoice_id).rebate_accrual_ids
            self.assertEqual(accrual.amount, 10.0)
            q3 = agreement.settlement_ids.sorted("date_from")[-1]
            self.assertEqual(str(q3.date_from), "2024-07-01")
            self.assertEqual(accrual.late_settlement_id, q3)
            self.assertChainVerifies(env, agreement.settlement_ids, 2)
            self.assertFresh(env)
            # the next close carries the late document in Q4's settlement
            [q4] = env["rebate.settlement"].close_periods(
                "2024-12-31", agreements=agreement.ids
            )
            self.assertEqual(
                (str(q4.date_from), q4.rebate_total, q4.adjustment_total),
                ("2024-10-01", 10.0, 10.0),
            )
            self.assertEqual(q4.late_accrual_ids, accrual)
            self.assertFresh(env)

        self._check(check)

    def test_close_while_a_posting_in_its_period_runs(self):
        """The posting holds its agreement first: the close waits for it,
        fails to serialize, and settles again after it, the invoice in Q3."""
        invoice_id = self._race_posting(close_first=False)

        def check(env):
            self.assertEqual(
                self._settlements(env, 0),
                [
                    ("2024-01-01", 20.0, "draft"),
                    ("2024-04-01", 0.0, "done"),
                    ("2024-07-01", 10.0, "draft"),
                ],
            )
            [accrual] = env["account.move"].browse(invoice_id).rebate_accrual_ids
            self.assertEqual(
                (accrual.amount, accrual.late_settlement_id.id), (10.0, False)
            )
            self.assertEqual(self._settlements(env, 1)[2], ("2024-07-01", 0.0, "done"))
            self.assertFresh(env)

        self._check(check)
