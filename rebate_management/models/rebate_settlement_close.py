# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
import functools
import logging
from collections import namedtuple

from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date, mute_logger

from ..tools import (
    insert_records,
    integrator_api,
    returns_records,
    to_date,
)

_logger = logging.getLogger(__name__)

SEQUENCE_CODE = "rebate.settlement"

# The mark of _lock_agreements_to_close: the agreements' rows updated, not
# only locked (its docstring says why), in id order so that concurrent marks
# do not deadlock; the mark a posting makes (rebate.accrual._lock_agreements),
# without the reads that come with it there.
_MARK_AGREEMENTS = """
    UPDATE rebate_agreement
       SET write_date = write_date
     WHERE id IN (SELECT id FROM rebate_agreement
                   WHERE id = ANY(%s)
                ORDER BY id
                     FOR NO KEY UPDATE)
"""

# What a settlement settles: its own base, the base of its tier period to
# date and what was settled before in it (interim settlements; else the base
# and 0.0), and its rebate.
# ``base_forfeited``: the base its invoices did not count for want of payment
# (payment conditions).
# ``penalty``: what falling short of the commitment costs, deducted from the
# rebate (at the end of a tier period); ``invoice_count``: the invoices of the
# tier period to date, when the agreement asks a minimum; ``withheld``: too
# few of them, no rebate; ``base_last_days``: the base of the documents dated
# in the period's last days, measured for the surge alert when its company
# turned it on (rebate.settlement.risk); ``base_prior``: growth rebates, the
# base of the tier period a year earlier.
SettlementAmounts = namedtuple(
    "SettlementAmounts",
    "base base_cumulative rebate_previous rebate base_forfeited "
    "penalty invoice_count withheld base_last_days base_prior",
    defaults=(0.0, 0.0, 0, False, 0.0, 0.0),
)


