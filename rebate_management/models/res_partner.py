# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    rebate_agreement_count = fields.Integer(
        string="Rebate Agreements", compute="_compute_rebate_agreement_count"
    )

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
