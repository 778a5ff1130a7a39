# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..tools import list_action


class RebateAgreementGenerate(models.TransientModel):
    """Generate draft agreements from a template for the customers of its
    grade: it says how many first, and creates each one once."""

    _name = "rebate.agreement.generate"
    _description = "Generate Rebate Agreements from a Template"

    template_id = fields.Many2one(
        "rebate.agreement",
        required=True,
        domain="[('is_template', '=', True)]",
    )
    grade_id = fields.Many2one(related="template_id.grade_id")
    date_start = fields.Date(required=True)
    date_end = fields.Date(required=True)
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        compute="_compute_partner_ids",
        help="The customers of the template's grade without an agreement from "
        "this template over these dates: one draft agreement each.",
    )
    agreement_count = fields.Integer(
        string="Agreements to Create", compute="_compute_partner_ids"
    )

    @api.depends("template_id", "date_start", "date_end")
    def _compute_partner_ids(self):
        for wizard in self:
            partners = self.env["res.partner"]
            dated = wizard.date_start and wizard.date_end
            if wizard.template_id and dated and wizard.date_start <= wizard.date_end:
                partners = wizard.template_id._get_generation_partners(
                    wizard.date_start, wizard.date_end
                )
            wizard.partner_ids = partners
            wizard.agreement_count = len(partners)

    @api.onchange("template_id")
    def _onchange_template_id(self):
        if self.template_id and not self.date_start:
            self.date_start = self.template_id.date_start
            self.date_end = self.template_id.date_end

    def action_simulate(self):
        """Simulate the template's terms for the customers listed, over the
        periods before these dates."""
        self.ensure_one()
        template = self.template_id
        date_from, date_to = template._get_default_simulation_range(
            self.date_start, template._get_period_months(template.period)
        )
        simulation = self.env["rebate.agreement.simulation"].create(
            {
                "agreement_id": template.id,
                "partner_ids": self.partner_ids.ids,
                "date_from": date_from,
                "date_to": date_to,
            }
        )
        return simulation.action_simulate()

    def action_generate(self):
        self.ensure_one()
        agreements = self.template_id.action_generate_agreements(
            self.date_start, self.date_end
        )
        return list_action(self.env._("Generated Agreements"), agreements)
