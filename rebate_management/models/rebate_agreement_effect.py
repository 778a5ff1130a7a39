# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


class RebateAgreement(models.Model):
    """The effect of an agreement: its sales against the year before, and
    what its rebate cost. Stored, so that the Rebate Effect report sorts;
    measured daily, when the report opens and on demand."""

    _inherit = "rebate.agreement"

    effect_date = fields.Date(
        string="Measured On",
        compute="_compute_effect",
        store=True,
        help="When the effect figures were last measured (daily, and when the "
        "Rebate Effect report is opened).",
    )
    effect_date_to = fields.Date(
        string="Elapsed Until",
        compute="_compute_effect",
        store=True,
        help="End of the last period ended today: the effect is measured from "
        "the start date until then.",
    )
    effect_sales = fields.Monetary(
        string="Sales",
        compute="_compute_effect",
        store=True,
        help="Untaxed sales counted.",
    )
    effect_sales_prior = fields.Monetary(
        string="Sales a Year Before",
        compute="_compute_effect",
        store=True,
        help="Untaxed sales of the same products to the same customer over the "
        "same dates one year earlier.",
    )
    effect_growth = fields.Monetary(
        string="Extra Sales", compute="_compute_effect", store=True
    )
    effect_growth_pct = fields.Float(
        string="Growth (%)",
        compute="_compute_effect",
        store=True,
        digits=(16, 2),
        help="Extra sales against the year before; not applicable without sales "
        "a year before.",
    )
    effect_has_prior = fields.Boolean(
        compute="_compute_effect",
        store=True,
        help="Technical: there were sales a year before, growth is a percentage.",
    )
    effect_rebate = fields.Monetary(
        string="Rebate Earned",
        compute="_compute_effect",
        store=True,
        help="Rebate of the elapsed periods.",
    )
    effect_cost_pct = fields.Float(
        string="Rebate Cost (% of Sales)",
        compute="_compute_effect",
        store=True,
        digits=(16, 2),
    )
    effect_rebate_per_extra = fields.Float(
        string="Rebate per Unit of Extra Sales",
        compute="_compute_effect",
        store=True,
        digits=(16, 4),
        help="Rebate earned divided by the extra sales; zero when sales did not "
        "grow.",
    )

    def _compute_effect(self):
        """Sales of the elapsed periods against the same dates a year before,
        and what the rebate cost. Sales are untaxed amounts in the agreement
        currency, whatever the basis; the rebate is that of the elapsed periods
        computed from the source documents."""
        today = fields.Date.context_today(self)
        windows = []
        elapsed = []
        for agreement in self:
            agreement.effect_date = today
            periods = agreement._origin.id and agreement._get_periods(today)
            agreement.effect_date_to = periods[-1][1] if periods else False
            if periods and agreement.state in ("active", "closed"):
                elapsed += [(agreement._origin.id, *period) for period in periods]
                year = relativedelta(years=1)
                start, end = agreement.date_start, agreement.effect_date_to
                windows.append((agreement._origin.id, "now", start, end))
                windows.append(
                    (agreement._origin.id, "before", start - year, end - year)
                )
        sales = defaultdict(float)
        rebates = defaultdict(float)
        measured = self.browse({window[0] for window in windows})
        if windows:
            Lines = self.env["rebate.line.query"]
            convert = Lines._get_amount_converter()
            terms = measured._read_accrual_terms()
            for ag_id, key, date, cur, amount in Lines._query_window_sales(windows):
                sales[ag_id, key] += convert(terms[ag_id], cur, date, amount)
            rebates = measured._get_effect_rebates(elapsed, terms)
        for agreement in self:
            key = agreement._origin.id
            currency = agreement.currency_id
            now = currency.round(sales[key, "now"])
            before = currency.round(sales[key, "before"])
            growth = now - before
            rebate = currency.round(rebates[key])
            agreement.effect_sales = now
            agreement.effect_sales_prior = before
            agreement.effect_growth = growth
            agreement.effect_has_prior = bool(before)
            agreement.effect_growth_pct = growth / before * 100 if before else 0.0
            agreement.effect_rebate = rebate
            agreement.effect_cost_pct = rebate / now * 100 if now else 0.0
            agreement.effect_rebate_per_extra = rebate / growth if growth > 0 else 0.0

    def _get_effect_rebates(self, elapsed, terms):
        """{agreement id: the rebate of its ``elapsed`` periods ((agreement
        id, date from, date to))}, computed from the source documents (a
        growth rebate's with each period's prior base)."""
        bases = self.env["rebate.line.query"]._get_period_bases(elapsed, terms)
        tiers = self._read_tiers()
        period_terms = self._get_period_terms(elapsed, terms)
        rebates = defaultdict(float)
        for (ag_id, start), base in bases.items():
            rebates[ag_id] += self._get_period_rebate(
                base, tiers.get(ag_id, []), period_terms[ag_id, start]
            ).amount
        return rebates

    def _refresh_effect(self, force=False):
        """Measure the effect of these agreements (active or closed) again,
        as of today, unless it already was today (``force``: even then).
        Stored so that the report's columns sort; a few queries whatever the
        number of agreements."""
        today = fields.Date.context_today(self)
        stale = self.filtered(
            lambda a: a.state in ("active", "closed")
            and (force or a.effect_date != today)
        )
        if stale:
            for field in self._get_effect_fields():
                self.env.add_to_compute(field, stale)
            stale._recompute_recordset()
            stale.flush_recordset()
        return True

    def _get_effect_fields(self):
        return [
            field
            for field in self._fields.values()
            if field.compute == "_compute_effect" and field.store
        ]

    @api.model
    def _action_open_effect(self, rebate_type="customer"):
        """The Rebate Effect report of the agreements of ``rebate_type``
        (customers' or vendors': never both in one total), measured as of
        today first."""
        self.search(
            [("state", "in", ("active", "closed")), ("rebate_type", "=", rebate_type)]
        )._refresh_effect()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "rebate_management.rebate_agreement_action_effect"
            if rebate_type == "customer"
            else "rebate_management.rebate_agreement_action_effect_vendor"
        )

    def action_refresh_effect(self):
        """Measure again now (the button on the Effect tab)."""
        self._refresh_effect(force=True)
        return True

    @api.model
    def _cron_refresh_effect(self):
        self.sudo().search([("state", "in", ("active", "closed"))])._refresh_effect()
