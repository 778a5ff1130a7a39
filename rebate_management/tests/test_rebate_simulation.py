# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import RebateCommon

# The worked example: quarterly sales of 2024, and the tiers of the
# new terms (retroactive).
QUARTERS = (
    ("2024-02-10", 40000.0),
    ("2024-05-10", 55000.0),
    ("2024-08-10", 70000.0),
    ("2024-11-10", 30000.0),
)
TIERS = ((0.0, 2.0), (50000.0, 3.0), (60000.0, 4.0))


@tagged("post_install", "-at_install")
class TestRebateSimulation(RebateCommon):
    """Terms priced on past sales before they are signed (issue #28, part 1)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.product_x | cls.product_y | cls.rebate_product).taxes_id = False
        cls._create_role_users("sim")
        # what the customer sold in 2024, under a 1 % agreement closed then
        cls.current = cls._create_agreement(
            [(0.0, 1.0)],
            name="2024 terms",
            date_start="2024-01-01",
            date_end="2024-12-31",
        )
        for date, amount in QUARTERS:
            cls._create_invoice([(cls.product_x, 1, amount)], date=date)
        # Product Z is not in the new terms' scope: its sales never count
        cls._create_invoice([(cls.product_z, 10, 100.0)], date="2024-05-11")
        # what the customer's current agreements settled: approved (a draft
        # settlement is not counted)
        settlements = cls.env["rebate.settlement"].close_periods("2024-12-31")
        settlements.filtered(lambda s: s.date_from.month < 10).action_approve()

    def _draft(self, tiers=TIERS, **vals):
        return self._create_agreement(
            tiers,
            activate=False,
            name=vals.pop("name", "2025 terms"),
            tier_mode="retroactive",
            product_categ_ids=[Command.set(self.categ_parent.ids)],
            **vals,
        )

    def _periods(self, result, *keys):
        return [tuple(period[key] for key in keys) for period in result["periods"]]

    def test_worked_example(self):
        result = self._draft().simulate()
        self.assertEqual(
            self._periods(result, "date_from", "date_to", "base", "rate", "rebate"),
            [
                ("2024-01-01", "2024-03-31", 40000.0, 2.0, 800.0),
                ("2024-04-01", "2024-06-30", 55000.0, 3.0, 1650.0),
                ("2024-07-01", "2024-09-30", 70000.0, 4.0, 2800.0),
                ("2024-10-01", "2024-12-31", 30000.0, 2.0, 600.0),
            ],
        )
        self.assertEqual(
            (result["base"], result["rebate"], result["percent"]),
            (195000.0, 5850.0, 3.0),
        )
        # beside it, what the 1 % agreement paid for the same quarters (the
        # 1,000 of Product Z included: it counted there)
        # (the fourth quarter's settlement is still a draft)
        self.assertEqual(
            self._periods(result, "current_rebate", "percent"),
            [(400.0, 2.0), (560.0, 3.0), (700.0, 4.0), (0.0, 2.0)],
        )
        self.assertEqual(result["current_rebate"], 1660.0)
        self.assertEqual(
            (result["date_from"], result["date_to"], result["currency"]),
            ("2024-01-01", "2024-12-31", self.env.company.currency_id.name),
        )

    def test_a_second_set_of_terms_on_the_same_periods(self):
        draft = self._draft()
        other = draft.simulate(
            terms={"tier_ids": [(0.0, 2.0), (50000.0, 3.0), (60000.0, 3.5)]}
        )
        # only the third quarter reaches the top tier: 70,000 x 3.5 %
        self.assertEqual(
            self._periods(other, "rebate"), [(800.0,), (1650.0,), (2450.0,), (600.0,)]
        )
        self.assertEqual((other["rebate"], other["percent"]), (5500.0, 2.82))
        # stepped instead of retroactive, on a half year
        stepped = draft.simulate(
            "2024-01-01",
            "2024-12-31",
            terms={"tier_mode": "stepped", "period": "half_year"},
        )
        self.assertEqual(
            self._periods(stepped, "date_from", "base", "rebate"),
            [
                # 50,000 x 2 %, 10,000 x 3 %, and 4 % above 60,000
                ("2024-01-01", 95000.0, 1000.0 + 300.0 + 1400.0),
                ("2024-07-01", 100000.0, 1000.0 + 300.0 + 1600.0),
            ],
        )
        # the agreement's own terms are unchanged
        self.assertEqual(draft.simulate()["rebate"], 5850.0)

    def test_priced_as_the_customers_only_agreement(self):
        """An exclusive agreement in force over the draft's dates would take
        its lines at a close: the simulation prices the terms alone."""
        for date, amount in QUARTERS:
            self._create_invoice(
                [(self.product_x, 1, amount)], date=date, partner=self.other_customer
            )
        self._create_agreement(
            [(0.0, 1.0)],
            name="Exclusive",
            partner_id=self.other_customer.id,
            date_start="2024-01-01",
            date_end="2025-12-31",
            exclusive=True,
        )
        draft = self._draft(partner_id=self.other_customer.id)
        result = draft.simulate()
        self.assertEqual((result["base"], result["rebate"]), (195000.0, 5850.0))
        self.assertEqual(result["current_rebate"], 0.0)  # nothing settled yet

    def test_a_commitment_and_a_minimum_of_invoices_as_at_close(self):
        # 50,000 a quarter committed, 100 short of it: Q1 and Q4 fall short
        committed = self._draft(
            commitment_base=50000.0, penalty_type="fixed", penalty_value=100.0
        ).simulate()
        self.assertEqual(
            self._periods(committed, "rebate", "penalty"),
            [(700.0, 100.0), (1650.0, 0.0), (2800.0, 0.0), (500.0, 100.0)],
        )
        self.assertEqual((committed["rebate"], committed["penalty"]), (5650.0, 200.0))
        # two invoices a quarter asked, one bought (Product Z's is not in scope)
        frequent = self._draft(name="Frequent", min_invoice_count=2).simulate()
        self.assertEqual(
            self._periods(frequent, "rebate", "withheld", "invoice_count"),
            [(0.0, True, 1)] * 4,
        )
        self.assertEqual(frequent["rebate"], 0.0)

    @freeze_time("2024-11-15")
    def test_the_default_range_ends_with_the_last_complete_period(self):
        # on 15 November 2024 the fourth quarter is not over
        result = self._draft().simulate()
        self.assertEqual(
            self._periods(result, "date_from", "base"),
            [
                ("2023-10-01", 0.0),
                ("2024-01-01", 40000.0),
                ("2024-04-01", 55000.0),
                ("2024-07-01", 70000.0),
            ],
        )
        # a range chosen into the running quarter says so
        chosen = self._draft(name="Chosen").simulate("2024-07-01", "2024-12-31")
        self.assertEqual(self._periods(chosen, "partial"), [(False,), (True,)])

    def test_a_chosen_range(self):
        result = self._draft().simulate("2024-04-01", "2024-09-30")
        self.assertEqual(self._periods(result, "base"), [(55000.0,), (70000.0,)])
        self.assertEqual(result["rebate"], 4450.0)

    def test_it_writes_nothing(self):
        draft = self._draft()
        self.env.flush_all()
        changes = """
            SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0)
              FROM pg_stat_xact_user_tables"""
        self.env.cr.execute(changes)
        [before] = self.env.cr.fetchone()
        draft.simulate(terms={"tier_ids": [(0.0, 1.0)]})
        self.env.flush_all()
        self.env.cr.execute(changes)
        self.assertEqual(self.env.cr.fetchone()[0], before)
        self.assertFalse(draft.simulation)

    def test_a_fixed_number_of_queries(self):
        draft = self._draft()
        draft.simulate()  # the fields and tiers read once
        counts = []
        for date_from, period in (("2024-01-01", "quarter"), ("2022-01-01", "month")):
            draft.invalidate_recordset()
            before = self.env.cr.sql_log_count
            draft.simulate(date_from, "2024-12-31", terms={"period": period})
            counts.append(self.env.cr.sql_log_count - before)
        # 4 quarters and 36 months: the same queries
        self.assertEqual(counts[0], counts[1])
        self.assertLessEqual(counts[0], 8)

    def test_wrong_inputs(self):
        draft = self._draft()
        for kwargs, text in (
            ({"terms": {"product_ids": [1]}}, "cannot change product_ids"),
            ({"terms": {"tier_mode": "sideways"}}, "is not a valid"),
            ({"terms": {"tier_ids": [(0.0, -1.0)]}}, "cannot be negative"),
            ({"terms": {"tier_ids": [("a", 1.0)]}}, "pairs of numbers"),
            ({"terms": {"tier_ids": []}}, "at least one tier"),
            ({"date_from": "2024-06-01", "date_to": "2024-01-01"}, "start before"),
            ({"date_from": "2024-06-01"}, "both ends"),
        ):
            with self.subTest(kwargs=kwargs), self.assertRaisesText(UserError, text):
                draft.simulate(**kwargs)

    def test_kept_for_the_approver_and_quoted_at_approval(self):
        draft = self._draft(user_id=self.salesperson.id).with_user(self.salesperson)
        draft.invalidate_recordset()
        action = draft.action_simulate()
        wizard = self.env["rebate.agreement.simulation"].browse(action["res_id"])
        self.assertTrue(wizard.is_kept)
        self.assertIn("5,850.00", wizard.result_html)
        draft.action_submit()
        # the manager sees what the salesperson saw
        seen = draft.with_user(self.manager)
        self.assertEqual(seen.simulation["rebate"], 5850.0)
        self.assertIn("5,850.00", seen.simulation_html)
        seen.action_activate()
        [note] = seen.message_ids.filtered(lambda m: "simulation" in m.body)
        self.assertIn(
            "a rebate of $&nbsp;5,850.00 on $&nbsp;195,000.00 (3.00 % of sales); "
            "the customer's agreements settled $&nbsp;1,660.00.",
            note.body,
        )

    def test_the_wizard_compares_other_tiers(self):
        draft = self._draft()
        wizard = self.env["rebate.agreement.simulation"].create(
            {
                "agreement_id": draft.id,
                "compare_tier_ids": [
                    Command.create({"threshold": 0.0, "rate": 2.5}),
                ],
            }
        )
        wizard.action_simulate()
        self.assertEqual(wizard.comparison["rebate"], 4875.0)  # 195,000 x 2.5 %
        self.assertEqual(draft.simulation["comparison"]["rebate"], 4875.0)
        self.assertEqual(draft.simulation["rebate"], 5850.0)

    def test_changed_terms_drop_the_simulation(self):
        draft = self._draft()
        draft.action_simulate()
        self.assertTrue(draft.simulation)
        draft.name = "Renamed"  # not a term
        self.assertTrue(draft.simulation)
        draft.write(
            {"tier_ids": [Command.update(draft.tier_ids[-1].id, {"rate": 5.0})]}
        )
        self.assertFalse(draft.simulation)
        draft.action_simulate()
        draft.tier_ids[-1].rate = 4.5  # the tier itself
        self.assertFalse(draft.simulation)
        draft.action_simulate()
        draft.period = "half_year"
        self.assertFalse(draft.simulation)
        # a buying group's members are terms too
        draft.action_simulate()
        self.env["rebate.agreement.member"].create(
            {"agreement_id": draft.id, "partner_id": self.other_customer.id}
        )
        self.assertFalse(draft.simulation)

    def test_nobody_writes_a_simulation_by_hand(self):
        draft = self._draft()
        for user in (self.salesperson, self.manager):
            with self.subTest(user=user.login), self.assertRaises(UserError):
                draft.with_user(user).write({"simulation": {"rebate": 1.0}})
        self.assertFalse(draft.simulation)

    def test_only_a_draft_keeps_its_simulation(self):
        self.current.action_simulate()
        self.assertFalse(self.current.simulation)
        draft = self._draft()
        draft.action_simulate()
        draft.action_submit()
        kept = dict(draft.simulation)
        self.assertEqual(kept["run_by"], self.env.user.name)
        # the approver's own run is shown, not kept over the proposer's
        action = draft.action_simulate()
        wizard = self.env["rebate.agreement.simulation"].browse(action["res_id"])
        self.assertFalse(wizard.is_kept)
        self.assertEqual(draft.simulation, kept)


@tagged("post_install", "-at_install")
class TestRebateSimulationTemplate(RebateCommon):
    """A template simulated per customer of its grade, and for the grade."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.product_x | cls.rebate_product).taxes_id = False
        cls._create_role_users("simt")
        Grade = cls.env["rebate.grade"]
        Grade.sudo().search([]).action_archive()
        cls.grade = Grade.create({"name": "Gold", "sequence": 1})
        cls.buyers = cls.env["res.partner"].create(
            [{"name": f"Buyer {index}", "is_company": True} for index in range(4)]
        )
        for buyer in cls.buyers:
            buyer.action_set_rebate_grade(cls.grade.id, "simulation test")
        cls.template = cls.env["rebate.agreement"].create(
            {
                "name": "Gold terms",
                "is_template": True,
                "grade_id": cls.grade.id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
                "period": "half_year",
                "tier_mode": "retroactive",
                "journal_id": cls.sale_journal.id,
                "rebate_product_id": cls.rebate_product.id,
                "tier_ids": [
                    Command.create({"threshold": 0.0, "rate": 1.0}),
                    Command.create({"threshold": 5000.0, "rate": 2.0}),
                ],
            }
        )
        # buyer 0: 6,000 then 3,000; buyer 1: 2,000 in the first half, a
        # refund of 500 in the second; buyers 2 and 3 buy nothing in 2024
        for buyer, date, amount, move_type in (
            (0, "2024-03-01", 6000.0, "out_invoice"),
            (0, "2024-09-01", 3000.0, "out_invoice"),
            (1, "2024-04-01", 2000.0, "out_invoice"),
            (1, "2024-10-01", 500.0, "out_refund"),
            (2, "2025-01-15", 9000.0, "out_invoice"),
        ):
            cls._create_invoice(
                [(cls.product_x, 1, amount)],
                date=date,
                partner=cls.buyers[buyer],
                move_type=move_type,
            )

    def test_per_customer_and_for_the_grade(self):
        result = self.template.simulate("2024-01-01", "2024-12-31")
        customers = {row["name"]: row for row in result["customers"]}
        self.assertEqual(sorted(customers), [f"Buyer {i}" for i in range(4)])
        self.assertEqual(
            [
                (period["base"], period["rebate"])
                for period in customers["Buyer 0"]["periods"]
            ],
            [(6000.0, 120.0), (3000.0, 30.0)],
        )
        self.assertEqual(
            [
                (period["base"], period["rebate"])
                for period in customers["Buyer 1"]["periods"]
            ],
            [(2000.0, 20.0), (-500.0, 0.0)],
        )
        self.assertEqual(customers["Buyer 2"]["rebate"], 0.0)
        # the grade: per half year, and in all
        self.assertEqual(
            [(p["date_from"], p["base"], p["rebate"]) for p in result["periods"]],
            [("2024-01-01", 8000.0, 140.0), ("2024-07-01", 2500.0, 30.0)],
        )
        self.assertEqual(
            (result["base"], result["rebate"], result["percent"]),
            (10500.0, 170.0, 1.62),
        )

    def test_fixed_queries_whatever_the_customers(self):
        self.template.simulate()
        counts = []
        for buyers in (self.buyers[:1], self.buyers):
            self.template.invalidate_recordset()
            before = self.env.cr.sql_log_count
            self.template.simulate(partner_ids=buyers.ids)
            counts.append(self.env.cr.sql_log_count - before)
        self.assertEqual(counts[0], counts[1])

    def test_from_the_generate_wizard(self):
        wizard = self.env["rebate.agreement.generate"].create(
            {
                "template_id": self.template.id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
            }
        )
        action = wizard.action_simulate()
        simulation = self.env["rebate.agreement.simulation"].browse(action["res_id"])
        self.assertEqual(simulation.result["rebate"], 170.0)
        self.assertFalse(simulation.is_kept)  # a template keeps none
        self.assertFalse(self.template.simulation)
        self.assertIn("Buyer 0", simulation.result_html)

    def test_a_salesperson_cannot_simulate_a_template(self):
        with self.assertRaises(AccessError):
            self.template.with_user(self.salesperson).simulate()
