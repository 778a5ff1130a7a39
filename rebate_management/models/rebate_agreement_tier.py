# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RebateAgreementTier(models.Model):
    _name = "rebate.agreement.tier"
    _description = "Rebate Agreement Tier"
    _order = "agreement_id, threshold"

    agreement_id = fields.Many2one(
        "rebate.agreement", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="agreement_id.company_id", store=True)
    basis = fields.Selection(related="agreement_id.basis")
    threshold = fields.Float(
        digits="Product Price",
        help="Lower bound of the tier, in basis units (amount or quantity).",
    )
    rate = fields.Float(
        digits=(16, 4),
        help="Percent of the base on the amount basis; currency per unit on the "
        "quantity basis.",
    )

    @api.constrains("threshold", "rate")
    def _check_threshold_rate(self):
        for tier in self:
            if tier.threshold < 0:
                raise ValidationError(
                    self.env._(
                        "The threshold of a rebate tier cannot be negative "
                        "(%(threshold)s on %(agreement)s).",
                        threshold=tier.threshold,
                        agreement=tier.agreement_id.name,
                    )
                )
            if tier.rate < 0:
                raise ValidationError(
                    self.env._(
                        "The rate of a rebate tier cannot be negative "
                        "(%(rate)s on %(agreement)s).",
                        rate=tier.rate,
                        agreement=tier.agreement_id.name,
                    )
                )

    @api.constrains("threshold", "agreement_id")
    def _check_threshold_unique(self):
        for agreement in self.agreement_id:
            thresholds = agreement.tier_ids.mapped("threshold")
            if len(thresholds) != len(set(thresholds)):
                raise ValidationError(
                    self.env._(
                        "Two tiers of agreement %(agreement)s have the same "
                        "threshold.",
                        agreement=agreement.name,
                    )
                )
