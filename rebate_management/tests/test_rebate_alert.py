# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateAlert(RebateCommon):
    """Risk control (issue #16, parts 1 and 2): alerts computed with the
    settlement, each just triggered, just not, and off; acknowledged by a
    sales manager before approval."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_x.taxes_id = False
        cls.manager = cls._create_rebate_user("alert_manager", "group_rebate_manager")
        cls.accountant = cls._create_rebate_user(
            "alert_accountant", "group_rebate_accountant"
        )
        company = cls.env.company
        company.write(
            {
                "rebate_alert_surge_days": 10,
                "rebate_alert_surge_percent": 50.0,
                "rebate_alert_return_days": 30,
                "rebate_alert_cost_percent": 0.0,
            }
        )
        # quarterly, retroactive: 1 % from 0, 2 % from 10,000
        cls.agreement = cls._create_agreement(
            [(0.0, 1.0), (10000.0, 2.0)], tier_mode="retroactive"
        )

    def test_period_end_surge(self):
        self._sell(4000.0, "2025-02-10")
        self._sell(6000.0, "2025-03-22")  # the last 10 days: 60 % of 10,000
        settlement = self._close()
        self.assertEqual(settlement.alert_ids.mapped("code"), ["period_end_surge"])
        self.assertEqual(
            settlement.alert_ids.message,
            "Documents dated in the last 10 days of the period make 60.00 % of its "
            "base (6,000.00 of 10,000.00); without them the base would be in a "
            "lower tier.",
        )
        self.assertTrue(settlement.has_alerts)

    def test_surge_just_below_the_share_or_outside_the_days(self):
        self._sell(5001.0, "2025-02-10")
        self._sell(4999.0, "2025-03-22")  # 49.99 %
        self._sell(100.0, "2025-03-21")  # 11 days before the end: not counted
        settlement = self._close()
        self.assertFalse(settlement.alert_ids)
        self.assertFalse(settlement.has_alerts)

    def test_surge_that_lifts_no_tier(self):
        self._sell(12000.0, "2025-01-10")
        self._sell(13000.0, "2025-03-25")  # 52 % late, but 12,000 is 2 % too
        self.assertFalse(self._close().has_alerts)

    def test_surge_off(self):
        self.env.company.rebate_alert_surge_days = 0
        self._sell(4000.0, "2025-02-10")
        self._sell(6000.0, "2025-03-22")
        self.assertFalse(self._close().alert_ids)

    def test_returns_after_the_period_on_recompute(self):
        self._sell(10500.0, "2025-02-10")
        settlement = self._close()
        self.assertFalse(settlement.alert_ids)
        # a refund of 600 on 30 April (30 days after): 9,900 < 10,000
        self._sell(600.0, "2025-04-30", move_type="out_refund")
        settlement.action_recompute()
        self.assertEqual(settlement.alert_ids.mapped("code"), ["returns_after_period"])
        self.assertEqual(
            settlement.alert_ids.message,
            "Refunds of 600.00 dated within 30 days after the period would have "
            "put its base in a lower tier (10,500.00, then 9,900.00).",
        )

    def test_returns_just_outside_the_days_or_too_small(self):
        self._sell(10500.0, "2025-02-10")
        self._sell(600.0, "2025-05-01", move_type="out_refund")  # 31 days after
        self._sell(500.0, "2025-04-10", move_type="out_refund")  # 10,000: same tier
        settlement = self._close()
        settlement.action_recompute()
        self.assertFalse(settlement.alert_ids)
        self.env.company.rebate_alert_return_days = 0
        self._sell(100.0, "2025-04-11", move_type="out_refund")
        settlement.action_recompute()
        self.assertFalse(settlement.alert_ids)

    def test_message_in_the_reader_language(self):
        """An alert keeps the figures that raised it; its message is written
        when it is read, in the reader's language (the scheduled close runs
        in English)."""
        self._sell(4000.0, "2025-02-10")
        self._sell(6000.0, "2025-03-22")
        alert = self._close().alert_ids
        self.assertRecordValues(
            alert,
            [
                {
                    "code": "period_end_surge",
                    "days": 10,
                    "threshold": 50.0,
                    "share": 60.0,
                    "amount": 6000.0,
                    "base": 10000.0,
                }
            ],
        )
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["rebate_management"], ["zh_CN"], overwrite=True
        )
        message = alert.with_context(lang="zh_CN").message
        self.assertNotEqual(message, alert.message)
        self.assertIn("10", message)
        self.assertIn("60.00", message)
        self.assertIn("6,000.00", message)
        self.assertIn("10,000.00", message)
        self.assertTrue(message.startswith("期间最后"), message)

    def test_cost_share(self):
        self.env.company.rebate_alert_cost_percent = 1.5
        self._sell(10000.0, "2025-02-10")  # 200.00 = 2 % of the sales
        settlement = self._close()
        self.assertEqual(settlement.alert_ids.mapped("code"), ["cost_share"])
        self.assertEqual(
            settlement.alert_ids.message,
            "The rebate, $\xa0200.00, is 2.00 % of the period's sales "
            "($\xa010,000.00), more than 1.50 %.",
        )
        self.env.company.rebate_alert_cost_percent = 2.0  # exactly 2 %: no alert
        settlement.action_recompute()
        self.assertFalse(settlement.alert_ids)

    def test_acknowledged_by_a_manager_before_approval(self):
        self._sell(4000.0, "2025-02-10")
        self._sell(6000.0, "2025-03-22")
        settlement = self._close().with_user(self.accountant)
        with self.assertRaisesText(UserError, "must acknowledge"):
            settlement.action_approve()
        with self.assertRaises(AccessError):
            settlement.action_acknowledge_alerts("fine by me")
        manager_view = settlement.with_user(self.manager)
        with self.assertRaisesText(UserError, "Say why"):
            manager_view.action_acknowledge_alerts("  ")
        with self.assertRaisesText(UserError, "can only be set by its workflow"):
            settlement.sudo().write({"alerts_acknowledged_by_id": self.manager.id})
        self.env["rebate.settlement.acknowledge"].with_user(self.manager).create(
            {"settlement_id": settlement.id, "note": "Seasonal order, agreed"}
        ).action_acknowledge()
        self.assertEqual(settlement.alerts_acknowledged_by_id, self.manager)
        self.assertIn("Seasonal order, agreed", settlement.message_ids[0].body)
        # the same alert on recompute keeps the acknowledgement
        settlement.sudo().action_recompute()
        self.assertEqual(settlement.alerts_acknowledged_by_id, self.manager)
        settlement.action_approve()
        self.assertEqual(settlement.state, "approved")

    def test_a_new_alert_asks_for_a_new_acknowledgement(self):
        self._sell(4000.0, "2025-02-10")
        self._sell(6000.0, "2025-03-22")
        settlement = self._close()
        settlement.with_user(self.manager).action_acknowledge_alerts("Agreed")
        self._sell(600.0, "2025-04-05", move_type="out_refund")
        settlement.action_recompute()
        self.assertEqual(
            sorted(settlement.alert_ids.mapped("code")),
            ["period_end_surge", "returns_after_period"],
        )
        self.assertFalse(settlement.alerts_acknowledged_by_id)
        with self.assertRaisesText(UserError, "must acknowledge"):
            settlement.action_approve()
