# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, models
from odoo.tools import SQL

from ..rebate_maths import round_base
from .rebate_settlement_close import SettlementAmounts


class RebateSettlement(models.Model):
    """What a settlement settles, computed from the source documents for
    many periods at once: the close writes it, recomputing and approving
    compare with it. Interim settlements (an agreement settling its tier
    periods in parts) deduct what the earlier parts settled."""

    _inherit = "rebate.settlement"

    @api.model
    def _get_settlement_amounts(self, periods, terms, tiers, exclude=(), date=None):
        """The amounts of the settlements of ``periods``, computed from the
        source documents: what the close writes, and what recomputing and
        approving compare with.

        A period settled once: its base B and R(B). An interim settlement
        (the agreement settles its tier periods in parts): its own base, the
        base of its tier period to date C, what the earlier live settlements
        of that tier period settled P, and R(C) - P; the periods are taken in
        order, so each one sees those before it in the same call. Rewards and
        penalties: see _get_period_amounts.

        :param periods: (agreement id, date from, date to) settlement periods
        :param terms: {agreement id: AccrualTerms}
        :param tiers: {agreement id: (threshold, rate) pairs}
        :param exclude: ids of settlements being recomputed, whose current
            amounts are not "settled before"
        :param date: the date payments count by (payment condition "paid"),
            today by default
        :return: {(agreement id, date from): SettlementAmounts}
        """
        parts = self._get_interim_parts(periods, terms)
        # the period's last days, summed in the same queries as the periods
        last_days = self._get_last_days_windows(periods, terms, tiers)
        bases, counts, forfeited = self._read_window_bases(
            self._get_amount_windows(periods, parts, last_days), terms, date
        )
        settled = self._read_settled_rebates({ag_id for ag_id, _s in parts}, exclude)
        # growth rebates: each period's terms carry its prior base
        period_terms = self.env["rebate.agreement"]._get_period_terms(
            periods, terms, date
        )
        amounts = {}
        for period in sorted(periods):
            key = period[:2]
            interim = key in parts
            amounts[key] = self._get_period_amounts(
                period_terms[key],
                tiers.get(period[0], []),
                period,
                parts[key] if interim else None,
                bases,
                counts,
                settled.setdefault(period[0], {}) if interim else None,
                forfeited.get(key, 0.0),
                bases.get(last_days[key][:2], 0.0) if key in last_days else 0.0,
            )
        return amounts

    @api.model
    def _read_window_bases(self, windows, terms, date=None):
        """(bases, invoice counts, forfeited bases) of ``windows`` ((agreement
        id, date from, date to)), each keyed (agreement id, date from), from
        the counted lines; the invoices are counted only for the agreements
        that ask a minimum of them."""
        Lines = self.env["rebate.line.query"]
        forfeited = {}
        bases = Lines._get_period_bases(windows, terms, date=date, forfeited=forfeited)
        counts = Lines._count_period_invoices(
            [window for window in windows if terms[window[0]].min_invoice_count]
        )
        return bases, counts, forfeited

    @api.model
    def _get_amount_windows(self, periods, parts, last_days):
        """The date windows whose bases the amounts of ``periods`` read: the
        periods, the earlier parts of interim tier periods, the last days of
        the periods checked for a surge."""
        if not parts and not last_days:
            return periods
        windows = set(periods)
        windows.update(
            (ag_id, *part) for (ag_id, _start), own in parts.items() for part in own
        )
        windows.update(last_days.values())
        return sorted(windows)

    @api.model
    def _get_period_amounts(
        self,
        terms,
        tiers,
        period,
        own,
        bases,
        counts,
        earlier,
        base_forfeited=0.0,
        base_last_days=0.0,
    ):
        """One period's SettlementAmounts from the bases and invoice counts
        of the windows (_get_settlement_amounts); rewards and penalties: see
        _get_invoice_count and _get_period_penalty.

        :param terms: its AccrualTerms (_get_period_terms); ``tiers``: its tiers
        :param period: (agreement id, date from, date to)
        :param own: interim: the parts of its tier period to date, else None
        :param earlier: interim: {part start: rebate} settled before in the
            agreement's tier periods, this period's rebate added; else None
        """
        ag_id, date_from, date_to = period
        base = bases.get((ag_id, date_from), 0.0)
        cumulative, previous = base, 0.0
        if own:
            cumulative, previous = self._get_interim_to_date(
                terms, period, own, bases, earlier
            )
        invoice_count, withheld = self._get_invoice_count(terms, period, own, counts)
        Agreement = self.env["rebate.agreement"]
        rebate = 0.0
        if not withheld:
            rebate = Agreement._get_period_rebate(cumulative, tiers, terms).amount
        rebate = terms.round(rebate - previous)
        if own:
            earlier[date_from] = rebate
        penalty = self._get_period_penalty(terms, date_to, cumulative)
        return SettlementAmounts(
            base,
            cumulative,
            previous,
            terms.round(rebate - penalty),
            base_forfeited,
            penalty,
            invoice_count,
            withheld,
            base_last_days,
            getattr(terms, "prior_base", None) or 0.0,
        )

    @api.model
    def _get_interim_to_date(self, terms, period, own, bases, earlier):
        """(base of the tier period to date, rebate settled before in it) of
        an interim settlement's ``period``: the bases of its parts to date
        ``own``, and the rebates ``earlier`` of the parts before it."""
        ag_id, date_from, _date_to = period
        cumulative = round_base(
            sum(bases.get((ag_id, start), 0.0) for start, _end in own),
            terms.basis,
            terms.rounding,
        )
        previous = terms.round(
            sum(
                rebate
                for start, rebate in earlier.items()
                if own[0][0] <= start < date_from
            )
        )
        return cumulative, previous

    @api.model
    def _get_invoice_count(self, terms, period, own, counts):
        """(the invoices of ``period``'s tier period to date, whether they are
        too few to earn a rebate) when its agreement asks a minimum of them,
        else (0, False); ``own``: the interim parts to date, or None. Too few
        invoices earn no rebate to date: a later part catches up once the
        minimum is met."""
        if not terms.min_invoice_count:
            return 0, False
        ag_id, date_from, date_to = period
        parts = own or [(date_from, date_to)]
        invoice_count = sum(counts.get((ag_id, start), 0) for start, _e in parts)
        return invoice_count, invoice_count < terms.min_invoice_count

    @api.model
    def _get_period_penalty(self, terms, date_to, cumulative):
        """What falling short of the commitment costs a period ending on
        ``date_to`` whose tier period's base to date is ``cumulative``:
        measured where a tier period ends (_ends_tier_period), else 0.0; it
        is deducted from the rebate of the tier period's last settlement."""
        if terms.penalty_type != "none" and self._ends_tier_period(terms, date_to):
            return self.env["rebate.agreement"]._get_penalty(terms, cumulative)
        return 0.0

    @api.model
    def _ends_tier_period(self, terms, date_to):
        """Whether a settlement ending on ``date_to`` ends its tier period
        (always, unless the agreement settles its tier periods in parts):
        where a commitment is measured."""
        if terms.settlement_months == terms.months:
            return True
        return (
            self.env["rebate.agreement"]._find_period(
                terms.date_start, terms.date_end, terms.months, date_to
            )[1]
            == date_to
        )

    @api.model
    def _get_interim_parts(self, periods, terms):
        """{(agreement id, date from): the settlement periods of its tier
        period up to and including it} for those of ``periods`` whose
        agreement settles its tier periods in parts. Both are cut from the
        agreement's start, so a tier period's bounds are bounds of parts."""
        Agreement = self.env["rebate.agreement"]
        parts = {}
        for ag_id, date_from, date_to in periods:
            agreement_terms = terms[ag_id]
            if agreement_terms.settlement_months == agreement_terms.months:
                continue
            tier_start, _tier_end = Agreement._find_period(
                agreement_terms.date_start,
                agreement_terms.date_end,
                agreement_terms.months,
                date_from,
            )
            parts[ag_id, date_from] = [
                part
                for part in Agreement._cut_periods(
                    agreement_terms.date_start,
                    agreement_terms.date_end,
                    agreement_terms.settlement_months,
                    date_to,
                )
                if part[0] >= tier_start
            ]
        return parts

    @api.model
    def _read_settled_rebates(self, agreement_ids, exclude=()):
        """{agreement id: {date from: rebate}} of the live settlements of
        ``agreement_ids``, but those of ``exclude``."""
        if not agreement_ids:
            return {}
        self.flush_model(
            [
                "agreement_id",
                "date_from",
                "rebate_total",
                "adjustment_total",
                "penalty_total",
                "is_adjustment",
                "state",
            ]
        )
        settled = {}
        for ag_id, date_from, rebate in self.env.execute_query(
            SQL(
                "SELECT agreement_id, date_from,"
                " rebate_total - COALESCE(adjustment_total, 0)"
                " + COALESCE(penalty_total, 0)"
                " FROM rebate_settlement"
                " WHERE agreement_id = ANY(%s) AND state != 'cancelled'"
                " AND is_adjustment IS NOT TRUE AND id != ALL(%s)",
                list(agreement_ids),
                list(exclude),
            )
        ):
            settled.setdefault(ag_id, {})[date_from] = float(rebate)
        return settled

    @api.model
    def _read_accrued(self, periods, terms):
        """{(agreement id, date from): what the accruals of the settlement
        period add up to}: per tier period from the accruals' index, per part
        of it (interim settlements) by the accruals' dates."""
        agreement_ids = {ag_id for ag_id, _f, _t in periods}
        agreements = self.env["rebate.agreement"].browse(agreement_ids)
        accrued = agreements._accrued_totals()
        parts = [
            period
            for period in periods
            if terms[period[0]].settlement_months != terms[period[0]].months
        ]
        if parts:
            accrued.update(agreements._accrued_totals(windows=parts))
        return accrued
