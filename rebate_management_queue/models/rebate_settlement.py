# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The scheduled period close as queue jobs: one job per batch of agreements,
run by Odoo's workers (on one server or several) in parallel, as the capacity
of their channel allows."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.queue_job.job import (
    ENQUEUED,
    PENDING,
    STARTED,
    WAIT_DEPENDENCIES,
    identity_exact,
)
from odoo.addons.rebate_management.tools import notify_cron_progress, to_date

# the job states of a batch still to run, or running
WAITING_STATES = (WAIT_DEPENDENCIES, PENDING, ENQUEUED, STARTED)


class RebateSettlement(models.Model):
    _inherit = "rebate.settlement"

    @api.model
    def _cron_close_periods(self):
        """The scheduled close, queued: every agreement with something to
        settle today, in batches of rebate_management.close_batch_size
        agreements of one company, each batch one job of the channel
        (_close_batch_job); the call returns once they are queued, and the
        scheduler is told nothing remains. An agreement already in a job
        still waiting or running is left to that job; a batch queued twice
        the same day is one job (its identity key).

        :return: the jobs queued (queue_job's, or for a batch already
            queued the queue.job waiting with the same identity)
        """
        Settlement = self.sudo()
        date = fields.Date.context_today(self)
        pending = Settlement._get_agreements_to_queue(date)
        jobs = Settlement._enqueue_close_batches(
            date, Settlement._split_close_batches(pending)
        )
        notify_cron_progress(self.env, done=len(pending), remaining=0)
        return jobs

    @api.model
    def _get_agreements_to_queue(self, date):
        """The ids, in order, of the agreements a close on ``date`` would
        settle something for, less those a job still waiting or running
        holds (that job settles them)."""
        queued = self._get_agreements_queued_close()
        return [
            ag_id
            for ag_id in self._get_agreements_pending_close(date)
            if ag_id not in queued
        ]

    @api.model
    def _get_agreements_queued_close(self):
        """The ids of the agreements of the close's jobs still waiting or
        running (any date)."""
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("model_name", "=", self._name),
                    ("method_name", "=", "_close_batch_job"),
                    ("state", "in", WAITING_STATES),
                ]
            )
        )
        return {ag_id for job in jobs for ag_id in self._get_job_agreement_ids(job)}

    @api.model
    def _get_job_agreement_ids(self, job):
        """The agreement ids a close job (queue.job) was given: its second
        argument."""
        args = job.args or []
        return args[1] if len(args) > 1 and isinstance(args[1], list) else []

    @api.model
    def _split_close_batches(self, agreement_ids):
        """``agreement_ids`` in batches ([[id, ...], ...]) of at most
        _get_close_batch_size() agreements, in order, each of one company:
        the jobs of two companies never wait for each other (a company's
        chain of secured settlements is locked by whoever adds to it)."""
        size = self._get_close_batch_size()
        return [
            ids[start : start + size]
            for ids in self._group_by_company(agreement_ids)
            for start in range(0, len(ids), size)
        ]

    @api.model
    def _group_by_company(self, agreement_ids):
        """``agreement_ids`` by company, in order: [[id, ...], ...], the
        companies in the order of their first agreement."""
        if not agreement_ids:
            return []
        groups = (
            self.env["rebate.agreement"]
            .sudo()
            ._read_group(
                [("id", "in", list(agreement_ids))], ["company_id"], ["id:array_agg"]
            )
        )
        return sorted((sorted(ids) for _company, ids in groups), key=lambda ids: ids[0])

    @api.model
    def _enqueue_close_batches(self, date, batches):
        """Queue one job per batch of ``batches`` (lists of agreement ids)
        closing the periods ended by ``date``, given to the job as its ISO
        text: the job's identity is the same whatever type of date the
        caller had.

        :return: the jobs queued (see _cron_close_periods)
        """
        date = fields.Date.to_string(to_date(self.env, date))
        return [
            self.with_delay(
                **self._prepare_close_job_options(date, batch, index, len(batches))
            )._close_batch_job(date, batch)
            for index, batch in enumerate(batches, start=1)
        ]

    @api.model
    def _prepare_close_job_options(self, date, batch, index, count):
        """The options of the job of ``batch``, the ``index``-th of
        ``count``: its channel, its identity (the method, the date and the
        batch: queued twice, it is one job) and its description."""
        return {
            "channel": self._get_close_job_channel(),
            "identity_key": identity_exact,
            "description": self.env._(
                "Rebates: close the periods ended by %(date)s, batch %(index)s "
                "of %(count)s (%(size)s agreements)",
                date=date,
                index=index,
                count=count,
                size=len(batch),
            ),
        }

    @api.model
    def _get_close_job_channel(self):
        """The channel of the close's jobs: the one its job function names
        (root.rebate_close, unless an administrator changed it)."""
        Function = self.env["queue.job.function"].sudo()
        name = Function.job_function_name(self._name, "_close_batch_job")
        return Function.job_config(name).channel

    # The job

    @api.model
    def _close_batch_job(self, date, agreement_ids):
        """Close the periods ended by ``date`` of the agreements
        ``agreement_ids`` (one batch of the scheduled close): only what is
        still due is settled, so a job run twice, or after a close that
        settled some of them, settles nothing twice; an agreement that no
        longer exists is skipped.

        :return: what it did, in words (the job's result)
        """
        date = self._check_close_date(date)
        ids = self._check_close_job_batch(agreement_ids)
        agreements = self.env["rebate.agreement"].browse(ids).exists()
        settlements = self.browse()
        if agreements:
            settlements = self.close_periods(date, agreements=agreements)
        return self._get_close_job_result(date, ids, agreements, settlements)

    @api.model
    def _check_close_job_batch(self, agreement_ids):
        """The ids of a job's batch, a clear error when ``agreement_ids`` is
        not a list of ids (never None: a job does not close every
        agreement)."""
        ids = self._check_close_agreements(agreement_ids)
        if ids is None:
            raise UserError(
                self.env._(
                    "A close job settles the batch of agreements it is given: "
                    "give it a list of rebate agreement ids."
                )
            )
        return ids

    @api.model
    def _get_close_job_result(self, date, ids, agreements, settlements):
        """The job's result: how many settlements for how many of its
        agreements (``ids``, those that exist ``agreements``), those that had
        nothing left to settle, those that no longer exist."""
        settled = settlements.agreement_id
        lines = [
            self.env._(
                "%(count)s settlement(s) for %(settled)s of the batch's %(total)s "
                "agreement(s), periods ended by %(date)s.",
                count=len(settlements),
                settled=len(settled),
                total=len(set(ids)),
                date=fields.Date.to_string(date),
            )
        ]
        if agreements - settled:
            lines.append(
                self.env._(
                    "Nothing left to settle: %(count)s agreement(s).",
                    count=len(agreements - settled),
                )
            )
        missing = sorted(set(ids) - set(agreements.ids))
        if missing:
            lines.append(
                self.env._(
                    "No longer exist, skipped: agreement id(s) %(ids)s.",
                    ids=", ".join(map(str, missing)),
                )
            )
        return "\n".join(lines)
