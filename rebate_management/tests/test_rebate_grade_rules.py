# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from xmlrpc.client import Fault

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged

from .common import RebateCommon, RebateHttpMixin

GRADE_WRITE = (
    "The rebate grade of a customer is set by the grading (every month, or "
    "Assign Grades Now), or by a sales manager with a reason (Set Rebate Grade "
    "on the customer); it is not written directly."
)
MANAGERS_ONLY = (
    "Only users of group Rebates / Sales Manager may set customer grades by hand."
)


class GradeRulesCommon(RebateCommon):
    """Grades A and B of the test company, a customer, and the roles: each
    may edit contacts (Contact Creation, as Odoo gives internal users), so
    what stops them is the grade's rule, not the right to edit contacts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_x.taxes_id = False
        Grade = cls.env["rebate.grade"]
        # the grades of this test only (not the demo's, if installed)
        Grade.sudo().search([]).action_archive()
        cls.grade_a = Grade.create({"name": "A", "sequence": 1, "min_sales": 5000.0})
        cls.grade_b = Grade.create({"name": "B", "sequence": 2})
        cls.company_2 = cls.setup_other_company(name="Grade Rules Company 2")["company"]
        cls.buyer = cls.env["res.partner"].create(
            {"name": "Graded Buyer", "is_company": True}
        )
        cls.salesperson = cls._contact_user("gr_sales", "group_rebate_user")
        cls.accountant = cls._contact_user("gr_acc", "group_rebate_accountant")
        cls.manager = cls._contact_user("gr_manager", "group_rebate_manager")
        cls.buyer.user_id = cls.salesperson

    @classmethod
    def _contact_user(cls, login, group):
        """A rebate user who may also edit contacts."""
        return cls._create_rebate_user(
            login, group, groups="base.group_user,base.group_partner_manager"
        )

    def _grade(self, partner, company=None):
        return partner.with_company(company or self.env.company).rebate_grade_id

    def _flush_tracking(self):
        """What a commit does: Odoo logs the tracking it left pending (and
        forgets the records created in the transaction, which it does not
        track)."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def _grade_notes(self, partner):
        """(body, old grade, new grade) of the partner's grade notes."""
        messages = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", partner.id)],
            order="id",
        )
        return [
            (message.body, tracking.old_value_char, tracking.new_value_char)
            for message in messages
            for tracking in message.sudo().tracking_value_ids
            if tracking.field_id.name == "rebate_grade_id"
        ]


