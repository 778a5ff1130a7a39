# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from io import BytesIO

from freezegun import freeze_time
from openpyxl import load_workbook
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged
from odoo.tools import mute_logger

from .common import RebateCommon, RebateHttpMixin


@tagged("post_install", "-at_install")
@freeze_time("2025-05-10")
class TestRebatePrecedence(RebateCommon):
    """Which agreement counts a line several agreements match, the README's
    example: one line of 10,000 of product X. A (its category, flat 3 %,
    priority 10) and B (all products, flat 2 %, priority 20) stack: 300 +
    200. In one stacking group, A only: 300. C (product X, flat 5 %,
    exclusive, priority 5) takes the line: C 500, A and B nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.group = cls.env["rebate.stacking.group"].create({"name": "Promotions"})
        cls.a = cls._create_agreement(
            [(0.0, 3.0)],
            name="A",
            priority=10,
            product_categ_ids=[Command.set(cls.categ_parent.ids)],
        )
        cls.b = cls._create_agreement([(0.0, 2.0)], name="B", priority=20)

    def _create_c(self, activate=True, **vals):
        return self._create_agreement(
            [(0.0, 5.0)],
            activate=activate,
            name="C",
            priority=5,
            exclusive=True,
            product_ids=[Command.set(self.product_x.ids)],
            **vals,
        )

    def _invoice(self, lines=None):
        return self._create_invoice(lines or [(self.product_x, 1, 10000.0)])

    def _closed_totals(self, agreements):
        settlements = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=agreements
        )
        return {s.agreement_id.name: s.rebate_total for s in settlements}

    def _group(self, *agreements):
        # the terms are locked once active: grouped as an amendment would
        for agreement in agreements:
            agreement._rebate_workflow().stacking_group_id = self.group

    def test_agreements_stack(self):
        self._invoice()
        self.assertAccrued(self.a, 300.0)
        self.assertAccrued(self.b, 200.0)
        self.assertEqual(self._closed_totals(self.a | self.b), {"A": 300.0, "B": 200.0})

    def test_one_stacking_group_counts_the_first(self):
        self._group(self.a, self.b)
        self._invoice()
        self.assertAccrued(self.a, 300.0)
        self.assertAccrued(self.b, 0.0)
        self.assertEqual(self._closed_totals(self.a | self.b), {"A": 300.0, "B": 0.0})
        # a line A does not match (another category) is B's alone
        self._invoice([(self.product_z, 1, 1000.0)])
        self.assertAccrued(self.b, 20.0)

    def test_exclusive_takes_the_line(self):
        self._invoice()
        c = self._create_c()
        self.assertAccrued(c, 500.0)
        self.assertAccrued(self.a, 0.0)
        self.assertAccrued(self.b, 0.0)
        self.assertEqual(
            self._closed_totals(self.a | self.b | c), {"A": 0.0, "B": 0.0, "C": 500.0}
        )
        # activating C rebuilt A's and B's accruals, and said so
        for agreement in self.a | self.b:
            self.assertTrue(
                agreement.message_ids.filtered(
                    lambda m: "recomputed: C became active" in m.body
                )
            )

    def test_exclusive_leaves_the_other_lines(self):
        """A tier measured on A's base moves with the lines C takes: A's
        retroactive 1 % / 3 % from 15,000 on X 10,000 + Y 10,000 is 3 %
        alone, 1 % of Y's 10,000 once C takes X."""
        a = self._create_agreement(
            [(0.0, 1.0), (15000.0, 3.0)],
            name="A tiers",
            tier_mode="retroactive",
            product_categ_ids=[Command.set(self.categ_parent.ids)],
        )
        self._invoice([(self.product_x, 1, 10000.0), (self.product_y, 1, 10000.0)])
        self.assertAccrued(a, 600.0)
        self._create_c()
        self.assertAccrued(a, 100.0)
        self.assertEqual(self._closed_totals(a), {"A tiers": 100.0})

    def test_statement_names_the_taker(self):
        move = self._invoice()
        self._create_c()
        settlement = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=self.a
        )
        self.assertEqual(
            settlement._get_taken_statement_lines(),
            [
                {
                    "date": move.invoice_date,
                    "move_name": move.name,
                    "product_name": self.product_x.display_name,
                    "amount": 10000.0,
                    "currency": move.currency_id,
                    "taken_by": "C",
                }
            ],
        )
        sheet = load_workbook(BytesIO(settlement._get_statement_xlsx())).active
        rows = [
            [cell.value for cell in row if cell.value is not None]
            for row in sheet.iter_rows()
        ]
        self.assertIn(
            [
                "Lines counted by another agreement (exclusive, or first in its "
                "stacking group), not here"
            ],
            rows,
        )
        self.assertIn(
            [move.name, self.product_x.display_name, 10000, "C"],
            [row[1:] for row in rows if row and row[-1] == "C"],
        )
        # B loses the line to C as well, and says so
        own = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=self.b
        )
        self.assertEqual(len(own._get_taken_statement_lines()), 1)

    def test_cancelling_the_exclusive_gives_the_line_back(self):
        self._invoice()
        c = self._create_c()
        c.action_cancel()
        self.assertAccrued(self.a, 300.0)
        self.assertAccrued(self.b, 200.0)
        self.assertTrue(
            self.a.message_ids.filtered(
                lambda m: "recomputed: C became cancelled" in m.body
            )
        )

    def test_accruals_name_what_they_took(self):
        self._group(self.a, self.b)
        move = self._invoice()
        c = self._create_c()
        self.assertEqual(move.rebate_accrual_ids.agreement_id, c)
        self.assertEqual(move.rebate_accrual_ids.taken_from_ids, self.a | self.b)
        # in the group alone, A takes the line from B
        c.action_cancel()
        move.invalidate_recordset(["rebate_accrual_ids"])
        accrual_a = move.rebate_accrual_ids.filtered(lambda a: a.agreement_id == self.a)
        self.assertEqual(accrual_a.taken_from_ids, self.b)

    def test_activation_refused_against_a_closed_agreement(self):
        """A closed agreement keeps its settled lines: an exclusive agreement
        over them is refused as over an active one's."""
        self._invoice()
        closed = self._create_agreement(
            [(0.0, 1.0)], name="Q1 only", date_end="2025-03-31"
        )
        self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=closed
        ).action_approve()
        self.assertEqual(closed.state, "closed")
        with self.assertRaisesText(UserError, "Q1 only"):
            self._create_c()

    def test_cancel_refused_when_it_would_pay_twice(self):
        self._invoice()
        c = self._create_c()
        self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=c
        ).action_approve()
        with self.assertRaisesText(UserError, "paid again"):
            c.action_cancel()
        self.assertEqual(c.state, "active")
        self.assertAccrued(self.a, 0.0)

    def test_used_stacking_group_is_not_deleted(self):
        self._group(self.a)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.group.unlink()
        self.assertEqual(self.a.stacking_group_id, self.group)

    def test_taker_named_whatever_the_others_exclusive_value(self):
        """B's line is named as C's (exclusive), not A's (first of the
        group), though A and B were created without an exclusive value."""
        self._group(self.a, self.b)
        self._invoice()
        self._create_c()
        settlement = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=self.b
        )
        self.assertEqual(
            [line["taken_by"] for line in settlement._get_taken_statement_lines()],
            ["C"],
        )

    def test_first_exclusive_wins(self):
        self._invoice()
        c = self._create_c()
        d = self._create_agreement([(0.0, 7.0)], name="D", priority=1, exclusive=True)
        self.assertAccrued(d, 700.0)
        self.assertAccrued(c, 0.0)
        self.assertAccrued(self.a, 0.0)

    def test_banner_says_who_counts(self):
        self._group(self.a, self.b)
        c = self._create_c(activate=False)
        self.assertEqual(
            c.overlap_summary.splitlines(),
            [
                "This agreement wins over A: it counts the lines both match, A "
                "does not.",
                "This agreement wins over B: it counts the lines both match, B "
                "does not.",
            ],
        )
        self.assertEqual(
            self.b.overlap_summary.splitlines(),
            [
                "A wins over this agreement: it counts the lines both match, this "
                "agreement does not."
            ],
        )
        # an agreement to approve is named with its state
        c.action_submit()
        self.assertIn("C (To Approve) wins over this agreement", self.a.overlap_summary)

    def test_banner_of_a_form_not_saved(self):
        """The form says who counts before it is saved, by the same rule."""
        form = Form(self.env["rebate.agreement"])
        form.name = "New"
        form.partner_id = self.customer
        form.date_start = "2025-01-01"
        form.date_end = "2025-12-31"
        form.journal_id = self.sale_journal
        form.rebate_product_id = self.rebate_product
        self.assertIn("A and this agreement stack", form.overlap_summary)
        form.exclusive = True
        self.assertIn("This agreement wins over A", form.overlap_summary)
        form.exclusive = False
        self._group(self.a)
        form.stacking_group_id = self.group
        form.priority = 10
        self.assertIn("A has the same priority", form.overlap_summary)
        form.priority = 5
        self.assertIn("This agreement wins over A", form.overlap_summary)

    def test_activation_refused_when_it_takes_settled_lines(self):
        self._invoice()
        settlements = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=self.a
        )
        settlements.action_approve()
        c = self._create_c(activate=False)
        with self.assertRaisesText(UserError, "periods already settled"):
            c.action_activate()
        with self.assertRaisesText(UserError, f"({settlements.name}, 2025-01-01"):
            c.action_activate()
        self.assertEqual(c.state, "draft")
        self.assertAccrued(self.a, 300.0)
        # starting after the settled period, it is activated
        c.date_start = "2025-04-01"
        c.action_activate()
        self.assertEqual(c.state, "active")
        self.assertAccrued(self.a, 300.0)

    def test_equal_priorities_in_a_group_refused(self):
        self._group(self.a)
        with self.assertRaisesText(ValidationError, "same priority"):
            self._create_agreement(
                [(0.0, 1.0)],
                name="E",
                priority=10,
                stacking_group_id=self.group.id,
            )

    def test_stacking_group_of_another_company_refused(self):
        company_2 = self.setup_other_company(name="Stacking Co 2")["company"]
        other = self.env["rebate.stacking.group"].create(
            {"name": "Elsewhere", "company_id": company_2.id}
        )
        with self.assertRaises(UserError):
            self._create_agreement(
                [(0.0, 1.0)], activate=False, stacking_group_id=other.id
            )

    def test_precedence_terms_locked_once_active(self):
        with self.assertRaisesText(UserError, "locked"):
            self.a.priority = 1
        with self.assertRaisesText(UserError, "locked"):
            self.a.exclusive = True

    def test_posting_cost_with_three_agreements_on_a_line(self):
        """Three agreements matching one line (one exclusive, a pair in a
        group) cost the queries of one."""
        self._post_and_count(self.customer, 1)
        one, _move = self._post_and_count(self.customer, 1)
        self._group(self.a, self.b)
        self._create_c()
        self._post_and_count(self.customer, 1)
        three, move = self._post_and_count(self.customer, 20)
        self.assertEqual(three, one)
        self.assertEqual(
            set(move.rebate_accrual_ids.agreement_id.mapped("name")), {"C"}
        )


