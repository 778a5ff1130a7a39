# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).


from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import (
    list_action,
    notification_action,
    soft_reload_action,
    wizard_action,
    xml_action,
)

# An agreement's states, also those of the analysis report's agreements.
AGREEMENT_STATES = [
    ("draft", "Draft"),
    ("to_approve", "To Approve"),
    ("active", "Active"),
    ("closed", "Closed"),
    ("cancelled", "Cancelled"),
]


class RebateAgreement(models.Model):
    _name = "rebate.agreement"
    _description = "Rebate Agreement"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "rebate.workflow.mixin",
    ]
    _order = "date_start desc, id desc"
    # whoever reads an agreement may discuss it in its chatter
    _mail_post_access = "read"
    _check_company_auto = True

    @api.model
    def _get_default_journal(self, company, journal_type="sale"):
        """The rebate journal of ``company`` of ``journal_type`` (sales by
        default; res.company._get_rebate_journal), created with its posted
        entries secured by hash the first time. As superuser: salespeople
        and sales managers create agreements without reading journals."""
        return company.sudo()._get_rebate_journal(journal_type)

    def _default_rebate_product(self):
        return self.env.ref(
            "rebate_management.product_customer_rebate", raise_if_not_found=False
        )

    name = fields.Char(required=True, tracking=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        tracking=True,
        check_company=True,
        index=True,
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        tracking=True,
        default=lambda self: self.env.company.currency_id,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        compute="_compute_user_id",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        domain="[('share', '=', False)]",
        help="The customer's salesperson, as on its contact (else whoever "
        "creates the agreement): the near-tier to-dos go to them.",
    )
    date_start = fields.Date(required=True, tracking=True)
    date_end = fields.Date(required=True, tracking=True)
    period = fields.Selection(
        [
            ("month", "Month"),
            ("quarter", "Quarter"),
            ("half_year", "Half-year"),
            ("year", "Year"),
        ],
        required=True,
        default="quarter",
        tracking=True,
        help="The period the tiers are measured on; periods are cut from the "
        "start date.",
    )
    settlement_period = fields.Selection(
        selection="_selection_settlement_period",
        string="Settled Every",
        tracking=True,
        help="Empty: each period is settled once, when it ends. Shorter than "
        "the period: an interim settlement at the end of each of its parts, "
        "on the tiers of the period to date less what was settled before; the "
        "last one is the true-up.",
    )
    basis = fields.Selection(
        [("amount", "Untaxed amount"), ("quantity", "Quantity")],
        required=True,
        default="amount",
        tracking=True,
    )
    tier_mode = fields.Selection(
        [
            ("flat", "Flat rate"),
            ("retroactive", "Retroactive tiers"),
            ("stepped", "Stepped tiers"),
        ],
        required=True,
        default="flat",
        tracking=True,
        help="Flat: the whole base at the single rate.\n"
        "Retroactive: the whole base at the rate of the highest tier reached.\n"
        "Stepped: each slice of the base at the rate of its own tier.",
    )
    tier_ids = fields.One2many(
        "rebate.agreement.tier", "agreement_id", string="Tiers", copy=True
    )
    product_ids = fields.Many2many(
        "product.product",
        "rebate_agreement_product_rel",
        "agreement_id",
        "product_id",
        string="Products",
        check_company=True,
        tracking=True,
    )
    product_categ_ids = fields.Many2many(
        "product.category",
        "rebate_agreement_product_category_rel",
        "agreement_id",
        "categ_id",
        string="Product Categories",
        tracking=True,
        help="Products of these categories and of their child categories count.",
    )
    excluded_product_ids = fields.Many2many(
        "product.product",
        "rebate_agreement_excluded_product_rel",
        "agreement_id",
        "product_id",
        string="Excluded Products",
        check_company=True,
        tracking=True,
    )
    has_product_scope = fields.Boolean(
        compute="_compute_has_product_scope",
        store=True,
        help="Technical: products or categories restrict the agreement.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Credit Note Journal",
        compute="_compute_journal_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('type', '=', 'purchase' if rebate_type == 'vendor' else 'sale')]",
        check_company=True,
        tracking=True,
        help="Sales journal of the rebate credit notes; the company's first "
        "sales journal unless another is chosen.",
    )
    rebate_product_id = fields.Many2one(
        "product.product",
        default=_default_rebate_product,
        check_company=True,
        tracking=True,
        help="Service product of the credit-note lines: its income account and "
        "taxes apply, mapped by the customer's fiscal position.",
    )
    payment_condition = fields.Selection(
        [
            ("none", "None"),
            ("paid", "Paid"),
            ("paid_on_time", "Paid on time"),
        ],
        required=True,
        default="none",
        tracking=True,
        help="None: every invoice counts in full.\n"
        "Paid: an invoice counts by the share of it paid by the period close.\n"
        "Paid on time: by the share paid by its due date plus the grace days.\n"
        "Payments and credit notes reconciled with the invoice count as payment "
        "(the rebate's own credit notes do not); refunds always count in full. "
        "A period is settled once all its invoices are due, grace days included. "
        "Accruals at posting assume the invoices are paid on time.",
    )
    payment_grace_days = fields.Integer(
        string="Grace Days",
        tracking=True,
        help="Days after an invoice's due date within which its payment still "
        "counts as on time.",
    )
    payout_method = fields.Selection(
        [
            ("credit_note", "Credit note"),
            ("offset", "Offset against open invoices or bills"),
            ("bank", "Bank payment"),
        ],
        required=True,
        default="credit_note",
        tracking=True,
        help="How a rebate is paid out, once its credit note is posted.\n"
        "Credit note: the credit stays on the customer's account.\n"
        "Offset: the credit note is reconciled at once with the customer's "
        "oldest open invoices.\n"
        "Bank payment: the customer is paid the credit note from the payout "
        "journal.\n"
        "On a vendor agreement the document is the supplier's vendor refund, "
        "offset against its open bills or received in the payout journal.\n"
        "A claw-back invoice is always left for the customer to pay.",
    )
    payout_journal_id = fields.Many2one(
        "account.journal",
        domain="[('type', '=', 'bank')]",
        check_company=True,
        tracking=True,
        help="The bank journal the rebates are paid from (bank payment).",
    )
    state = fields.Selection(
        AGREEMENT_STATES,
        string="Status",
        required=True,
        default="draft",
        copy=False,
        tracking=True,
        index=True,
    )
    approved_by_id = fields.Many2one(
        "res.users", readonly=True, copy=False, tracking=True
    )
    approved_date = fields.Datetime(string="Approved On", readonly=True, copy=False)
    version = fields.Integer(default=1, readonly=True, copy=False)
    previous_version_id = fields.Many2one(
        "rebate.agreement",
        string="Previous Version",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    next_version_ids = fields.One2many(
        "rebate.agreement", "previous_version_id", string="Next Versions"
    )
    accrual_ids = fields.One2many("rebate.accrual", "agreement_id", string="Accruals")
    settlement_ids = fields.One2many(
        "rebate.settlement", "agreement_id", string="Settlements"
    )
    overlap_agreement_ids = fields.Many2many(
        "rebate.agreement",
        string="Overlapping Agreements",
        compute="_compute_overlap_agreement_ids",
        help="Agreements to approve or active of the same customer whose dates "
        "and products meet this one's: an invoice line several agreements "
        "match counts for each, unless one is exclusive or they share a "
        "stacking group.",
    )
    can_write = fields.Boolean(
        compute="_compute_can_write",
        help="Technical: the current user may change this agreement.",
    )
    accrual_count = fields.Integer(compute="_compute_counts")
    settlement_count = fields.Integer(compute="_compute_counts")
    invoice_count = fields.Integer(compute="_compute_counts")
    accrued_amount = fields.Monetary(
        string="Accrued", compute="_compute_counts", currency_field="currency_id"
    )

    @api.depends_context("uid")
    def _compute_can_write(self):
        writable = self._origin._filtered_access("write")
        for agreement in self:
            agreement.can_write = not agreement._origin or agreement._origin in writable

    @api.depends("partner_id")
    def _compute_user_id(self):
        """The customer's salesperson, as Odoo Sales fills an order's."""
        for agreement in self:
            partner = agreement.partner_id
            salesperson = partner.user_id or partner.commercial_partner_id.user_id
            if salesperson:
                agreement.user_id = salesperson
            elif not agreement.user_id:
                agreement.user_id = self.env.user

    @api.depends("company_id")
    def _compute_journal_id(self):
        defaults = {}  # (company, journal type): looked up once
        for agreement in self:
            company = agreement.company_id
            journal = agreement.journal_id.sudo()
            journal_type = agreement._get_document_journal_type()
            if not company or (
                journal
                and journal.company_id in company.parent_ids
                and journal.type == journal_type
            ):
                continue
            if (company, journal_type) not in defaults:
                defaults[company, journal_type] = self._get_default_journal(
                    company, journal_type
                )
            agreement.journal_id = defaults[company, journal_type]

    @api.depends("product_ids", "product_categ_ids")
    def _compute_has_product_scope(self):
        for agreement in self:
            agreement.has_product_scope = bool(
                agreement.product_ids or agreement.product_categ_ids
            )

    @api.depends("accrual_ids.amount", "settlement_ids")
    def _compute_counts(self):
        """Accruals, accrued amount and invoices counted; settlements that
        matter (a rebate or a document: not the periods closed at zero)."""
        groups = self.env["rebate.accrual"]._read_group(
            [("agreement_id", "in", self.ids)],
            ["agreement_id"],
            ["__count", "amount:sum", "move_id:count_distinct"],
        )
        accruals = {ag: (count, amount, moves) for ag, count, amount, moves in groups}
        Settlement = self.env["rebate.settlement"]
        settlements = dict(
            Settlement._read_group(
                [("agreement_id", "in", self.ids), *Settlement._domain_not_empty()],
                ["agreement_id"],
                ["__count"],
            )
        )
        for agreement in self:
            count, amount, moves = accruals.get(agreement, (0, 0.0, 0))
            agreement.accrual_count = count
            agreement.accrued_amount = amount
            agreement.invoice_count = moves
            agreement.settlement_count = settlements.get(agreement, 0)

    @api.depends(
        "commercial_partner_id",
        "member_ids.partner_id",
        "rebate_type",
        "company_id",
        "date_start",
        "date_end",
        "product_ids",
        "product_categ_ids",
    )
    def _compute_overlap_agreement_ids(self):
        """Other agreements, to approve or active, of the same customer whose
        dates and products meet these: the same invoice lines accrue on each."""
        overlaps = self._get_overlapping()
        for agreement in self:
            agreement.overlap_agreement_ids = overlaps[agreement]

    @api.constrains("basis")
    def _check_tier_rates(self):
        self.tier_ids._check_threshold_rate()

    @api.model
    def _selection_settlement_period(self):
        return self._fields["period"]._description_selection(self.env)

    @api.constrains("period", "settlement_period")
    def _check_settlement_period(self):
        for agreement in self.filtered("settlement_period"):
            months = self._get_period_months(agreement.period)
            settlement_months = self._get_period_months(agreement.settlement_period)
            if settlement_months > months or months % settlement_months:
                labels = dict(self._selection_settlement_period())
                raise ValidationError(
                    self.env._(
                        "Agreement %(name)s cannot be settled every %(settled)s on "
                        "tiers measured by %(period)s: the settlement period must "
                        "be no longer than the period and divide it.",
                        name=agreement.name,
                        settled=labels[agreement.settlement_period].lower(),
                        period=labels[agreement.period].lower(),
                    )
                )

    @api.constrains("payment_grace_days")
    def _check_payment_grace_days(self):
        for agreement in self:
            if agreement.payment_grace_days < 0:
                raise ValidationError(
                    self.env._(
                        "The grace days of agreement %(name)s cannot be negative.",
                        name=agreement.name,
                    )
                )

    @api.constrains("journal_id")
    def _check_journal(self):
        """The documents' journal carries them: a sales journal for a
        customer's credit notes and claw-back invoices."""
        for agreement in self:
            journal_type = agreement._get_document_journal_type()
            journal = agreement.sudo().journal_id
            if journal and journal.type != journal_type:
                raise ValidationError(
                    self.env._(
                        "Agreement %(name)s cannot issue its documents in journal "
                        "%(journal)s: choose a %(type)s journal.",
                        name=agreement.name,
                        journal=journal.display_name,
                        type=dict(
                            journal._fields["type"]._description_selection(self.env)
                        )[journal_type],
                    )
                )

    def _get_document_journal_type(self):
        """The type of journal the agreement's documents are issued in: a
        sales journal for a customer's credit notes and claw-back invoices."""
        return "sale"

    @api.constrains("payout_method", "payout_journal_id")
    def _check_payout_journal(self):
        for agreement in self.filtered(lambda a: a.payout_method == "bank"):
            if agreement.sudo().payout_journal_id.type != "bank":
                raise ValidationError(
                    self.env._(
                        "Agreement %(name)s pays its rebates by bank: choose the "
                        "bank journal they are paid from.",
                        name=agreement.name,
                    )
                )

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for agreement in self:
            if agreement.date_end < agreement.date_start:
                raise ValidationError(
                    self.env._(
                        "The end date of rebate agreement %(name)s cannot be "
                        "before its start date.",
                        name=agreement.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_rebate_workflow_vals(vals_list, create=True)
        self._check_own_customers(
            [vals["partner_id"] for vals in vals_list if vals.get("partner_id")]
        )
        return super(RebateAgreement, self._quiet_without_email()).create(vals_list)

    def write(self, vals):
        self._check_rebate_workflow_vals([vals])
        if self._get_term_fields().intersection(vals):
            # who may not write at all hears so before hearing of the lock
            self.check_access("write")
            self._prepare_terms_change()
        if vals.get("partner_id"):
            self._check_own_customers([vals["partner_id"]])
        return super(RebateAgreement, self._quiet_without_email()).write(vals)

    def _quiet_without_email(self):
        """These records, without the "assigned to you" mail to the
        salesperson when the user has no address to send it from: saving an
        agreement never depends on the user's email."""
        if self.env.user.email:
            return self
        return self.with_context(mail_auto_subscribe_no_notify=True)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        for agreement in self:
            if agreement.accrual_ids or agreement.settlement_ids:
                raise UserError(
                    self.env._(
                        "Rebate agreement %(name)s has accruals or settlements and "
                        "cannot be deleted; cancel it instead.",
                        name=agreement.name,
                    )
                )

    def action_open_amend_wizard(self):
        self.ensure_one()
        return wizard_action(
            self.env._("Amend Agreement"),
            "rebate.agreement.amend.wizard",
            {"default_agreement_id": self.id},
        )

    def action_view_versions(self):
        self.ensure_one()
        return list_action(self.env._("Versions"), self._get_all_versions())

    def action_recompute_accruals(self):
        """Rebuild the accruals of active agreements from the posted documents."""
        self._check_rebate_group(
            "group_rebate_accountant", self.env._("recompute accruals")
        )
        active = self.filtered(lambda a: a.state == "active")
        accruals = active._rebuild_accruals()
        if active:
            message = self.env._(
                "Accruals rebuilt from the posted documents: %(count)s accrual(s) "
                "for %(agreements)s.",
                count=len(accruals),
                agreements=", ".join(active.mapped("display_name")),
            )
        else:
            message = self.env._("Nothing to recompute: only active agreements accrue.")
        return notification_action(
            self.env._("Recompute Accruals"),
            message,
            "success" if active else "info",
            soft_reload_action(),
        )

    def action_close_periods(self):
        """Settle the ended periods of these agreements (button and server
        action) and say what was closed."""
        today = fields.Date.context_today(self)
        settlements = self.env["rebate.settlement"].close_periods(
            today, agreements=self
        )
        return settlements._action_notify_closed(self, today)

    def action_view_accruals(self):
        self.ensure_one()
        return xml_action(
            self.env,
            "rebate_management.rebate_accrual_action",
            [("agreement_id", "=", self.id)],
            {"default_agreement_id": self.id},
        )

    def action_view_settlements(self):
        self.ensure_one()
        action = self.settlement_ids._action_open(self.env._("Settlements"))
        action["domain"] = [("agreement_id", "=", self.id)]
        action["context"] = {
            "default_agreement_id": self.id,
            "create": False,
            "search_default_not_empty": 1,
        }
        return action

    def action_view_invoices(self):
        self.ensure_one()
        vendor = self.rebate_type == "vendor"
        xmlid = (
            "account.action_move_in_invoice_type"
            if vendor
            else "account.action_move_out_invoice_type"
        )
        action = xml_action(
            self.env,
            xmlid,
            [("id", "in", self.accrual_ids.move_id.ids)],
            {
                "default_move_type": "in_invoice" if vendor else "out_invoice",
                "create": False,
            },
        )
        action["help"] = self.env._(
            "<p class='o_view_nocontent_empty_folder'>No invoice counted yet</p>"
            "<p>Posted invoices and refunds of this agreement's customer and "
            "products show here once the agreement is active.</p>"
        )
        return action

    # Business methods

    def _get_rebate_workflow_fields(self):
        return super()._get_rebate_workflow_fields() | {
            "state",
            "approved_by_id",
            "approved_date",
            "version",
            "previous_version_id",
            # computed and read by the engine's SQL: never set by hand
            "commercial_partner_id",
            "has_product_scope",
            "template_id",
            "tier_amount_type",
        }

    def _rebuild_accruals(self, periods=None):
        """Rebuild the accruals of these agreements from the posted documents
        (see rebate.accrual._rebuild)."""
        return self.env["rebate.accrual"]._rebuild(self, periods)