@tagged("post_install", "-at_install")
class TestRebateGradeRules(GradeRulesCommon):
    """Issue #23, items 6 and 7: who sets a customer's grade, and what a
    template and a grade must be."""

    # 1. The grade: set by the grading, or by a sales manager with a reason

    def test_nobody_writes_a_grade_directly(self):
        admin = self.env.ref("base.user_admin")
        for user in (self.salesperson, self.accountant, self.manager, admin):
            with self.assertRaisesText(UserError, GRADE_WRITE) as capture:
                self.buyer.with_user(user).write({"rebate_grade_id": self.grade_a.id})
            self.assertEqual(str(capture.exception), GRADE_WRITE, user.login)
            with self.assertRaisesText(UserError, GRADE_WRITE):
                self.env["res.partner"].with_user(user).create(
                    {"name": "Born graded", "rebate_grade_id": self.grade_a.id}
                )
        for partner in (self.buyer.sudo(), self.buyer.with_company(self.company_2)):
            with self.assertRaisesText(UserError, GRADE_WRITE):
                partner.rebate_grade_id = self.grade_a
        # the context key of the workflow is an object, not a flag
        with self.assertRaisesText(UserError, GRADE_WRITE):
            self.buyer.with_context(rebate_workflow=True).rebate_grade_id = self.grade_b
        self.assertFalse(self._grade(self.buyer))
        self.assertFalse(self._grade(self.buyer, self.company_2))
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Born graded")]))
        # who may not edit contacts at all hears so first
        reader = self._create_rebate_user("gr_reader", "group_rebate_user")
        with self.assertRaises(AccessError):
            self.buyer.with_user(reader).rebate_grade_id = self.grade_a

    def test_contacts_without_a_grade_are_written_as_ever(self):
        Partner = self.env["res.partner"].with_user(self.salesperson)
        created = Partner.create(
            [
                {"name": "New Customer", "is_company": True},
                # an import's empty grade column
                {"name": "Imported Customer", "rebate_grade_id": False},
            ]
        )
        self.assertEqual(len(created), 2)
        created[0].write({"phone": "+1 555 0100", "comment": "Met at the fair"})
        self.assertEqual(created[0].phone, "+1 555 0100")
        self.assertFalse(created.with_company(self.env.company).rebate_grade_id)

    def test_manager_sets_a_grade_with_a_reason(self):
        form = Form(
            self.env["rebate.grade.set"]
            .with_user(self.manager)
            .with_context(default_partner_id=self.buyer.id)
        )
        self.assertFalse(form.current_grade_id)
        form.grade_id = self.grade_a
        form.reason = "  Strategic account, agreed with the sales director  "
        form.save().action_set_grade()
        self.assertEqual(self._grade(self.buyer), self.grade_a)
        # in the wizard's company only
        self.assertFalse(self._grade(self.buyer, self.company_2))
        # and back to none, over the partner's own method
        self.buyer.with_user(self.manager).action_set_rebate_grade(
            False, "Lost the account"
        )
        self.assertFalse(self._grade(self.buyer))
        self.assertEqual(
            self._grade_notes(self.buyer),
            [
                (
                    "<p>Rebate grade set by hand: Strategic account, agreed with "
                    "the sales director</p>",
                    "",
                    "A",
                ),
                ("<p>Rebate grade set by hand: Lost the account</p>", "A", ""),
            ],
        )
        notes = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", self.buyer.id)]
        )
        self.assertEqual(notes.author_id, self.manager.partner_id)
        # an administrator is a sales manager
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.env.company
        self.buyer.with_user(admin).with_company(
            self.env.company
        ).action_set_rebate_grade(self.grade_b.id, "Trial")
        self.assertEqual(self._grade(self.buyer), self.grade_b)

    def test_only_managers_set_grades_by_hand(self):
        for user in (self.salesperson, self.accountant):
            with self.assertRaisesText(AccessError, MANAGERS_ONLY) as capture:
                self.buyer.with_user(user).action_set_rebate_grade(
                    self.grade_a.id, "My best customer"
                )
            self.assertEqual(str(capture.exception), MANAGERS_ONLY)
            with self.assertRaisesText(AccessError, MANAGERS_ONLY):
                self.buyer.with_user(user).action_open_rebate_grade_wizard()
            with self.assertRaisesText(AccessError, "rebate.grade.set"):
                self.env["rebate.grade.set"].with_user(user).create(
                    {
                        "partner_id": self.buyer.id,
                        "grade_id": self.grade_a.id,
                        "reason": "My best customer",
                    }
                )
        self.assertFalse(self._grade(self.buyer))
        self.assertFalse(self._grade_notes(self.buyer))

    def test_a_grade_set_by_hand_needs_a_reason_and_a_sense(self):
        Grade = self.env["rebate.grade"]
        grade_2 = Grade.with_company(self.company_2).create(
            {"name": "A", "company_id": self.company_2.id}
        )
        archived = Grade.create({"name": "Old", "active": False})
        contact = self.env["res.partner"].create(
            {"name": "Buyer's Desk", "parent_id": self.buyer.id}
        )
        buyer = self.buyer.with_user(self.manager)
        for partner, grade, reason, text in (
            (
                buyer,
                self.grade_a,
                "  \n ",
                "Say why the rebate grade of Graded Buyer is set by hand.",
            ),
            (buyer, self.grade_a, False, "Say why"),
            (
                # as a manager of both companies, the wrong one active
                self.buyer,
                grade_2,
                "Other company",
                "Grade A is a grade of Grade Rules Company 2, not of "
                f"{self.env.company.display_name}.",
            ),
            (buyer, archived, "Old times", "Grade Old is archived."),
            (
                buyer,
                False,
                "Nothing",
                "Graded Buyer already has this rebate grade (none).",
            ),
            (
                contact.with_user(self.manager),
                self.grade_a,
                "The desk",
                "Grades are given to customers, not to their contacts: set the "
                "grade of Graded Buyer instead of Graded Buyer, Buyer's Desk.",
            ),
        ):
            with self.assertRaisesText(UserError, text):
                partner.action_set_rebate_grade(grade and grade.id, reason)
        # a manager of the grade's company only does not see it
        with self.assertRaises(AccessError):
            buyer.action_set_rebate_grade(grade_2.id, "Other company")
        wizard = (
            self.env["rebate.grade.set"]
            .with_user(self.manager)
            .create(
                {
                    "partner_id": self.buyer.id,
                    "grade_id": self.grade_a.id,
                    "reason": " ",
                }
            )
        )
        with self.assertRaisesText(UserError, "Say why"):
            wizard.action_set_grade()
        self.assertFalse(self._grade(self.buyer))
        self.assertFalse(self._grade_notes(self.buyer))

    @freeze_time("2026-12-07")
    def test_grading_still_sets_and_tracks_grades(self):
        self._create_invoice(
            [(self.product_x, 1, 6000.0)], date="2026-11-10", partner=self.buyer
        )
        # tracked as in production (the test classes disable tracking)
        Grade = self.grade_a.with_user(self.manager).with_context(
            tracking_disable=False, mail_notrack=False
        )
        self._flush_tracking()
        Grade.action_assign_grades()  # the button, on the (frozen) day
        self.assertEqual(self._grade(self.buyer), self.grade_a)
        # a grade set by hand holds until the next grading
        self.buyer.with_user(self.manager).action_set_rebate_grade(
            self.grade_b.id, "Paused"
        )
        changed = Grade.sudo()._assign_grades("2026-12-07") & self.buyer
        self.assertEqual(changed, self.buyer)
        self.assertEqual(self._grade(self.buyer), self.grade_a)
        self._flush_tracking()
        self.assertEqual(
            [(old, new) for _body, old, new in self._grade_notes(self.buyer)],
            [("", "A"), ("A", "B"), ("B", "A")],
        )

    def test_a_merge_gives_the_grades_as_odoo_merges_company_values(self):
        """Odoo's merge gives the partner kept the company-dependent values of
        the merged ones where it has none (along with their invoices); its
        own write of the merged values then leaves the grade alone."""
        Partner = self.env["res.partner"].with_user(self.salesperson)
        graded, ungraded, other = Partner.create(
            [{"name": "Graded Twin"}, {"name": "Plain Twin"}, {"name": "Plain Third"}]
        )
        graded.sudo()._rebate_workflow().rebate_grade_id = self.grade_a
        Merge = self.env["base.partner.merge.automatic.wizard"].with_user(
            self.salesperson
        )
        Merge._merge((graded | ungraded).ids, ungraded)
        self.assertFalse(graded.exists())
        self.assertEqual(self._grade(ungraded), self.grade_a)
        # the partner kept keeps its own grade
        other.sudo()._rebate_workflow().rebate_grade_id = self.grade_b
        Merge._merge((ungraded | other).ids, ungraded)
        self.assertEqual(self._grade(ungraded), self.grade_a)

    # 2. A template has a grade; a company's grades have their own names

    def _template_vals(self, **vals):
        return {
            "name": "Grade A terms",
            "is_template": True,
            "grade_id": self.grade_a.id,
            "date_start": "2026-01-01",
            "date_end": "2026-12-31",
            "tier_ids": [Command.create({"threshold": 0.0, "rate": 1.0})],
            **vals,
        }

    def test_a_template_needs_a_grade(self):
        Agreement = self.env["rebate.agreement"].with_user(self.manager)
        text = (
            "Template No grade terms needs a customer grade: its agreements are "
            "generated for the customers of that grade."
        )
        with self.assertRaisesText(ValidationError, text):
            Agreement.create(self._template_vals(name="No grade terms", grade_id=False))
        template = Agreement.create(self._template_vals(name="No grade terms"))
        with self.assertRaisesText(ValidationError, text):
            template.grade_id = False
        with self.assertRaisesText(UserError, "Grade A has agreement templates"):
            self.grade_a.unlink()
        self.assertEqual(template.grade_id, self.grade_a)
        # archived, the grade stays on its templates
        self.grade_a.action_archive()
        self.assertEqual(template.grade_id, self.grade_a)
        # the demo's templates (if installed) and every other have one
        self.assertFalse(
            self.env["rebate.agreement"]
            .sudo()
            .with_context(active_test=False)
            .search_count([("is_template", "=", True), ("grade_id", "=", False)])
        )

    def test_a_company_names_each_grade_once(self):
        Grade = self.env["rebate.grade"].with_user(self.manager)
        text = (
            f"Company {self.env.company.display_name} already has a grade named "
            "A: give each grade its own name."
        )
        for name in ("A", " a ", "a"):
            with self.assertRaisesText(ValidationError, text):
                Grade.create({"name": name})
        with self.assertRaisesText(ValidationError, "already has a grade named"):
            self.grade_b.with_user(self.manager).name = "A "
        self.assertEqual(self.grade_b.name, "B")
        # another company may have its own A
        self.assertTrue(
            self.env["rebate.grade"]
            .with_company(self.company_2)
            .create({"name": "A", "company_id": self.company_2.id})
        )
        # an archived grade gives its name up; back, it takes it again
        self.grade_a.action_archive()
        new_a = Grade.create({"name": "a"})
        with self.assertRaisesText(ValidationError, "already has a grade named"):
            self.grade_a.action_unarchive()
        self.assertTrue(new_a.active)

    # 3. The grade list reads its headers in full

    def test_grade_list_headers_are_wide_enough(self):
        arch = self.env["rebate.grade"].get_views([(False, "list")])["views"]["list"][
            "arch"
        ]
        self.assertIn('name="min_sales" width="150px"', arch)
        self.assertIn('name="min_invoice_count" width="140px"', arch)


