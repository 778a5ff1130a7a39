# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class RebateAgreementVendor(models.Model):
    """Vendor rebates (``rebate.agreement``): what a supplier owes the
    company on its purchases, on the same terms, tiers, accruals, close and
    approval as a customer's rebate. A vendor agreement counts its
    supplier's posted bills and refunds (rebate.line.query's direction);
    its documents are vendor refunds (a vendor bill for a claw-back) in a
    purchase journal. Customer grades, templates, buying groups and the
    customers' alerts do not apply to it."""

    _inherit = "rebate.agreement"

    rebate_type = fields.Selection(
        [("customer", "Customer"), ("vendor", "Vendor")],
        required=True,
        default="customer",
        tracking=True,
        help="Customer: a rebate the company pays its customer on its "
        "invoices. Vendor: a rebate the supplier owes the company on its "
        "bills.",
    )
    vendor_basis = fields.Selection(
        [("purchases", "Purchases"), ("sell_through", "Sell-through")],
        default="purchases",
        tracking=True,
        help="Purchases: the supplier's posted bills and refunds, untaxed.\n"
        "Sell-through: the posted customer invoices and refunds of the "
        "agreement's products, whoever the customer: the supplier pays on "
        "what the company sold of them.",
    )

    def init(self):
        res = super().init()
        self._create_reading_statistics()
        return res

    @api.model
    def _create_reading_statistics(self):
        """Statistics of what each agreement reads (customer documents,
        supplier's, sell-through: rebate.line.query._get_agreement_reading),
        which every line query joins on. Without them PostgreSQL guesses that
        a fiftieth of the agreements read customer documents, and plans the
        close's query of the returns after each period (the alerts) as a loop
        over the windows, each reading every document of its dates: 0.1 s on
        the default bench instead of 0.02 s. Made again, and the table
        analyzed, at each update, so that they follow an override of the
        reading (PostgreSQL 14 or later; skipped before)."""
        if self.env.cr._cnx.server_version < 140000:
            return
        name = SQL.identifier("rebate_agreement_reading_stats")
        self.env.cr.execute(SQL("DROP STATISTICS IF EXISTS %s", name))
        self.env.cr.execute(
            SQL(
                "CREATE STATISTICS %s ON (%s) FROM rebate_agreement",
                name,
                self.env["rebate.line.query"]._get_agreement_reading(self._table),
            )
        )
        self.env.cr.execute("ANALYZE rebate_agreement")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("rebate_type") == "vendor" and "rebate_product_id" not in vals:
                product = self._default_vendor_rebate_product()
                vals["rebate_product_id"] = product.id if product else False
        return super().create(vals_list)

    @api.onchange("rebate_type")
    def _onchange_rebate_type(self):
        """The rebate product of the documents follows the direction."""
        customer = self._default_rebate_product()
        vendor = self._default_vendor_rebate_product()
        if self.rebate_type == "vendor" and self.rebate_product_id == customer:
            self.rebate_product_id = vendor
        elif self.rebate_type == "customer" and self.rebate_product_id == vendor:
            self.rebate_product_id = customer

    def _default_vendor_rebate_product(self):
        return self.env.ref(
            "rebate_management.product_vendor_rebate", raise_if_not_found=False
        )

    @api.depends("rebate_type")
    def _compute_journal_id(self):
        return super()._compute_journal_id()

    def _get_document_journal_type(self):
        self.ensure_one()
        return "purchase" if self.rebate_type == "vendor" else "sale"

    @api.model
    def _get_term_fields(self):
        return super()._get_term_fields() | {"rebate_type", "vendor_basis"}

    @api.model
    def _get_accrual_term_fields(self):
        return [*super()._get_accrual_term_fields(), "rebate_type", "vendor_basis"]

    @api.model
    def _prepare_accrual_terms(self, values):
        terms = super()._prepare_accrual_terms(values)
        terms.rebate_type = values["rebate_type"] or "customer"
        terms.vendor_basis = values["vendor_basis"] or False
        return terms

    @api.constrains("rebate_type", "partner_id")
    def _check_partner_direction(self):
        """A vendor agreement's partner is a supplier; a customer agreement's
        is not a supplier only."""
        for agreement in self.filtered("partner_id"):
            partner = agreement.partner_id.commercial_partner_id
            if agreement.rebate_type == "vendor" and not partner.supplier_rank:
                raise ValidationError(
                    self.env._(
                        "%(partner)s is not a supplier: a vendor agreement "
                        "(%(name)s) is made with a supplier the company buys from.",
                        partner=partner.display_name,
                        name=agreement.name,
                    )
                )
            if (
                agreement.rebate_type == "customer"
                and partner.supplier_rank
                and not partner.customer_rank
            ):
                raise ValidationError(
                    self.env._(
                        "%(partner)s is a supplier only: make %(name)s a vendor "
                        "agreement, or sell to it first.",
                        partner=partner.display_name,
                        name=agreement.name,
                    )
                )

    @api.constrains("rebate_type", "payout_method")
    def _check_vendor_payout_method(self):
        methods = self._get_vendor_payout_methods()
        for agreement in self.filtered(lambda a: a.rebate_type == "vendor"):
            if agreement.payout_method not in methods:
                raise ValidationError(
                    self.env._(
                        "Vendor agreement %(name)s is paid by a vendor refund: "
                        "alone, offset against the supplier's bills, or received "
                        "in a bank journal.",
                        name=agreement.name,
                    )
                )

    @api.model
    def _get_vendor_payout_methods(self):
        """The payout methods of a vendor agreement: those that go on from a
        vendor refund."""
        return {"credit_note", "offset", "bank"}

    @api.constrains("rebate_type", "vendor_basis", "product_ids", "product_categ_ids")
    def _check_sell_through_products(self):
        for agreement in self:
            if (
                agreement.rebate_type == "vendor"
                and agreement.vendor_basis == "sell_through"
                and not agreement.has_product_scope
            ):
                raise ValidationError(
                    self.env._(
                        "Vendor agreement %(name)s pays on sell-through: choose "
                        "the supplier's products (or categories) whose sales count.",
                        name=agreement.name,
                    )
                )

    @api.constrains(
        "rebate_type", "is_template", "template_id", "grade_id", "member_ids"
    )
    def _check_vendor_terms(self):
        """What only customers have: grades, templates, buying groups."""
        for agreement in self.filtered(lambda a: a.rebate_type == "vendor"):
            if (
                agreement.is_template
                or agreement.template_id
                or agreement.grade_id
                or agreement.member_ids
            ):
                raise ValidationError(
                    self.env._(
                        "Vendor agreement %(name)s: grades, templates and buying "
                        "groups are for customer agreements.",
                        name=agreement.name,
                    )
                )
