# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from xmlrpc.client import Fault

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.rebate_management.tests.common import RebateHttpMixin

from .common import RebateSaleCommon


@tagged("post_install", "-at_install")
class TestRebateBalanceRoles(RebateSaleCommon, HttpCase, RebateHttpMixin):
    """Who applies a balance and who sets a customer's own caps, through
    the action, a plain write and XML-RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company

        def seller(login, *groups):
            return new_test_user(
                cls.env,
                login=login,
                password=f"{login}-pass",
                groups=",".join(("base.group_user", *groups)),
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
            )

        # salespeople edit their contacts (Contact Creation), as usual
        salesman = "sales_team.group_sale_salesman,base.group_partner_manager"
        cls.seller = seller(
            "bal_seller", salesman, "rebate_management.group_rebate_user"
        )
        cls.other_seller = seller(
            "bal_other_seller", salesman, "rebate_management.group_rebate_user"
        )
        cls.manager = seller(
            "bal_manager", salesman, "rebate_management.group_rebate_manager"
        )
        cls.customer.user_id = cls.seller
        cls._credit_balance(validity=0)
        cls.order = cls._create_order(
            [(cls.product_z, 10, 100.0)], user_id=cls.seller.id
        )

    def test_salesperson_applies_on_own_orders_only(self):
        with self.assertRaises(AccessError):
            self.order.with_user(self.other_seller).action_apply_rebate_balance()
        self.assertFalse(self.order.rebate_balance_amount)
        self.order.with_user(self.seller).action_apply_rebate_balance()
        self.assertAlmostEqual(self.order.rebate_balance_amount, 200.0)

    def test_salesperson_of_all_orders_still_uses_own_customers_only(self):
        """With Sales' "All Documents" a salesperson writes any order, but
        spends only their own customers' balances."""
        all_docs = self._create_rebate_user("bal_all_docs", "group_rebate_user")
        all_docs.groups_id = [
            Command.link(self.env.ref("sales_team.group_sale_salesman_all_leads").id)
        ]
        with self.assertRaisesText(AccessError, "salesperson uses its rebate balance"):
            self.order.with_user(all_docs).action_apply_rebate_balance()
        self.assertFalse(self.order.rebate_balance_amount)

    def test_another_customers_balance_is_not_used(self):
        order = self._create_order(
            [(self.product_z, 10, 100.0)], partner=self.other_customer
        )
        order.action_apply_rebate_balance()
        self.assertFalse(order.order_line.filtered("is_rebate_deduction"))
        self.assertAlmostEqual(order.rebate_balance_amount, 0.0)

    def test_over_xmlrpc(self):
        with self.assertRaises(Fault):
            self._call(
                self.other_seller,
                "sale.order",
                "action_apply_rebate_balance",
                [self.order.id],
            )
        self._call(
            self.seller, "sale.order", "action_apply_rebate_balance", [self.order.id]
        )
        self.order.invalidate_recordset()
        deduction = self.order.order_line.filtered("is_rebate_deduction")
        self.assertAlmostEqual(deduction.price_unit, -200.0)
        # the deduction's amount is not written by hand, over RPC either
        with self.assertRaises(Fault) as capture:
            self._call(
                self.seller,
                "sale.order.line",
                "write",
                [deduction.id],
                {"price_unit": -900.0},
            )
        self.assertIn("cannot be written by hand", capture.exception.faultString)
        with self.assertRaises(Fault):
            self._call(
                self.seller,
                "sale.order",
                "write",
                [self.order.id],
                {
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": deduction.product_id.id,
                                "price_unit": -900.0,
                                "is_rebate_deduction": True,
                            },
                        )
                    ]
                },
            )
        deduction.invalidate_recordset()
        self.assertAlmostEqual(self.order.rebate_balance_amount, 200.0)

    def test_only_managers_set_a_customers_caps(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.seller).rebate_balance_cap_percent = 50.0
        with self.assertRaises(Fault):
            self._call(
                self.seller,
                "res.partner",
                "write",
                [self.customer.id],
                {"rebate_balance_cap_amount": 10000.0},
            )
        self.customer.with_user(self.manager).rebate_balance_cap_percent = 5.0
        self.order.with_user(self.seller).action_apply_rebate_balance()
        # the customer's 5 % of 1,000 replaces the company's (no cap)
        self.assertAlmostEqual(self.order.rebate_balance_amount, 50.0)


@tagged("post_install", "-at_install")
class TestRebateBalancePortal(RebateSaleCommon, HttpCase):
    """The customer reads its balance, each credit's expiry and where it
    went on /my/rebates; another customer reads none of it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.settlement = cls._credit_balance()
        cls._create_portal_user("bal_portal_own", cls.customer_contact)
        cls._create_portal_user("bal_portal_other", cls.other_customer)

    def _page(self, login):
        self.authenticate(login, f"{login}-pass")
        response = self.url_open("/my/rebates")
        self.assertEqual(response.status_code, 200)
        return response.text

    @freeze_time("2025-05-02")
    def test_customer_sees_its_balance(self):
        order = self._create_order([(self.product_z, 10, 100.0)])
        order.action_apply_rebate_balance()
        order.action_confirm()
        page = self._page("bal_portal_own")
        self.assertIn("Rebate balance", page)
        self.assertIn("o_rebate_balance_credits", page)
        self.assertIn(self.settlement.name, page)
        self.assertIn("04/09/2026", page)  # the last day of the credit
        self.assertIn(order.name, page)  # where it went (reserved)
        self.assertIn("200.00", page)
        other = self._page("bal_portal_other")
        self.assertNotIn("o_rebate_balance_credits", other)
        self.assertNotIn(self.settlement.name, other)