@tagged("post_install", "-at_install")
class TestRebateGradeRulesRpc(RebateHttpMixin, GradeRulesCommon, HttpCase):
    """The same rules over XML-RPC, as each role would meet them."""

    def test_grades_over_rpc(self):
        admin = self.env.ref("base.user_admin")
        for user, password in (
            (self.salesperson, "gr_sales-pass"),
            (self.accountant, "gr_acc-pass"),
            (self.manager, "gr_manager-pass"),
            (admin, "admin"),
        ):
            for context in ({}, {"rebate_workflow": True}):
                with self.assertRaises(Fault) as capture:
                    self._call_as(
                        user,
                        password,
                        "res.partner",
                        "write",
                        [self.buyer.id],
                        {"rebate_grade_id": self.grade_a.id},
                        context=context,
                    )
                self.assertIn(GRADE_WRITE, capture.exception.faultString, user.login)
        self.assertCallFails(
            GRADE_WRITE,
            self.salesperson,
            "res.partner",
            "create",
            {"name": "Born graded", "rebate_grade_id": self.grade_a.id},
        )
        new_id = self._call(
            self.salesperson, "res.partner", "create", {"name": "Signed up"}
        )
        self.assertTrue(self.env["res.partner"].browse(new_id).exists())
        # the wizard and the partner's method: a sales manager's, with a reason
        for args, text in (
            (
                ["rebate.grade.set", "create", {"partner_id": self.buyer.id}],
                "rebate.grade.set",
            ),
            (
                [
                    "res.partner",
                    "action_set_rebate_grade",
                    [self.buyer.id],
                    self.grade_a.id,
                    "Mine",
                ],
                MANAGERS_ONLY,
            ),
        ):
            self.assertCallFails(text, self.salesperson, *args)
        self.assertCallFails(
            "Say why",
            self.manager,
            "res.partner",
            "action_set_rebate_grade",
            [self.buyer.id],
            self.grade_a.id,
            " ",
        )
        self.assertFalse(self._grade(self.buyer))
        wizard_id = self._call(
            self.manager,
            "rebate.grade.set",
            "create",
            {
                "partner_id": self.buyer.id,
                "grade_id": self.grade_a.id,
                "reason": "Key account",
            },
        )
        self._call(self.manager, "rebate.grade.set", "action_set_grade", [wizard_id])
        self.assertEqual(self._grade(self.buyer), self.grade_a)
        self.assertEqual(
            self._grade_notes(self.buyer),
            [("<p>Rebate grade set by hand: Key account</p>", "", "A")],
        )

    def test_templates_and_grade_names_over_rpc(self):
        self.assertCallFails(
            "Template RPC template needs a customer grade",
            self.manager,
            "rebate.agreement",
            "create",
            {
                "name": "RPC template",
                "is_template": True,
                "date_start": "2026-01-01",
                "date_end": "2026-12-31",
            },
        )
        self.assertCallFails(
            "already has a grade named B:",
            self.manager,
            "rebate.grade",
            "create",
            {"name": " b"},
        )
        self.assertFalse(
            self.env["rebate.agreement"].search([("name", "=", "RPC template")])
        )
        self.assertEqual(
            self.env["rebate.grade"].search([("company_id", "=", self.env.company.id)]),
            self.grade_a | self.grade_b,
        )


@tagged("post_install", "-at_install")
class TestRebateGradeTour(RebateHttpMixin, GradeRulesCommon, HttpCase):
    """The grade list and the Set Rebate Grade wizard, in a real browser, as
    a sales manager."""

    def test_grade_list_and_wizard_in_the_browser(self):
        self._require_browser()
        # start_tour logs in with a password equal to the login
        self._create_user(
            "grade_tour_manager",
            "base.group_user,rebate_management.group_rebate_manager",
        )
        self.start_tour(
            "/odoo/action-rebate_management.rebate_grade_action",
            "rebate_grade_list_tour",
            login="grade_tour_manager",
        )
        self.start_tour(
            f"/odoo/res.partner/{self.buyer.id}",
            "rebate_grade_set_tour",
            login="grade_tour_manager",
        )
        self.assertEqual(self._grade(self.buyer), self.grade_a)
