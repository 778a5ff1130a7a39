# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class RebateAgreementAmendWizard(models.TransientModel):
    _name = "rebate.agreement.amend.wizard"
    _description = "Amend a Rebate Agreement"

    agreement_id = fields.Many2one("rebate.agreement", required=True, readonly=True)
    date = fields.Date(
        string="New Terms From",
        required=True,
        help="The current agreement ends the day before; the new version starts "
        "on this date with the same terms, in draft, ready to be changed.",
    )

    def action_amend(self):
        self.ensure_one()
        new_version = self.agreement_id.action_amend(self.date)
        return {
            "type": "ir.actions.act_window",
            "res_model": "rebate.agreement",
            "res_id": new_version.id,
            "view_mode": "form",
        }
