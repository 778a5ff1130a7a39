# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date, formatLang

from ..tools import wizard_action


class RebateSettlementReward(models.Model):
    """Rewards and penalties on ``rebate.settlement``: the penalty of a
    commitment not met, the rebate withheld for too few invoices, and the
    credit hold that keeps a rebate from a customer with overdue invoices
    unless a sales manager releases it."""

    _inherit = "rebate.settlement"

    # the settlement's currency (rebate.settlement defines it)
    penalty_total = fields.Monetary(
        string="Penalty",
        readonly=True,
        help="What the customer owes for falling short of the committed base, "
        "deducted from the rebate.",
    )
    invoice_count = fields.Integer(
        string="Invoices",
        readonly=True,
        help="Minimum invoices: the customer invoices counted in the period "
        "(for an interim settlement, in its tier period to date).",
    )
    rebate_withheld = fields.Boolean(
        readonly=True,
        help="Fewer invoices than the agreement's minimum: the period earns no "
        "rebate.",
    )
    reward_note = fields.Char(
        compute="_compute_reward_note",
        help="Why the rebate is less than the tiers give: the minimum invoices "
        "not met, a commitment not met.",
    )
    hold_release_reason = fields.Text(readonly=True, copy=False)
    hold_released_by_id = fields.Many2one(
        "res.users", string="Hold Released By", readonly=True, copy=False
    )
    hold_released_date = fields.Datetime(
        string="Hold Released On", readonly=True, copy=False
    )
    hold_released_move_ids = fields.Many2many(
        "account.move",
        "rebate_settlement_hold_released_move_rel",
        "settlement_id",
        "move_id",
        string="Overdue Invoices Released",
        readonly=True,
        copy=False,
        help="The overdue invoices the hold was released for; another invoice "
        "falling overdue holds the settlement again.",
    )
    credit_hold_move_ids = fields.Many2many(
        "account.move",
        string="Overdue Invoices",
        compute="_compute_credit_hold",
        groups="account.group_account_invoice",
        help="Credit hold: the customer's invoices overdue beyond the company's "
        "limit that keep this rebate from being approved or paid out.",
    )
    credit_hold_note = fields.Text(
        compute="_compute_credit_hold",
        help="Credit hold: which overdue invoices keep this rebate from being "
        "approved or paid out.",
    )

    @api.depends("rebate_withheld", "invoice_count", "penalty_total")
    def _compute_reward_note(self):
        for settlement in self:
            notes = []
            terms = settlement.agreement_id
            if settlement.rebate_withheld:
                notes.append(
                    self.env._(
                        "No rebate: %(count)s invoice(s) in the period, fewer than "
                        "the %(minimum)s the agreement asks.",
                        count=settlement.invoice_count,
                        minimum=terms.min_invoice_count,
                    )
                )
            if not settlement.currency_id.is_zero(settlement.penalty_total):
                notes.append(
                    self.env._(
                        "Penalty of %(penalty)s: the base, %(base)s, fell short "
                        "of the committed %(commitment)s.",
                        penalty=formatLang(
                            self.env,
                            settlement.penalty_total,
                            currency_obj=settlement.currency_id,
                        ),
                        base=formatLang(self.env, settlement.base_cumulative),
                        commitment=formatLang(self.env, terms.commitment_base),
                    )
                )
            settlement.reward_note = " ".join(notes)

    @api.depends("partner_id", "state", "rebate_total", "hold_released_move_ids")
    def _compute_credit_hold(self):
        overdue = self._get_overdue_invoices()
        invoicing = self.env.user.has_group("account.group_account_invoice")
        for settlement in self:
            moves = overdue.get(settlement, self.env["account.move"])
            settlement.credit_hold_note = (
                settlement._describe_credit_hold(moves) if moves else False
            )
            if invoicing:
                settlement.credit_hold_move_ids = moves

    def action_release_hold(self, reason):
        """A sales manager releases the credit hold of a settlement, for the
        invoices overdue now, with a reason: kept on the settlement and in its
        chatter."""
        self.ensure_one()
        self.env["rebate.agreement"]._check_rebate_group(
            "group_rebate_manager", self.env._("release credit holds")
        )
        reason = (reason or "").strip()
        if not reason:
            raise UserError(
                self.env._(
                    "Say why the credit hold of %(name)s is released.",
                    name=self.name,
                )
            )
        if self.state not in ("draft", "approved"):
            raise UserError(
                self.env._(
                    "Only a settlement still to pay out has a credit hold to "
                    "release (%(name)s is not).",
                    name=self.name,
                )
            )
        overdue = self._get_overdue_invoices().get(self)
        if not overdue:
            raise UserError(
                self.env._("Settlement %(name)s is not on credit hold.", name=self.name)
            )
        # a sales manager does not write settlements otherwise
        self.sudo()._rebate_workflow().write(
            {
                "hold_release_reason": reason,
                "hold_released_by_id": self.env.uid,
                "hold_released_date": fields.Datetime.now(),
                "hold_released_move_ids": [(6, 0, overdue.ids)],
            }
        )
        self._message_log(
            body=self.env._(
                "Credit hold released for %(invoices)s: %(reason)s",
                invoices=", ".join(overdue.mapped("name")),
                reason=reason,
            )
        )
        return True

    def action_open_release_hold_wizard(self):
        self.ensure_one()
        return wizard_action(
            self.env._("Release Credit Hold"),
            "rebate.settlement.release.hold",
            {"default_settlement_id": self.id},
        )

    def _check_credit_hold(self):
        """Refuse to approve or pay out a rebate while its customer has
        invoices overdue beyond the company's limit, but those a sales
        manager released the hold for."""
        for settlement, moves in self._get_overdue_invoices().items():
            raise UserError(settlement._describe_credit_hold(moves))

    def _describe_credit_hold(self, moves):
        """Why this settlement is on hold: its customer's overdue ``moves``."""
        self.ensure_one()
        lines = [
            self.env._(
                "%(invoice)s, due %(due)s, %(open)s open",
                invoice=move.name,
                due=format_date(self.env, move.invoice_date_due),
                open=formatLang(
                    self.env, move.amount_residual, currency_obj=move.currency_id
                ),
            )
            for move in moves.sudo()
        ]
        return self.env._(
            "Settlement %(name)s is on credit hold: %(customer)s has invoices "
            "overdue by more than %(days)s days:\n%(invoices)s\nHave them paid, or "
            "ask a sales manager to release the hold.",
            name=self.name,
            customer=self.partner_id.display_name,
            days=self.company_id.rebate_credit_hold_days,
            invoices="\n".join(lines),
        )

    def _get_overdue_invoices(self):
        """{settlement: its customer's posted invoices with an open amount
        more than the company's hold days past due, but those released} for
        those of these settlements a credit hold applies to: rebates (not
        claw-backs) to approve or pay out, in companies with a hold. One
        search for all of them."""
        held = self.filtered(
            lambda s: s.company_id.rebate_credit_hold_days > 0
            and s.state in ("draft", "approved")
            and s.currency_id.compare_amounts(s.rebate_total, 0.0) > 0
        )
        if not held:
            return {}
        today = fields.Date.context_today(self)
        shortest = min(held.company_id.mapped("rebate_credit_hold_days"))
        moves = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("amount_residual", ">", 0.0),
                    (
                        "commercial_partner_id",
                        "in",
                        held.partner_id.commercial_partner_id.ids,
                    ),
                    ("company_id", "in", held.company_id.ids),
                    ("invoice_date_due", "<", today - timedelta(days=shortest)),
                ],
                order="invoice_date_due, id",
            )
        )
        overdue = {}
        for settlement in held:
            days = settlement.company_id.rebate_credit_hold_days
            limit = today - timedelta(days=days)
            released = settlement.sudo().hold_released_move_ids
            own = moves.filtered(
                lambda m, s=settlement, limit=limit, released=released: (
                    m.company_id == s.company_id
                    and m.commercial_partner_id == s.partner_id.commercial_partner_id
                    and m.invoice_date_due < limit
                    and m not in released
                )
            )
            if own:
                overdue[settlement] = own
        return overdue
