# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from freezegun import freeze_time
from psycopg2.errors import NotNullViolation

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateGrade(RebateCommon):
    """Customer grades and agreement templates per grade (issue #15, parts 1
    and 2)."""

    # the sales of these tests are of June 2025 unless dated otherwise
    sale_date = "2025-06-10"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.product_x | cls.rebate_product).taxes_id = False
        Grade = cls.env["rebate.grade"]
        # the grades of this test only (not the demo's, if installed)
        Grade.sudo().search([]).action_archive()
        cls.grade_a = Grade.create(
            {"name": "A", "sequence": 1, "min_sales": 10000.0, "min_invoice_count": 3}
        )
        cls.grade_b = Grade.create({"name": "B", "sequence": 2, "min_sales": 5000.0})
        cls.grade_c = Grade.create({"name": "C", "sequence": 3})
        Partner = cls.env["res.partner"]
        cls.company_2 = cls.setup_other_company(name="Grade Company 2")["company"]
        cls.buyers = Partner.create(
            [{"name": f"Buyer {index}", "is_company": True} for index in range(5)]
        )

    def _flush_tracking(self):
        """What a commit does: Odoo logs the tracking it left pending."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def _grade(self, partner):
        return partner.with_company(self.env.company).rebate_grade_id

    def test_grades_at_their_exact_boundaries(self):
        exact_a, count_short, below_b, netted, lapsed = self.buyers
        for amount in (4000.0, 3000.0, 3000.0):
            self._sell_to(exact_a, amount)  # 10,000.00 in 3 invoices
        self._sell_to(count_short, 6000.0)
        self._sell_to(count_short, 4000.0)  # 10,000.00 in 2 invoices: B
        self._sell_to(below_b, 4999.99)
        self._sell_to(netted, 6000.0)
        self._sell_to(netted, 1500.0, move_type="out_refund")  # 4,500.00
        # exactly twelve months before the date: outside the window
        self._sell_to(lapsed, 20000.0, date="2024-06-30")
        changed = self.env["rebate.grade"]._assign_grades("2025-06-30")
        # (grades of every company are assigned: the demo's too, if any)
        changed &= self.buyers
        self.assertEqual(self._grade(exact_a), self.grade_a)
        self.assertEqual(self._grade(count_short), self.grade_b)
        self.assertEqual(self._grade(below_b), self.grade_c)
        self.assertEqual(self._grade(netted), self.grade_c)
        self.assertFalse(self._grade(lapsed))
        self.assertEqual(changed, exact_a | count_short | below_b | netted)
        # a day earlier, its twelve months hold it: one invoice, B
        self.env["rebate.grade"]._assign_grades("2025-06-29")
        self.assertEqual(self._grade(lapsed), self.grade_b)

    def test_rebate_documents_do_not_count_as_sales(self):
        agreement = self._create_agreement([(0.0, 10.0)])
        for _index in range(3):
            self._sell_to(self.customer, 3400.0, date="2025-02-10")  # 10,200.00
        settlement = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=agreement
        )
        settlement.action_approve()
        with freeze_time("2025-04-10"):
            settlement.action_create_credit_note()
        self.assertEqual(str(settlement.document_id.invoice_date), "2025-04-10")
        self.assertEqual(settlement.document_id.amount_untaxed, 1020.0)
        self.env["rebate.grade"]._assign_grades("2025-04-30")
        # 10,200.00 of sales, not 9,180.00: still A
        self.assertEqual(self._grade(self.customer), self.grade_a)

    def test_grades_count_the_lines_rebates_count(self):
        """Grades read the counted lines' definition: the reversal of a
        rebate credit note (a customer invoice) is no sale, for the grade as
        for the rebate base (it once counted for the grade: 5,390.00 in 3
        invoices, grade B)."""
        agreement = self._create_agreement([(0.0, 10.0)])
        self._sell_to(self.customer, 3000.0, date="2025-02-10")
        self._sell_to(self.customer, 1900.0, date="2025-02-20")
        settlement = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=agreement
        )
        settlement.action_approve()
        with freeze_time("2025-04-10"):
            settlement.action_create_credit_note()
        credit_note = settlement.document_id
        self.assertEqual(credit_note.amount_untaxed, 490.0)
        reversal = credit_note._reverse_moves(
            [{"invoice_date": "2025-04-12", "ref": "Reversal"}]
        )
        reversal.action_post()
        self.assertEqual(reversal.move_type, "out_invoice")
        self.assertFalse(reversal.rebate_accrual_ids)
        self.env["rebate.grade"]._assign_grades("2025-04-30")
        # 4,900.00 of sales in 2 invoices: C, as its rebate base counts them
        self.assertEqual(self._grade(self.customer), self.grade_c)
        sales = self.env["rebate.grade"]._read_trailing_sales(
            fields.Date.to_date("2025-04-30"), [self.env.company.id]
        )[self.env.company.id][self.customer.id]
        self.assertEqual(sales, (4900.0, 2))

    def test_a_customer_changing_grade_is_tracked(self):
        buyer = self.buyers[0]
        self._sell_to(buyer, 6000.0, date="2025-01-15")
        # tracked as in production (the test classes disable tracking)
        Grade = self.env["rebate.grade"].with_context(
            tracking_disable=False, mail_notrack=False
        )
        self._flush_tracking()
        Grade._assign_grades("2025-01-31")
        self._flush_tracking()
        self.assertEqual(self._grade(buyer), self.grade_b)
        self._sell_to(buyer, 3000.0, date="2025-02-15")
        self._sell_to(buyer, 3000.0, date="2025-02-20")
        self._flush_tracking()
        changed = Grade._assign_grades("2025-02-28") & self.buyers
        self.assertEqual(changed, buyer)
        self.assertEqual(self._grade(buyer), self.grade_a)
        trackings = (
            self.env["mail.message"]
            .search([("model", "=", "res.partner"), ("res_id", "=", buyer.id)])
            .tracking_value_ids.filtered(lambda t: t.field_id.name == "rebate_grade_id")
            .sorted("id")
        )
        self.assertEqual(
            [(t.old_value_char, t.new_value_char) for t in trackings],
            [("", "B"), ("B", "A")],
        )
        # a year without invoices: no grade any more
        changed = Grade._assign_grades("2026-03-31") & self.buyers
        self.assertEqual(changed, buyer)
        self.assertFalse(self._grade(buyer))
        # nothing changes, nothing is written
        self.assertFalse(Grade._assign_grades("2026-03-31"))

    def test_a_fixed_number_of_queries_whatever_the_customers(self):
        # with the chatter notes, as in production
        Grade = self.env["rebate.grade"].with_context(
            tracking_disable=False, mail_notrack=False
        )
        customers = self.env["res.partner"].create(
            [{"name": f"Counted {index}", "is_company": True} for index in range(7)]
        )

        def grade(batch):
            """Queries to grade ``batch`` new B customers (and keep the
            others' grades)."""
            for partner in batch:
                self._sell_to(partner, 6000.0)
            self._flush_tracking()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            changed = Grade._assign_grades("2025-06-30") & customers
            self.assertEqual(changed, batch)
            self.assertEqual(set(batch.mapped(self._grade)), {self.grade_b})
            return self.env.cr.sql_log_count - before

        grade(customers[:1])  # the first run warms Odoo's caches
        self.assertEqual(grade(customers[1:3]), grade(customers[3:]))

    def test_grades_per_company(self):
        company_2 = self.company_2
        grade_2 = (
            self.env["rebate.grade"]
            .with_company(company_2)
            .create({"name": "Gold", "company_id": company_2.id, "min_sales": 100.0})
        )
        # a grade of each company is assigned, whichever company grades

        buyer = self.buyers[0]
        self._sell_to(buyer, 6000.0)
        self.env["rebate.grade"]._assign_grades("2025-06-30")
        # sales in company 1 only: no grade in company 2
        self.assertEqual(self._grade(buyer), self.grade_b)
        self.assertFalse(buyer.with_company(company_2).rebate_grade_id)
        self._create_invoice(
            [(self.product_x, 1, 200.0)],
            date="2025-06-10",
            partner=buyer,
            company=company_2,
        )
        self.env["rebate.grade"]._assign_grades("2025-06-30")
        self.assertEqual(buyer.with_company(company_2).rebate_grade_id, grade_2)
        self.assertEqual(self._grade(buyer), self.grade_b)

    def test_bad_grades_are_refused(self):
        Grade = self.env["rebate.grade"]
        with self.assertRaisesText(ValidationError, "needs a name"):
            Grade.create({"name": "  "})
        with self.assertRaises(NotNullViolation), mute_logger("odoo.sql_db"):
            Grade.create({"min_sales": 1.0})
        with self.assertRaisesText(ValidationError, "cannot be negative"):
            Grade.create({"name": "Minus", "min_sales": -1.0})
        with self.assertRaisesText(ValidationError, "cannot be negative"):
            self.grade_b.min_invoice_count = -1
        self.assertEqual(self.grade_b.min_invoice_count, 0)
        self.assertFalse(Grade.search([("name", "in", ("  ", "Minus"))]))

    def test_roles_on_grades(self):
        salesperson = self._create_rebate_user("grade_sales", "group_rebate_user")
        manager = self._create_rebate_user("grade_manager", "group_rebate_manager")
        other = self._create_rebate_user(
            "grade_other", "group_rebate_manager", self.company_2
        )
        self.assertEqual(
            self.env["rebate.grade"].with_user(salesperson).search([]),
            self.grade_a | self.grade_b | self.grade_c,
        )
        with self.assertRaises(AccessError):
            self.grade_a.with_user(salesperson).min_sales = 1.0
        with self.assertRaises(AccessError):
            self.env["rebate.grade"].with_user(salesperson).create({"name": "D"})
        with self.assertRaises(AccessError):
            self.grade_a.with_user(salesperson).action_assign_grades()
        self.grade_a.with_user(manager).min_sales = 9000.0
        self.assertEqual(self.grade_a.min_sales, 9000.0)
        self.grade_a.with_user(manager).action_assign_grades()
        # companies never cross
        self.assertFalse(self.env["rebate.grade"].with_user(other).search([]))
        with self.assertRaises(AccessError):
            self.grade_a.with_user(other).read(["name"])

    # Templates

    def _template(self, grade=None, **vals):
        return self.env["rebate.agreement"].create(
            {
                "name": vals.pop("name", "Grade B terms"),
                "is_template": True,
                "grade_id": (grade or self.grade_b).id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
                "period": "quarter",
                "tier_mode": "retroactive",
                "journal_id": self.sale_journal.id,
                "rebate_product_id": self.rebate_product.id,
                "product_ids": [Command.set(self.product_x.ids)],
                "commitment_base": 1000.0,
                "penalty_type": "fixed",
                "penalty_value": 25.0,
                "tier_ids": [
                    Command.create({"threshold": 0.0, "rate": 1.0}),
                    Command.create({"threshold": 5000.0, "rate": 2.0}),
                ],
                **vals,
            }
        )

    def test_a_template_has_no_customer_and_never_runs(self):
        with self.assertRaisesText(ValidationError, "cannot have a customer"):
            self._template(partner_id=self.customer.id)
        with self.assertRaisesText(ValidationError, "needs a customer"):
            self.env["rebate.agreement"].create(
                {
                    "name": "Nobody's",
                    "date_start": "2025-01-01",
                    "date_end": "2025-12-31",
                }
            )
        template = self._template()
        self.assertFalse(template.partner_id)
        for action in (template.action_submit, template.action_activate):
            with self.assertRaisesText(UserError, "never submitted, activated"):
                action()
        with self.assertRaisesText(UserError, "never submitted, activated"):
            self.env["rebate.settlement"].close_periods("2025-12-31", template.ids)
        self.assertEqual(template.state, "draft")
        # its customer's invoices never accrue on it
        self._sell_to(self.customer, 8000.0, date="2025-02-10")
        self.assertFalse(template.accrual_ids)
        # not in the agreements' menu
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "rebate_management.rebate_agreement_action"
        )
        self.assertEqual(
            action["domain"],
            "[('is_template', '=', False), ('rebate_type', '=', 'customer')]",
        )
        self.assertNotIn(
            template, self.env["rebate.agreement"].search([("is_template", "=", False)])
        )

    def test_generate_agreements_for_the_grade_once(self):
        first, second, third, *_rest = self.buyers
        self._sell_to(first, 6000.0)
        self._sell_to(second, 7000.0)
        self._sell_to(third, 500.0)  # grade C
        self.env["rebate.grade"]._assign_grades("2025-06-30")
        template = self._template()
        wizard = (
            self.env["rebate.agreement.generate"]
            .with_context(default_template_id=template.id)
            .create({"date_start": "2026-01-01", "date_end": "2026-12-31"})
        )
        self.assertEqual(wizard.agreement_count, 2)
        self.assertEqual(wizard.partner_ids, first | second)
        action = wizard.action_generate()
        agreements = self.env["rebate.agreement"].search(action["domain"])
        self.assertEqual(agreements.partner_id, first | second)
        for agreement in agreements:
            self.assertEqual(agreement.state, "draft")
            self.assertEqual(agreement.template_id, template)
            self.assertFalse(agreement.is_template)
            self.assertEqual(str(agreement.date_start), "2026-01-01")
            self.assertEqual(
                [(t.threshold, t.rate) for t in agreement.tier_ids.sorted("threshold")],
                [(0.0, 1.0), (5000.0, 2.0)],
            )
            self.assertEqual(agreement.tier_mode, "retroactive")
            self.assertEqual(agreement.product_ids, self.product_x)
            self.assertEqual(agreement.commitment_base, 1000.0)
            self.assertEqual(agreement.penalty_value, 25.0)
            self.assertEqual(agreement.journal_id, self.sale_journal)
            self.assertIn("Generated from template", agreement.message_ids[0].body)
        # twice: nothing more
        wizard_again = (
            self.env["rebate.agreement.generate"]
            .with_context(default_template_id=template.id)
            .create({"date_start": "2026-03-01", "date_end": "2026-06-30"})
        )
        self.assertEqual(wizard_again.agreement_count, 0)
        self.assertFalse(
            template.action_generate_agreements("2026-03-01", "2026-06-30")
        )
        # another year, or a cancelled agreement: generated again
        agreements.filtered(lambda a: a.partner_id == first).action_cancel()
        again = template.action_generate_agreements("2026-01-01", "2026-12-31")
        self.assertEqual(again.partner_id, first)
        # generated agreements go through the normal approval
        again.action_activate()
        self.assertEqual(again.state, "active")
        # a cancelled template generates nothing
        template.action_cancel()
        with self.assertRaisesText(UserError, "not cancelled"):
            template.action_generate_agreements("2027-01-01", "2027-12-31")

    def test_templates_in_two_companies(self):
        company_2 = self.company_2
        buyer = self.buyers[0]
        self._sell_to(buyer, 6000.0)
        self._create_invoice(
            [(self.product_x, 1, 300.0)],
            date="2025-06-10",
            partner=buyer,
            company=company_2,
        )
        grade_2 = (
            self.env["rebate.grade"]
            .with_company(company_2)
            .create({"name": "Silver", "company_id": company_2.id, "min_sales": 100.0})
        )
        self.env["rebate.grade"]._assign_grades("2025-06-30")
        Agreement = self.env["rebate.agreement"].with_company(company_2)
        template_2 = Agreement.create(
            {
                "name": "Silver terms",
                "is_template": True,
                "grade_id": grade_2.id,
                "company_id": company_2.id,
                "currency_id": company_2.currency_id.id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
                "tier_ids": [Command.create({"threshold": 0.0, "rate": 3.0})],
            }
        )
        template_1 = self._template()
        generated_2 = template_2.action_generate_agreements("2026-01-01", "2026-12-31")
        self.assertEqual(generated_2.partner_id, buyer)
        self.assertEqual(generated_2.company_id, company_2)
        self.assertEqual(generated_2.journal_id.company_id, company_2)
        generated_1 = template_1.action_generate_agreements("2026-01-01", "2026-12-31")
        self.assertEqual(generated_1.partner_id, buyer)
        self.assertEqual(generated_1.company_id, self.env.company)
        # a grade of another company is refused on a template
        with self.assertRaises(UserError):
            template_1.grade_id = grade_2

    def test_only_managers_generate(self):
        salesperson = self._create_rebate_user("tmpl_sales", "group_rebate_user")
        template = self._template(user_id=salesperson.id)
        with self.assertRaises(AccessError):
            template.with_user(salesperson).action_generate_agreements(
                "2026-01-01", "2026-12-31"
            )
        with self.assertRaises(AccessError):
            self.env["rebate.agreement.generate"].with_user(salesperson).create(
                {
                    "template_id": template.id,
                    "date_start": "2026-01-01",
                    "date_end": "2026-12-31",
                }
            )
        with self.assertRaisesText(ValidationError, "end date"):
            template.action_generate_agreements("2026-12-31", "2026-01-01")
        # the template link is the generator's: never set by hand
        with self.assertRaisesText(UserError, "can only be set by its workflow"):
            self._create_agreement(
                [(0.0, 1.0)], activate=False, template_id=template.id
            )
