# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    rebate_balance_account_id = fields.Many2one(
        "account.account",
        string="Rebate Balance Account",
        domain="[('account_type', 'in', ('liability_current', "
        "'liability_non_current'))]",
        check_company=True,
        help="The liability that holds what customers may still spend of "
        "their rebate and goods balances: credited when a settlement pays "
        "into a balance, debited when an order spends it or a credit "
        "expires.",
    )
    rebate_balance_cap_percent = fields.Float(
        string="Rebate Balance Cap (%)",
        help="At most this share of an order's eligible untaxed amount is "
        "paid with the rebate balance. 0: no cap.",
    )
    rebate_balance_cap_amount = fields.Monetary(
        string="Rebate Balance Cap per Order",
        currency_field="currency_id",
        help="At most this amount of an order is paid with the rebate balance. "
        "0: no cap.",
    )

    @api.constrains("rebate_balance_account_id")
    def _check_rebate_balance_account(self):
        liabilities = self._get_rebate_balance_account_types()
        for company in self.filtered("rebate_balance_account_id"):
            if company.rebate_balance_account_id.account_type not in liabilities:
                raise ValidationError(
                    self.env._(
                        "The rebate balance account of %(company)s must be a "
                        "liability account.",
                        company=company.name,
                    )
                )

    @api.model
    def _get_rebate_balance_account_types(self):
        """The account types a rebate balance account may have."""
        return ("liability_current", "liability_non_current")

    def _get_rebate_balance_account(self):
        """The company's rebate balance account; a clear error without one."""
        self.ensure_one()
        if not self.rebate_balance_account_id:
            raise ValidationError(
                self.env._(
                    "%(company)s has no rebate balance account: set the "
                    "liability that holds customers' rebate balances in the "
                    "settings (Accounting, Customer Rebates) before paying "
                    "rebates into a balance.",
                    company=self.name,
                )
            )
        return self.rebate_balance_account_id

    @api.constrains("rebate_balance_cap_percent", "rebate_balance_cap_amount")
    def _check_rebate_balance_caps(self):
        for company in self:
            _check_caps(
                self.env,
                company.rebate_balance_cap_percent,
                company.rebate_balance_cap_amount,
            )


def _check_caps(env, percent, amount):
    """Refuse a cap below 0, or a percent cap over 100 (the company's and a
    customer's own caps)."""
    if percent and not 0.0 <= percent <= 100.0:
        raise ValidationError(
            env._(
                "A rebate balance cap in percent must be between 0 and 100 "
                "(got %(percent)s).",
                percent=percent,
            )
        )
    if amount and amount < 0.0:
        raise ValidationError(
            env._(
                "A rebate balance cap per order cannot be negative (got "
                "%(amount)s).",
                amount=amount,
            )
        )
