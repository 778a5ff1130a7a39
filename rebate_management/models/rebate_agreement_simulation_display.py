# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import models
from odoo.tools import format_amount, format_date, format_datetime, formatLang


class RebateAgreementSimulationDisplay(models.Model):
    """A simulation (rebate.agreement.simulate) as people read it: its
    tables on the agreement and in the dialog, and the approval's note."""

    _inherit = "rebate.agreement"

    def _get_simulation_note(self):
        """The approval's note quoting the simulation kept."""
        simulation = self.simulation
        currency = self.currency_id
        return self.env._(
            "Approved with the simulation of %(date_from)s to %(date_to)s: a rebate "
            "of %(rebate)s on %(base)s (%(percent)s %% of sales); the customer's "
            "agreements settled %(current)s.",
            date_from=format_date(self.env, simulation["date_from"]),
            date_to=format_date(self.env, simulation["date_to"]),
            rebate=format_amount(self.env, simulation["rebate"], currency),
            base=self._format_base(self.env, simulation["base"], simulation["basis"]),
            percent=formatLang(self.env, simulation["percent"]),
            current=format_amount(self.env, simulation["current_rebate"], currency),
        )

    def _render_simulation(self, simulation, comparison=None):
        """The simulation's tables, with the rebates of the ``comparison``
        (by default the one kept with it) beside them: for the form and the
        dialog."""
        currency = self.currency_id
        basis = simulation["basis"]
        if comparison is None:
            comparison = simulation.get("comparison")
        return self.env["ir.qweb"]._render(
            "rebate_management.rebate_agreement_simulation_table",
            {
                "simulation": simulation,
                "comparison": comparison or None,
                "tier_text": self._describe_simulation_tiers(simulation),
                "other_tier_text": comparison
                and self._describe_simulation_tiers(comparison),
                "run_on": simulation.get("run_on")
                and format_datetime(self.env, simulation["run_on"]),
                "format_date": lambda value: format_date(self.env, value),
                "format_money": lambda value: format_amount(self.env, value, currency),
                "format_percent": lambda value: formatLang(self.env, value),
                "format_base": lambda value: self._format_base(self.env, value, basis),
                "format_rate": lambda value: self._format_simulation_rate(
                    value, simulation
                ),
            },
        )

    def _format_simulation_rate(self, rate, simulation):
        """The rate of the tier reached (a lump sum's amount) in a
        simulation's terms: the portal's wording (_format_rate); blank for
        none."""
        if rate is None:
            return ""
        return self._format_rate(
            self.env, rate, simulation["basis"], simulation.get("amount_type")
        )

    def _describe_simulation_tiers(self, simulation):
        """The simulated tiers in a line: their mode and (threshold, rate)."""
        mode = dict(self._fields["tier_mode"]._description_selection(self.env))
        tiers = ", ".join(
            self.env._(
                "%(rate)s from %(threshold)s",
                rate=self._format_simulation_rate(rate, simulation),
                threshold=self._format_threshold(
                    self.env,
                    threshold,
                    simulation["basis"],
                    simulation.get("growth_basis"),
                ),
            )
            for threshold, rate in simulation["tiers"]
        )
        return f"{mode.get(simulation['tier_mode'], '')}: {tiers}"
