# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_round


class RebateAgreement(models.Model):
    """Rebates paid on Odoo Loyalty: points on the customer's loyalty card,
    or a coupon (a card of a coupon or gift card program)."""

    _inherit = "rebate.agreement"

    loyalty_program_id = fields.Many2one(
        "loyalty.program",
        string="Loyalty Program",
        check_company=True,
        tracking=True,
        domain="[('program_type', 'in', payout_method == 'points' and ['loyalty'] "
        "or ['coupons', 'gift_card'])]",
        help="Loyalty points: the loyalty program whose card the points go "
        "to, at its points per currency unit (1 when it earns none by amount).\n"
        "Coupon: the coupon or gift card program the coupon is made in.",
    )

    @api.constrains("payout_method", "loyalty_program_id", "company_id")
    def _check_loyalty_program(self):
        for agreement in self.filtered(lambda a: a._pays_in_loyalty()):
            program = agreement.loyalty_program_id
            allowed = agreement._get_loyalty_program_types()
            if program.company_id and program.company_id != agreement.company_id:
                program = program.browse()
            if not program or program.program_type not in allowed:
                raise ValidationError(agreement._get_loyalty_program_error())
            if agreement.payout_method == "coupon":
                agreement._get_coupon_reward()

    def _get_loyalty_payout_methods(self):
        """The payout methods that pay on Odoo Loyalty, with no accounting
        document: the card is the record of what the customer holds."""
        return {"points", "coupon"}

    def _pays_in_loyalty(self):
        self.ensure_one()
        return self.payout_method in self._get_loyalty_payout_methods()

    def _get_loyalty_program_types(self):
        """The program types the agreement's payout method may use."""
        self.ensure_one()
        if self.payout_method == "points":
            return {"loyalty"}
        return {"coupons", "gift_card"}

    def _get_loyalty_program_error(self):
        self.ensure_one()
        if self.payout_method == "points":
            return self.env._(
                "Agreement %(name)s pays its rebates in loyalty points: choose a "
                "program of type Loyalty Cards, of the agreement's company.",
                name=self.name,
            )
        return self.env._(
            "Agreement %(name)s pays its rebates as coupons: choose a program of "
            "type Coupons or Gift Card, of the agreement's company.",
            name=self.name,
        )

    def _get_points_per_unit(self):
        """The program's points per currency unit: its first rule that
        earns points by the amount spent, else one point per unit."""
        self.ensure_one()
        # the program is read whole, by whoever pays the rebate out
        rules = self.loyalty_program_id.sudo().rule_ids.filtered(
            lambda rule: rule.reward_point_mode == "money"
        )
        return rules[:1].reward_point_amount or 1.0

    def _get_rebate_points(self, amount):
        """The points ``amount`` of rebate earns: whole points, rounded
        down."""
        self.ensure_one()
        return float_round(
            amount * self._get_points_per_unit(),
            precision_digits=0,
            rounding_method="DOWN",
        )

    def _get_coupon_reward(self):
        """The reward a rebate coupon carries: the program's first discount
        per point (the coupon is worth the rebate) or product (a gift
        coupon for that product)."""
        self.ensure_one()
        rewards = self.loyalty_program_id.sudo().reward_ids.filtered(
            lambda r: r.reward_type == "product"
            or (r.reward_type == "discount" and r.discount_mode == "per_point")
        )
        if not rewards:
            raise ValidationError(
                self.env._(
                    "Agreement %(name)s pays its rebates as coupons of %(program)s: "
                    "that program needs a reward that is a discount per point (the "
                    "coupon is worth the rebate) or a free product (a gift coupon).",
                    name=self.name,
                    program=self.loyalty_program_id.name,
                )
            )
        return rewards[:1]

    def _get_coupon_points(self, amount):
        """The points of a coupon worth ``amount``: the amount in points of
        a discount per point; one use of a product reward."""
        self.ensure_one()
        reward = self._get_coupon_reward()
        if reward.reward_type == "product":
            return reward.required_points
        return self.currency_id.round(amount / reward.discount)
