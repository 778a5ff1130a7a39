# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.tools import SQL


class RebateBalanceCredit(models.Model):
    """A credit of a customer's rebate balance: what a settlement paid into
    it, until when it can be spent, and what is left of it. What leaves a
    credit (an order spending it, its expiry) is a rebate.balance.debit;
    the balance is kept in the books on the company's rebate balance
    account, a liability, and each credit and debit has its entry there."""

    _name = "rebate.balance.credit"
    _description = "Rebate Balance Credit"
    _order = "date_expiry asc nulls last, date, id"
    _check_company_auto = True

    settlement_id = fields.Many2one(
        "rebate.settlement",
        readonly=True,
        ondelete="restrict",
        index=True,
        check_company=True,
    )
    agreement_id = fields.Many2one(
        related="settlement_id.agreement_id", store=True, index=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        help="The commercial entity whose balance this is.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id", store=True)
    kind = fields.Selection(
        [("balance", "Rebate balance"), ("goods", "Goods balance")],
        required=True,
        readonly=True,
        default="balance",
    )
    date = fields.Date(string="Credited On", required=True, readonly=True)
    date_expiry = fields.Date(
        string="Expires On",
        readonly=True,
        help="The last day it can be spent. Empty: it never expires.",
    )
    amount = fields.Monetary(string="Credited", required=True, readonly=True)
    move_id = fields.Many2one(
        "account.move",
        string="Entry",
        readonly=True,
        check_company=True,
        help="The journal entry that credited the balance account.",
    )
    account_id = fields.Many2one(
        "account.account",
        string="Balance Account",
        required=True,
        readonly=True,
        help="The liability the credit is held on.",
    )
    release_account_id = fields.Many2one(
        "account.account",
        readonly=True,
        help="The account an expired remainder is released to: the one the "
        "rebate was charged to.",
    )
    note = fields.Text(
        readonly=True, help="Why an accountant added it by hand (no settlement)."
    )
    debit_ids = fields.One2many("rebate.balance.debit", "credit_id", readonly=True)
    amount_used = fields.Monetary(
        string="Used",
        compute="_compute_amounts",
        store=True,
        help="Spent on orders, expired or taken back.",
    )
    amount_available = fields.Monetary(
        string="Available", compute="_compute_amounts", store=True
    )
    state = fields.Selection(
        [("open", "Open"), ("used", "Used"), ("expired", "Expired")],
        compute="_compute_amounts",
        store=True,
        index=True,
    )

    @api.depends("amount", "debit_ids.amount", "debit_ids.kind", "debit_ids.state")
    def _compute_amounts(self):
        for credit in self:
            debits = credit.debit_ids.filtered(lambda d: d.state != "cancelled")
            used = sum(debits.mapped("amount"))
            credit.amount_used = used
            credit.amount_available = credit.currency_id.round(credit.amount - used)
            if credit.currency_id.compare_amounts(credit.amount_available, 0) > 0:
                credit.state = "open"
            elif "expiry" in debits.mapped("kind"):
                credit.state = "expired"
            else:
                credit.state = "used"

    @api.depends("settlement_id.name", "kind")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for credit in self:
            origin = credit.settlement_id.name or self.env._("adjustment")
            credit.display_name = f"{kinds[credit.kind]} {origin}"

    @api.model
    def _lock_available(self, partner, company, kind):
        """The credits of ``kind`` ``partner`` may spend today in
        ``company``, expiring first first, locked (FOR UPDATE) until the
        transaction ends and read afresh: an order spending them waits for
        another one spending them at the same time, then sees what it
        left."""
        today = fields.Date.context_today(self)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT id FROM rebate_balance_credit
                    WHERE partner_id = %s AND company_id = %s AND kind = %s
                      AND amount_available > 0
                      AND (date_expiry IS NULL OR date_expiry >= %s)
                    ORDER BY date_expiry ASC NULLS LAST, date, id
                      FOR UPDATE""",
                partner.id,
                company.id,
                kind,
                today,
            )
        )
        credits = self.browse([row[0] for row in self.env.cr.fetchall()])
        credits.invalidate_recordset()
        return credits

    def _allocate(self, amount):
        """[(credit, part)]: ``amount`` drawn on these credits in their
        order (the ones expiring first first), each for at most what it
        has left."""
        parts = []
        for credit in self:
            currency = credit.currency_id
            if currency.compare_amounts(amount, 0.0) <= 0:
                break
            part = currency.round(min(credit.amount_available, amount))
            if not currency.is_zero(part):
                parts.append((credit, part))
                amount -= part
        return parts

    @api.model
    def _get_expired_domain(self, date):
        """The credits with something left whose last day is before
        ``date``."""
        return [
            ("amount_available", ">", 0.0),
            ("date_expiry", "!=", False),
            ("date_expiry", "<", date),
        ]

    @api.model
    def _cron_expire_credits(self):
        """Release what is left of the credits whose last day has passed."""
        today = fields.Date.context_today(self)
        self.search(self._get_expired_domain(today))._expire()

    def _expire(self):
        """Release what is left of these credits: an entry of each, on its
        last day (or the first day the lock dates allow), debiting the
        balance account and crediting the account the rebate was charged
        to; then an expiry debit of each."""
        moves = (
            self.env["account.move"]
            .sudo()
            ._rebate_workflow()
            .create([credit._prepare_release_move_vals() for credit in self])
        )
        moves.action_post()
        self.env["rebate.balance.debit"].sudo().create(
            [
                credit._prepare_expiry_debit_vals(move)
                for credit, move in zip(self, moves, strict=True)
            ]
        )

    def _prepare_release_move_vals(self):
        self.ensure_one()
        journal = self.move_id.journal_id
        date = self._get_release_date(journal)
        label = self.env._(
            "Expired rebate balance %(settlement)s",
            settlement=self.settlement_id.name or self.display_name,
        )
        line = {"partner_id": self.partner_id.id, "name": label}
        return {
            "move_type": "entry",
            "company_id": self.company_id.id,
            "journal_id": journal.id,
            "date": date,
            "ref": label,
            "rebate_settlement_id": self.settlement_id.id,
            "line_ids": [
                Command.create(
                    {
                        **line,
                        "account_id": self.account_id.id,
                        "balance": self.amount_available,
                    }
                ),
                Command.create(
                    {
                        **line,
                        "account_id": self.release_account_id.id,
                        "balance": -self.amount_available,
                    }
                ),
            ],
        }

    def _get_release_date(self, journal):
        """The date of the release: the credit's last day, or the day after
        the lock dates that close it."""
        self.ensure_one()
        locks = self.company_id._get_violated_lock_dates(
            self.date_expiry, False, journal
        )
        if locks:
            return locks[-1][0] + timedelta(days=1)
        return self.date_expiry

    def _prepare_expiry_debit_vals(self, move):
        self.ensure_one()
        return {
            "credit_id": self.id,
            "kind": "expiry",
            "date": move.date,
            "amount": self.amount_available,
            "move_id": move.id,
        }
