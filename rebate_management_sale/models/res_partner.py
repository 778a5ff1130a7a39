# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import AccessError

from .res_company import _check_caps


class ResPartner(models.Model):
    _inherit = "res.partner"

    rebate_balance = fields.Monetary(
        compute="_compute_rebate_balance",
        currency_field="rebate_balance_currency_id",
        groups="rebate_management.group_rebate_user",
        help="What the customer may spend now of its rebate balance, in the "
        "current company's currency.",
    )
    rebate_goods_balance = fields.Monetary(
        compute="_compute_rebate_balance",
        currency_field="rebate_balance_currency_id",
        groups="rebate_management.group_rebate_user",
        help="What the customer may take now of its goods balance, as free units "
        "of its goods agreements' products, in the current company's currency.",
    )
    rebate_balance_currency_id = fields.Many2one(
        "res.currency", compute="_compute_rebate_balance"
    )

    rebate_balance_cap_percent = fields.Float(
        string="Own Rebate Balance Cap (%)",
        company_dependent=True,
        help="At most this share of the customer's order is paid with its rebate "
        "balance, in place of the company's cap. Empty: the company's.",
    )
    rebate_balance_cap_amount = fields.Float(
        string="Own Rebate Balance Cap per Order",
        company_dependent=True,
        digits="Product Price",
        help="At most this amount of the customer's order is paid with its "
        "rebate balance, in place of the company's cap. Empty: the company's.",
    )

    user_is_rebate_manager = fields.Boolean(compute="_compute_user_is_rebate_manager")

    def _compute_user_is_rebate_manager(self):
        self.user_is_rebate_manager = self.env.user.has_group(
            "rebate_management.group_rebate_manager"
        )

    @api.constrains("rebate_balance_cap_percent", "rebate_balance_cap_amount")
    def _check_rebate_balance_caps(self):
        for partner in self:
            _check_caps(
                self.env,
                partner.rebate_balance_cap_percent,
                partner.rebate_balance_cap_amount,
            )

    def write(self, vals):
        if {"rebate_balance_cap_percent", "rebate_balance_cap_amount"} & set(
            vals
        ) and not (
            self.env.su
            or self.env.user.has_group("rebate_management.group_rebate_manager")
        ):
            raise AccessError(
                self.env._(
                    "Only a rebates sales manager sets a customer's own rebate "
                    "balance caps."
                )
            )
        return super().write(vals)

    def _compute_rebate_balance(self):
        company = self.env.company
        balances = self._get_rebate_balances_by_kind(company)
        for partner in self:
            commercial = partner.commercial_partner_id.id
            partner.rebate_balance_currency_id = company.currency_id
            partner.rebate_balance = balances.get((commercial, "balance"), 0.0)
            partner.rebate_goods_balance = balances.get((commercial, "goods"), 0.0)

    def action_view_rebate_balance(self):
        """The credits of the customer's commercial entity."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "rebate_management_sale.rebate_balance_credit_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        return action

    def _get_rebate_balances(self, company, kind):
        """{commercial partner id: available amount} of these partners'
        open credits of ``kind`` in ``company``."""
        return {
            partner_id: amount
            for (partner_id, credit_kind), amount in self._get_rebate_balances_by_kind(
                company
            ).items()
            if credit_kind == kind
        }

    def _get_rebate_balances_by_kind(self, company):
        """{(commercial partner id, kind): available amount} of these
        partners' credits they may spend today in ``company``, in one
        query."""
        groups = (
            self.env["rebate.balance.credit"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "=", company.id),
                    ("state", "=", "open"),
                    "|",
                    ("date_expiry", "=", False),
                    ("date_expiry", ">=", fields.Date.context_today(self)),
                ],
                ["partner_id", "kind"],
                ["amount_available:sum"],
            )
        )
        return {(partner.id, kind): amount for partner, kind, amount in groups}
