# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from collections import defaultdict, namedtuple

from odoo import api, models
from odoo.tools import SQL

from ..rebate_maths import round_base

# A late accrual as the adjustments read it: the accrual, its agreement,
# base and amount; the settlement it is late for (its id, period and base
# to date); the live settlement that carried it, if any.
LateAccrual = namedtuple(
    "LateAccrual",
    "id agreement_id base amount late_id late_from late_to late_cumulative "
    "carrier_id carrier_from",
)

# What the late documents of one settled period add to a settlement: the
# change of that period's rebate, their base, their accruals; ``late_id`` the
# settlement they are late for.
# ``carrier_id``: the settlement being recomputed that carries them again,
# None for late documents no settlement carries yet.
Adjustment = namedtuple(
    "Adjustment", "agreement_id late_id amount base accrual_ids carrier_id"
)


class RebateSettlementLate(models.Model):
    """Late documents (``rebate.settlement``): an invoice or
    refund posted after the settlement of its period was approved keeps its
    effect on that period, R(settled base + late base) - R(settled base),
    which is carried once into the agreement's next settlement, or into an
    adjustment settlement when the agreement has no later period.

    Whether a document is late is decided when it is posted (the accrual's
    ``late_settlement_id``); which settlement carried it, when that
    settlement is computed (``adjustment_settlement_id``). A cancelled
    carrier lets go of them, so the next close carries them again; a
    cancelled settlement they were late for means they are no longer late
    (the period is settled again from its documents). The fields are on
    rebate.settlement: adjustment_total, is_adjustment, late_accrual_ids."""

    _inherit = "rebate.settlement"

    @api.model
    def _read_late_accruals(self, agreement_ids=None):
        """LateAccrual rows of the late accruals (of ``agreement_ids``) whose
        settlement they are late for is live, carried or not: one query on
        the accruals' partial index."""
        self.env["rebate.accrual"].flush_model(
            ["late_settlement_id", "adjustment_settlement_id", "base", "amount"]
        )
        self.flush_model(["state", "date_from", "date_to", "base_cumulative"])
        condition = SQL("TRUE")
        if agreement_ids is not None:
            condition = SQL("a.agreement_id = ANY(%s)", list(agreement_ids))
        rows = self.env.execute_query(
            SQL(
                """
                SELECT a.id, a.agreement_id, a.base, a.amount, ls.id,
                       ls.date_from, ls.date_to, ls.base_cumulative, cs.id,
                       cs.date_from
                  FROM rebate_accrual a
                  JOIN rebate_settlement ls
                    ON ls.id = a.late_settlement_id AND ls.state != 'cancelled'
             LEFT JOIN rebate_settlement cs
                    ON cs.id = a.adjustment_settlement_id
                   AND cs.state != 'cancelled'
                 WHERE a.late_settlement_id IS NOT NULL AND %s
              ORDER BY a.agreement_id, ls.date_from, a.date, a.id
                """,
                condition,
            )
        )
        return [
            LateAccrual(
                row[0],
                row[1],
                float(row[2]),
                float(row[3]),
                *row[4:7],
                float(row[7] or 0.0),
                row[8],
                row[9],
            )
            for row in rows
        ]

    @api.model
    def _get_adjustments(self, late, terms, tiers, carriers=()):
        """The Adjustment of each settled period with late documents to carry:
        those not carried by a live settlement, and those carried by
        ``carriers`` (settlements being recomputed, which carry them again).

        A period's settled base is its settlement's base to date plus the late
        base carried by the settlements before (in the order they carry them:
        their period, then id; the documents no settlement carries yet come
        last); the adjustment is R(settled base + late base) - R(settled
        base), on the agreement's tiers.

        :param late: LateAccrual rows (_read_late_accruals)
        :param terms: {agreement id: AccrualTerms}
        :param tiers: {agreement id: (threshold, rate) pairs}
        :return: [Adjustment] in agreement and period order
        """
        late = [row for row in late if row.agreement_id in terms]
        # growth rebates: each settled period's terms carry its prior base
        period_terms = self.env["rebate.agreement"]._get_period_terms(
            {(row.agreement_id, row.late_from, row.late_to) for row in late}, terms
        )
        adjustments = []
        for (ag_id, late_id), by_carrier in self._group_late_accruals(late).items():
            late_from = next(iter(by_carrier.values()))[0].late_from
            adjustments += self._get_period_adjustments(
                (ag_id, late_id),
                by_carrier,
                period_terms[ag_id, late_from],
                tiers.get(ag_id, []),
                carriers,
            )
        return adjustments

    @api.model
    def _group_late_accruals(self, late):
        """LateAccrual rows ``late`` per settled period, (agreement id, late
        settlement id), then per carrier: (its period's start, its id), or
        None for the documents no settlement carries yet."""
        groups = defaultdict(lambda: defaultdict(list))
        for row in late:
            carrier = (row.carrier_from, row.carrier_id) if row.carrier_id else None
            groups[row.agreement_id, row.late_id][carrier].append(row)
        return groups

    @api.model
    def _get_period_adjustments(self, key, by_carrier, terms, tiers, carriers):
        """The Adjustments of the late documents of one settled period
        (``key``: agreement id, late settlement id) ``by_carrier``
        (_group_late_accruals), in the order they were carried (carrier's
        period, then id), the ones no settlement carries yet last: each
        carrier's adjustment is measured on the base settled before it; only
        those of ``carriers`` and the uncarried ones are returned."""
        settled = next(iter(by_carrier.values()))[0].late_cumulative
        order = sorted(by_carrier, key=lambda carrier: (carrier is None, carrier or ()))
        adjustments = []
        for carrier in order:
            rows = by_carrier[carrier]
            base = sum(row.base for row in rows)
            carrier_id = carrier and carrier[1]
            if carrier is None or carrier_id in carriers:
                amount = terms.round(
                    self._get_base_rebate(settled + base, tiers, terms)
                    - self._get_base_rebate(settled, tiers, terms)
                )
                adjustments.append(
                    Adjustment(
                        *key,
                        amount,
                        base,
                        [row.id for row in rows],
                        carrier_id or None,
                    )
                )
            settled += base
        return adjustments

    @api.model
    def _get_base_rebate(self, base, tiers, terms):
        """The rebate of a period's ``base``, rounded as its basis is, on the
        agreement's ``tiers``."""
        base = round_base(base, terms.basis, terms.rounding)
        return (
            self.env["rebate.agreement"]._get_period_rebate(base, tiers, terms).amount
        )

    @api.model
    def _place_adjustments(self, adjustments, periods, late, terms, closed=()):
        """Which settlement carries each Adjustment: the agreement's first of
        ``periods`` ((agreement id, date from, date to)) after the late
        period; when the agreement has no later period (the late one is its
        last, or the agreement is closed: ids ``closed``), an adjustment
        settlement of its own; otherwise it waits for a later close.

        :return: ({(agreement id, date from) or, for the adjustments a
            recomputed settlement carries already, its id: [Adjustment]},
            [(late period (agreement id, date from, date to), Adjustment)])
        """
        late_periods = {row.late_id: (row.late_from, row.late_to) for row in late}
        starts = defaultdict(list)
        for ag_id, date_from, _date_to in sorted(periods):
            starts[ag_id].append(date_from)
        carried, alone = defaultdict(list), []
        for adjustment in adjustments:
            ag_id = adjustment.agreement_id
            if adjustment.carrier_id:
                # recomputed: the settlement keeps what it carries
                carried[adjustment.carrier_id].append(adjustment)
                continue
            late_from, late_to = late_periods[adjustment.late_id]
            target = next(
                (start for start in starts.get(ag_id, []) if start > late_to), None
            )
            if target:
                carried[ag_id, target].append(adjustment)
            elif late_to >= terms[ag_id].date_end or ag_id in closed:
                alone.append(((ag_id, late_from, late_to), adjustment))
        return carried, alone

    def _link_late_accruals(self, adjustments_by_settlement):
        """Write which settlement carried which late accruals (a handful of
        rows: through the ORM)."""
        Accrual = self.env["rebate.accrual"].sudo()
        for settlement_id, adjustments in adjustments_by_settlement.items():
            accrual_ids = [i for adj in adjustments for i in adj.accrual_ids]
            if accrual_ids:
                Accrual.browse(accrual_ids).write(
                    {"adjustment_settlement_id": settlement_id}
                )
