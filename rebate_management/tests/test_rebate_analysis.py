# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateAnalysis(RebateCommon):
    """rebate.analysis adds up to the accruals and settlements; the effect
    figures compare the elapsed periods with the year before."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agreement = cls._create_agreement(
            [(0.0, 2.0)],
            name="Flat 2 %",
            product_categ_ids=[Command.set(cls.categ_parent.ids)],
        )
        # the year before: 1,000 of products in scope; Z and the other
        # customer do not count
        cls._create_invoice([(cls.product_x, 10, 100.0)], date="2024-02-10")
        cls._create_invoice([(cls.product_z, 50, 10.0)], date="2024-02-10")
        cls._create_invoice(
            [(cls.product_x, 30, 100.0)], date="2024-02-10", partner=cls.other_customer
        )
        # Q1 2025: 1,500 - 100 refunded = 1,400 -> 28
        cls.inv_q1 = cls._create_invoice(
            [(cls.product_x, 10, 100.0), (cls.product_y, 10, 50.0)], date="2025-02-10"
        )
        cls._create_invoice(
            [(cls.product_x, 1, 100.0)], date="2025-03-10", move_type="out_refund"
        )
        cls._create_invoice([(cls.product_z, 10, 10.0)], date="2025-03-10")
        # Q2 2025, not elapsed on 2025-05-15: 600 -> 12
        cls._create_invoice([(cls.product_y, 12, 50.0)], date="2025-04-20")
        cls.Analysis = cls.env["rebate.analysis"]

    def _sums(self, domain, env=None):
        Analysis = (env or self.env)["rebate.analysis"]
        [(sales, quantity, accrued, settled)] = Analysis._read_group(
            domain,
            [],
            [
                "sales_base:sum",
                "sales_quantity:sum",
                "rebate_accrued:sum",
                "rebate_settled:sum",
            ],
        )
        return sales, quantity, accrued, settled

    def test_analysis_equals_accruals_and_settlements(self):
        q1 = [
            ("partner_id", "=", self.customer.id),
            ("date", ">=", "2025-01-01"),
            ("date", "<=", "2025-03-31"),
        ]
        accruals = self.agreement.accrual_ids.filtered(lambda a: a.date.month <= 3)
        sales, quantity, accrued, settled = self._sums(q1)
        self.assertEqual(sales, sum(accruals.mapped("sales_amount")))
        self.assertEqual(sales, 1400.0)
        self.assertEqual(quantity, 19.0)
        self.assertEqual(accrued, sum(accruals.mapped("amount")))
        self.assertEqual(accrued, 28.0)
        self.assertEqual(settled, 0.0)

        with freeze_time("2025-04-05"):
            settlement = self.env["rebate.settlement"].close_periods(
                "2025-03-31", agreements=self.agreement
            )
            settlement.action_approve()
            settlement.action_create_credit_note()
        sales, quantity, accrued, settled = self._sums(q1)
        self.assertEqual(settled, settlement.rebate_total)
        self.assertEqual(settled, 28.0)
        # the credit note itself never shows as sales
        self.assertEqual(sales, 1400.0)
        self.assertEqual(accrued, 28.0)

        by_product = dict(
            self.Analysis._read_group(
                q1 + [("product_id", "!=", False)],
                ["product_id"],
                ["rebate_accrued:sum"],
            )
        )
        self.assertEqual(by_product, {self.product_x: 18.0, self.product_y: 10.0})
        whole_year = self._sums([("agreement_id", "=", self.agreement.id)])
        self.assertEqual(whole_year[2], 40.0)

    @freeze_time("2025-05-15")
    def test_effect_figures(self):
        agreement = self.agreement
        agreement._refresh_effect()
        self.assertEqual(str(agreement.effect_date), "2025-05-15")
        self.assertEqual(str(agreement.effect_date_to), "2025-03-31")
        self.assertEqual(agreement.effect_sales, 1400.0)
        self.assertEqual(agreement.effect_sales_prior, 1000.0)
        self.assertEqual(agreement.effect_growth, 400.0)
        self.assertAlmostEqual(agreement.effect_growth_pct, 40.0)
        self.assertEqual(agreement.effect_rebate, 28.0)
        self.assertAlmostEqual(agreement.effect_cost_pct, 2.0)
        # 28 of rebate bought 400 of extra sales
        self.assertAlmostEqual(agreement.effect_rebate_per_extra, 0.07)

    @freeze_time("2025-02-15")
    def test_effect_before_any_period_ended(self):
        self.agreement._refresh_effect()
        self.assertFalse(self.agreement.effect_date_to)
        self.assertEqual(self.agreement.effect_sales, 0.0)
        self.assertEqual(self.agreement.effect_rebate_per_extra, 0.0)

    @freeze_time("2025-07-15")
    def test_effect_quantity_basis_and_decline(self):
        agreement = self._create_agreement(
            [(0.0, 1.0)],
            basis="quantity",
            partner_id=self.other_customer.id,
        )
        # 30 units of X the year before, 5 this year: sales fell
        self._create_invoice(
            [(self.product_x, 5, 100.0)], date="2025-05-10", partner=self.other_customer
        )
        # measured when created, before that invoice; again on demand
        self.assertEqual(agreement.effect_sales, 0.0)
        agreement.action_refresh_effect()
        self.assertEqual(str(agreement.effect_date_to), "2025-06-30")
        self.assertEqual(agreement.effect_sales, 500.0)
        self.assertEqual(agreement.effect_sales_prior, 3000.0)
        self.assertEqual(agreement.effect_growth, -2500.0)
        self.assertEqual(agreement.effect_rebate, 5.0)
        self.assertEqual(agreement.effect_rebate_per_extra, 0.0)
        self.assertAlmostEqual(agreement.effect_cost_pct, 1.0)

    @freeze_time("2025-05-15")
    def test_customer_and_invoice_figures(self):
        self.assertEqual(self.customer.rebate_accrued_this_year, 40.0)
        self.assertEqual(self.customer_contact.rebate_accrued_this_year, 40.0)
        self.assertEqual(self.customer.rebate_settled_this_year, 0.0)
        self.assertEqual(self.customer.rebate_agreement_count, 1)
        self.assertEqual(self.inv_q1.rebate_accrual_count, 2)
        self.assertEqual(sum(self.inv_q1.rebate_accrual_ids.mapped("amount")), 30.0)

    def test_record_rules_apply(self):
        salesperson = self._create_rebate_user("analysis_sales", "group_rebate_user")
        env = self.env(user=salesperson)
        self.assertFalse(env["rebate.analysis"].search([]))
        self.customer.user_id = salesperson
        rows = env["rebate.analysis"].search([])
        self.assertEqual(rows.agreement_id, self.agreement)
        self.assertEqual(self._sums([], env=env)[2], 40.0)
