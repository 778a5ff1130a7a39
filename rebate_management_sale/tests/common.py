# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.rebate_management.tests.common import RebateCommon


@tagged("post_install", "-at_install")
class RebateSaleCommon(RebateCommon):
    """The core's customers, products and helpers, and a rebate balance
    account (a current liability) in the test company."""

    @classmethod
    def get_default_groups(cls):
        """The test user's groups, with a sales manager's: Odoo 18's had them
        by default, Odoo 19's has the accounting ones only."""
        sales_manager = cls.env.ref("sales_team.group_sale_manager")
        return super().get_default_groups() | sales_manager

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

    @classmethod
    def _settle(cls, agreement, date_to):
        """Close ``agreement``'s periods to ``date_to``, approve and pay the
        settlements out; the settlements."""
        settlements = cls.env["rebate.settlement"].close_periods(
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

    @classmethod
    def _credit_balance(cls, validity=12, rate=10.0):
        """An agreement of cls.customer paid in balance, 2,000 invoiced in
        Q1 2025, settled and paid out on 10 April 2025: a credit of 200 at
        10 %. The settlement."""
        agreement = cls._create_agreement(
            [(0.0, rate)], payout_method="balance", balance_validity_months=validity
        )
        cls._create_invoice([(cls.product_x, 20, 100.0)], date="2025-02-10")
        with freeze_time("2025-04-10"):
            return cls._settle(agreement, "2025-03-31")

    @classmethod
    def _create_order(cls, lines, partner=None, **vals):
        """A quotation of ``partner`` (cls.customer) with ``lines``:
        (product, quantity, unit price[, taxes]); without taxes, the
        product's."""
        return cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.customer).id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": line[0].id,
                            "product_uom_qty": line[1],
                            "price_unit": line[2],
                            **(
                                {"tax_id": [Command.set(line[3].ids)]}
                                if len(line) > 3
                                else {}
                            ),
                        }
                    )
                    for line in lines
                ],
                **vals,
            }
        )