class RebateSettlement(models.Model):
    """The period close: every ended period of every active agreement
    settled once, in a fixed number of queries whatever their number."""

    _inherit = "rebate.settlement"

    @api.model
    @returns_records
    @integrator_api
    def close_periods(self, date, agreements=None):
        """Settle every period of every active agreement ended on or before
        date: the agreements to close, their periods due, the settlements'
        values (``_prepare_settlement_vals``), the settlements written, then
        what they carry, their notes and the agreements closed.

        :param date: closing date
        :param agreements: optional agreements (records or ids) restricting
            the close
        :return: the settlements created (their ids over RPC)
        """
        self._check_accountant(self.env._("close rebate periods"))
        date = self._check_close_date(date)
        agreements = self._check_close_agreements(agreements)
        if agreements:
            self.env["rebate.agreement"].browse(agreements)._check_not_template()
        late = self._read_late_accruals(agreements)
        agreements = self._get_agreements_to_close(date, agreements, late)
        if not agreements:
            return self
        # A close handles thousands of agreements and periods: their terms are
        # read once into plain values, and each period costs Python, not ORM.
        terms = agreements._read_accrual_terms()
        due = self._get_periods_due(agreements, terms, date)
        if not due and not late:
            return self
        self._lock_agreements_to_close(due, late, terms)
        vals_list, adjustments = self._prepare_settlement_vals_list(
            due, terms, late, date
        )
        if not vals_list:
            return self
        alerts = self._flag_alerts(vals_list, terms)
        created = self._create_once(vals_list)
        settlements = self.browse(created)
        settlements._link_created(created, adjustments, alerts)
        settlements._log_created(date)
        settlements._log_negative(created)
        self._close_finished_agreements(created, terms)
        return settlements

    def _link_created(self, created, adjustments, alerts):
        """What the settlements a close created carry: their late accruals
        (``adjustments``) and their alerts (``alerts``), both keyed (agreement
        id, date from); ``created``: {settlement id: its values}."""
        self._link_late_accruals(
            {
                settlement_id: adjustments[vals["agreement_id"], vals["date_from"]]
                for settlement_id, vals in created.items()
                if (vals["agreement_id"], vals["date_from"]) in adjustments
            }
        )
        if alerts:
            # (each with its settlement's company, the alert's related
            # field, as create would have written it)
            self._create_alerts(
                {
                    settlement_id: [
                        dict(alert, company_id=vals["company_id"])
                        for alert in alerts[vals["agreement_id"], vals["date_from"]]
                    ]
                    for settlement_id, vals in created.items()
                    if vals.get("has_alerts")
                }
            )

    @api.model
    def _check_close_date(self, date):
        """``date`` as a date, refused when it is after today: a period is
        settled once it has ended, never ahead of time."""
        date = to_date(self.env, date)
        today = fields.Date.context_today(self)
        if date > today:
            raise UserError(
                self.env._(
                    "Periods are closed once they have ended: %(date)s is after "
                    "today (%(today)s). Close on or before today.",
                    date=format_date(self.env, date),
                    today=format_date(self.env, today),
                )
            )
        return date

    @api.model
    def _check_close_agreements(self, agreements):
        """The ids of ``agreements`` (None: every agreement; agreement
        records or a list of their ids, as RPC sends them), a clear error for
        anything else."""
        if agreements is None:
            return None
        if isinstance(agreements, models.BaseModel):
            if agreements._name != "rebate.agreement":
                agreements = None
            else:
                return agreements.ids
        elif isinstance(agreements, int) and not isinstance(agreements, bool):
            return [agreements]
        elif isinstance(agreements, list | tuple) and all(
            isinstance(ag_id, int) and not isinstance(ag_id, bool)
            for ag_id in agreements
        ):
            return list(agreements)
        raise UserError(
            self.env._(
                "Give the agreements to close as a list of rebate agreement ids "
                "(or none for every active agreement), not %(value)s.",
                value=repr(agreements),
            )
        )

    @api.model
    def _get_agreements_to_close(self, date, agreements=None, late=()):
        """The active agreements started by ``date`` (among ``agreements``,
        ids), and the closed ones with late documents to carry (LateAccrual
        rows ``late``)."""
        Agreement = self.env["rebate.agreement"]
        domain = [("state", "=", "active"), ("date_start", "<=", date)]
        late_ids = list({row.agreement_id for row in late if not row.carrier_id})
        if late_ids:
            domain = [
                ("date_start", "<=", date),
                "|",
                ("state", "=", "active"),
                "&",
                ("state", "=", "closed"),
                ("id", "in", late_ids),
            ]
        if agreements is not None:
            domain.append(("id", "in", list(agreements)))
        return Agreement.search(domain)

    @api.model
    def _lock_agreements_to_close(self, due, late, terms):
        """Mark, until the transaction ends, the agreements this close settles
        something for (its periods ``due``, its LateAccrual rows ``late``
        among the agreements of ``terms``), as posting and approving mark
        theirs (rebate.accrual._lock_agreements), in one statement.

        Without it, a document posted in a period while the close settles
        it, in a transaction neither sees, is neither in the settlement nor
        late for it (a period settled at zero is done at once): its rebate
        is never settled. Marked, the close and the postings, approvals and
        other closes of the same agreements follow one another: whichever
        comes second waits, then fails to serialize (Odoo's repeatable-read
        transactions) and runs again on a fresh snapshot (Odoo's retry of an
        RPC request or a queued job; the scheduler's next call), which sees
        the first's work: the document is in the settlement or late for it,
        a period another close settled is no longer due. A lock without the
        write would not do: the one waiting would go on with its old
        snapshot. The agreements with nothing to settle are left alone, so
        their postings never wait for a close. The unique index on a live
        period (_create_once) stays the last guard.

        The inheritable method: a module whose close writes what other
        transactions read locks it here.
        """
        ag_ids = {period[0] for period in due}
        ag_ids.update(row.agreement_id for row in late if row.agreement_id in terms)
        self.env.cr.execute(SQL(_MARK_AGREEMENTS, sorted(ag_ids)))

    @api.model
    def _get_periods_due(self, agreements, terms, date):
        """[(agreement id, date from, date to)] of the periods ended by
        ``date`` that have no live settlement yet and do not wait for their
        invoices to be due (payment conditions). (A close cuts thousands:
        each is one tuple, shared by every later step.)"""
        due = self._get_unsettled_periods(agreements, terms, date)
        # a period with a payment condition waits until its invoices are due
        unripe = self.env["rebate.line.query"]._get_unripe_periods(due, terms, date)
        if not unripe:
            return due
        return [period for period in due if period[:2] not in unripe]

    @api.model
    def _get_unsettled_periods(self, agreements, terms, date):
        """[(agreement id, date from, date to)] of the periods ended by
        ``date`` that have no live settlement yet."""
        self.flush_model(["agreement_id", "date_from", "state", "is_adjustment"])
        existing = set(
            self.env.execute_query(
                SQL(
                    "SELECT agreement_id, date_from FROM rebate_settlement"
                    " WHERE agreement_id = ANY(%s) AND state != 'cancelled'"
                    " AND is_adjustment IS NOT TRUE",
                    agreements.ids,
                )
            )
        )
        # agreements of the same dates and period length (most of them, at a
        # year end) share their periods: each set is cut once
        periods_of = functools.cache(
            functools.partial(self.env["rebate.agreement"]._cut_periods, date_to=date)
        )
        due = [
            (ag_id, date_from, date_to)
            for ag_id in agreements.ids
            for date_from, date_to in periods_of(
                terms[ag_id].date_start,
                terms[ag_id].date_end,
                terms[ag_id].settlement_months,
            )
            if (ag_id, date_from) not in existing
        ]
        return due

    @api.model
    def _get_waiting_periods(self, agreements, date):
        """{(agreement, date from, date to): the first date it can close} of
        the ended periods of active ``agreements`` not settled because their
        invoices are not yet due (payment conditions): what a close that
        settled nothing tells the accountant."""
        agreements = agreements.filtered(
            lambda a: a.state == "active" and a.payment_condition != "none"
        )
        if not agreements:
            return {}
        terms = agreements._read_accrual_terms()
        unsettled = self._get_unsettled_periods(agreements, terms, date)
        unripe = self.env["rebate.line.query"]._get_unripe_periods(
            unsettled, terms, date
        )
        return {
            (agreements.browse(ag_id), date_from, date_to): unripe[ag_id, date_from]
            for ag_id, date_from, date_to in unsettled
            if (ag_id, date_from) in unripe
        }

    @api.model
    def _prepare_settlement_vals_list(self, due, terms, late=(), date=None):
        """The values of the settlements of the periods ``due`` ((agreement
        id, date from, date to)), their amounts computed from the source
        documents in a few queries for all of them, with the late documents
        they carry (and adjustment settlements for those no later period
        carries).

        :return: (values list, {(agreement id, date from): [Adjustment]})
        """
        agreements = self.env["rebate.agreement"].browse(
            dict.fromkeys(period[0] for period in due)
        )
        periods = due
        tiers = agreements._read_tiers()
        amounts = self._get_settlement_amounts(periods, terms, tiers, date=date)
        accrued = self._read_accrued(periods, terms)
        vals_list = [
            self._prepare_settlement_vals(
                terms[ag_id],
                (ag_id, date_from, date_to),
                amounts[ag_id, date_from],
                accrued.get((ag_id, date_from), 0.0),
            )
            for ag_id, date_from, date_to in periods
        ]
        # (late documents of agreements not closed here, cancelled ones say,
        # wait)
        late = [row for row in late if row.agreement_id in terms]
        pending = [row for row in late if not row.carrier_id]
        if not pending:
            return vals_list, {}
        late_agreements = self.env["rebate.agreement"].browse(
            {row.agreement_id for row in pending}
        )
        tiers.update(late_agreements._read_tiers())
        carried, alone = self._place_adjustments(
            self._get_adjustments(late, terms, tiers),
            periods,
            late,
            terms,
            closed=set(late_agreements.filtered(lambda a: a.state == "closed").ids),
        )
        by_key = {(vals["agreement_id"], vals["date_from"]): vals for vals in vals_list}
        for key, adjustments in carried.items():
            self._add_adjustments(by_key[key], adjustments, terms[key[0]])
        for period, adjustment in alone:
            vals = self._prepare_adjustment_vals(terms[period[0]], period, adjustment)
            vals_list.append(vals)
            carried[period[0], period[1]].append(adjustment)
        return vals_list, carried

    @api.model
    def _add_adjustments(self, vals, adjustments, terms):
        """Include the late documents' ``adjustments`` in a settlement's
        values."""
        total = terms.round(sum(adj.amount for adj in adjustments))
        vals["adjustment_total"] = total
        vals["rebate_total"] = terms.round(vals["rebate_total"] + total)
        vals["state"] = "draft" if vals["rebate_total"] else "done"

    @api.model
    def _prepare_adjustment_vals(self, terms, period, adjustment):
        """The values of an adjustment settlement: the late documents of a
        settled period of an agreement without a later period."""
        vals = self._prepare_settlement_vals(
            terms,
            period,
            SettlementAmounts(adjustment.base, 0.0, 0.0, adjustment.amount),
            0.0,
        )
        vals.update(adjustment_total=adjustment.amount, is_adjustment=True)
        return vals

    @api.model
    def _prepare_settlement_vals(self, terms, period, amounts, accrued):
        """The values of one period's settlement: the inheritable method (a
        module adding a column to settlements, or an adjustment, adds it
        here). The values are written as they are, every column of a
        settlement given (see _create_once).

        :param terms: the agreement's AccrualTerms
        :param period: (agreement id, date from, date to)
        :param amounts: its SettlementAmounts (_get_settlement_amounts)
        :param accrued: what the period's accruals add up to
        """
        ag_id, date_from, date_to = period
        return {
            "agreement_id": ag_id,
            "partner_id": terms.partner_id,
            "company_id": terms.company_id,
            "currency_id": terms.currency.id,
            "date_from": date_from,
            "date_to": date_to,
            "base_total": amounts.base,
            "base_forfeited": amounts.base_forfeited,
            "base_cumulative": amounts.base_cumulative,
            "rebate_previous": amounts.rebate_previous,
            "penalty_total": amounts.penalty,
            "invoice_count": amounts.invoice_count,
            "rebate_withheld": amounts.withheld,
            "rebate_total": amounts.rebate,
            "base_last_days": amounts.base_last_days,
            "base_prior": amounts.base_prior,
            "adjustment_total": 0.0,
            "is_adjustment": False,
            "accrued_total": accrued,
            # rounded to the currency: zero is exactly zero
            "state": "draft" if amounts.rebate else "done",
        }

    def _log_negative(self, created):
        """Say on each negative settlement what approving it does."""
        for settlement_id in self.ids:
            vals = created[settlement_id]
            if vals["state"] != "draft" or vals["rebate_total"] >= 0:
                continue
            if vals.get("penalty_total"):
                body = self.env._(
                    "The penalty of this period exceeds its rebate. Approved, "
                    "the difference is charged by a customer invoice."
                )
            else:
                body = self.env._(
                    "The rebate of this period is negative: the customer's "
                    "refunds exceed its invoices, or less was earned than "
                    "was settled before. Approved, it is paid back by a "
                    "customer invoice (claw-back)."
                )
            self.browse(settlement_id)._message_log(body=body)

    @api.model
    def _close_finished_agreements(self, created, terms):
        """Close the agreements whose last period was just settled (the
        accountant's right, not a change of terms)."""
        finished = [
            vals["agreement_id"]
            for vals in created.values()
            if vals["date_to"] == terms[vals["agreement_id"]].date_end
            and not vals.get("is_adjustment")
        ]
        self.env["rebate.agreement"].browse(finished).sudo()._close()

    def _log_created(self, date):
        """The first note of each settlement of a close, in one batch: which
        close computed it (its amounts are on the form, and a recompute's
        changes are tracked). One text for all: formatting amounts per
        settlement would cost a close of thousands more than the notes."""
        note = self.env._(
            "Computed by the period close of %(date)s.",
            date=format_date(self.env, date),
        )
        self._bulk_log_notes(dict.fromkeys(self.ids, note))

    @api.model
    def _create_once(self, vals_list):
        """Create the settlements of a period close, skipping the periods that
        a concurrent close settled meanwhile (the unique index on agreement and
        period refuses them): whoever comes second creates nothing twice and
        fails nothing.

        A close creates thousands of settlements at once: they are inserted in
        batches (insert_records: defaults, computes, constraints and company
        check kept, without the ORM's per-record create work); their first
        note is logged by the close (_log_created).

        :return: {settlement id: its values} of the settlements created
        """
        self.check_access("create")
        for vals, name in zip(vals_list, self._next_names(len(vals_list)), strict=True):
            vals.update(name=name, computed_by_id=self.env.uid)
        self._complete_settlement_vals(vals_list)
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                ids = insert_records(self, vals_list).ids
            created = dict(zip(ids, vals_list, strict=True))
        except UniqueViolation:
            _logger.info("Rebate periods settled concurrently; skipping those.")
            created = {}
            for vals in vals_list:
                try:
                    with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                        [settlement_id] = insert_records(self, [vals]).ids
                    created[settlement_id] = vals
                except UniqueViolation:
                    continue
        self.env["rebate.accrual"].invalidate_model(["settlement_id"])
        return created

    @api.model
    def _complete_settlement_vals(self, vals_list):
        """The last step of a close's values, numbered, before the rows are
        written (_create_once): the inheritable method where a module adds
        what the whole row decides (integrity: the chain's entries)."""
        return vals_list

    @api.model
    def _next_names(self, count):
        """``count`` numbers from the settlement sequence. A period close
        numbers thousands of settlements: a standard (gap-allowed) sequence
        gives them all in one query instead of one call each."""
        if not count:
            return []
        Sequence = self.env["ir.sequence"].sudo()
        sequence = Sequence.search(
            [
                ("code", "=", SEQUENCE_CODE),
                ("company_id", "in", [self.env.company.id, False]),
            ],
            order="company_id",
            limit=1,
        )
        if count == 1 or not sequence or sequence.implementation != "standard":
            return [Sequence.next_by_code(SEQUENCE_CODE) for _index in range(count)]
        # the date next_by_code numbers at
        today = self.env.context.get("ir_sequence_date") or fields.Date.today()
        pg_sequence = "ir_sequence_%03d" % sequence.id
        if sequence.use_date_range:
            date_range = self.env["ir.sequence.date_range"].sudo().search(
                [
                    ("sequence_id", "=", sequence.id),
                    ("date_from", "<=", today),
                    ("date_to", ">=", today),
                ],
                limit=1,
            ) or sequence._create_date_range_seq(today)
            pg_sequence = "ir_sequence_%03d_%03d" % (sequence.id, date_range.id)
            sequence = sequence.with_context(
                ir_sequence_date_range=date_range.date_from
            )
        numbers = self.env.execute_query(
            SQL("SELECT nextval(%s) FROM generate_series(1, %s)", pg_sequence, count)
        )
        prefix, suffix = sequence.with_context(
            ir_sequence_date=today
        )._get_prefix_suffix()
        return [
            f"{prefix}{number:0{sequence.padding}d}{suffix}" for (number,) in numbers
        ]
