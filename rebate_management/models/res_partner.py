# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    rebate_grade_id = fields.Many2one(
        "rebate.grade",
        string="Rebate Grade",
        company_dependent=True,
        tracking=True,
        readonly=True,
        help="Set each month from the customer's sales of the trailing twelve "
        "months (Rebates > Configuration > Customer Grades).",
    )
    rebate_agreement_count = fields.Integer(
        string="Rebate Agreements", compute="_compute_rebate_agreement_count"
    )

    rebate_accrued_this_year = fields.Monetary(
        compute="_compute_rebate_this_year",
        currency_field="rebate_currency_id",
    )
    rebate_settled_this_year = fields.Monetary(
        compute="_compute_rebate_this_year",
        currency_field="rebate_currency_id",
    )
    rebate_currency_id = fields.Many2one(
        "res.currency", compute="_compute_rebate_this_year"
    )

    def _compute_rebate_this_year(self):
        """Rebate accrued on this year's invoices and paid out by credit notes
        for periods ending this year (company currency agreements)."""
        today = fields.Date.context_today(self)
        company = self.env.company
        groups = self.env["rebate.analysis"]._read_group(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", company.id),
                ("date", ">=", today.replace(month=1, day=1)),
                ("date", "<=", today.replace(month=12, day=31)),
            ],
            ["partner_id"],
            ["rebate_accrued:sum", "rebate_settled:sum"],
        )
        totals = {partner: (accrued, settled) for partner, accrued, settled in groups}
        for partner in self:
            accrued, settled = totals.get(partner.commercial_partner_id, (0.0, 0.0))
            partner.rebate_accrued_this_year = accrued
            partner.rebate_settled_this_year = settled
            partner.rebate_currency_id = company.currency_id

    def _compute_rebate_agreement_count(self):
        commercial = self.commercial_partner_id
        counts = dict(
            self.env["rebate.agreement"]._read_group(
                [("commercial_partner_id", "in", commercial.ids)],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.rebate_agreement_count = counts.get(
                partner.commercial_partner_id, 0
            )

    def action_view_rebate_agreements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "rebate_management.rebate_agreement_action"
        )
        action["domain"] = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id)
        ]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_view_rebate_analysis(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "rebate_management.rebate_analysis_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"search_default_this_year": 1}
        return action
