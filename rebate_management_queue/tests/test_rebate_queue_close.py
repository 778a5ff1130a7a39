# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from freezegun import freeze_time

from odoo import SUPERUSER_ID
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.queue_job.job import Job, identity_exact
from odoo.addons.queue_job.tests.common import JobCounter, trap_jobs
from odoo.addons.rebate_management.tests.common import RebateCommon

TODAY = "2026-01-15"


@tagged("post_install", "-at_install")
@freeze_time("2026-01-15")
class TestRebateQueueClose(RebateCommon):
    """The scheduled close as queue jobs (issue #31, part 2): one job per
    batch of agreements, queued once, settling what the close inline
    settles, nothing twice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "rebate_management.close_batch_size", "2"
        )
        cls.cron = cls.env.ref("rebate_management.ir_cron_rebate_close_periods")
        Settlement = cls.env["rebate.settlement"].sudo()
        # the demo's agreements due today closed first: only the tests' are due
        today = date(2026, 1, 15)
        pending = Settlement._get_agreements_pending_close(today)
        if pending:
            Settlement.close_periods(today, agreements=pending)
        cls.close_job = cls.env["rebate.settlement"]._close_batch_job

    def _agreements(self, count, first=1):
        """``count`` flat 2 % agreements for 2025, quarterly, each of its own
        customer, the n-th (from ``first``) with n x 1,000 invoiced in Q1
        (a Q1 rebate of n x 20.00)."""
        agreements = self.env["rebate.agreement"]
        for index in range(first, first + count):
            partner = self.env["res.partner"].create(
                {"name": f"Queue customer {index}"}
            )
            agreements |= self._create_agreement(
                [(0.0, 2.0)], name=partner.name, partner_id=partner.id
            )
            self._create_invoice([(self.product_x, 10, 100.0 * index)], partner=partner)
        return agreements

    def _run_cron(self):
        return self._run_scheduled_close(self.cron)

    def _close_jobs(self):
        """The close's jobs in the database, in order."""
        return (
            self.env["queue.job"]
            .sudo()
            .search([("method_name", "=", "_close_batch_job")], order="id")
        )

    def _perform(self, job):
        """Run the stored job ``job`` (queue.job) as a worker runs it: loaded
        from the database, performed, done; its result."""
        # (as the worker's controller: superuser; the job runs as its user)
        loaded = Job.load(self.env(user=SUPERUSER_ID), job.uuid)
        result = loaded.perform()
        loaded.set_done(result=result)
        loaded.store()
        self.env.invalidate_all()
        return result

    def _settled(self, agreement):
        """What ``agreement``'s settlements are: (date from, base, rebate,
        state) of each, in order, and the agreement's state."""
        settlements = agreement.settlement_ids.sorted("date_from")
        return [
            (str(s.date_from), s.base_total, s.rebate_total, s.state)
            for s in settlements
        ], agreement.state

    def _expected(self, index):
        """What the n-th agreement of _agreements settles."""
        return [
            ("2025-01-01", 1000.0 * index, 20.0 * index, "draft"),
            ("2025-04-01", 0.0, 0.0, "done"),
            ("2025-07-01", 0.0, 0.0, "done"),
            ("2025-10-01", 0.0, 0.0, "done"),
        ], "closed"

    # Queuing

    def test_the_cron_queues_one_job_per_batch(self):
        agreements = self._agreements(5)
        ids = agreements.ids
        with trap_jobs() as trap:
            self.assertEqual(self._run_cron(), (5, 0))
            trap.assert_jobs_count(3, only=self.close_job)
            for index, batch in enumerate((ids[0:2], ids[2:4], ids[4:]), start=1):
                trap.assert_enqueued_job(
                    self.close_job,
                    args=(TODAY, batch),
                    properties={
                        "channel": "root.rebate_close",
                        "identity_key": identity_exact,
                        "description": "Rebates: close the periods ended by "
                        f"2026-01-15, batch {index} of 3 ({len(batch)} agreements)",
                    },
                )
        # queued, not run
        self.assertFalse(agreements.settlement_ids)

    def test_the_cron_run_twice_queues_nothing_twice(self):
        agreements = self._agreements(3)
        counter = JobCounter(self.env(su=True))
        self._run_cron()
        self._run_cron()
        jobs = counter.search_created()
        self.assertEqual(len(jobs), 2)
        self.assertEqual(jobs.mapped("channel"), ["root.rebate_close"] * 2)
        self.assertEqual(jobs.mapped("state"), ["pending"] * 2)
        self.assertEqual(
            sorted(list(job.args) for job in jobs),
            [[TODAY, agreements.ids[:2]], [TODAY, agreements.ids[2:]]],
        )
        # the same batches queued again, as a second server would: the
        # identity key finds the jobs waiting, none is added
        Settlement = self.env["rebate.settlement"].sudo()
        again = Settlement._enqueue_close_batches(
            date(2026, 1, 15), [agreements.ids[:2], agreements.ids[2:]]
        )
        self.assertEqual(counter.count_created(), 2)
        self.assertEqual(sorted(job.id for job in again), sorted(jobs.ids))
        # a batch the identity does not know (another date) is a new job
        Settlement._enqueue_close_batches("2026-01-14", [agreements.ids[:2]])
        self.assertEqual(counter.count_created(), 3)

    def test_an_agreement_newly_due_is_queued_alone(self):
        """A second call while the first's jobs still wait queues only what
        they do not hold: batches do not shift and overlap."""
        first = self._agreements(3)
        counter = JobCounter(self.env(su=True))
        self._run_cron()
        late = self._agreements(1, first=4)
        self.assertEqual(self._run_cron(), (1, 0))
        jobs = counter.search_created()
        self.assertEqual(
            [job.args[1] for job in jobs],
            [first.ids[:2], first.ids[2:], late.ids],
        )
        # once run, their agreements are due no more; a failed job's are
        for job in jobs[:2]:
            self._perform(job)
        jobs[2].state = "failed"
        with trap_jobs() as trap:
            self.assertEqual(self._run_cron(), (1, 0))
            trap.assert_enqueued_job(self.close_job, args=(TODAY, late.ids))

    def test_an_agreement_at_the_edge_of_a_batch(self):
        agreements = self._agreements(4)
        with trap_jobs() as trap:
            self._run_cron()
            self.assertEqual(
                [job.args for job in trap.enqueued_jobs],
                [(TODAY, agreements.ids[:2]), (TODAY, agreements.ids[2:])],
            )
            trap.perform_enqueued_jobs()
        for index, agreement in enumerate(agreements, start=1):
            self.assertEqual(self._settled(agreement), self._expected(index))
        self.env["ir.config_parameter"].sudo().set_param(
            "rebate_management.close_batch_size", "1"
        )
        more = self._agreements(2, first=5)
        with trap_jobs() as trap:
            self._run_cron()
            self.assertEqual(
                [job.args[1] for job in trap.enqueued_jobs],
                [more.ids[:1], more.ids[1:]],
            )

    def test_batches_never_mix_companies(self):
        company_2 = self.setup_other_company(name="Queue Company 2")["company"]
        self.env.user.company_ids |= company_2
        here = self._agreements(3)
        there = self.env["rebate.agreement"]
        for index in range(2):
            there |= self._create_agreement(
                [(0.0, 1.0)],
                activate=False,
                name=f"Elsewhere {index}",
                company_id=company_2.id,
                journal_id=company_2._get_rebate_journal("sale").id,
            )
        ids = sorted(here.ids + there.ids)
        self.assertEqual(
            self.env["rebate.settlement"]._split_close_batches(ids),
            [here.ids[:2], here.ids[2:], there.ids],
        )

    # Running the jobs

    def test_the_jobs_settle_what_the_close_inline_settles(self):
        queued = self._agreements(3)
        with trap_jobs() as trap:
            self._run_cron()
            inline = self._agreements(3)
            self.env["rebate.settlement"].close_periods(TODAY, agreements=inline)
            trap.perform_enqueued_jobs()
        for index, (by_job, by_close) in enumerate(
            zip(queued, inline, strict=True), start=1
        ):
            self.assertEqual(self._settled(by_job), self._expected(index))
            self.assertEqual(self._settled(by_job), self._settled(by_close))
        self.assertEqual(len(queued.settlement_ids), 12)

    def test_stored_jobs_run_by_a_worker(self):
        agreements = self._agreements(3)
        self._run_cron()
        jobs = self._close_jobs()
        results = [self._perform(job) for job in jobs]
        self.assertEqual(
            results,
            [
                "8 settlement(s) for 2 of the batch's 2 agreement(s), periods "
                "ended by 2026-01-15.",
                "4 settlement(s) for 1 of the batch's 1 agreement(s), periods "
                "ended by 2026-01-15.",
            ],
        )
        for index, agreement in enumerate(agreements, start=1):
            self.assertEqual(self._settled(agreement), self._expected(index))

    def test_a_job_run_twice_settles_nothing_twice(self):
        agreements = self._agreements(2)
        self._run_cron()
        job = self._close_jobs()
        self._perform(job)
        settlements = agreements.settlement_ids
        self.assertEqual(
            self._perform(job),
            "0 settlement(s) for 0 of the batch's 2 agreement(s), periods ended "
            "by 2026-01-15.\nNothing left to settle: 2 agreement(s).",
        )
        self.assertEqual(agreements.settlement_ids, settlements)
        for index, agreement in enumerate(agreements, start=1):
            self.assertEqual(self._settled(agreement), self._expected(index))

    def test_a_job_after_the_close_inline_settles_the_rest(self):
        agreements = self._agreements(2)
        self._run_cron()
        job = self._close_jobs()
        # one of its agreements closed by hand meanwhile
        self.env["rebate.settlement"].close_periods(TODAY, agreements=agreements[0])
        self.assertEqual(
            self._perform(job),
            "4 settlement(s) for 1 of the batch's 2 agreement(s), periods ended "
            "by 2026-01-15.\nNothing left to settle: 1 agreement(s).",
        )
        for index, agreement in enumerate(agreements, start=1):
            self.assertEqual(self._settled(agreement), self._expected(index))
        self.assertEqual(len(agreements.settlement_ids), 8)

    def test_a_job_given_wrong_input(self):
        agreement = self._agreements(1)
        Settlement = self.env["rebate.settlement"]
        # an agreement deleted since: skipped, said
        self.assertEqual(
            Settlement._close_batch_job(TODAY, [agreement.id, 999999999]),
            "4 settlement(s) for 1 of the batch's 2 agreement(s), periods ended "
            "by 2026-01-15.\nNo longer exist, skipped: agreement id(s) 999999999.",
        )
        self.assertEqual(self._settled(agreement), self._expected(1))
        self.assertEqual(
            Settlement._close_batch_job(date(2026, 1, 15), [999999999]),
            "0 settlement(s) for 0 of the batch's 1 agreement(s), periods ended "
            "by 2026-01-15.\nNo longer exist, skipped: agreement id(s) 999999999.",
        )
        with self.assertRaisesRegex(UserError, "give it a list of rebate agreement"):
            Settlement._close_batch_job(TODAY, None)
        with self.assertRaisesRegex(UserError, "not 'abc'"):
            Settlement._close_batch_job(TODAY, "abc")
        with self.assertRaisesRegex(UserError, "is not a date"):
            Settlement._close_batch_job("15/01/2026", [agreement.id])
        with self.assertRaisesRegex(UserError, "is after today"):
            Settlement._close_batch_job("2026-01-16", [agreement.id])
