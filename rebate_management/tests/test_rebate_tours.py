# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import RebateCommon, RebateHttpMixin


@tagged("post_install", "-at_install")
class TestRebateTours(RebateHttpMixin, RebateCommon, AccountTestInvoicingHttpCommon):
    """The product walked in a real browser (issue #17, part 3), as each role
    would: a sales manager creates a three-tier agreement in the form and
    activates it; an accountant closes the periods from an agreement,
    approves the settlement and creates its credit note; the customer's
    portal user opens its rebates and downloads the statement. Each walk
    leaves a screenshot of its last screen in the screenshots directory
    (``--screenshots``; scripts/test.sh: .local/screenshots)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.product_x | cls.rebate_product).taxes_id = False
        cls.tour_customer = cls.env["res.partner"].create(
            {"name": "Tour Customer", "is_company": True, "email": "t@example.com"}
        )
        # the manager's new agreement: another customer (no overlap banner)
        cls.env["res.partner"].create(
            {"name": "Harbor Tour Supplies", "is_company": True}
        )
        contact = cls.env["res.partner"].create(
            {
                "name": "Tour Buyer",
                "parent_id": cls.tour_customer.id,
                "email": "buyer@example.com",
            }
        )
        # passwords equal to the logins: start_tour logs in that way
        cls.manager = cls._create_user(
            "tour_manager",
            "base.group_user,rebate_management.group_rebate_manager",
            name="Sam Manager",
            email="manager@example.com",
        )
        cls.accountant = cls._create_user(
            "tour_accountant",
            "base.group_user,account.group_account_manager",
            name="Alex Accountant",
            email="accountant@example.com",
        )
        cls._create_user(
            "tour_portal", "base.group_portal", name="Tour Buyer", partner_id=contact.id
        )
        cls.annual = cls._create_agreement(
            [(0.0, 1.0), (10000.0, 2.0)],
            name="Tour Annual Rebate",
            partner_id=cls.tour_customer.id,
            period="year",
            tier_mode="retroactive",
        )
        cls._create_invoice(
            [(cls.product_x, 1, 12000.0)], date="2025-02-10", partner=cls.tour_customer
        )

    def test_walks_of_each_role(self):
        self._require_browser()
        # 1. a sales manager creates and activates an agreement
        self._tour(
            "/odoo/action-rebate_management.rebate_agreement_action",
            "rebate_manager_agreement_tour",
            "tour_manager",
            "agreement_form",
        )
        created = self.env["rebate.agreement"].search(
            [("name", "=", "Tour Volume Rebate")]
        )
        self.assertEqual(created.state, "active")
        self.assertEqual(created.partner_id.name, "Harbor Tour Supplies")
        self.assertEqual(created.tier_mode, "retroactive")
        self.assertEqual(
            [(t.threshold, t.rate) for t in created.tier_ids.sorted("threshold")],
            [(0.0, 1.0), (10000.0, 2.0), (20000.0, 3.0)],
        )
        self.assertEqual(created.approved_by_id, self.manager)
        # 2. an accountant closes, approves and credits
        self._tour(
            f"/odoo/action-rebate_management.rebate_agreement_action/{self.annual.id}",
            "rebate_accountant_settlement_tour",
            "tour_accountant",
            "settlement_form",
        )
        settlement = self.annual.settlement_ids
        self.assertEqual(settlement.state, "done")
        self.assertEqual(settlement.rebate_total, 240.0)
        self.assertEqual(settlement.approved_by_id, self.accountant)
        self.assertEqual(settlement.document_id.amount_total, 240.0)
        # 3. the customer sees it on the portal and downloads the statement
        # (on a day of its period, closed: its final figures show, no forecast)
        with freeze_time("2025-05-15 10:00:00"):
            self._tour(
                "/my/rebates", "rebate_portal_tour", "tour_portal", "portal_agreement"
            )