@tagged("post_install", "-at_install")
class TestRebatePrecedenceRoles(RebateCommon, HttpCase, RebateHttpMixin):
    """Who sets the precedence terms, on every path: salespeople propose
    them on their drafts, managers keep the stacking groups and activate;
    nobody changes them on an active agreement (plain write or XML-RPC)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_role_users("prec")
        cls.group = cls.env["rebate.stacking.group"].create({"name": "Promotions"})
        cls.active = cls._create_agreement(
            [(0.0, 3.0)], name="Active", stacking_group_id=cls.group.id
        )

    def test_stacking_groups_are_the_managers(self):
        Group = self.env["rebate.stacking.group"]
        self.assertAccessErrors(
            lambda: Group.with_user(self.salesperson).create({"name": "Mine"}),
            lambda: self.group.with_user(self.salesperson).write({"name": "Mine"}),
        )
        self.assertEqual(self.group.with_user(self.salesperson).name, "Promotions")
        self.assertCallFails(
            "not allowed",
            self.salesperson,
            "rebate.stacking.group",
            "create",
            {"name": "Mine"},
        )
        group = Group.with_user(self.manager).create({"name": "Grade templates"})
        self.assertEqual(group.company_id, self.env.company)

    def test_terms_locked_on_every_path(self):
        with self.assertRaisesText(UserError, "locked"):
            self.active.with_user(self.manager).write({"exclusive": True})
        self.assertCallFails(
            "locked",
            self.manager,
            "rebate.agreement",
            "write",
            [self.active.id],
            {"priority": 1},
        )
        # (a salesperson does not write an active agreement at all)
        self.assertCallFails(
            "doesn't have 'write' access",
            self.salesperson,
            "rebate.agreement",
            "write",
            [self.active.id],
            {"stacking_group_id": False},
        )
        self.assertEqual(
            (
                self.active.priority,
                self.active.exclusive,
                self.active.stacking_group_id,
            ),
            (10, False, self.group),
        )

    def test_tie_refused_over_xmlrpc(self):
        draft = self._create_agreement(
            [(0.0, 1.0)],
            activate=False,
            name="Tie",
            stacking_group_id=self.group.id,
        )
        self.assertCallFails(
            "same priority",
            self.manager,
            "rebate.agreement",
            "action_activate",
            [draft.id],
        )
        self.assertEqual(draft.state, "draft")
        # a salesperson proposes other terms on the draft, the manager
        # activates
        self._call(
            self.salesperson,
            "rebate.agreement",
            "write",
            [draft.id],
            {"priority": 20},
        )
        self._call(self.manager, "rebate.agreement", "action_activate", [draft.id])
        draft.invalidate_recordset()
        self.assertEqual(draft.state, "active")
