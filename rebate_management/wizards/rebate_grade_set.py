# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class RebateGradeSet(models.TransientModel):
    """Ask a sales manager which grade a customer gets by hand, and why."""

    _name = "rebate.grade.set"
    _description = "Set a Customer's Rebate Grade"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda s: s.env.company
    )
    current_grade_id = fields.Many2one(
        "rebate.grade", compute="_compute_current_grade_id"
    )
    grade_id = fields.Many2one(
        "rebate.grade",
        string="New Grade",
        check_company=True,
        help="Empty: no grade.",
    )
    reason = fields.Text(required=True)

    @api.depends("partner_id", "company_id")
    def _compute_current_grade_id(self):
        for wizard in self:
            wizard.current_grade_id = wizard.partner_id.with_company(
                wizard.company_id
            ).rebate_grade_id

    def action_set_grade(self):
        self.ensure_one()
        self.partner_id.with_company(self.company_id).action_set_rebate_grade(
            self.grade_id.id, self.reason
        )
        return {"type": "ir.actions.act_window_close"}
