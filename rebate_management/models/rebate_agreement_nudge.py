# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class RebateAgreementNudge(models.Model):
    """A near-tier nudge given: the agreement, the tier period and the tier
    threshold it was about. Kept so that a nudge is never given twice, even
    once its to-do is done and gone."""

    _name = "rebate.agreement.nudge"
    _description = "Rebate Near-Tier Nudge"
    _order = "id desc"

    agreement_id = fields.Many2one(
        "rebate.agreement", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="agreement_id.company_id", store=True)
    period_start = fields.Date(required=True)
    threshold = fields.Float(required=True, digits="Product Price")
    base = fields.Float(
        digits="Product Price", help="The period's base when the nudge was given."
    )
    activity_user_id = fields.Many2one("res.users", string="Nudged")

    _sql_constraints = [
        (
            "agreement_period_threshold_unique",
            "UNIQUE(agreement_id, period_start, threshold)",
            "An agreement is nudged once per period and tier.",
        )
    ]
