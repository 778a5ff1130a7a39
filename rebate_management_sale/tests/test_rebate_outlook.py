# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged

from .common import RebateSaleCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")
class TestRebateOutlook(RebateSaleCommon):
    """On a quotation: where the order takes the customer. Retroactive
    tiers of 2 % and 4 % from 5,000; 3,000 invoiced this quarter; an order
    of 4,000 takes the customer to 7,000 and the 4 % tier."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agreement = cls._create_agreement(
            [(0.0, 2.0), (5000.0, 4.0)],
            tier_mode="retroactive",
            date_start="2026-01-01",
            date_end="2026-12-31",
            product_categ_ids=[Command.set(cls.categ_parent.ids)],
        )
        cls._create_invoice([(cls.product_x, 30, 100.0)], date="2026-10-05")

    def _order(self, lines):
        return self._create_order(
            lines, partner=self.customer_contact, date_order=fields.Datetime.now()
        )

    def test_order_takes_the_customer_to_the_next_tier(self):
        # product Z is outside the agreement's categories: it adds nothing
        order = self._order([(self.product_x, 40, 100.0), (self.product_z, 10, 100.0)])
        [row] = order._get_rebate_outlook()
        self.assertEqual(row["agreement"], self.agreement)
        self.assertEqual(
            row["period"],
            (fields.Date.to_date("2026-10-01"), fields.Date.to_date("2026-12-31")),
        )
        self.assertAlmostEqual(row["base"], 3000.0)
        self.assertAlmostEqual(row["added"], 4000.0)
        self.assertAlmostEqual(row["rebate"], 60.0)
        self.assertAlmostEqual(row["rebate_after"], 280.0)
        self.assertEqual(row["rate"], 4.0)
        self.assertIsNone(row["next_tier"])
        html = str(order.rebate_outlook)
        self.assertIn(self.agreement.name, html)
        self.assertIn("4.00 %", html)
        self.assertIn("+$\xa0220.00", html)

    def test_invoiced_order_adds_nothing_more(self):
        order = self._order([(self.product_x, 40, 100.0)])
        order.action_confirm()
        order._create_invoices().action_post()
        [row] = order._get_rebate_outlook()
        self.assertAlmostEqual(row["base"], 7000.0)
        self.assertAlmostEqual(row["added"], 0.0)

    def test_short_of_the_tier_says_the_next(self):
        order = self._order([(self.product_y, 20, 50.0)])
        [row] = order._get_rebate_outlook()
        self.assertAlmostEqual(row["added"], 1000.0)
        self.assertEqual(row["rate"], 2.0)
        self.assertEqual(row["next_tier"], (5000.0, 4.0))
        self.assertIn("next: 4.00 % from", str(order.rebate_outlook))

    def test_a_growth_rebate_s_next_tier_as_a_base(self):
        grower = self.env["res.partner"].create({"name": "Grower Supplies"})
        self._create_invoice([(self.product_x, 30, 100.0)], "2025-10-05", grower)
        self._create_invoice([(self.product_x, 30, 100.0)], "2026-10-05", grower)
        # 3,000 last year's quarter, 3,000 so far: from 10 % growth at 2 %,
        # from 25 % at 4 %
        agreement = self._create_agreement(
            [(10.0, 2.0), (25.0, 4.0)],
            name="Growth",
            partner_id=grower.id,
            tier_mode="retroactive",
            growth_basis="total",
            date_start="2026-01-01",
            date_end="2026-12-31",
        )
        order = self._create_order(
            [(self.product_x, 2, 100.0)],
            partner=grower,
            date_order=fields.Datetime.now(),
        )
        [row] = order._get_rebate_outlook()
        self.assertEqual(row["agreement"], agreement)
        self.assertAlmostEqual(row["rebate_after"], 0.0)
        # 10 % over 3,000: 3,300 reaches the 2 % tier
        self.assertEqual(row["next_tier"], (3300.0, 2.0))
        order.order_line.product_uom_qty = 10
        [row] = order._get_rebate_outlook()
        # 4,000: 33 % growth, 4 % of the whole base
        self.assertAlmostEqual(row["rebate_after"], 160.0)
        self.assertEqual(row["rate"], 4.0)
        self.assertIsNone(row["next_tier"])

    def test_one_read_per_order_not_per_line(self):
        small = self._order([(self.product_x, 1, 100.0)])
        large = self._order(
            [(self.product_x, 1, 100.0)] * 4 + [(self.product_y, 1, 50.0)] * 4
        )
        for order in (small, large):
            order.invalidate_recordset()
            order.order_line.mapped("price_subtotal")
            self.env.flush_all()
        queries = []
        for order in (small, large):
            before = self.env.cr.sql_log_count
            order._get_rebate_outlook()
            queries.append(self.env.cr.sql_log_count - before)
        self.assertEqual(queries[0], queries[1])

    def test_no_agreement_no_outlook(self):
        order = self._create_order(
            [(self.product_x, 1, 100.0)], partner=self.other_customer
        )
        self.assertEqual(order._get_rebate_outlook(), [])
        self.assertFalse(order.rebate_outlook)

    def test_lines_an_exclusive_agreement_takes_add_nothing(self):
        """An exclusive agreement on product X takes its lines: the order's
        X adds to it, not to the category agreement (as posting will)."""
        exclusive = self._create_agreement(
            [(0.0, 5.0)],
            name="X exclusive",
            date_start="2026-11-01",
            date_end="2026-12-31",
            exclusive=True,
            priority=5,
            product_ids=[Command.set(self.product_x.ids)],
        )
        order = self._order([(self.product_x, 40, 100.0), (self.product_y, 10, 100.0)])
        rows = {row["agreement"]: row for row in order._get_rebate_outlook()}
        self.assertAlmostEqual(rows[self.agreement]["added"], 1000.0)  # Y only
        self.assertAlmostEqual(rows[exclusive]["added"], 4000.0)
        order.action_confirm()
        order._create_invoices().action_post()
        # October's 3,000 of X (before the exclusive started) and Y's 1,000
        self.assertAccrued(self.agreement, 80.0, period_start="2026-10-01")
        self.assertAccrued(exclusive, 200.0, period_start="2026-11-01")
