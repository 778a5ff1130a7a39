# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import formatLang

from odoo.addons.rebate_management.tools import integrator_api


class SaleOrder(models.Model):
    _inherit = "sale.order"

    rebate_balance_available = fields.Monetary(
        string="Rebate Balance Left",
        compute="_compute_rebate_balance_available",
        currency_field="company_currency_id",
        help="What the customer's rebate balance keeps for other orders once "
        "this one has used its part.",
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    rebate_balance_amount = fields.Monetary(
        string="Rebate Balance Used",
        compute="_compute_rebate_balance_amount",
        store=True,
        help="What this order pays with the customer's rebate balance, untaxed.",
    )
    rebate_balance_debit_ids = fields.One2many(
        "rebate.balance.debit", "sale_order_id", string="Rebate Balance Debits"
    )

    @api.depends("partner_id", "company_id", "rebate_balance_amount")
    def _compute_rebate_balance_available(self):
        for order in self:
            order.rebate_balance_available = (
                order._get_rebate_balance_spendable() - order.rebate_balance_amount
            )

    def _get_rebate_balance_spendable(self, kind="balance"):
        """What this order may spend of its customer's balance of ``kind``:
        what the balance has left, and what the order holds of it already."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        available = partner._get_rebate_balances(self.company_id, kind).get(
            partner.id, 0.0
        )
        return available + self._get_own_held(kind)

    @api.depends("order_line.price_subtotal", "order_line.rebate_deduction_kind")
    def _compute_rebate_balance_amount(self):
        for order in self:
            order.rebate_balance_amount = order._get_deduction_total("balance")

    def _get_deduction_total(self, kind):
        """What the order's deduction lines of ``kind`` take off, untaxed."""
        self.ensure_one()
        deductions = self.order_line.filtered(
            lambda line: line.rebate_deduction_kind == kind
        )
        return -sum(deductions.mapped("price_subtotal"))

    @integrator_api
    def action_apply_rebate_balance(self):
        """Pay part of each order with its customer's rebate balance: at
        most the balance, the caps and the order's eligible untaxed amount,
        as one line per tax group. Applying again changes nothing unless
        the order, the balance or the caps did."""
        self.check_access("write")
        for order in self:
            order._check_rebate_balance_user()
            order._check_rebate_balance_applicable()
            order._apply_rebate_balance()
        return True

    def _check_rebate_balance_user(self):
        """A salesperson uses the balance of their own customers only: the
        company's salesperson (else the contact's, else the order's); rebate
        managers and accountants of any customer. Making oneself the
        salesperson of another's customer's order, or of a contact of it, is
        not enough."""
        self.ensure_one()
        user = self.env.user
        if (
            self.env.su
            or user.has_group("rebate_management.group_rebate_manager")
            or user.has_group("rebate_management.group_rebate_accountant")
        ):
            return
        partner = self.partner_id.commercial_partner_id
        owners = partner.user_id or self.partner_id.user_id or self.user_id
        if user not in owners:
            raise AccessError(
                self.env._(
                    "Only %(customer)s's salesperson uses its rebate balance on "
                    "order %(order)s.",
                    customer=partner.display_name,
                    order=self.name,
                )
            )

    def _refresh_rebate_balance(self):
        """The orders' lines changed: their deductions, if any, recomputed
        within the balance and the caps."""
        for order in self.filtered(lambda o: o.state in ("draft", "sent", "sale")):
            kinds = set(order.order_line.mapped("rebate_deduction_kind"))
            if "balance" in kinds:
                order._apply_rebate_balance()
            if "goods" in kinds:
                order._apply_goods_rebate()

    def _check_rebate_balance_applicable(self):
        self.ensure_one()
        if self.state not in ("draft", "sent", "sale"):
            raise UserError(
                self.env._(
                    "The rebate balance is used on quotations and confirmed orders, "
                    "not on order %(order)s.",
                    order=self.name,
                )
            )
        if self.currency_id != self.company_id.currency_id:
            raise UserError(
                self.env._(
                    "The rebate balance is kept in %(currency)s: order %(order)s "
                    "is in another currency.",
                    currency=self.company_id.currency_id.name,
                    order=self.name,
                )
            )
        self.company_id._get_rebate_balance_account()

    def _apply_rebate_balance(self):
        """Replace the order's deduction lines by the ones the balance and
        caps give now, unless they are the same; re-reserve a confirmed
        order's balance."""
        self.ensure_one()
        wanted = self._get_rebate_balance_split(self._get_rebate_balance_deduction())
        current = self.order_line.filtered(
            lambda line: line.rebate_deduction_kind == "balance"
        )
        if self._same_deductions(current, wanted):
            return
        order = self.with_context(rebate_balance_apply=True)
        order.write(
            {
                "order_line": [Command.unlink(line.id) for line in current]
                + [
                    Command.create(
                        order._prepare_rebate_balance_line_vals(taxes, amount)
                    )
                    for taxes, amount in wanted
                ]
            }
        )
        if self.state == "sale":
            self._cancel_reservations()
            self._reserve_rebate_balance()

    def _same_deductions(self, lines, wanted):
        have = sorted((tuple(line.tax_id.ids), -line.price_subtotal) for line in lines)
        want = sorted((tuple(taxes.ids), amount) for taxes, amount in wanted)
        return len(have) == len(want) and all(
            h[0] == w[0] and self.currency_id.is_zero(h[1] - w[1])
            for h, w in zip(have, want, strict=True)
        )

    def _get_rebate_balance_eligible_lines(self):
        """The lines the balance may pay part of: goods and services sold,
        not sections or notes, down payments, rewards or deductions."""
        return self.order_line.filtered(
            lambda line: not line.display_type
            and not line.is_downpayment
            and not line.is_rebate_deduction
            and not line.is_reward_line
            and line.price_subtotal > 0
        )

    def _get_rebate_balance_caps(self):
        """(cap in percent of the eligible amount, cap per order) for this
        order: the customer's own where a sales manager set them, the
        company's otherwise; 0 is no cap."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id.with_company(self.company_id)
        company = self.company_id
        return (
            partner.rebate_balance_cap_percent or company.rebate_balance_cap_percent,
            partner.rebate_balance_cap_amount or company.rebate_balance_cap_amount,
        )

    def _get_rebate_balance_deduction(self):
        """The untaxed amount the balance pays of this order."""
        self.ensure_one()
        currency = self.currency_id
        base = sum(self._get_rebate_balance_eligible_lines().mapped("price_subtotal"))
        amount = min(self._get_rebate_balance_spendable(), base)
        cap_percent, cap_amount = self._get_rebate_balance_caps()
        if cap_percent:
            amount = min(amount, currency.round(base * cap_percent / 100.0))
        if cap_amount:
            amount = min(amount, cap_amount)
        return max(currency.round(amount), 0.0)

    def _get_own_held(self, kind="balance"):
        """What this order holds of the balance of ``kind`` already:
        reserved on confirmation, or spent by its invoices (less what their
        refunds gave back)."""
        self.ensure_one()
        debits = self.sudo().rebate_balance_debit_ids.filtered(
            lambda d: d.state != "cancelled"
            and d.kind in ("spend", "refund")
            and d.credit_id.kind == kind
        )
        return sum(debits.mapped("amount"))

    def _get_rebate_balance_split(self, amount):
        """[(taxes, amount)]: ``amount`` shared among the eligible lines'
        tax groups in proportion to their untaxed amounts, the last group
        taking the rounding remainder."""
        self.ensure_one()
        if not amount:
            return []
        groups = defaultdict(float)
        taxes_by_key = {}
        for line in self._get_rebate_balance_eligible_lines():
            key = tuple(sorted(line.tax_id.ids))
            groups[key] += line.price_subtotal
            taxes_by_key[key] = line.tax_id
        base = sum(groups.values())
        split = []
        left = amount
        keys = sorted(groups)
        for index, key in enumerate(keys):
            share = (
                left
                if index == len(keys) - 1
                else self.currency_id.round(amount * groups[key] / base)
            )
            left -= share
            split.append((taxes_by_key[key], share))
        return split

    def _prepare_rebate_balance_line_vals(self, taxes, amount):
        product = self.env.ref("rebate_management_sale.product_rebate_balance")
        label = self.env._("Rebate balance")
        if len(taxes):
            label = self.env._(
                "Rebate balance (%(taxes)s)", taxes=", ".join(taxes.mapped("name"))
            )
        return {
            "is_rebate_deduction": True,
            "rebate_deduction_kind": "balance",
            "product_id": product.id,
            "name": label,
            "product_uom_qty": 1.0,
            "price_unit": -amount,
            "tax_id": [Command.set(taxes.ids)],
            "sequence": 10000,
        }

    def _get_update_prices_lines(self):
        return (
            super()
            ._get_update_prices_lines()
            .filtered(lambda line: not line.is_rebate_deduction)
        )

    # Reservation: a confirmed order holds its deduction on the customer's
    # credits, the ones expiring first first; its invoice spends it; a
    # cancelled order returns it.

    def action_confirm(self):
        self.filtered(
            lambda o: o.rebate_balance_amount or o.rebate_goods_amount
        )._reserve_rebate_balance()
        return super().action_confirm()

    def _action_cancel(self):
        result = super()._action_cancel()
        self._cancel_reservations()
        return result

    def _reserve_rebate_balance(self):
        """Hold each order's deduction on its customer's credits, locked
        first: two orders spending one balance at once never overdraw it."""
        Credit = self.env["rebate.balance.credit"].sudo()
        vals_list = []
        for order, kind in (
            (order, kind) for order in self for kind in ("balance", "goods")
        ):
            need = order._get_deduction_total(kind) - order._get_own_held(kind)
            if order.currency_id.compare_amounts(need, 0.0) <= 0:
                continue
            partner = order.partner_id.commercial_partner_id
            credits = Credit._lock_available(partner, order.company_id, kind)
            available = sum(credits.mapped("amount_available"))
            if order.currency_id.compare_amounts(available, need) < 0:
                raise UserError(
                    self.env._(
                        "%(customer)s has %(available)s left of its rebate balance, "
                        "less than the %(amount)s order %(order)s uses: use the "
                        "balance again on the order.",
                        customer=partner.display_name,
                        available=formatLang(
                            self.env, available, currency_obj=order.company_currency_id
                        ),
                        amount=formatLang(
                            self.env, need, currency_obj=order.company_currency_id
                        ),
                        order=order.name,
                    )
                )
            vals_list += order._prepare_reserve_vals(credits, need)
        self.env["rebate.balance.debit"].sudo().create(vals_list)

    def _prepare_reserve_vals(self, credits, need):
        self.ensure_one()
        today = fields.Date.context_today(self)
        return [
            {
                "credit_id": credit.id,
                "kind": "spend",
                "state": "reserved",
                "date": today,
                "amount": part,
                "sale_order_id": self.id,
            }
            for credit, part in credits._allocate(need)
        ]

    def _cancel_reservations(self):
        """Give back what these orders hold of their customers' balances."""
        reserved = self.sudo().rebate_balance_debit_ids.filtered(
            lambda debit: debit.state == "reserved"
        )
        reserved.write({"state": "cancelled"})
