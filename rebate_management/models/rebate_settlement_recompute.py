# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, models
from odoo.exceptions import UserError

from .rebate_settlement import PERIOD_FIELDS
from .rebate_settlement_late import Adjustment


class RebateSettlement(models.Model):
    """A settlement computed afresh from the source documents, as the close
    computes it: what recomputing a draft writes, and what approving checks
    it still matches."""

    _inherit = "rebate.settlement"

    def _fresh_totals(self, with_accrued=False):
        """{settlement: (values, [Adjustment])}: the values computed afresh
        from the source documents as the close computes and prepares them
        (_get_settlement_amounts, _prepare_settlement_vals), with the
        late documents each carries (_get_adjustments); what the
        period's accruals add up to only ``with_accrued`` (else 0)."""
        agreements = self.agreement_id
        terms = agreements._read_accrual_terms()
        tiers = agreements._read_tiers()
        regular = self.filtered(lambda s: not s.is_adjustment)
        periods = [(s.agreement_id.id, s.date_from, s.date_to) for s in regular]
        amounts = self._get_settlement_amounts(periods, terms, tiers, exclude=self.ids)
        accrued = self._read_accrued(periods, terms) if with_accrued else {}
        carried = self._get_fresh_adjustments(periods, terms, tiers)
        totals = {}
        for settlement in self:
            ag_id = settlement.agreement_id.id
            period = (ag_id, settlement.date_from, settlement.date_to)
            if settlement.is_adjustment:
                values, adjustments = settlement._get_fresh_adjustment_vals(
                    terms[ag_id], period, carried
                )
            else:
                values, adjustments = settlement._get_fresh_period_vals(
                    terms[ag_id],
                    period,
                    carried,
                    amounts[period[:2]],
                    accrued.get(period[:2], 0.0),
                )
            totals[settlement] = (self._strip_identity_vals(values), adjustments)
        return totals

    def _get_fresh_adjustments(self, periods, terms, tiers):
        """The late documents of these settlements' agreements, placed as the
        close places them (_place_adjustments) among the regular ``periods``
        being recomputed: {settlement id (what it carries already), (agreement
        id, date from) (what falls to a period), or (agreement id, late
        period's start, "adjustment") (what no later period carries):
        [Adjustment]}."""
        agreements = self.agreement_id
        late = self._read_late_accruals(agreements.ids)
        carried, alone = self._place_adjustments(
            self._get_adjustments(late, terms, tiers, carriers=self.ids),
            periods,
            late,
            terms,
            closed=set(agreements.filtered(lambda a: a.state == "closed").ids),
        )
        for (ag_id, late_from, _late_to), adjustment in alone:
            carried[ag_id, late_from, "adjustment"].append(adjustment)
        return carried

    def _get_fresh_period_vals(self, terms, period, carried, amounts, accrued):
        """(values, [Adjustment]) of this regular settlement afresh: its
        ``amounts`` (_get_settlement_amounts) with what it carries already and
        the late documents no settlement carries yet that fall to its
        ``period`` (from ``carried``: _get_fresh_adjustments)."""
        self.ensure_one()
        adjustments = carried.get(self.id, []) + carried.get(period[:2], [])
        values = self._prepare_settlement_vals(terms, period, amounts, accrued)
        self._add_adjustments(values, adjustments, terms)
        return values, adjustments

    def _get_fresh_adjustment_vals(self, terms, period, carried):
        """(values, [Adjustment]) of this adjustment settlement afresh: what
        it carries already, and the late documents of its late ``period`` that
        no later period carries (taken from ``carried``, so that one
        adjustment settlement only takes them)."""
        self.ensure_one()
        adjustments = list(carried.get(self.id, []))
        adjustments += carried.pop((period[0], period[1], "adjustment"), [])
        total = Adjustment(
            period[0],
            None,
            self.currency_id.round(sum(a.amount for a in adjustments)),
            sum(a.base for a in adjustments),
            [],
            self.id,
        )
        return self._prepare_adjustment_vals(terms, period, total), adjustments

    @api.model
    def _strip_identity_vals(self, vals):
        """Settlement values (_prepare_settlement_vals) without those that
        say which period of which agreement it settles, and its state: what
        recomputing a settlement writes afresh."""
        identity = self._get_identity_fields()
        return {key: value for key, value in vals.items() if key not in identity}

    @api.model
    def _get_identity_fields(self):
        """The settlement values that a recompute keeps: which period of
        which agreement it settles, and its state."""
        return {*PERIOD_FIELDS, "is_adjustment", "state"}

    def _recompute_totals(self):
        """Write the settlements' values afresh from the source documents, as
        the close writes them (_prepare_settlement_vals)."""
        carried = {}
        for settlement, (values, adjustments) in self._fresh_totals(
            with_accrued=True
        ).items():
            settlement._rebate_workflow().write(
                dict(values, computed_by_id=self.env.uid)
            )
            carried[settlement.id] = adjustments
        # the late documents each carries now, and no longer the others
        self.late_accrual_ids.sudo().write({"adjustment_settlement_id": False})
        self._link_late_accruals(carried)
        self._refresh_alerts()

    def _check_up_to_date(self):
        for settlement, (values, _adjustments) in self._fresh_totals().items():
            rebate = values["rebate_total"]
            if settlement.currency_id.compare_amounts(rebate, settlement.rebate_total):
                raise UserError(
                    self.env._(
                        "The invoices of settlement %(name)s changed since it was "
                        "computed (rebate now %(now)s instead of %(then)s). Recompute "
                        "it before approving.",
                        name=settlement.name,
                        now=rebate,
                        then=settlement.rebate_total,
                    )
                )
