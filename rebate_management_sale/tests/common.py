# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged

from odoo.addons.rebate_management.tests.common import RebateCommon


@tagged("post_install", "-at_install")
class RebateSaleCommon(RebateCommon):
    """The core's customers, products and helpers, and a rebate balance
    account (a current liability) in the test company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.balance_account = cls.env["account.account"].create(
            {
                "name": "Customer Rebate Balances",
                "code": "RBB001",
                "account_type": "liability_current",
            }
        )
        cls.env.company.rebate_balance_account_id = cls.balance_account
        cls.income_account = cls.rebate_product.property_account_income_id or (
            cls.rebate_product.categ_id.property_account_income_categ_id
        )

    def _settle(self, agreement, date_to):
        """Close ``agreement``'s periods to ``date_to``, approve and pay the
        settlements out; the settlements."""
        settlements = self.env["rebate.settlement"].close_periods(
            date_to, agreements=agreement
        )
        settlements.action_approve()
        settlements.action_create_credit_note()
        return settlements

    def _account_balance(self, partner, account=None):
        """The balance of ``account`` (the rebate balance account by
        default) for ``partner``, credit positive, from posted items."""
        lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", (account or self.balance_account).id),
                ("partner_id", "=", partner.id),
                ("parent_state", "=", "posted"),
            ]
        )
        return -sum(lines.mapped("balance"))

    def _entry_lines(self, move):
        """(account id, partner id, debit, credit) of each line of ``move``,
        sorted."""
        return sorted(
            (line.account_id.id, line.partner_id.id, line.debit, line.credit)
            for line in move.line_ids
        )
