# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from collections import defaultdict, namedtuple
from types import SimpleNamespace

from odoo import api, fields, models
from odoo.tools import SQL, float_round

from .. import rebate_maths
from ..rebate_maths import period_of, periods_until
from ..tools import values_table

# Columns of the windows of _accrued_totals (see values_table).
WINDOW_COLUMNS = (("agreement_id", "int4"), ("date_from", "date"), ("date_to", "date"))

PERIOD_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


class AccrualTerms(SimpleNamespace):
    """What accruing a line and summing a period need of an agreement, as
    plain values (see _prepare_accrual_terms); ``currency`` is a
    res.currency record, ``months`` the length of a tier period and
    ``settlement_months`` that of a settlement (the same, or shorter for
    interim settlements); ``payment_condition`` and ``payment_grace_days``:
    which invoices count at settlement, by the share of them paid (see
    rebate.line.query); ``commitment_base``, ``penalty_type``,
    ``penalty_value``: the penalty of a tier period short of the commitment;
    ``min_invoice_count``: the invoices a tier period needs to earn its rebate
    (see rebate.agreement.reward); ``amount_type``: ``fixed`` when the tiers
    pay lump sums (their values are amounts), else ``rate``;
    ``growth_basis``: ``none``, or how tiers on growth over the same period a
    year earlier pay (``total``, ``increase``) and ``prior_base``: that
    period's base, set per period (see _get_period_terms), None when not
    read; ``rounding``: the currency's, read once (see ``round``). A module
    adds its own terms by extending _get_accrual_term_fields and
    _prepare_accrual_terms."""

    def _replace(self, **changes):
        """A copy with ``changes``, as a namedtuple's _replace."""
        if "currency" in changes and "rounding" not in changes:
            changes["rounding"] = changes["currency"].rounding
        return type(self)(**{**vars(self), **changes})

    def round(self, amount):
        """``amount`` rounded to the agreement's currency, as currency.round
        rounds it: a close rounds tens of thousands of amounts, and reading
        the currency's rounding each time cost more than the rounding."""
        return float_round(amount, precision_rounding=self.rounding)


# A period's rebate: the amount rounded to the agreement currency, and the
# index of the tier whose rate applies (None when none is reached).
PeriodRebate = namedtuple("PeriodRebate", "amount tier_index")


