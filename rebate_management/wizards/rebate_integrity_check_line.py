# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class RebateIntegrityCheckLine(models.TransientModel):
    """The result of the Rebate Integrity Check for one company."""

    _name = "rebate.integrity.check.line"
    _description = "Rebate Integrity Check Result"
    _order = "company_id"

    check_id = fields.Many2one(
        "rebate.integrity.check", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", readonly=True)
    first_settlement_id = fields.Many2one(
        "rebate.settlement", string="First Secured", readonly=True
    )
    last_settlement_id = fields.Many2one(
        "rebate.settlement", string="Last Secured", readonly=True
    )
    secured_count = fields.Integer(string="Secured", readonly=True)
    corrupted_settlement_ids = fields.Many2many(
        "rebate.settlement", string="Altered", readonly=True
    )
    details = fields.Text(string="What Differs", readonly=True)
    result = fields.Char(compute="_compute_result")

    @api.depends("secured_count", "corrupted_settlement_ids")
    def _compute_result(self):
        for line in self:
            if not line.secured_count:
                line.result = self.env._("No settlement secured yet")
            elif line.corrupted_settlement_ids:
                line.result = self.env._(
                    "%(count)s settlement(s) altered",
                    count=len(line.corrupted_settlement_ids),
                )
            else:
                line.result = self.env._("Intact")
