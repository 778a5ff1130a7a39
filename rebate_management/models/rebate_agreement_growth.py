# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import formatLang

from ..rebate_maths import growth_percent, growth_tiers, prior_year_window


class RebateAgreementGrowth(models.Model):
    """Growth rebates: tiers whose thresholds are growth percentages over
    the same period a year earlier, measured on the same counted lines.
    The engine prices them as any tiers: each period's prior base turns
    the growth thresholds into bases (_get_reachable_tiers), and the rate
    applies to the whole base or to the increase only
    (_get_rebated_base_tiers), the one step _get_period_rebate takes."""

    _inherit = "rebate.agreement"

    growth_basis = fields.Selection(
        [
            ("none", "No"),
            ("total", "On the whole base"),
            ("increase", "On the increase only"),
        ],
        string="Growth Rebate",
        default="none",
        required=True,
        tracking=True,
        help="No: the thresholds are bases (amounts or quantities). On the "
        "whole base: the thresholds are growth percentages over the same "
        "period a year earlier, and the tier reached pays on the whole base. "
        "On the increase only: the same thresholds, the tier reached pays on "
        "the base above last year's. Without sales a year earlier there is "
        "no growth to measure, and no growth rebate.",
    )

    @api.onchange("growth_basis")
    def _onchange_growth_basis(self):
        """A flat rate pays on the whole base whatever the growth: growth on
        the whole base starts from retroactive tiers."""
        if self.growth_basis == "total" and self.tier_mode == "flat":
            self.tier_mode = "retroactive"

    @api.constrains("growth_basis", "tier_mode")
    def _check_growth_terms(self):
        """The tiers as the growth basis reads them: growth percentages, or
        bases again once the growth is off (the tiers' own rules)."""
        for agreement in self:
            refusal = agreement._get_growth_refusal()
            if refusal:
                raise ValidationError(refusal)
            agreement.tier_ids._check_threshold_rate()
            agreement.tier_ids._check_fixed_tiers()

    def _get_growth_refusal(self):
        """Why these growth terms cannot be priced, in the user's language,
        or None: the combinations the engine does not support (README)."""
        self.ensure_one()
        if self.growth_basis == "none":
            return None
        tiers = self.tier_ids
        fixed = any(tier.amount_type == "fixed" for tier in tiers)
        if fixed and self.growth_basis == "increase":
            return self.env._(
                "Lump-sum tiers pay an amount once a growth is reached, not a "
                "share of the increase: on %(agreement)s, pay the growth tiers "
                "on the whole base.",
                agreement=self.name,
            )
        if not fixed and self.tier_mode == "flat" and self.growth_basis == "total":
            return self.env._(
                "A flat rate on the whole base pays whatever the growth: on "
                "%(agreement)s, choose retroactive or stepped tiers, or pay the "
                "flat rate on the increase only.",
                agreement=self.name,
            )
        lowest = min(tiers.mapped("threshold"), default=0.0)
        if lowest < -100.0:
            return self.env._(
                "Growth thresholds are percentages over last year, from -100 "
                "(no sales left): %(threshold)s on %(agreement)s is below.",
                threshold=formatLang(self.env, lowest, digits=2),
                agreement=self.name,
            )
        if self.growth_basis == "increase" and lowest < 0.0:
            return self.env._(
                "On the increase only, a tier starts at a growth of 0 %% or "
                "more: below, there is no increase to pay on (%(threshold)s on "
                "%(agreement)s).",
                threshold=formatLang(self.env, lowest, digits=2),
                agreement=self.name,
            )
        if fixed and lowest <= -100.0:
            return self.env._(
                "A lump-sum growth tier starts above -100 %%: from -100 it "
                "would be paid without any sale (%(agreement)s).",
                agreement=self.name,
            )
        return None

    # The prior bases

    @api.model
    def _get_prior_window(self, date_from, date_to):
        """The dates a period's growth is measured against: the same dates
        a year earlier."""
        return prior_year_window(date_from, date_to)

    @api.model
    def _get_period_terms(self, periods, terms, date=None):
        """{(agreement id, date from): AccrualTerms} of ``periods``
        ((agreement id, date from, date to): tier periods, or parts of them
        as interim settlements cut them): their agreement's terms, a growth
        rebate's with the base of its tier period a year earlier
        (``prior_base``), all read in one go (_read_prior_bases); nothing is
        read when none is a growth rebate.

        :param terms: {agreement id: AccrualTerms}
        :param date: the date payments count by (payment conditions)
        """
        prior = self._read_prior_bases(periods, terms, date)
        return {
            (ag_id, date_from): terms[ag_id]._replace(
                prior_base=prior.get((ag_id, date_from), 0.0)
            )
            if terms[ag_id].growth_basis != "none"
            else terms[ag_id]
            for ag_id, date_from, *_rest in periods
        }

    @api.model
    def _read_prior_bases(self, periods, terms, date=None):
        """{(agreement id, date from): the base of its tier period a year
        earlier} of those of ``periods`` whose agreement is a growth rebate,
        from the same counted lines (the engine's period bases: the same
        customer, products and rules), in one read for all of them."""
        windows = {}
        for ag_id, date_from, *_rest in periods:
            agreement_terms = terms[ag_id]
            if agreement_terms.growth_basis == "none":
                continue
            tier_from, tier_to = self._find_period(
                agreement_terms.date_start,
                agreement_terms.date_end,
                agreement_terms.months,
                date_from,
            )
            windows[ag_id, date_from] = (
                ag_id,
                *self._get_prior_window(tier_from, tier_to),
            )
        if not windows:
            return {}
        bases = self.env["rebate.line.query"]._get_period_bases(
            sorted(set(windows.values())), terms, date=date
        )
        return {key: bases.get(window[:2], 0.0) for key, window in windows.items()}

    # Pricing

    @api.model
    def _get_reachable_tiers(self, tiers, terms):
        """``tiers`` with their thresholds as the bases that reach them: as
        they are, or, for a growth rebate, its growth percentages over the
        period's prior base (none without one)."""
        if getattr(terms, "growth_basis", "none") == "none":
            return tiers
        return growth_tiers(terms.prior_base, tiers)

    @api.model
    def _get_rebated_base_tiers(self, base, tiers, terms):
        """(base, tiers) the tier mode prices for a period's ``base``: as
        they are; for a growth rebate, the reachable tiers
        (_get_reachable_tiers) on the whole base, or, on the increase only,
        the base above the prior one and the thresholds above it."""
        reachable = self._get_reachable_tiers(tiers, terms)
        if getattr(terms, "growth_basis", "none") != "increase" or not reachable:
            return base, reachable
        prior = terms.prior_base
        return (
            max(base - prior, 0.0),
            [(prior * threshold / 100.0, value) for threshold, value in tiers],
        )

    @api.model
    def _get_growth_percent(self, base, terms):
        """The growth of a period's ``base`` over its prior base in percent,
        or None (not a growth rebate, or no prior base)."""
        if getattr(terms, "growth_basis", "none") == "none":
            return None
        return growth_percent(base, terms.prior_base)
