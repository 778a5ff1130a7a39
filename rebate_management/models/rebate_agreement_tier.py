# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount, formatLang


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
        help="Lower bound of the tier, in basis units (amount or quantity); "
        "on a growth rebate, the growth in percent over the same period a year "
        "earlier.",
    )
    rate = fields.Float(
        digits=(16, 4),
        help="Percent of the base on the amount basis; currency per unit on the "
        "quantity basis.",
    )
    amount_type = fields.Selection(
        [("rate", "Rate"), ("fixed", "Fixed amount")],
        string="Pays",
        required=True,
        default="rate",
        help="Rate: a percentage of the base (or an amount per unit). Fixed "
        "amount: a lump sum paid once the threshold is reached. An agreement's "
        "tiers are all one or the other.",
    )
    currency_id = fields.Many2one(related="agreement_id.currency_id")
    fixed_amount = fields.Monetary(
        help="The lump sum the tier pays once its threshold is reached.",
    )
    value_label = fields.Char(
        string="Tier Pays",
        compute="_compute_value_label",
        help="What the tier pays, as the customer reads it.",
    )
    threshold_label = fields.Char(
        string="From",
        compute="_compute_threshold_label",
        help="Where the tier starts, as the customer reads it: a base, or a "
        "growth in percent.",
    )
    rate_unit = fields.Char(
        string="Unit",
        compute="_compute_rate_unit",
        help="What the rate is: a percentage of the untaxed amount, or an amount "
        "per unit.",
    )

    @api.depends(
        "amount_type",
        "fixed_amount",
        "rate",
        "agreement_id.basis",
        "agreement_id.currency_id",
    )
    def _compute_value_label(self):
        for tier in self:
            tier.value_label = tier.agreement_id._format_rate(
                self.env, tier._get_tier_value()
            )

    @api.depends(
        "threshold",
        "agreement_id.basis",
        "agreement_id.currency_id",
        "agreement_id.growth_basis",
    )
    def _compute_threshold_label(self):
        for tier in self:
            tier.threshold_label = tier.agreement_id._format_threshold(
                self.env, tier.threshold
            )

    @api.depends("agreement_id.basis", "agreement_id.currency_id")
    def _compute_rate_unit(self):
        for tier in self:
            agreement = tier.agreement_id
            tier.rate_unit = (
                self.env._(
                    "%(currency)s per unit", currency=agreement.currency_id.symbol or ""
                )
                if agreement.basis == "quantity"
                else "%"
            )

    def _get_tier_value(self):
        """What the tier pays, as the engine's (threshold, value) pairs carry
        it (rebate.agreement._read_tiers): its fixed amount, or its rate."""
        self.ensure_one()
        return self.fixed_amount if self.amount_type == "fixed" else self.rate

    @api.constrains("amount_type", "fixed_amount", "threshold", "agreement_id")
    def _check_amount_type(self):
        self._check_fixed_tiers()
        for agreement in self.agreement_id:
            if len(set(agreement.tier_ids.mapped("amount_type"))) > 1:
                raise ValidationError(
                    self.env._(
                        "The tiers of agreement %(agreement)s pay a rate or a fixed "
                        "amount, not both: make them all one or the other.",
                        agreement=agreement.name,
                    )
                )
            refusal = agreement._get_growth_refusal()
            if refusal:
                raise ValidationError(refusal)

    def _check_fixed_tiers(self):
        """A lump-sum tier pays a sum not below 0, from above 0 (a growth
        rebate's thresholds: rebate.agreement._get_growth_refusal)."""
        for tier in self:
            growth = tier.agreement_id.growth_basis != "none"
            if tier.amount_type == "fixed" and tier.threshold <= 0 and not growth:
                raise ValidationError(
                    self.env._(
                        "A lump-sum tier starts above zero: from 0 it would be paid "
                        "without any sale (%(agreement)s).",
                        agreement=tier.agreement_id.name,
                    )
                )
            if tier.amount_type == "fixed" and tier.fixed_amount < 0:
                raise ValidationError(
                    self.env._(
                        "The fixed amount of a rebate tier cannot be negative "
                        "(%(amount)s on %(agreement)s).",
                        amount=tier.fixed_amount,
                        agreement=tier.agreement_id.name,
                    )
                )

    @api.constrains("threshold", "rate")
    def _check_threshold_rate(self):
        for tier in self:
            # (a growth rebate's thresholds: _check_growth_terms)
            if tier.threshold < 0 and tier.agreement_id.growth_basis == "none":
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
            if (
                tier.amount_type == "rate"
                and tier.agreement_id.basis == "amount"
                and tier.rate > 100
            ):
                raise ValidationError(
                    self.env._(
                        "A rebate of %(rate)s %% of the sales is more than the sales "
                        "themselves (%(agreement)s): rates on the amount basis are "
                        "percentages, at most 100.",
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

    @api.model_create_multi
    def create(self, vals_list):
        tiers = super().create(vals_list)
        tiers.agreement_id._prepare_terms_change()
        tiers._log_tiers(self.env._("Tier added"), {t: None for t in tiers})
        return tiers

    def write(self, vals):
        self.check_access("write")
        self.agreement_id._prepare_terms_change()
        if vals.get("agreement_id"):
            # a tier moved to another agreement changes its terms too
            self.agreement_id.browse(vals["agreement_id"])._prepare_terms_change()
        before = {tier: tier._describe() for tier in self}
        res = super().write(vals)
        self._log_tiers(self.env._("Tier changed"), before)
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_locked(self):
        self.agreement_id._prepare_terms_change()

    def unlink(self):
        self._log_tiers(
            self.env._("Tier removed"),
            {tier: tier._describe() for tier in self},
            removed=True,
        )
        return super().unlink()

    def _describe(self):
        """The tier as a reader says it: "from $ 5,000.00 at 3.00 %" on the
        amount basis, "from 100.00 at 0.50 $ per unit" on the quantity basis,
        in the user's language."""
        self.ensure_one()
        agreement = self.agreement_id
        if agreement.growth_basis != "none":
            threshold = self.threshold_label
        elif agreement.basis == "quantity":
            threshold = formatLang(self.env, self.threshold, dp="Product Price")
        else:
            threshold = format_amount(self.env, self.threshold, agreement.currency_id)
        if self.amount_type == "fixed":
            return self.env._(
                "from %(threshold)s: %(amount)s",
                threshold=threshold,
                amount=format_amount(
                    self.env, self.fixed_amount, agreement.currency_id
                ),
            )
        return self.env._(
            "from %(threshold)s at %(rate)s %(unit)s",
            threshold=threshold,
            rate=formatLang(self.env, self.rate, digits=self._rate_digits()),
            unit=self.rate_unit,
        )

    def _rate_digits(self):
        """Decimals worth showing of the rate: two, or up to the four it keeps."""
        text = f"{self.rate:.4f}".rstrip("0")
        return max(2, len(text.split(".")[1]))

    def _log_tiers(self, title, before, removed=False):
        """Post what happened to the tiers in the chatter of their agreement:
        one message per agreement, with old and new values."""
        if self.env.context.get("tracking_disable"):
            return
        lines = defaultdict(list)
        for tier in self:
            old = before.get(tier)
            new = None if removed else tier._describe()
            if old == new:
                continue
            if old and new:
                lines[tier.agreement_id].append(f"{old} → {new}")
            else:
                lines[tier.agreement_id].append(old or new)
        for agreement, items in lines.items():
            agreement._message_log(
                body=Markup("%s<ul>%s</ul>")
                % (title, Markup().join(Markup("<li>%s</li>") % item for item in items))
            )
