# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models

from ..tools import notify_cron_progress


class RebateSettlementCloseSchedule(models.Model):
    """The scheduled close: close_periods (rebate_settlement_close.py) in
    batches of agreements, one per call of Odoo's scheduler."""

    _inherit = "rebate.settlement"

    @api.model
    def _cron_close_periods(self):
        """The scheduled close, one batch of agreements per call
        (_get_close_batch_size), each call its own transaction: Odoo's
        scheduler commits after a call and calls again while the progress
        it is told (tools.notify_cron_progress) says some remain. A long year
        end spreads over calls; a crash loses at most the batch it was in,
        which the next run settles, nothing twice (a settled period is not
        due any more). close_periods, the button and RPC keep one
        transaction for the agreements they are given.

        Odoo runs one call of a scheduled action at a time. A close of the
        same agreements at once (the button, RPC, a queued job) makes the
        one that comes second wait and fail to serialize
        (_lock_agreements_to_close): Odoo retries a request, not a
        scheduled call, which is rolled back and settled by the other close
        or the next call."""
        Settlement = self.sudo()
        date = fields.Date.context_today(self)
        pending = Settlement._get_agreements_pending_close(date)
        batch = pending[: self._get_close_batch_size()]
        if batch:
            Settlement.close_periods(date, agreements=batch)
        notify_cron_progress(
            self.env, done=len(batch), remaining=len(pending) - len(batch)
        )

    @api.model
    def _get_close_batch_size(self):
        """How many agreements one call of the scheduled close settles: the
        system parameter rebate_management.close_batch_size (500 by
        default)."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("rebate_management.close_batch_size", "500")
        )
        try:
            return max(int(value), 1)
        except ValueError:
            return 500

    @api.model
    def _get_agreements_pending_close(self, date):
        """The ids, in order, of the agreements a close on ``date`` would
        settle something for: a period ended and due, or, closed, late
        documents of their own to settle."""
        late = self._read_late_accruals(None)
        agreements = self._get_agreements_to_close(date, None, late)
        if not agreements:
            return []
        due = self._get_periods_due(agreements, agreements._read_accrual_terms(), date)
        return sorted(
            {ag_id for ag_id, _from, _to in due}
            | self._get_closed_with_late(agreements, late)
        )

    @api.model
    def _get_closed_with_late(self, agreements, late):
        """The ids of the closed agreements among ``agreements`` with late
        documents of their own to settle (LateAccrual rows ``late``): one
        search among those with late documents. (Filtering ``agreements`` on
        their state fetched every field of every agreement: 0.3 s of each
        scheduled call at 10,000 agreements.)"""
        late_ids = {row.agreement_id for row in late if not row.carrier_id}
        late_ids &= set(agreements.ids)
        if not late_ids:
            return set()
        return set(
            self.env["rebate.agreement"]
            .search([("id", "in", list(late_ids)), ("state", "=", "closed")])
            .ids
        )