class RebateAgreementTerms(models.Model):
    """An agreement's terms as the engine reads them (plain values, read for
    thousands of agreements in one query), and the rebate they give: the one
    inheritable rebate method and its tier modes, on ``rebate.agreement``."""

    _inherit = "rebate.agreement"

    tier_amount_type = fields.Selection(
        [("rate", "Rate"), ("fixed", "Fixed amount")],
        string="Tiers Pay",
        compute="_compute_tier_amount_type",
        store=True,
        help="What the tiers pay: a rate of the base, or lump sums once their "
        "thresholds are reached (all the tiers alike).",
    )

    @api.depends("tier_ids.amount_type")
    def _compute_tier_amount_type(self):
        for agreement in self:
            types = agreement.tier_ids.mapped("amount_type")
            agreement.tier_amount_type = "fixed" if "fixed" in types else "rate"

    def _get_periods(self, date_to=None):
        """All periods of the agreement, in order, ending on or before date_to."""
        self.ensure_one()
        return self._cut_periods(
            self.date_start,
            self.date_end,
            self._get_period_months(self.period),
            date_to,
        )

    @api.model
    def _cut_periods(self, date_start, date_end, months, date_to=None):
        """The periods (start, end) of ``months`` months cut from an
        agreement's dates, in order, ending on or before ``date_to``: how
        tier periods and settlement periods are cut, everywhere."""
        return periods_until(date_start, date_end, months, date_to)

    @api.model
    def _find_period(self, date_start, date_end, months, date):
        """The period (start, end) of ``months`` months, cut from an
        agreement's dates, that holds ``date`` (see _cut_periods)."""
        return period_of(date_start, date_end, months, date)

    def _get_rebate(self, base, tiers=None, prior_base=None):
        """The rebate R(base) of this agreement for a period's base, rounded
        to the currency (see _get_period_rebate).

        :param tiers: (threshold, rate) pairs in threshold order; read from the
            agreement's tiers when not given
        :param prior_base: growth rebates: the base of the same period a
            year earlier
        """
        self.ensure_one()
        if tiers is None:
            tiers = self._get_tier_pairs()
        terms = self._get_terms()._replace(prior_base=prior_base)
        return self._get_period_rebate(base, tiers, terms).amount

    @api.model
    def _get_period_rebate(self, base, tiers, terms):
        """The inheritable method: a period's rebate R(base) and the tier
        applied. Accrual (R(after) - R(before)), close, approval, effect and
        the statement all compute the rebate here, so an override changes
        them alike.

        :param base: the period's base (amount or quantity)
        :param tiers: (threshold, rate) pairs in threshold order
        :param terms: the agreement's AccrualTerms (a growth rebate's with
            the period's prior base: _get_period_terms)
        :return: PeriodRebate(amount rounded to the currency, tier index)
        """
        base, tiers = self._get_rebated_base_tiers(base, tiers, terms)
        if getattr(terms, "amount_type", "rate") == "fixed":
            function = self._get_fixed_mode_function(terms.tier_mode)
            amount, tier_index = function(base, tiers)
        else:
            function = self._get_tier_mode_function(terms.tier_mode)
            factor = self._get_rate_factor(terms.basis)
            amount, tier_index = function(base, tiers, factor)
        return PeriodRebate(terms.round(amount), tier_index)

    # Deprecated names (until 19.0): the rebate methods were called
    # _compute_rebate and _compute_period_rebate, names Odoo keeps for field
    # computes. Calls still work; an override must name the new methods.

    def _compute_rebate(self, base, tiers=None):
        """Deprecated: _get_rebate."""
        return self._get_rebate(base, tiers)

    @api.model
    def _compute_period_rebate(self, base, tiers, terms):
        """Deprecated: _get_period_rebate (override that one)."""
        return self._get_period_rebate(base, tiers, terms)

    @api.model
    def _get_tier_mode_function(self, tier_mode):
        """The function(base, tiers, factor) -> (rebate, tier index) of a tier
        mode: the method ``_rebate_<mode>``. A module adds a tier mode with
        ``selection_add`` on ``tier_mode`` and that one method."""
        return getattr(self, f"_rebate_{tier_mode}")

    @api.model
    def _get_fixed_mode_function(self, tier_mode):
        """The function(base, tiers) -> (rebate, tier index) of a tier mode
        on lump-sum tiers (the tiers' values are fixed amounts): the method
        ``_rebate_fixed_<mode>``."""
        return getattr(self, f"_rebate_fixed_{tier_mode}")

    @api.model
    def _rebate_fixed_flat(self, base, tiers):
        return rebate_maths.fixed_flat_rebate(base, tiers)

    @api.model
    def _rebate_fixed_retroactive(self, base, tiers):
        return rebate_maths.fixed_retroactive_rebate(base, tiers)

    @api.model
    def _rebate_fixed_stepped(self, base, tiers):
        return rebate_maths.fixed_stepped_rebate(base, tiers)

    @api.model
    def _rebate_flat(self, base, tiers, factor):
        return rebate_maths.flat_rebate(base, tiers, factor)

    @api.model
    def _rebate_retroactive(self, base, tiers, factor):
        return rebate_maths.retroactive_rebate(base, tiers, factor)

    @api.model
    def _rebate_stepped(self, base, tiers, factor):
        return rebate_maths.stepped_rebate(base, tiers, factor)

    @api.model
    def _get_rate_factor(self, basis):
        """What turns a tier's rate into a fraction: rates are percentages on
        the amount basis, currency per unit on the quantity basis."""
        return 0.01 if basis == "amount" else 1.0

    def _get_tier_pairs(self):
        """This agreement's tiers as (threshold, rate) pairs in threshold
        order: as _read_tiers reads them, or from the form for a record not
        saved yet."""
        self.ensure_one()
        if isinstance(self.id, int):
            return self._read_tiers().get(self.id, [])
        return [
            (tier.threshold, tier._get_tier_value())
            for tier in self.tier_ids.sorted("threshold")
        ]

    @api.model
    def _get_next_tier(self, tiers, base):
        """The first (threshold, rate) of ``tiers`` above ``base``, or None."""
        return next((pair for pair in tiers if pair[0] > base), None)

    def _get_terms(self):
        """This agreement's AccrualTerms, from its fields (a new record's too)."""
        self.ensure_one()
        return self._prepare_accrual_terms(
            {
                name: value.id if isinstance(value, models.BaseModel) else value
                for name in self._get_accrual_term_fields()
                for value in [self[name]]
            }
        )

    @api.model
    def _get_accrual_term_fields(self):
        """The fields of an agreement its AccrualTerms are built from: read
        in one query for thousands of agreements (_read_accrual_terms), or
        from one record (_get_terms)."""
        return [
            "date_start",
            "date_end",
            "period",
            "settlement_period",
            "currency_id",
            "basis",
            "tier_mode",
            "partner_id",
            "commercial_partner_id",
            "company_id",
            "payment_condition",
            "payment_grace_days",
            "commitment_base",
            "penalty_type",
            "penalty_value",
            "min_invoice_count",
            "tier_amount_type",
            "growth_basis",
        ]

    @api.model
    def _prepare_accrual_terms(self, values):
        """The inheritable method: an agreement's AccrualTerms from the values
        of its _get_accrual_term_fields (many2one as ids), the one place
        terms are built (a module adding a term sets it here)."""
        currency = self.env["res.currency"].browse(values["currency_id"])
        return AccrualTerms(
            date_start=values["date_start"],
            date_end=values["date_end"],
            months=self._get_period_months(values["period"]),
            currency=currency,
            rounding=currency.rounding,
            basis=values["basis"],
            tier_mode=values["tier_mode"],
            partner_id=values["partner_id"] or False,
            commercial_partner_id=values["commercial_partner_id"] or False,
            company_id=values["company_id"] or False,
            settlement_months=self._get_period_months(
                values["settlement_period"] or values["period"]
            ),
            payment_condition=values["payment_condition"] or "none",
            payment_grace_days=values["payment_grace_days"] or 0,
            commitment_base=values["commitment_base"] or 0.0,
            penalty_type=values["penalty_type"] or "none",
            penalty_value=values["penalty_value"] or 0.0,
            min_invoice_count=values["min_invoice_count"] or 0,
            amount_type=values.get("tier_amount_type") or "rate",
            growth_basis=values.get("growth_basis") or "none",
            prior_base=None,
        )

    @api.model
    def _get_period_months(self, period):
        """How many months a period of the agreement's ``period`` lasts."""
        return PERIOD_MONTHS[period]

    def _period_finder(self, terms=None):
        """A function (agreement id, date) -> the period (start, end) of that
        agreement holding the date, for the lines of these agreements: their
        terms (AccrualTerms, read here if not given) are read once, each
        (agreement, date) computed once."""
        if terms is None:
            terms = self._read_accrual_terms()
        periods = {}

        def period(ag_id, date):
            if (ag_id, date) not in periods:
                agreement_terms = terms[ag_id]
                periods[ag_id, date] = self._find_period(
                    agreement_terms.date_start,
                    agreement_terms.date_end,
                    agreement_terms.months,
                    date,
                )
            return periods[ag_id, date]

        return period

    def _read_accrual_terms(self):
        """{agreement id: AccrualTerms} of these agreements, in one query: the
        few terms accruing and closing need as plain values, instead of the
        ORM reading every field of the agreements."""
        columns = self._get_accrual_term_fields()
        self.flush_recordset(columns)
        rows = self.env.execute_query(
            SQL(
                "SELECT id, %s FROM rebate_agreement WHERE id = ANY(%s)",
                SQL(", ").join(map(SQL.identifier, columns)),
                self.ids,
            )
        )
        return {
            ag_id: self._prepare_accrual_terms(dict(zip(columns, values, strict=True)))
            for ag_id, *values in rows
        }

    def _read_tiers(self):
        """{agreement id: [(threshold, value), ...] in threshold order}, the
        value a rate or a lump-sum tier's fixed amount: the one reader of
        tiers, for posting, rebuild, close, recompute, the statement and the
        portal alike (an override reaches them all)."""
        self.env["rebate.agreement.tier"].flush_model(
            ["agreement_id", "threshold", "rate", "amount_type", "fixed_amount"]
        )
        tiers = defaultdict(list)
        for ag_id, threshold, value in self.env.execute_query(
            SQL(
                """
                SELECT agreement_id, threshold,
                       CASE WHEN amount_type = 'fixed' THEN fixed_amount ELSE rate END
                  FROM rebate_agreement_tier
                 WHERE agreement_id = ANY(%s)
              ORDER BY agreement_id, threshold
                """,
                self.ids,
            )
        ):
            tiers[ag_id].append((float(threshold), float(value or 0.0)))
        return dict(tiers)

    def _accrued_totals(self, windows=None):
        """Rebate accrued per (agreement id, period start); with ``windows``
        ((agreement id, date from, date to), parts of periods), per (agreement
        id, date from) of each window, by the accruals' dates."""
        self.env["rebate.accrual"].flush_model(
            ["agreement_id", "period_start", "date", "amount"]
        )
        if windows:
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT w.agreement_id, w.date_from, SUM(a.amount)
                      FROM %s
                      JOIN rebate_accrual a
                        ON a.agreement_id = w.agreement_id
                       AND a.date BETWEEN w.date_from AND w.date_to
                  GROUP BY w.agreement_id, w.date_from
                    """,
                    values_table("w", WINDOW_COLUMNS, windows),
                )
            )
        else:
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT agreement_id, period_start, SUM(amount)
                      FROM rebate_accrual
                     WHERE agreement_id = ANY(%s)
                  GROUP BY agreement_id, period_start
                    """,
                    self.ids,
                )
            )
        return {(ag_id, start): float(amount) for ag_id, start, amount in rows}
