# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import to_date, wizard_action


class RebateAgreementReward(models.Model):
    """Rewards and penalties of ``rebate.agreement`` beyond the rate:
    templates of terms per customer grade, a committed base with a penalty
    when the period falls short of it, and a minimum number of invoices a
    period must have to earn its rebate."""

    _inherit = "rebate.agreement"

    def _default_penalty_product(self):
        return self.env.ref(
            "rebate_management.product_rebate_penalty", raise_if_not_found=False
        )

    is_template = fields.Boolean(
        string="Template",
        default=False,
        copy=False,
        tracking=True,
        help="A template holds terms without a customer: agreements are "
        "generated from it for the customers of its grade. It never accrues "
        "nor settles.",
    )
    grade_id = fields.Many2one(
        "rebate.grade",
        check_company=True,
        tracking=True,
        help="Template: the customer grade whose customers get agreements from it.",
    )
    template_id = fields.Many2one(
        "rebate.agreement",
        string="From Template",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The template this agreement was generated from.",
    )
    commitment_base = fields.Float(
        string="Committed Base",
        digits="Product Price",
        tracking=True,
        help="What the customer commits to buy per period, in the basis's unit "
        "(amount or quantity). 0: no commitment.",
    )
    penalty_type = fields.Selection(
        [
            ("none", "None"),
            ("fixed", "Fixed amount"),
            ("shortfall_percent", "Percent of the shortfall"),
        ],
        string="Penalty",
        required=True,
        default="none",
        tracking=True,
        help="What a period whose base falls short of the commitment costs the "
        "customer, deducted from its rebate: a fixed amount, or a percent of "
        "the commitment less the base.",
    )
    penalty_value = fields.Float(
        digits="Product Price",
        tracking=True,
        help="The fixed amount (agreement currency), or the percent.",
    )
    penalty_product_id = fields.Many2one(
        "product.product",
        default=_default_penalty_product,
        check_company=True,
        tracking=True,
        help="Service product of the penalty's line on the settlement's document.",
    )
    min_invoice_count = fields.Integer(
        string="Minimum Invoices",
        tracking=True,
        help="Posted customer invoices the agreement counts that a period must "
        "have to earn its rebate (refunds are not purchases). 0: no minimum.",
    )

    @api.constrains("commitment_base", "penalty_type", "penalty_value", "basis")
    def _check_penalty(self):
        for agreement in self:
            if agreement.commitment_base < 0 or agreement.penalty_value < 0:
                raise ValidationError(
                    self.env._(
                        "The commitment and the penalty of agreement %(name)s "
                        "cannot be negative.",
                        name=agreement.name,
                    )
                )
            if (
                agreement.penalty_type == "shortfall_percent"
                and agreement.penalty_value > 100
            ):
                raise ValidationError(
                    self.env._(
                        "The penalty of agreement %(name)s cannot exceed 100 %% of "
                        "the shortfall.",
                        name=agreement.name,
                    )
                )
            if (
                agreement.penalty_type == "shortfall_percent"
                and agreement.basis == "quantity"
            ):
                raise ValidationError(
                    self.env._(
                        "Agreement %(name)s counts quantities: a percent of a "
                        "shortfall in units is not an amount. Choose a fixed "
                        "penalty.",
                        name=agreement.name,
                    )
                )
            if agreement.penalty_type != "none" and not agreement.commitment_base:
                raise ValidationError(
                    self.env._(
                        "Agreement %(name)s has a penalty but no commitment: a "
                        "penalty is owed for falling short of a committed base.",
                        name=agreement.name,
                    )
                )

    @api.constrains("min_invoice_count")
    def _check_min_invoice_count(self):
        for agreement in self:
            if agreement.min_invoice_count < 0:
                raise ValidationError(
                    self.env._(
                        "The minimum invoices of agreement %(name)s cannot be "
                        "negative.",
                        name=agreement.name,
                    )
                )

    @api.constrains("is_template", "partner_id")
    def _check_template_partner(self):
        for agreement in self:
            if agreement.is_template and agreement.partner_id:
                raise ValidationError(
                    self.env._(
                        "Template %(name)s cannot have a customer: a template "
                        "holds terms, its agreements hold the customers.",
                        name=agreement.name,
                    )
                )
            if not agreement.is_template and not agreement.partner_id:
                raise ValidationError(
                    self.env._(
                        "Agreement %(name)s needs a customer.", name=agreement.name
                    )
                )

    @api.constrains("is_template", "grade_id")
    def _check_template_grade(self):
        for agreement in self:
            if agreement.is_template and not agreement.grade_id:
                raise ValidationError(
                    self.env._(
                        "Template %(name)s needs a customer grade: its agreements "
                        "are generated for the customers of that grade.",
                        name=agreement.name,
                    )
                )

    def action_open_generate_wizard(self):
        self.ensure_one()
        return wizard_action(
            self.env._("Generate Agreements"),
            "rebate.agreement.generate",
            {"default_template_id": self.id},
        )

    @api.onchange("commitment_base")
    def _onchange_commitment_base(self):
        # no commitment, no penalty (hidden in the form, refused on save)
        if not self.commitment_base:
            self.penalty_type = "none"
            self.penalty_value = 0.0

    def action_generate_agreements(self, date_start, date_end):
        """Create a draft agreement from this template, over ``date_start``
        to ``date_end``, for each customer of its grade that has none from it
        over those dates yet (so running it twice creates nothing more). They
        then go through the normal approval.

        :return: the agreements created
        """
        self.ensure_one()
        self._check_rebate_group(
            "group_rebate_manager", self.env._("generate agreements from templates")
        )
        date_start = to_date(self.env, date_start)
        date_end = to_date(self.env, date_end)
        if not self.is_template or not self.grade_id or self.state == "cancelled":
            raise UserError(
                self.env._(
                    "Agreements are generated from a template with a grade, "
                    "not cancelled; %(name)s is not one.",
                    name=self.name,
                )
            )
        if date_end < date_start:
            raise ValidationError(
                self.env._("The end date cannot be before the start date.")
            )
        partners = self._get_generation_partners(date_start, date_end)
        # (the salespeople are not mailed one "assigned to you" per agreement)
        agreements = (
            self._rebate_workflow()
            .with_context(mail_auto_subscribe_no_notify=True)
            .create(
                [
                    self._prepare_generated_agreement_vals(
                        partner, date_start, date_end
                    )
                    for partner in partners
                ]
            )
            .with_env(self.env)
        )
        note = self.env._("Generated from template %(name)s.", name=self.name)
        agreements._log_notes(dict.fromkeys(agreements.ids, note))
        return agreements

    def _get_generation_partners(self, date_start, date_end):
        """The customers of this template's grade (in its company) without a
        live agreement from it overlapping ``date_start`` - ``date_end``."""
        self.ensure_one()
        Partner = self.env["res.partner"].with_company(self.company_id)
        if not self.grade_id:
            return Partner
        graded = Partner.search([("rebate_grade_id", "=", self.grade_id.id)])
        covered = set(
            self.sudo()
            .search(
                [
                    ("template_id", "=", self.id),
                    ("state", "!=", "cancelled"),
                    ("date_start", "<=", date_end),
                    ("date_end", ">=", date_start),
                ]
            )
            .commercial_partner_id.ids
        )
        # (a set: each customer looked up once, not against every other)
        return graded.filtered(lambda p: p.commercial_partner_id.id not in covered)

    def _prepare_generated_agreement_vals(self, partner, date_start, date_end):
        """The values of the agreement generated from this template for
        ``partner``: the template's terms, the customer, the dates."""
        self.ensure_one()
        [vals] = self.copy_data(
            {
                "name": self.env._(
                    "%(template)s - %(customer)s",
                    template=self.name,
                    customer=partner.display_name,
                ),
                "partner_id": partner.id,
                "date_start": date_start,
                "date_end": date_end,
                "user_id": partner.user_id.id or self.user_id.id,
            }
        )
        vals["template_id"] = self.id
        return vals

    def _check_not_template(self):
        """Refuse to submit, activate, accrue or settle templates."""
        templates = self.filtered("is_template")
        if templates:
            raise UserError(
                self.env._(
                    "%(names)s: a template holds terms for the agreements "
                    "generated from it; it is never submitted, activated, accrued "
                    "or settled. Use Generate Agreements.",
                    names=", ".join(templates.mapped("name")),
                )
            )

    def _get_penalty(self, terms, base):
        """The penalty owed for a period (or tier period, interim) of ``base``
        under the agreement ``terms`` (AccrualTerms): 0.0 unless the base falls
        short of the commitment; rounded to the currency."""
        shortfall = terms.commitment_base - base
        if terms.penalty_type == "none" or shortfall <= 0:
            return 0.0
        if terms.penalty_type == "fixed":
            return terms.round(terms.penalty_value)
        return terms.round(shortfall * terms.penalty_value / 100.0)
