# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateNudge(RebateCommon):
    """Near the next tier (issue #17, part 2): one to-do for the salesperson
    per agreement, period and tier, never twice; a short mail to the customer
    when the agreement says so."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_x.taxes_id = False
        cls.customer.email = "buyer@customer.example.com"
        cls.salesperson = cls._create_rebate_user("nudge_sales", "group_rebate_user")
        cls.agreement = cls._create_agreement(
            [(0.0, 1.0), (10000.0, 2.0), (20000.0, 3.0)],
            tier_mode="retroactive",
            user_id=cls.salesperson.id,
        )
        cls.Agreement = cls.env["rebate.agreement"]

    def _todos(self):
        return self.env["mail.activity"].search(
            [("res_model", "=", "rebate.agreement"), ("res_id", "=", self.agreement.id)]
        )

    def test_near_far_already_nudged_and_the_next_tier(self):
        self.assertEqual(self.env.company.rebate_near_tier_percent, 10.0)
        self._sell(8999.0, "2025-04-10")
        # 1,001.00 from 10,000: more than 10 % away
        self.assertFalse(self.Agreement._notify_near_tier("2025-05-15"))
        self._sell(201.0, "2025-05-20")
        # 9,200.00: 800.00 from 2 %
        nudges = self.Agreement._notify_near_tier("2025-05-31")
        self.assertEqual(len(nudges), 1)
        self.assertEqual(nudges.threshold, 10000.0)
        self.assertEqual(str(nudges.period_start), "2025-04-01")
        [todo] = self._todos()
        self.assertEqual(todo.user_id, self.salesperson)
        self.assertEqual(
            todo.summary,
            "Rebate Customer is $\xa0800.00 short of the 2.00 % tier "
            "(from $\xa010,000.00; period 04/01/2025 - 06/30/2025)",
        )
        # never twice, even once the to-do is done
        todo.action_done()
        self.assertFalse(self.Agreement._notify_near_tier("2025-06-01"))
        self.assertFalse(self._todos())
        # the next tier later in the period
        self._sell(9000.0, "2025-06-10")  # 18,200.00: 1,800.00 from 3 %
        self.assertEqual(
            self.Agreement._notify_near_tier("2025-06-15").threshold, 20000.0
        )
        # past the last tier: nothing more to nudge
        self._sell(5000.0, "2025-06-20")
        self.assertFalse(self.Agreement._notify_near_tier("2025-06-25"))
        # a new period starts again from the first tier
        self._sell(9500.0, "2025-07-10")
        nudge = self.Agreement._notify_near_tier("2025-07-15")
        self.assertEqual(
            (str(nudge.period_start), nudge.threshold), ("2025-07-01", 10000.0)
        )

    def test_off_and_bad_settings(self):
        self._sell(9500.0, "2025-04-10")
        self.env.company.rebate_near_tier_percent = 0.0
        self.assertFalse(self.Agreement._notify_near_tier("2025-04-15"))
        for value in (-1.0, 100.5):
            with self.assertRaisesText(ValidationError, "between 0 and 100"):
                self.env.company.rebate_near_tier_percent = value
        self.assertEqual(self.env.company.rebate_near_tier_percent, 0.0)

    def test_the_customer_is_told_when_the_agreement_says_so(self):
        self.agreement.notify_customer_near_tier = True
        self._sell(9500.0, "2025-04-10")
        self.Agreement._notify_near_tier("2025-04-15")
        message = self.env["mail.message"].search(
            [
                ("model", "=", "rebate.agreement"),
                ("res_id", "=", self.agreement.id),
                ("message_type", "=", "comment"),
            ]
        )
        self.assertEqual(len(message), 1)
        self.assertEqual(message.partner_ids, self.customer)
        self.assertIn("$&nbsp;500.00 away from the next tier", message.body)
        self.assertIn(f"/my/rebates/{self.agreement.id}", message.body)
        # queued for the customer (the agreement's followers are notified too)
        mails = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        to_customer = mails.filtered(lambda m: self.customer in m.recipient_ids)
        self.assertEqual(to_customer.mapped("state"), ["outgoing"])
