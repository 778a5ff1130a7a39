# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class RebateStackingGroup(models.Model):
    """Agreements that do not stack: of the agreements of one group that
    count an invoice line, only the first by priority counts it."""

    _name = "rebate.stacking.group"
    _description = "Rebate Stacking Group"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    active = fields.Boolean(default=True)
    agreement_ids = fields.One2many(
        "rebate.agreement", "stacking_group_id", string="Agreements", readonly=True
    )

    _sql_constraints = [
        (
            "name_company_unique",
            "UNIQUE(name, company_id)",
            "A stacking group's name is unique in its company.",
        )
    ]
