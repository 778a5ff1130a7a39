# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import integrator_api, list_action

# A settlement's states, also those of the analysis report's settlements.
SETTLEMENT_STATES = [
    ("draft", "Draft"),
    ("approved", "Approved"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
]
# Which period of which agreement a settlement settles.
PERIOD_FIELDS = (
    "agreement_id",
    "partner_id",
    "company_id",
    "currency_id",
    "date_from",
    "date_to",
)
# What an approved settlement pays: frozen once approved.
LOCKED_FIELDS = (
    *PERIOD_FIELDS,
    "base_total",
    "base_forfeited",
    "base_cumulative",
    "rebate_previous",
    "penalty_total",
    "invoice_count",
    "rebate_withheld",
    "base_last_days",
    "base_prior",
    "adjustment_total",
    "is_adjustment",
    "rebate_total",
    "accrued_total",
)


class RebateSettlement(models.Model):
    _name = "rebate.settlement"
    _description = "Rebate Settlement"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "rebate.workflow.mixin",
    ]
    _order = "date_to desc, id desc"
    # whoever reads a settlement may discuss it in its chatter
    _mail_post_access = "read"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    agreement_id = fields.Many2one(
        "rebate.agreement",
        required=True,
        readonly=True,
        ondelete="restrict",
        index=True,
        check_company=True,
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    user_id = fields.Many2one(related="agreement_id.user_id", string="Salesperson")
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    date_from = fields.Date(string="Period Start", required=True, readonly=True)
    date_to = fields.Date(string="Period End", required=True, readonly=True)
    base_total = fields.Float(
        string="Base",
        digits="Product Price",
        readonly=True,
        help="Base of the period computed from the source invoices and refunds.",
    )
    base_last_days = fields.Float(
        string="Base of the Last Days",
        digits="Product Price",
        readonly=True,
        help="The base of the documents dated in the last days of the period "
        "(the company's Surge Alert Days), measured for the surge alert when "
        "that check is on.",
    )
    base_forfeited = fields.Float(
        digits="Product Price",
        readonly=True,
        help="Payment condition: the base of the period's invoices that did not "
        "count, for want of payment (on time).",
    )
    base_cumulative = fields.Float(
        string="Base to Date",
        digits="Product Price",
        readonly=True,
        help="Interim settlement: the base of the tier period from its start to "
        "the end of this settlement, on which the tiers are applied.",
    )
    rebate_previous = fields.Monetary(
        string="Settled Before",
        readonly=True,
        help="Interim settlement: the rebate of the earlier settlements of the "
        "same tier period, deducted from the rebate of the base to date.",
    )
    rebate_total = fields.Monetary(
        string="Rebate",
        readonly=True,
        tracking=True,
        help="Rebate of the period computed afresh from the source documents "
        "(for an interim settlement: the rebate of the base to date less what "
        "was settled before).",
    )
    adjustment_total = fields.Monetary(
        string="Late Documents",
        readonly=True,
        help="The change late documents make to the rebate of periods settled "
        "before (posted after their settlement was approved), included in the "
        "rebate.",
    )
    is_adjustment = fields.Boolean(
        string="Adjustment",
        readonly=True,
        help="A settlement of late documents only, for an agreement without a "
        "later period to carry them.",
    )
    late_accrual_ids = fields.One2many(
        "rebate.accrual",
        "adjustment_settlement_id",
        string="Late Documents Carried",
        readonly=True,
    )

    is_interim = fields.Boolean(
        compute="_compute_is_interim",
        help="Technical: the agreement settles its tier periods in parts.",
    )
    accrued_total = fields.Monetary(
        string="Accrued",
        readonly=True,
        help="What the period's accruals added up to when the settlement was computed.",
    )
    state = fields.Selection(
        SETTLEMENT_STATES,
        string="Status",
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    computed_by_id = fields.Many2one(
        "res.users",
        readonly=True,
        copy=False,
        default=lambda self: self.env.user,
        help="Who created or last recomputed the settlement.",
    )
    approved_by_id = fields.Many2one(
        "res.users", readonly=True, copy=False, tracking=True
    )
    approved_date = fields.Datetime(string="Approved On", readonly=True, copy=False)
    accrual_ids = fields.Many2many(
        "rebate.accrual",
        compute="_compute_accrual_ids",
        string="Accruals",
        help="The accruals of the agreement in the period.",
    )
    is_negative = fields.Boolean(compute="_compute_is_negative")

    _sql_constraints = [
        (
            "period_check",
            "CHECK (date_to >= date_from)",
            "A settlement period cannot end before it starts.",
        ),
    ]

    def init(self):
        # One live settlement per agreement and period: concurrent closes
        # cannot both insert one.
        self.env.cr.execute(
            """
            DROP INDEX IF EXISTS rebate_settlement_agreement_period_uniq
            """
        )
        # (adjustment settlements of late documents share their period)
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS rebate_settlement_agreement_period_live
                ON rebate_settlement (agreement_id, date_from)
             WHERE state != 'cancelled' AND is_adjustment IS NOT TRUE
            """
        )

    @api.depends(
        "agreement_id.accrual_ids", "date_from", "date_to", "state", "late_accrual_ids"
    )
    def _compute_accrual_ids(self):
        live = self.filtered(lambda s: s.state != "cancelled")
        if not live:
            self.accrual_ids = False
            return
        accruals = self.env["rebate.accrual"].search(
            [
                ("agreement_id", "in", live.agreement_id.ids),
                ("date", ">=", min(live.mapped("date_from"), default=False)),
                ("date", "<=", max(live.mapped("date_to"), default=False)),
            ],
            order="date, move_id, id",
        )
        by_agreement = defaultdict(list)
        for accrual in accruals:
            by_agreement[accrual.agreement_id.id].append(accrual)
        for settlement in self:
            if settlement not in live:
                settlement.accrual_ids = []
            elif settlement.is_adjustment:
                settlement.accrual_ids = settlement.late_accrual_ids
            else:
                # its period's documents, but those posted after it was
                # approved (carried by a later settlement)
                settlement.accrual_ids = [
                    accrual.id
                    for accrual in by_agreement.get(settlement.agreement_id.id, [])
                    if settlement.date_from <= accrual.date <= settlement.date_to
                    and not accrual.late_settlement_id
                ]

    @api.depends("agreement_id.period", "agreement_id.settlement_period")
    def _compute_is_interim(self):
        for settlement in self:
            agreement = settlement.agreement_id
            settlement.is_interim = bool(
                agreement.settlement_period
                and agreement.settlement_period != agreement.period
            )

    @api.depends("rebate_total", "currency_id")
    def _compute_is_negative(self):
        for settlement in self:
            settlement.is_negative = (
                settlement.currency_id.compare_amounts(settlement.rebate_total, 0) < 0
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self._is_rebate_workflow():
            self.check_access("create")
            raise UserError(
                self.env._(
                    "Rebate settlements are created by closing the periods of "
                    "active agreements (Close Ended Periods), not by hand."
                )
            )
        unnamed = [vals for vals in vals_list if vals.get("name", "/") == "/"]
        for vals, name in zip(unnamed, self._next_names(len(unnamed)), strict=True):
            vals["name"] = name
        return super().create(vals_list)

    def write(self, vals):
        self._check_rebate_workflow_vals([vals])
        if "state" in vals:
            # a cancelled settlement lets go of its accruals (see
            # rebate.accrual._compute_settlement_id)
            self.env["rebate.accrual"].invalidate_model(["settlement_id"])
        if set(LOCKED_FIELDS).intersection(vals):
            locked = self.filtered(lambda s: s.state in ("approved", "done"))
            if locked:
                raise UserError(
                    self.env._(
                        "Settlement %(name)s is approved: its period and amounts "
                        "can no longer be changed.",
                        name=locked[0].name,
                    )
                )
        return super().write(vals)

    def _get_rebate_workflow_fields(self):
        return super()._get_rebate_workflow_fields() | {
            *LOCKED_FIELDS,
            "name",
            "state",
            "computed_by_id",
            "approved_by_id",
            "approved_date",
            "document_id",
            "payout_payment_id",
            "hold_release_reason",
            "hold_released_by_id",
            "hold_released_date",
            "hold_released_move_ids",
            "has_alerts",
            "alerts_acknowledged_by_id",
            "alerts_acknowledged_date",
            "alerts_acknowledgement_note",
        }

    @api.ondelete(at_uninstall=False)
    def _unlink_except_not_draft(self):
        if any(s.state not in ("draft", "cancelled") for s in self):
            raise UserError(
                self.env._("Only draft or cancelled settlements can be deleted.")
            )

    @integrator_api
    def action_approve(self):
        self._check_accountant(self.env._("approve settlements"))
        four_eyes = self.filtered(
            lambda s: s.company_id.rebate_four_eyes
            and s.computed_by_id == self.env.user
        )
        if four_eyes:
            raise UserError(
                self.env._(
                    "Settlement %(name)s was computed by you: with the four-eyes "
                    "rule of %(company)s, another accountant must approve it.",
                    name=four_eyes[0].name,
                    company=four_eyes[0].company_id.name,
                )
            )
        for settlement in self:
            if settlement.state != "draft":
                raise UserError(
                    self.env._(
                        "Settlement %(name)s is %(state)s; only draft settlements "
                        "can be approved.",
                        name=settlement.name,
                        state=dict(
                            settlement._fields["state"]._description_selection(self.env)
                        )[settlement.state],
                    )
                )
        self._check_earlier_parts_approved()
        self._check_credit_hold()
        self._check_alerts_acknowledged()
        # a document posted meanwhile waits for the approval, or is seen by it
        self.env["rebate.accrual"]._lock_agreements(self.agreement_id)
        self._check_up_to_date()
        self._write_workflow(
            {
                "state": "approved",
                "approved_by_id": self.env.user.id,
                "approved_date": fields.Datetime.now(),
            }
        )
        return True

    @integrator_api
    def action_recompute(self):
        self._check_accountant(self.env._("recompute settlements"))
        if any(s.state != "draft" for s in self):
            raise UserError(self.env._("Only draft settlements can be recomputed."))
        self._recompute_totals()
        return True

    @integrator_api
    def action_cancel(self):
        """Cancel settlements made by mistake, so that their periods close
        again: drafts, approved ones, and done ones without a document (a
        period closed at zero). One with a document is undone by reversing
        the document. An agreement closed by the cancelled settlement of its
        last period is active again."""
        self._check_accountant(self.env._("cancel settlements"))
        issued = self.filtered(lambda s: s.state == "done" and s._get_documents())
        if issued:
            raise UserError(
                self.env._(
                    "Settlement %(name)s has its document %(document)s: it cannot "
                    "be cancelled; reverse the document instead.",
                    name=issued[0].name,
                    document=", ".join(
                        issued[0]._get_documents().mapped("display_name")
                    ),
                )
            )
        self._check_no_later_part()
        self._check_late_documents_not_paid()
        self._rebate_workflow().write({"state": "cancelled"})
        self._reopen_agreements()
        return True

    def _reopen_agreements(self):
        """Make active again the closed agreements of these cancelled
        settlements whose last period they settled: that period closes
        again."""
        agreements = self.filtered(
            lambda s: not s.is_adjustment and s.date_to == s.agreement_id.date_end
        ).agreement_id.filtered(lambda a: a.state == "closed")
        if agreements:
            # (the accountant's right, as closing them is: not a change of terms)
            agreements.sudo()._rebate_workflow().write({"state": "active"})

    def _check_late_documents_not_paid(self):
        """A settlement whose late documents were carried into a settlement
        approved or paid since stays: cancelled, it would settle its period
        again with them, and they would count twice."""
        carried = (
            self.env["rebate.accrual"]
            .sudo()
            .search(
                [
                    ("late_settlement_id", "in", self.ids),
                    ("adjustment_settlement_id.state", "in", ("approved", "done")),
                ]
            )
        )
        if carried:
            raise UserError(
                self.env._(
                    "Settlement %(name)s cannot be cancelled: documents posted after "
                    "its approval were counted in %(carrier)s, approved since.",
                    name=carried[0].late_settlement_id.name,
                    carrier=", ".join(carried.adjustment_settlement_id.mapped("name")),
                )
            )

    def _interim_neighbours(self, domain):
        """(interim settlement, its tier period (start, end), the other
        settlements of ``domain`` of its agreement and tier period) for those
        of these settlements that are interim parts."""
        interim = self.filtered("is_interim")
        if not interim:
            return []
        tier_period = interim.agreement_id._period_finder()
        others = self.search(
            [
                ("agreement_id", "in", interim.agreement_id.ids),
                ("id", "not in", self.ids),
                ("is_adjustment", "=", False),
                *domain,
            ]
        )
        result = []
        for settlement in interim:
            start, end = tier_period(settlement.agreement_id.id, settlement.date_from)
            result.append(
                (
                    settlement,
                    (start, end),
                    others.filtered(
                        lambda other, s=settlement, start=start, end=end: (
                            other.agreement_id == s.agreement_id
                            and start <= other.date_from <= end
                        )
                    ),
                )
            )
        return result

    def _check_earlier_parts_approved(self):
        """An interim settlement is approved after the earlier parts of its
        tier period (or with them): its amount deducts theirs."""
        for settlement, _period, drafts in self._interim_neighbours(
            [("state", "=", "draft")]
        ):
            earlier = drafts.filtered(
                lambda o, s=settlement: o.date_from < s.date_from
            ).sorted("date_from")
            if earlier:
                raise UserError(
                    self.env._(
                        "Approve %(earlier)s first: settlement %(name)s deducts "
                        "what the earlier parts of its period settle.",
                        earlier=", ".join(earlier.mapped("name")),
                        name=settlement.name,
                    )
                )

    def _check_no_later_part(self):
        """An interim settlement is computed on those before it in its tier
        period: it is cancelled only after the later ones, so that closing
        again settles each part once, in order."""
        for settlement, _period, live in self._interim_neighbours(
            [("state", "!=", "cancelled")]
        ):
            blocking = live.filtered(lambda o, s=settlement: o.date_from > s.date_to)
            if blocking:
                raise UserError(
                    self.env._(
                        "Settlement %(name)s is followed by %(later)s in the same "
                        "tier period, which was computed on it: cancel %(later)s "
                        "first.",
                        name=settlement.name,
                        later=", ".join(blocking.mapped("name")),
                    )
                )

    # Business methods

    @api.model
    def _check_accountant(self, action):
        self.env["rebate.agreement"]._check_rebate_group(
            "group_rebate_accountant", action
        )

    @api.model
    def _domain_not_empty(self):
        """Settlements that matter: a rebate, or a document. A period closed at
        zero without a document stays on record (it was closed) but is left
        out of counts and, by default, of the list."""
        return ["|", ("rebate_total", "!=", 0.0), ("document_id", "!=", False)]

    def _action_open(self, name):
        # views given (see tools/actions.py): the action may travel as a
        # notification's "next"
        action = list_action(name, self)
        if len(self) == 1:
            action.update(view_mode="form", views=[(False, "form")], res_id=self.id)
        return action
