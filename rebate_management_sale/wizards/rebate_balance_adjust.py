# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from markupsafe import Markup

from odoo import Command, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import formatLang


class RebateBalanceAdjust(models.TransientModel):
    """An accountant adjusts a customer's rebate balance by hand, saying
    why: a credit added, or an amount taken from what is left (credits
    expiring first first), each with its journal entry against an account
    the accountant chooses; the reason goes to the customer's chatter."""

    _name = "rebate.balance.adjust"
    _description = "Adjust a Rebate Balance"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        domain="[('parent_id', '=', False)]",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(
        required=True,
        help="Positive: added to the balance. Negative: taken from what is left "
        "of it.",
    )
    account_id = fields.Many2one(
        "account.account",
        string="Counterpart Account",
        required=True,
        check_company=True,
        help="The account the adjustment is charged to (an addition) or "
        "released to (a withdrawal).",
    )
    journal_id = fields.Many2one(
        "account.journal",
        required=True,
        check_company=True,
        domain="[('type', '=', 'general')]",
        default=lambda self: self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(self.env.company),
                ("type", "=", "general"),
            ],
            limit=1,
        ),
    )
    date_expiry = fields.Date(
        string="Expires On", help="An addition's last day (empty: never)."
    )
    reason = fields.Text(required=True)

    def action_adjust(self):
        self.ensure_one()
        self._check_adjustment()
        partner = self.partner_id.commercial_partner_id
        if self.currency_id.compare_amounts(self.amount, 0.0) > 0:
            record = self._add_credit(partner)
        else:
            record = self._take_from_balance(partner)
        self._log_adjustment(partner)
        return record

    def _check_adjustment(self):
        if not self.env.user.has_group("rebate_management.group_rebate_accountant"):
            raise AccessError(
                self.env._("Only a rebates accountant adjusts a rebate balance.")
            )
        if self.currency_id.is_zero(self.amount):
            raise UserError(self.env._("Enter the amount of the adjustment."))
        if not (self.reason or "").strip():
            raise UserError(self.env._("Say why the balance is adjusted."))
        self.company_id._get_rebate_balance_account()

    def _prepare_move_vals(self, partner, amount):
        """The entry of an adjustment of ``amount`` (positive: the balance
        account credited)."""
        label = self.env._("Rebate balance adjustment: %(reason)s", reason=self.reason)
        line = {"partner_id": partner.id, "name": label}
        return {
            "move_type": "entry",
            "company_id": self.company_id.id,
            "journal_id": self.journal_id.id,
            "date": fields.Date.context_today(self),
            "ref": label,
            "line_ids": [
                Command.create(
                    {
                        **line,
                        "account_id": self.company_id.rebate_balance_account_id.id,
                        "balance": -amount,
                    }
                ),
                Command.create(
                    {**line, "account_id": self.account_id.id, "balance": amount}
                ),
            ],
        }

    def _post_move(self, partner, amount):
        move = (
            self.env["account.move"]
            .sudo()
            .create(self._prepare_move_vals(partner, amount))
        )
        move.action_post()
        return move

    def _add_credit(self, partner):
        move = self._post_move(partner, self.amount)
        return (
            self.env["rebate.balance.credit"]
            .sudo()
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": self.company_id.id,
                    "kind": "balance",
                    "date": move.date,
                    "date_expiry": self.date_expiry,
                    "amount": self.amount,
                    "move_id": move.id,
                    "account_id": self.company_id.rebate_balance_account_id.id,
                    "release_account_id": self.account_id.id,
                    "note": self.reason,
                }
            )
        )

    def _take_from_balance(self, partner):
        wanted = -self.amount
        credits = (
            self.env["rebate.balance.credit"]
            .sudo()
            ._lock_available(partner, self.company_id, "balance")
        )
        available = sum(credits.mapped("amount_available"))
        if self.currency_id.compare_amounts(available, wanted) < 0:
            raise UserError(
                self.env._(
                    "%(customer)s has %(available)s left of its rebate balance: "
                    "%(amount)s cannot be taken from it.",
                    customer=partner.display_name,
                    available=formatLang(
                        self.env, available, currency_obj=self.currency_id
                    ),
                    amount=formatLang(self.env, wanted, currency_obj=self.currency_id),
                )
            )
        move = self._post_move(partner, self.amount)
        vals_list = [
            {
                "credit_id": credit.id,
                "kind": "adjust",
                "state": "done",
                "date": move.date,
                "amount": part,
                "move_id": move.id,
                "note": self.reason,
            }
            for credit, part in credits._allocate(wanted)
        ]
        return self.env["rebate.balance.debit"].sudo().create(vals_list)

    def _log_adjustment(self, partner):
        amount = formatLang(self.env, abs(self.amount), currency_obj=self.currency_id)
        # (the accountant may not write the contact: posted as superuser,
        # authored by the accountant)
        partner.sudo().message_post(
            author_id=self.env.user.partner_id.id,
            body=Markup("<p>%s</p><p>%s</p>")
            % (
                (
                    self.env._("Rebate balance: %(amount)s added.", amount=amount)
                    if self.amount > 0
                    else self.env._("Rebate balance: %(amount)s taken.", amount=amount)
                ),
                self.reason,
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
