# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command, fields, models


class RebateSettlement(models.Model):
    _inherit = "rebate.settlement"

    balance_credit_ids = fields.One2many(
        "rebate.balance.credit",
        "settlement_id",
        string="Balance Credits",
        readonly=True,
    )
    pays_into_balance = fields.Boolean(
        compute="_compute_pays_into_balance",
        help="The agreement pays its rebates into the customer's balance.",
    )
    balance_debit_ids = fields.One2many(
        "rebate.balance.debit",
        "settlement_id",
        string="Taken Back from the Balance",
        readonly=True,
    )

    def _compute_pays_into_balance(self):
        for settlement in self:
            settlement.pays_into_balance = settlement.agreement_id._pays_into_balance()

    def _prepare_document_vals(self):
        """A rebate paid into a balance is a journal entry: the rebate
        charged as a credit note would charge it, against the company's
        rebate balance account (a liability), for the customer."""
        self.ensure_one()
        if self.is_negative or not self.agreement_id._pays_into_balance():
            return super()._prepare_document_vals()
        return self._prepare_balance_entry_vals()

    def _prepare_balance_entry_vals(self):
        """The journal entry of a settlement paid into the balance, or of a
        claw-back taken back from it whole: the document's lines on their
        accounts (charged, or for a claw-back given back), against the
        balance account."""
        self.ensure_one()
        date = fields.Date.context_today(self)
        sign = -1.0 if self.is_negative else 1.0
        lines = [
            self._prepare_balance_charge_line_vals(vals, date, sign)
            for vals in self._prepare_document_line_vals()
        ]
        lines.append(self._prepare_balance_liability_line_vals(lines))
        return {
            "move_type": "entry",
            "company_id": self.company_id.id,
            "journal_id": self._get_balance_journal().id,
            "currency_id": self.currency_id.id,
            "date": date,
            "ref": self._get_document_label(),
            "rebate_settlement_id": self.id,
            "line_ids": [Command.create(vals) for vals in lines],
        }

    def _get_balance_journal(self):
        """The journal of the balance's entries: the company's first
        miscellaneous journal (an entry in the sales journal would take an
        invoice number), else the agreement's."""
        self.ensure_one()
        Journal = self.env["account.journal"].sudo()
        journal = Journal.search(
            [*Journal._check_company_domain(self.company_id), ("type", "=", "general")],
            limit=1,
        )
        return journal or self.agreement_id.journal_id

    def _get_balance_partner(self):
        """Whose balance the rebate goes to: the customer's commercial
        entity."""
        self.ensure_one()
        return self.agreement_id.partner_id.commercial_partner_id

    def _prepare_balance_charge_line_vals(self, document_line, date, sign=1.0):
        """A line of the document (the rebate, or the penalty taken from
        it) as an entry line on the account its product books to for this
        customer, in the settlement's currency."""
        partner = self._get_balance_partner()
        product = self.env["product.product"].browse(document_line["product_id"])
        fiscal_position = self.env["account.fiscal.position"]._get_fiscal_position(
            partner
        )
        accounts = product.product_tmpl_id.get_product_accounts(
            fiscal_pos=fiscal_position
        )
        amount = sign * document_line["price_unit"] * document_line["quantity"]
        return {
            "name": document_line["name"],
            "partner_id": partner.id,
            "account_id": accounts["income"].id,
            "currency_id": self.currency_id.id,
            "amount_currency": amount,
            "balance": self.currency_id._convert(
                amount, self.company_id.currency_id, self.company_id, date
            ),
        }

    def _prepare_balance_liability_line_vals(self, charge_lines):
        """The balance account's line: the sum of the charges, credited."""
        return {
            "name": self._get_document_label(),
            "partner_id": self._get_balance_partner().id,
            "account_id": self.company_id._get_rebate_balance_account().id,
            "currency_id": self.currency_id.id,
            "amount_currency": -sum(line["amount_currency"] for line in charge_lines),
            "balance": -sum(line["balance"] for line in charge_lines),
        }

    def _pay_out_balance(self):
        """The posted entries credit the customers' balances: a credit of
        each settlement, for what its entry credited the balance account."""
        self.env["rebate.balance.credit"].sudo().create(
            [settlement._prepare_balance_credit_vals() for settlement in self]
        )

    def _pay_out_goods(self):
        """A goods rebate credits the customer's goods balance, as a rebate
        balance is credited (the credit's kind says which)."""
        self._pay_out_balance()

    def _prepare_balance_credit_vals(self):
        self.ensure_one()
        move = self.document_id
        account = self.company_id.rebate_balance_account_id
        held = move.line_ids.filtered(lambda line: line.account_id == account)
        charged = (move.line_ids - held).filtered(lambda line: line.balance > 0)
        return {
            "settlement_id": self.id,
            "partner_id": self._get_balance_partner().id,
            "company_id": self.company_id.id,
            "kind": self.agreement_id._get_balance_kind(),
            "date": move.date,
            "date_expiry": self.agreement_id._get_balance_expiry(move.date),
            "amount": -sum(held.mapped("balance")),
            "move_id": move.id,
            "account_id": account.id,
            "release_account_id": charged[:1].account_id.id,
        }

    def _get_statement_template(self):
        """A rebate paid into the balance is mailed as such."""
        self.ensure_one()
        if self.sudo().balance_credit_ids:
            template = self.env.ref(
                "rebate_management_sale.mail_template_settlement_statement_balance",
                raise_if_not_found=False,
            )
            if template:
                return template
        return super()._get_statement_template()
