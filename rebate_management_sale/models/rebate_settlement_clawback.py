# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import Command, models


class RebateSettlement(models.Model):
    """A claw-back of an agreement paid in balance: taken back from what
    is left of the customer's balance first, the rest invoiced."""

    _inherit = "rebate.settlement"

    def _prepare_document_vals(self):
        """What the balance still holds is taken back (a balance entry when
        it covers the claw-back); the rest is the core's claw-back invoice,
        which shows the part taken from the balance as a deduction line."""
        self.ensure_one()
        if not (self.is_negative and self.agreement_id._pays_into_balance()):
            return super()._prepare_document_vals()
        owed = -self.rebate_total
        taken = min(self._get_clawback_available(), owed)
        if self.currency_id.is_zero(taken):
            return super()._prepare_document_vals()
        if self.currency_id.compare_amounts(taken, owed) >= 0:
            return self._prepare_balance_entry_vals()
        vals = super()._prepare_document_vals()
        vals["invoice_line_ids"].append(
            Command.create(self._prepare_clawback_deduction_vals(taken))
        )
        return vals

    def _get_clawback_available(self):
        """What the customer's balance holds now, its credits locked until
        the claw-back is written (in the settlement's currency, which must
        be the company's for a balance)."""
        self.ensure_one()
        credits = (
            self.env["rebate.balance.credit"]
            .sudo()
            ._lock_available(
                self._get_balance_partner(),
                self.company_id,
                self.agreement_id._get_balance_kind(),
            )
        )
        return sum(credits.mapped("amount_available"))

    def _prepare_clawback_deduction_vals(self, amount):
        """The part taken from the balance, off the claw-back invoice, with
        the rebate's own taxes: the balance was credited untaxed, so only
        the invoiced rest bears tax."""
        product = self.env.ref("rebate_management_sale.product_rebate_balance")
        rebate_product = self.agreement_id.rebate_product_id
        fiscal_position = self.env["account.fiscal.position"]._get_fiscal_position(
            self._get_balance_partner()
        )
        taxes = fiscal_position.map_tax(
            rebate_product.taxes_id._filter_taxes_by_company(self.company_id)
        )
        return {
            "product_id": product.id,
            "name": self._get_customer_env()._("Taken back from your rebate balance"),
            "quantity": 1.0,
            "price_unit": -amount,
            "tax_ids": [Command.set(taxes.ids)],
            "account_id": self.company_id._get_rebate_balance_account().id,
            "is_rebate_deduction": True,
            "rebate_deduction_kind": self.agreement_id._get_balance_kind(),
        }

    def _pay_out(self):
        result = super()._pay_out()
        self.filtered(
            lambda s: s.is_negative and s.agreement_id._pays_into_balance()
        )._take_back_balance()
        return result

    def _take_back_balance(self):
        """Debit the credits (expiring first first) with what each
        claw-back's document took from the balance account."""
        Credit = self.env["rebate.balance.credit"].sudo()
        vals_list = []
        for settlement in self:
            taken = settlement._get_clawback_taken()
            if settlement.currency_id.is_zero(taken):
                continue
            credits = Credit._lock_available(
                settlement._get_balance_partner(),
                settlement.company_id,
                settlement.agreement_id._get_balance_kind(),
            )
            vals_list += settlement._prepare_clawback_debit_vals(credits, taken)
        self.env["rebate.balance.debit"].sudo().create(vals_list)

    def _get_clawback_taken(self):
        """What the claw-back's document debited the balance account."""
        self.ensure_one()
        account = self.company_id.rebate_balance_account_id
        lines = self.document_id.line_ids.filtered(
            lambda line: line.account_id == account
        )
        return sum(lines.mapped("balance"))

    def _prepare_clawback_debit_vals(self, credits, amount):
        self.ensure_one()
        return [
            {
                "credit_id": credit.id,
                "kind": "clawback",
                "state": "done",
                "date": self.document_id.date,
                "amount": part,
                "move_id": self.document_id.id,
                "settlement_id": self.id,
            }
            for credit, part in credits._allocate(amount)
        ]
