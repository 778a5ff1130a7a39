# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import RebateSaleCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")
class TestRebateSaleGroup(RebateSaleCommon):
    """Buying groups on Sales: a member's quotation shows where it takes the
    group (the pooled base); a rebate split among the members is paid by a
    document per member, never into one customer's balance, points or
    coupons."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.member = cls.env["res.partner"].create(
            {"name": "Branch", "is_company": True}
        )
        # retroactive 2 % and 4 % from 5,000; the head bought 3,000 this
        # quarter
        cls.group = cls._create_agreement(
            [(0.0, 2.0), (5000.0, 4.0)],
            tier_mode="retroactive",
            date_start="2026-01-01",
            date_end="2026-12-31",
            member_ids=[Command.create({"partner_id": cls.member.id})],
        )
        cls._create_invoice([(cls.product_x, 30, 100.0)], date="2026-10-05")

    def test_members_quotation_shows_the_groups_tier(self):
        order = self._create_order(
            [(self.product_x, 40, 100.0)],
            partner=self.member,
            date_order=fields.Datetime.now(),
        )
        [row] = order._get_rebate_outlook()
        self.assertEqual(row["agreement"], self.group)
        self.assertAlmostEqual(row["base"], 3000.0)
        self.assertAlmostEqual(row["added"], 4000.0)
        self.assertEqual(row["rate"], 4.0)

    def test_split_among_members_pays_by_document(self):
        for method in ("balance", "goods"):
            with self.assertRaisesText(ValidationError, "one document per member"):
                self._create_agreement(
                    [(0.0, 1.0)],
                    activate=False,
                    group_payout="members",
                    payout_method=method,
                    goods_product_ids=[Command.set(self.product_y.ids)],
                )
        with self.assertRaisesText(ValidationError, "one document per member"):
            self._create_agreement(
                [(0.0, 1.0)], activate=False, group_payout="members"
            ).payout_method = "balance"
