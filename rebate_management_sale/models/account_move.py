# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft)
        deducting = posted.filtered(lambda move: move._get_balance_deduction_lines())
        if deducting:
            deducting.filtered(
                lambda move: move.move_type == "out_invoice"
            )._spend_rebate_balance()
            deducting.filtered(
                lambda move: move.move_type == "out_refund"
            )._give_back_rebate_balance()
        return posted

    def button_draft(self):
        """A deduction's invoice back to draft: its orders hold the balance
        again (or give it back, if cancelled); a refund's give-back is
        undone."""
        debits = self._get_rebate_balance_debits()
        result = super().button_draft()
        spent = debits.filtered(lambda debit: debit.kind == "spend")
        held = spent.filtered(lambda debit: debit.sale_order_id.state == "sale")
        held.write({"state": "reserved", "move_id": False})
        (spent - held).write({"state": "cancelled"})
        (debits - spent).write({"state": "cancelled"})
        return result

    def _get_balance_deduction_lines(self):
        """The lines that draw on a rebate or goods balance (not the
        discounts of rebate points and coupons, which Loyalty keeps)."""
        return self.line_ids.filtered(
            lambda line: line.is_rebate_deduction
            and line.rebate_deduction_kind != "loyalty"
        )

    def _get_rebate_balance_debits(self):
        return (
            self.env["rebate.balance.debit"]
            .sudo()
            .search([("move_id", "in", self.ids), ("state", "=", "done")])
        )

    def _spend_rebate_balance(self):
        """The posted invoices spend what their orders held."""
        Debit = self.env["rebate.balance.debit"].sudo()
        orders = self._get_balance_deduction_lines().sale_line_ids.order_id
        reserved = Debit.search(
            [("sale_order_id", "in", orders.ids), ("state", "=", "reserved")]
        )
        for move in self:
            spent = reserved.filtered_domain(
                [("sale_order_id", "in", move.line_ids.sale_line_ids.order_id.ids)]
            )
            spent.write({"state": "done", "move_id": move.id})

    def _give_back_rebate_balance(self):
        """A posted refund gives back to the credits its invoice spent, in
        proportion to what each gave, the deduction it reverses."""
        Debit = self.env["rebate.balance.debit"].sudo()
        vals_list = []
        for refund in self:
            amount = sum(
                abs(line.balance) for line in refund._get_balance_deduction_lines()
            )
            spent = Debit.search(
                [
                    ("move_id", "=", refund.reversed_entry_id.id),
                    ("kind", "=", "spend"),
                    ("state", "=", "done"),
                ]
            )
            vals_list += refund._prepare_give_back_vals(spent, amount)
        Debit.create(vals_list)

    def _prepare_give_back_vals(self, spent, amount):
        self.ensure_one()
        total = sum(spent.mapped("amount"))
        if not spent or not total:
            return []
        currency = self.company_id.currency_id
        vals_list = []
        left = amount
        for index, debit in enumerate(spent):
            share = (
                left
                if index == len(spent) - 1
                else currency.round(amount * debit.amount / total)
            )
            left -= share
            vals_list.append(
                {
                    "credit_id": debit.credit_id.id,
                    "kind": "refund",
                    "state": "done",
                    "date": self.date,
                    "amount": -share,
                    "sale_order_id": debit.sale_order_id.id,
                    "move_id": self.id,
                }
            )
        return vals_list
