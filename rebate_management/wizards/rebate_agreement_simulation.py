# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..tools import wizard_action


class RebateAgreementSimulation(models.TransientModel):
    """Simulate an agreement's terms (or a template's, for the customers of
    its grade) over past periods, and other tiers beside them: the figures
    of rebate.agreement.simulate, shown; a draft's are kept for its
    approver."""

    _name = "rebate.agreement.simulation"
    _description = "Simulate Rebate Terms on Past Sales"

    agreement_id = fields.Many2one("rebate.agreement", required=True, readonly=True)
    is_template = fields.Boolean(related="agreement_id.is_template")
    currency_id = fields.Many2one(related="agreement_id.currency_id")
    date_from = fields.Date(
        help="The first day simulated; by default the four periods before the "
        "agreement's start."
    )
    date_to = fields.Date(help="The last day simulated.")
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        help="A template's customers to simulate: by default those of its grade.",
    )
    compare_tier_ids = fields.One2many(
        "rebate.agreement.simulation.tier",
        "simulation_id",
        string="Compare With Tiers",
        help="Other tiers to price on the same periods, beside the agreement's.",
    )
    result = fields.Json(readonly=True)
    comparison = fields.Json(readonly=True)
    result_html = fields.Html(compute="_compute_result_html", sanitize=False)
    is_kept = fields.Boolean(readonly=True)

    @api.depends("result", "comparison")
    def _compute_result_html(self):
        for wizard in self:
            wizard.result_html = (
                wizard.agreement_id._render_simulation(
                    wizard.result, wizard.comparison or False
                )
                if wizard.result
                else False
            )

    def action_simulate(self):
        """Run the simulation (and the comparison), keep a draft's, and show
        the figures."""
        self.ensure_one()
        agreement = self.agreement_id
        kwargs = self._get_simulation_kwargs()
        result = agreement.simulate(**kwargs)
        comparison = None
        if self.compare_tier_ids:
            comparison = agreement.simulate(
                terms=self._get_comparison_terms(), **kwargs
            )
        self.write(
            {
                "result": result,
                "comparison": comparison,
                "date_from": result["date_from"],
                "date_to": result["date_to"],
                "is_kept": agreement._keep_simulation(result, comparison),
            }
        )
        return wizard_action(
            self.env._("Simulate %(agreement)s", agreement=agreement.display_name),
            self._name,
            {},
        ) | {"res_id": self.id}

    def _get_simulation_kwargs(self):
        """The arguments of simulate the wizard's fields give."""
        kwargs = {}
        if self.date_from or self.date_to:
            kwargs.update(date_from=self.date_from, date_to=self.date_to)
        if self.is_template and self.partner_ids:
            kwargs["partner_ids"] = self.partner_ids.ids
        return kwargs

    def _get_comparison_terms(self):
        """The terms of the comparison: the other tiers."""
        return {
            "tier_ids": [(tier.threshold, tier.rate) for tier in self.compare_tier_ids]
        }


class RebateAgreementSimulationTier(models.TransientModel):
    """A tier of the terms a simulation compares with."""

    _name = "rebate.agreement.simulation.tier"
    _description = "Simulated Rebate Tier"
    _order = "threshold"

    simulation_id = fields.Many2one(
        "rebate.agreement.simulation", required=True, ondelete="cascade"
    )
    threshold = fields.Float(digits="Product Price")
    rate = fields.Float(
        digits=(16, 4),
        help="Percent of the base on the amount basis; currency per unit on the "
        "quantity basis.",
    )
