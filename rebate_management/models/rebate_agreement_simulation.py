# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_round

from ..tools import Simulated, integrator_api, to_date, values_table

WINDOW_COLUMNS = (("date_from", "date"), ("date_to", "date"))


class RebateAgreementSimulation(models.Model):
    """Terms priced before they are signed: what an agreement's terms (or a
    template's, per customer of its grade) would have paid over past
    periods, computed by the engine's own line queries and rebate method
    on the posted documents, without writing anything (simulate); the
    simulation a salesperson ran is kept on the agreement for its
    approver."""

    _inherit = "rebate.agreement"

    simulation = fields.Json(
        readonly=True,
        copy=False,
        help="The last simulation of these terms run on the draft: what they "
        "would have paid over past periods (see Simulate). Cleared when the "
        "terms change.",
    )
    simulation_html = fields.Html(
        string="Simulation Figures",
        compute="_compute_simulation_html",
        sanitize=False,
    )

    @api.depends("simulation")
    def _compute_simulation_html(self):
        for agreement in self:
            agreement.simulation_html = (
                agreement._render_simulation(agreement.simulation)
                if agreement.simulation
                else False
            )

    def _get_rebate_workflow_fields(self):
        return super()._get_rebate_workflow_fields() | {"simulation"}

    # The simulation

    @integrator_api
    def simulate(self, date_from=None, date_to=None, terms=None, partner_ids=None):
        """What these terms would have paid from ``date_from`` to ``date_to``
        (by default the four complete periods before the start date), per
        period: the base, the rate of the tier reached, the rebate (after a
        commitment's penalty; none with too few invoices), and what the
        customer's own agreements settled for the same period. Writes
        nothing.

        :param terms: term values replacing the agreement's for a
            comparison (see _get_simulation_term_keys), tiers as
            ``{"tier_ids": [(threshold, rate), ...]}``
        :param partner_ids: a template's customers (by default those of its
            grade); each gets its figures under ``customers``
        :return: {"periods": [{"date_from", "date_to", "base", "sales",
            "rate", "rebate", "penalty", "withheld", "percent",
            "current_rebate", "partial"}], "base", "rebate", "percent",
            "current_rebate", ...}, dates as ISO strings
        """
        self.ensure_one()
        self.check_access("read")
        agreement_terms, tiers = self._get_simulation_terms(terms or {})
        periods = self._get_simulation_periods(date_from, date_to, agreement_terms)
        customers = self._get_simulation_customers(partner_ids)
        counted = self._read_simulation_bases(periods, agreement_terms, customers)
        sales = counted
        if agreement_terms.basis != "amount":
            sales = self._read_simulation_bases(
                periods,
                agreement_terms._replace(basis="amount", min_invoice_count=0),
                customers,
            )
        current = self._read_current_rebates(periods, customers)
        figures = {
            customer: self._get_simulation_figures(
                periods,
                agreement_terms,
                tiers,
                counted[customer],
                sales[customer][0],
                current[customer],
            )
            for customer in customers
        }
        return self._prepare_simulation_result(
            periods, agreement_terms, tiers, customers, figures
        )

    def _get_simulation_periods(self, date_from, date_to, terms):
        """The (date from, date to) periods a simulation cuts from the range:
        the agreement's periods, from ``date_from`` (by default the four
        periods before its start date) to ``date_to``."""
        if bool(date_from) != bool(date_to):
            raise UserError(
                self.env._("A simulation needs both ends of its range, or neither.")
            )
        if date_from:
            date_from, date_to = (
                to_date(self.env, date_from),
                to_date(self.env, date_to),
            )
        else:
            date_from, date_to = self._get_default_simulation_range(
                self.date_start, terms.months
            )
        if date_from > date_to:
            raise UserError(
                self.env._("The simulation's range must start before it ends.")
            )
        return self._cut_periods(date_from, date_to, terms.months)

    @api.model
    def _get_default_simulation_range(self, date_start, months):
        """(date from, date to): the complete periods of ``months`` months
        before ``date_start`` a simulation covers by default, four of them
        (_get_simulation_period_count), the last one ended by today."""
        today = fields.Date.context_today(self)
        end = date_start - relativedelta(days=1)
        while end >= today:
            end = end + relativedelta(days=1) - relativedelta(months=months, days=1)
        start = end + relativedelta(days=1)
        count = self._get_simulation_period_count()
        return start - relativedelta(months=count * months), end

    @api.model
    def _get_simulation_period_count(self):
        """How many periods a simulation covers by default."""
        return 4

    def action_simulate(self):
        """Open the simulation of these terms, run over the default range."""
        self.ensure_one()
        wizard = self.env["rebate.agreement.simulation"].create(
            {"agreement_id": self.id}
        )
        return wizard.action_simulate()

    @api.model
    def _get_simulation_term_keys(self):
        """The terms a comparison may replace: the rate side of the terms
        (the products and customers counted are the agreement's)."""
        return {"tier_ids", "tier_mode", "basis", "period"}

    def _get_simulation_terms(self, changes):
        """(AccrualTerms, tiers) of the simulation: the agreement's, with
        ``changes`` (see _get_simulation_term_keys) applied and checked."""
        unknown = set(changes) - self._get_simulation_term_keys()
        if unknown:
            raise UserError(
                self.env._(
                    "A simulation cannot change %(terms)s; it may change %(allowed)s.",
                    terms=", ".join(sorted(unknown)),
                    allowed=", ".join(sorted(self._get_simulation_term_keys())),
                )
            )
        values = {
            name: changes.get(name, self[name])
            for name in ("tier_mode", "basis", "period")
        }
        for name, value in values.items():
            if value not in dict(self._fields[name]._description_selection(self.env)):
                raise UserError(
                    self.env._(
                        "%(value)s is not a valid %(term)s.",
                        value=value,
                        term=self._fields[name]._description_string(self.env),
                    )
                )
        months = self._get_period_months(values["period"])
        # each simulated period settled once: no interim parts
        terms = self._get_terms()._replace(
            tier_mode=values["tier_mode"],
            basis=values["basis"],
            months=months,
            settlement_months=months,
        )
        tiers = self._get_tier_pairs()
        if "tier_ids" in changes:
            tiers = self._check_simulation_tiers(changes["tier_ids"])
        return terms, tiers

    def _check_simulation_tiers(self, tiers):
        """``tiers`` as (threshold, value) pairs in threshold order, each a
        number, one per threshold, and each what a tier of this agreement
        may be (the tier's own constraints, on a record never saved)."""
        try:
            pairs = sorted(
                (float(threshold), float(value)) for threshold, value in tiers
            )
        except (TypeError, ValueError) as error:
            raise UserError(
                self.env._("Simulated tiers are (threshold, rate) pairs of numbers.")
            ) from error
        thresholds = [threshold for threshold, _value in pairs]
        if not pairs or len(set(thresholds)) != len(pairs):
            raise UserError(
                self.env._("Simulated tiers need at least one tier, one per threshold.")
            )
        fixed = self.tier_amount_type == "fixed"
        for threshold, value in pairs:
            tier = self.env["rebate.agreement.tier"].new(
                {
                    "agreement_id": self.id,
                    "threshold": threshold,
                    "amount_type": self.tier_amount_type,
                    "rate": 0.0 if fixed else value,
                    "fixed_amount": value if fixed else 0.0,
                }
            )
            tier._check_threshold_rate()
            tier._check_amount_type()
        return pairs

    def _get_simulation_customers(self, partner_ids=None):
        """The customers (commercial entities) simulated: the agreement's; a
        template's ``partner_ids``, by default the customers of its grade."""
        if not self.is_template:
            return [self.commercial_partner_id.id]
        self._check_rebate_group(
            "group_rebate_manager", self.env._("simulate templates")
        )
        if partner_ids is None:
            partners = self._get_generation_partners(self.date_start, self.date_end)
        else:
            partners = self.env["res.partner"].browse(partner_ids).exists()
        customers = sorted(set(partners.commercial_partner_id.ids))
        if not customers:
            raise UserError(
                self.env._(
                    "There is no customer to simulate %(template)s for: its grade "
                    "has none.",
                    template=self.display_name,
                )
            )
        return customers

    def _read_simulation_bases(self, periods, terms, customers):
        """{customer: (bases, invoice counts)}, each {(agreement id, period
        start): value}, of the simulated ``periods``: read by the close's own
        queries (_read_window_bases, or per customer for a template's
        customers), the agreement taking its lines whatever the others
        (rebate.line.query: Simulated); a growth rebate's periods a year
        earlier in the same read (_get_prior_window)."""
        windows = [(self.id, *period) for period in periods]
        if terms.growth_basis != "none":
            windows = sorted(
                set(windows).union(
                    (self.id, *self._get_prior_window(*period)) for period in periods
                )
            )
        result = defaultdict(lambda: ({}, {}))
        if not self.is_template:
            Settlement = self.env["rebate.settlement"].with_context(
                rebate_simulated=Simulated([self.id])
            )
            bases, counts, _forfeited = Settlement._read_window_bases(
                windows, {self.id: terms}
            )
            result[customers[0]] = (bases, counts)
            return result
        Lines = self.env["rebate.line.query"].with_context(
            rebate_simulated=Simulated(
                [self.id], [(self.id, customer) for customer in customers]
            )
        )
        counts = {}
        per_period = Lines._get_customer_bases(
            windows, {self.id: terms}, invoice_counts=counts
        )
        for key, per_customer in per_period.items():
            for customer, base in per_customer.items():
                result[customer][0][key] = base
        for (ag_id, start, customer), count in counts.items():
            result[customer][1][ag_id, start] = count
        return result

    def _read_current_rebates(self, periods, customers):
        """{customer: {period start: rebate}}: what the customers' own
        agreements of the same direction and company (this one aside)
        settled (approved or paid) for settlement periods ending within each
        period, in one query."""
        self.env["rebate.settlement"].flush_model(
            ["agreement_id", "date_to", "rebate_total", "state"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT ag.commercial_partner_id, w.date_from, SUM(s.rebate_total)
                  FROM rebate_settlement s
                  JOIN rebate_agreement ag ON ag.id = s.agreement_id
                  JOIN %s ON s.date_to BETWEEN w.date_from AND w.date_to
                 WHERE ag.commercial_partner_id = ANY(%s)
                   AND ag.company_id = %s
                   AND ag.rebate_type = %s
                   AND ag.id != %s
                   AND s.state IN ('approved', 'done')
              GROUP BY 1, 2
                """,
                values_table("w", WINDOW_COLUMNS, periods),
                customers,
                self.company_id.id,
                self.rebate_type,
                self.id,
            )
        )
        current = defaultdict(dict)
        for customer, start, amount in rows:
            current[customer][start] = float(amount)
        return current

    def _get_simulation_figures(self, periods, terms, tiers, counted, sales, current):
        """One customer's period rows: each period's amounts as a close
        computes them (rebate.settlement._get_period_amounts: the rebate
        method, the penalty, the invoices a minimum asks)."""
        Settlement = self.env["rebate.settlement"]
        bases, counts = counted
        today = fields.Date.context_today(self)
        rows = []
        for date_from, date_to in periods:
            period_terms = terms
            if terms.growth_basis != "none":
                prior_from, _prior_to = self._get_prior_window(date_from, date_to)
                period_terms = terms._replace(
                    prior_base=bases.get((self.id, prior_from), 0.0)
                )
            amounts = Settlement._get_period_amounts(
                period_terms,
                tiers,
                (self.id, date_from, date_to),
                None,
                bases,
                counts,
                None,
            )
            reached = self._get_period_rebate(
                amounts.base, tiers, period_terms
            ).tier_index
            rows.append(
                {
                    "date_from": fields.Date.to_string(date_from),
                    "date_to": fields.Date.to_string(date_to),
                    "partial": date_to >= today,
                    "base": amounts.base,
                    "base_prior": amounts.base_prior,
                    "sales": sales.get((self.id, date_from), 0.0),
                    "rate": None if reached is None else tiers[reached][1],
                    "rebate": amounts.rebate,
                    "penalty": amounts.penalty,
                    "withheld": amounts.withheld,
                    "invoice_count": amounts.invoice_count,
                    "current_rebate": terms.round(current.get(date_from, 0.0)),
                }
            )
        return self._add_simulation_totals({"periods": rows}, terms)

    @api.model
    def _add_simulation_totals(self, figures, terms, rows=None):
        """``figures`` with the totals of its ``periods`` (or of ``rows``, the
        customers of a template) and each one's rebate as % of sales."""
        currency = terms.currency
        for row in figures["periods"]:
            row["percent"] = self._get_simulation_percent(row["rebate"], row["sales"])
        totals = rows if rows is not None else figures["periods"]
        for key in ("base", "sales", "base_prior"):
            figures[key] = float_round(sum(row.get(key, 0.0) for row in totals), 6)
        for key in ("rebate", "penalty", "current_rebate"):
            figures[key] = currency.round(sum(row[key] for row in totals))
        figures["percent"] = self._get_simulation_percent(
            figures["rebate"], figures["sales"]
        )
        return figures

    @api.model
    def _get_simulation_percent(self, rebate, sales):
        """The rebate as % of the sales, to two decimals (0 without sales)."""
        return float_round(100.0 * rebate / sales, 2) if sales else 0.0

    def _prepare_simulation_result(self, periods, terms, tiers, customers, figures):
        """The result of simulate: an agreement's figures; a template's per
        customer, under ``customers``, with the grade's totals per period."""
        header = {
            "agreement_id": self.id,
            "date_from": fields.Date.to_string(periods[0][0]),
            "date_to": fields.Date.to_string(periods[-1][1]),
            "currency": terms.currency.name,
            "basis": terms.basis,
            "tier_mode": terms.tier_mode,
            "amount_type": getattr(terms, "amount_type", "rate"),
            "growth_basis": getattr(terms, "growth_basis", "none"),
            "tiers": [list(pair) for pair in tiers],
        }
        if not self.is_template:
            return {**header, **figures[customers[0]]}
        partners = self.env["res.partner"].browse(customers)
        per_customer = [
            {"partner_id": partner.id, "name": partner.display_name}
            | figures[partner.id]
            for partner in partners.sorted(lambda p: (p.display_name or "").lower())
        ]
        today = fields.Date.context_today(self)
        grade_rows = []
        for index, (date_from, date_to) in enumerate(periods):
            rows = [each["periods"][index] for each in per_customer]
            grade_rows.append(
                {
                    "date_from": fields.Date.to_string(date_from),
                    "date_to": fields.Date.to_string(date_to),
                    "partial": date_to >= today,
                    "rate": None,
                    "withheld": False,
                    **{
                        key: sum(row[key] for row in rows)
                        for key in self._get_simulation_sums()
                    },
                }
            )
        result = {**header, "periods": grade_rows, "customers": per_customer}
        return self._add_simulation_totals(result, terms, rows=per_customer)

    @api.model
    def _get_simulation_sums(self):
        """The figures of a period that add up over customers."""
        return ("base", "base_prior", "sales", "rebate", "penalty", "current_rebate")

    # Kept for the approver

    def _keep_simulation(self, simulation, comparison=None):
        """Keep ``simulation`` (and the ``comparison`` of other terms run
        with it) on this draft, for its approver, with who ran it and when:
        whoever may edit the draft."""
        self.ensure_one()
        # once proposed, the figures are the proposer's: a re-run by the
        # approver is shown, not kept
        if self.is_template or self.state != "draft":
            return False
        self.check_access("write")
        self._rebate_workflow().write(
            {
                "simulation": {
                    **simulation,
                    "comparison": comparison or None,
                    "run_by": self.env.user.name,
                    "run_on": fields.Datetime.to_string(fields.Datetime.now()),
                }
            }
        )
        return True

    def _prepare_terms_change(self):
        result = super()._prepare_terms_change()
        # figures of other terms would mislead the approver
        self._drop_simulation()
        return result

    def _drop_simulation(self):
        """Forget the simulation kept."""
        self.filtered("simulation")._rebate_workflow().write({"simulation": False})

    def action_activate(self):
        result = super().action_activate()
        for agreement in self.filtered("simulation"):
            agreement._message_log(body=agreement._get_simulation_note())
        return result
