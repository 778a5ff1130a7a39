# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import formatLang


class RebateAgreementGroup(models.Model):
    """Buying groups (``rebate.agreement``): an agreement that covers
    several customers, its head (the customer who signs) and its members.
    Their lines are pooled in one base, on which the tiers apply; the rebate
    goes to the head, or is split among the members by their share of the
    base (``rebate.settlement.share``)."""

    _inherit = "rebate.agreement"

    member_ids = fields.One2many(
        "rebate.agreement.member",
        "agreement_id",
        string="Members",
        copy=True,
        help="The customers buying with the head as one group: their invoices "
        "count in the agreement's base while they are members.",
    )
    is_buying_group = fields.Boolean(
        compute="_compute_is_buying_group",
        store=True,
        help="Technical: the agreement has members, read by the engine's SQL.",
    )
    group_payout = fields.Selection(
        [
            ("head", "To the head"),
            ("members", "Split among the members"),
        ],
        required=True,
        default="head",
        tracking=True,
        help="To the head: one document to the customer who signs.\n"
        "Split among the members: each member (the head included) gets its "
        "share of the rebate, by its share of the base, in a document of its "
        "own; the cent left by rounding goes to the largest share.",
    )
    member_min_base = fields.Float(
        string="Member Minimum Base",
        digits="Product Price",
        tracking=True,
        help="Split among the members: a member whose own base is below this "
        "gets nothing; its share is forfeited. 0: every member shares.",
    )

    @api.depends("member_ids")
    def _compute_is_buying_group(self):
        for agreement in self:
            agreement.is_buying_group = bool(agreement.member_ids)

    @api.constrains("member_min_base")
    def _check_member_min_base(self):
        for agreement in self:
            if agreement.member_min_base < 0:
                raise ValidationError(
                    self.env._(
                        "The member minimum base of %(name)s cannot be negative.",
                        name=agreement.name,
                    )
                )

    @api.constrains("group_payout", "payout_method")
    def _check_group_payout_method(self):
        methods = self._get_member_payout_methods()
        for agreement in self:
            if agreement.group_payout == "members" and (
                agreement.payout_method not in methods
            ):
                raise ValidationError(
                    self.env._(
                        "Agreement %(name)s splits its rebate among the members: "
                        "pay it by credit note, offset or bank payment (one "
                        "document per member).",
                        name=agreement.name,
                    )
                )

    @api.model
    def _get_member_payout_methods(self):
        """The payout methods a rebate split among the members is paid by:
        those that go on from a document per member."""
        return {"credit_note", "offset", "bank"}

    @api.model
    def _get_term_fields(self):
        return super()._get_term_fields() | {
            "member_ids",
            "group_payout",
            "member_min_base",
        }

    @api.model
    def _get_accrual_term_fields(self):
        return [
            *super()._get_accrual_term_fields(),
            "is_buying_group",
            "group_payout",
            "member_min_base",
        ]

    @api.model
    def _prepare_accrual_terms(self, values):
        terms = super()._prepare_accrual_terms(values)
        terms.is_buying_group = bool(values["is_buying_group"])
        terms.group_payout = values["group_payout"] or "head"
        terms.member_min_base = values["member_min_base"] or 0.0
        return terms

    def _get_rebate_workflow_fields(self):
        return super()._get_rebate_workflow_fields() | {"is_buying_group"}

    def _get_group_customers(self, day=None):
        """The customers (commercial entities) whose lines count: the head
        and the members (on ``day`` when given)."""
        self.ensure_one()
        members = self.member_ids
        if day:
            members = members.filtered(lambda m: m._is_member_on(day))
        return self.commercial_partner_id | members.partner_id

    # The portal: each customer's share, as far as the reader may see it

    def _get_portal_settlement_lines(self, settlement, terms):
        lines = super()._get_portal_settlement_lines(settlement, terms)
        return lines + self._get_portal_share_lines(settlement)

    def _get_portal_share_lines(self, settlement):
        """[(label, amount)] of the shares of a buying group's settlement the
        reader may see: every share for the head's users, its own for a
        member's (the record rules decide)."""
        env = self.env
        shares = env["rebate.settlement.share"].search(
            [("settlement_id", "=", settlement.id)]
        )
        lines = []
        for share in shares:
            values = {
                "customer": share.partner_id.sudo().display_name,
                "percent": formatLang(env, share.base_percent),
            }
            if share.amount_forfeited:
                label = env._(
                    "Share of %(customer)s (%(percent)s %% of the group's base): "
                    "forfeited, its base is below the member minimum",
                    **values,
                )
            else:
                label = env._(
                    "Share of %(customer)s (%(percent)s %% of the group's base)",
                    **values,
                )
            lines.append((label, self._format_amount(env, share.amount)))
        reader = env.user.partner_id.commercial_partner_id
        if (
            env.user.share
            and self.sudo().is_buying_group
            and reader != self.sudo().commercial_partner_id
            and reader not in shares.partner_id
        ):
            lines.append(
                (
                    env._("Your share: none, nothing of yours counted in the period"),
                    self._format_amount(env, 0.0),
                )
            )
        return lines
