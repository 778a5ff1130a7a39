# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.rebate_management.tests.common import RebateHttpMixin

from .common import RebateSaleCommon


@tagged("post_install", "-at_install")
class TestRebateBalanceTours(RebateHttpMixin, RebateSaleCommon, HttpCase):
    """The rebate balance walked in a real browser, as each role would: the
    customer's salesperson spends it on a quotation and changes the
    quantity (the deduction follows within the cap); the customer's portal
    user reads it on /my/rebates. Each walk leaves a screenshot of its
    last screen in the screenshots directory (balance_quotation.png,
    balance_portal.png). The tours run today: the balance expires in 2028."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        # at most 10 % of an order: the deduction depends on the order
        company.rebate_balance_cap_percent = 10.0
        company.rebate_balance_cap_amount = 0.0
        # passwords equal to the logins: start_tour logs in that way
        cls.seller = new_test_user(
            cls.env,
            login="tour_balance_seller",
            name="Sasha Seller",
            groups="base.group_user,sales_team.group_sale_salesman,"
            "rebate_management.group_rebate_user",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
            email="seller@example.com",
        )
        cls.customer.user_id = cls.seller
        buyer = cls.env["res.partner"].create(
            {
                "name": "Balance Buyer",
                "parent_id": cls.customer.id,
                "email": "balance.buyer@example.com",
            }
        )
        new_test_user(
            cls.env,
            login="tour_balance_portal",
            name="Balance Buyer",
            groups="base.group_portal",
            partner_id=buyer.id,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        # 10 % of 2,000 invoiced in the first quarter: 200 into the balance,
        # paid out on 2025-04-10, to spend for three years
        cls.credit = cls._credit_balance(validity=36).balance_credit_ids
        # Product X at its list price, 100: the price a new quantity gives it
        cls.quotation = cls._create_order(
            [(cls.product_x, 10, 100.0)], user_id=cls.seller.id
        )

    def test_walks_of_each_role(self):
        self._require_browser()
        self.assertEqual(self.credit.date, fields.Date.to_date("2025-04-10"))
        self.assertEqual(self.credit.date_expiry, fields.Date.to_date("2028-04-09"))
        self.assertAlmostEqual(self.credit.amount, 200.0)
        # 1. the salesperson uses the balance on the quotation, then sells 15
        self._tour(
            f"/odoo/sales/{self.quotation.id}",
            "rebate_balance_salesperson_tour",
            "tour_balance_seller",
            "balance_quotation",
        )
        order = self.quotation
        order.invalidate_recordset()
        goods = order.order_line.filtered(lambda line: not line.is_rebate_deduction)
        deduction = order.order_line.filtered("is_rebate_deduction")
        self.assertEqual(order.state, "draft")
        self.assertEqual(goods.product_uom_qty, 15.0)
        self.assertAlmostEqual(goods.price_unit, 100.0)
        # 10 % of 1,500, with the goods' taxes: the VAT base falls with it
        self.assertAlmostEqual(order.rebate_balance_amount, 150.0)
        self.assertEqual(len(deduction), 1)
        self.assertAlmostEqual(deduction.price_unit, -150.0)
        self.assertAlmostEqual(deduction.price_subtotal, -150.0)
        self.assertEqual(deduction.tax_id, self.product_x.taxes_id)
        self.assertEqual(deduction.tax_id, goods.tax_id)
        self.assertAlmostEqual(order.amount_untaxed, 1350.0)
        self.assertAlmostEqual(
            order.amount_tax, 1350.0 * self.product_x.taxes_id.amount / 100.0
        )
        self.assertAlmostEqual(order.rebate_balance_available, 50.0)
        # 2. the customer reads its balance, untouched by a quotation
        self._tour(
            "/my/rebates",
            "rebate_balance_portal_tour",
            "tour_balance_portal",
            "balance_portal",
        )
        self.assertAlmostEqual(self.credit.amount_available, 200.0)
