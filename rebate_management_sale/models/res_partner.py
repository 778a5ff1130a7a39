# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    rebate_balance = fields.Monetary(
        compute="_compute_rebate_balance",
        currency_field="rebate_balance_currency_id",
        groups="rebate_management.group_rebate_user",
        help="What the customer may spend now of its rebate balance, in the "
        "current company's currency.",
    )
    rebate_balance_currency_id = fields.Many2one(
        "res.currency", compute="_compute_rebate_balance"
    )

    def _compute_rebate_balance(self):
        company = self.env.company
        available = self._get_rebate_balances(company, "balance")
        for partner in self:
            partner.rebate_balance_currency_id = company.currency_id
            partner.rebate_balance = available.get(
                partner.commercial_partner_id.id, 0.0
            )

    def _get_rebate_balances(self, company, kind):
        """{commercial partner id: available amount} of these partners'
        open credits of ``kind`` in ``company``, in one query."""
        groups = (
            self.env["rebate.balance.credit"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "=", company.id),
                    ("kind", "=", kind),
                    ("state", "=", "open"),
                    "|",
                    ("date_expiry", "=", False),
                    ("date_expiry", ">=", fields.Date.context_today(self)),
                ],
                ["partner_id"],
                ["amount_available:sum"],
            )
        )
        return {partner.id: amount for partner, amount in groups}
