# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import RebateHttpMixin
from .test_rebate_buying_group import BuyingGroupCommon


@tagged("post_install", "-at_install")
class TestRebateBuyingGroupRoles(BuyingGroupCommon):
    """Who reads and edits a buying group: the head's salesperson owns it,
    the members' salespeople read it; the head's portal users see every
    share, a member's its own."""

    def test_salespeople_of_head_and_members(self):
        self._create_role_users("grp")
        member_sales = self._create_rebate_user("grp_member_sales", "group_rebate_user")
        self.member_a.user_id = member_sales
        outsider = self._create_rebate_user("grp_outsider", "group_rebate_user")
        group = self._create_group(group_payout="members")
        self._sell_example()
        q1 = self._close("2025-03-31", group)
        # the member's salesperson reads the group, its settlement and shares
        self.assertEqual(
            group.with_user(member_sales).read(["name"])[0]["name"], "Cooperative"
        )
        self.assertEqual(len(q1.with_user(member_sales).share_ids), 3)
        self.assertEqual(len(group.with_user(member_sales).tier_ids), 2)
        self.assertAlmostEqual(group.with_user(member_sales).accrued_amount, 3000.0)
        self.assertEqual(len(q1.with_user(member_sales).accrual_ids), 3)
        with self.assertRaises(AccessError):
            group.with_user(member_sales).write({"name": "Mine"})
        with self.assertRaises(AccessError):
            group.with_user(outsider).read(["name"])
        with self.assertRaises(AccessError):
            q1.share_ids.with_user(outsider).read(["amount"])
        # nobody writes a share by hand
        with self.assertRaises(AccessError):
            q1.share_ids[0].with_user(self.accountant).write({"amount": 1.0})
        # the head's salesperson edits a draft group's members, not another's
        draft = self._create_group(activate=False, name="Draft group")
        draft.with_user(self.salesperson).member_ids[0].date_to = "2025-06-30"
        with self.assertRaises(AccessError):
            draft.with_user(member_sales).member_ids[0].date_to = "2025-05-31"

    def test_portal_head_sees_every_share_member_its_own(self):
        group = self._create_group(group_payout="members")
        self._sell_example()
        q1 = self._approve_and_pay(self._close("2025-03-31", group))
        head_user = self._create_portal_user("grp_head_portal", self.customer)
        member_user = self._create_portal_user("grp_b_portal", self.member_b)
        Share = self.env["rebate.settlement.share"]
        domain = [("settlement_id", "=", q1.id)]
        self.assertEqual(len(Share.with_user(head_user).search(domain)), 3)
        self.assertEqual(q1.with_user(member_user).rebate_total, 3000.0)
        self.assertEqual(
            Share.with_user(member_user).search(domain).partner_id, self.member_b
        )
        others = q1.share_ids.filtered(lambda s: s.partner_id != self.member_b)
        with self.assertRaises(AccessError):
            others.with_user(member_user).read(["amount"])
        self.assertEqual(
            group.with_user(member_user).tier_ids.mapped("rate"), [2.0, 3.0]
        )
        stranger = self._create_portal_user("grp_stranger", self.other_customer)
        with self.assertRaises(AccessError):
            q1.with_user(stranger).read(["rebate_total"])


@tagged("post_install", "-at_install")
class TestRebateBuyingGroupRpc(BuyingGroupCommon, HttpCase, RebateHttpMixin):
    """Buying groups over XML-RPC and on the portal's pages: the same rules
    as in the form."""

    def test_rpc_creates_and_refuses(self):
        """A manager builds a group over XML-RPC; a head member is refused
        there too, with the same message; a salesperson does not change the
        members of an active group."""
        manager = self._create_rebate_user("grp_rpc_manager", "group_rebate_manager")
        sales = self._create_rebate_user("grp_rpc_sales", "group_rebate_user")
        self.customer.user_id = sales
        group = self._create_agreement([(0.0, 1.0)], activate=False, name="Coop")
        member_id = self._call(
            manager,
            "rebate.agreement.member",
            "create",
            {"agreement_id": group.id, "partner_id": self.member_a.id},
        )
        self.assertEqual(group.member_ids.ids, [member_id])
        self.assertTrue(group.is_buying_group)
        self.assertCallFails(
            "group's head",
            manager,
            "rebate.agreement.member",
            "create",
            {"agreement_id": group.id, "partner_id": self.customer.id},
        )
        group.action_activate()
        self.assertCallFails(
            "locked",
            manager,
            "rebate.agreement.member",
            "write",
            [member_id],
            {"date_to": "2025-06-30"},
        )
        self.assertCallFails(
            "rebate.agreement.member",
            sales,
            "rebate.agreement.member",
            "unlink",
            [member_id],
        )
        self.assertEqual(group.member_ids.ids, [member_id])

    def test_portal_pages_of_head_and_member(self):
        """The head's portal user reads every member's share on the group's
        page; a member's reads the group's tiers and its own share, and
        finds its own credit note there."""
        group = self._create_group(
            members=[{"partner_id": m.id} for m in (self.member_a, self.member_b)],
            group_payout="members",
        )
        self._sell_to(self.member_a, 70000.0)
        self._sell_to(self.member_b, 30000.0)
        q1 = self._approve_and_pay(self._close("2025-03-31", group))
        # portal users are contacts of the head and of the member
        Partner = self.env["res.partner"]
        for login, company in (
            ("grp_head_web", self.customer),
            ("grp_b_web", self.member_b),
        ):
            contact = Partner.create({"name": login, "parent_id": company.id})
            self._create_portal_user(login, contact)
        url = f"/my/rebates/{group.id}"
        self.authenticate("grp_head_web", "grp_head_web-pass")
        head_page = self.url_open(url, allow_redirects=False)
        self.assertEqual(head_page.status_code, 200)
        self.assertIn(
            "Share of Member A (70.00 % of the group&#39;s base)", head_page.text
        )
        self.assertIn(
            "Share of Member B (30.00 % of the group&#39;s base)", head_page.text
        )
        self.authenticate("grp_b_web", "grp_b_web-pass")
        self.assertEqual(self.url_open("/my/rebates").status_code, 200)
        self.assertIn("Cooperative", self.url_open("/my/rebates").text)
        member_page = self.url_open(url, allow_redirects=False)
        self.assertEqual(member_page.status_code, 200)
        self.assertIn(
            "Share of Member B (30.00 % of the group&#39;s base)", member_page.text
        )
        self.assertNotIn("Member A", member_page.text)
        b_document = q1.share_ids.filtered(
            lambda s: s.partner_id == self.member_b
        ).document_id
        self.assertIn(f"/my/invoices/{b_document.id}", member_page.text)
        self.assertEqual(
            self.url_open(f"/my/invoices/{b_document.id}").status_code, 200
        )
        # the group's statement lists every member's invoices: not a member's
        statement = f"/rebate_management/statement?ids={q1.id}"
        self.assertNotIn(statement, member_page.text)
        self.assertEqual(self.url_open(statement).status_code, 403)
        self.authenticate("grp_head_web", "grp_head_web-pass")
        self.assertIn(statement, head_page.text)
        self.assertEqual(self.url_open(statement).status_code, 200)
