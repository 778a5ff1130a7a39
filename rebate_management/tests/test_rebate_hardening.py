# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from freezegun import freeze_time
from markupsafe import Markup

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from ..tools import log_notes
from .common import RebateCommon

FORGED = "can only be set by its workflow"


@tagged("post_install", "-at_install")
class TestRebateHardening(RebateCommon):
    """The workflow cannot be forged, and every role can do its job: one test
    per defect found trying the module as each role would."""

    @classmethod
    def default_env_context(cls):
        # the chatter is part of what is tested: tracking stays on
        return {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_role_users("hard")
        cls.accountant_2 = cls._create_rebate_user(
            "hard_acc_2", "group_rebate_accountant"
        )
        cls.active = cls._create_agreement([(0.0, 2.0)], name="Active")
        cls._create_invoice([(cls.product_x, 10, 100.0)], date="2025-02-01")

    def _draft(self, user=None, partner=None, **vals):
        env = self.env(user=user or self.salesperson)
        return env["rebate.agreement"].create(
            {
                "name": "Proposal",
                "partner_id": (partner or self.customer).id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
                "rebate_product_id": self.rebate_product.id,
                "tier_ids": [Command.create({"threshold": 0.0, "rate": 1.0})],
                **vals,
            }
        )

    # 1. Workflow fields change only through the action_* methods

    def test_salesperson_cannot_activate_by_write(self):
        draft = self._draft()
        with self.assertRaisesText(UserError, FORGED):
            draft.write({"state": "active", "approved_by_id": self.manager.id})
        for vals in (
            {"approved_by_id": self.manager.id},
            {"approved_date": "2025-01-01 00:00:00"},
            {"version": 7},
            {"previous_version_id": self.active.id},
            {"has_product_scope": True},
        ):
            with self.assertRaisesText(UserError, FORGED):
                draft.write(vals)
        # a context a client could send does not open the door
        for context in ({"rebate_workflow": True}, {"rebate_workflow": "1"}):
            with self.assertRaisesText(UserError, FORGED):
                draft.with_context(**context).write({"state": "active"})
        self.assertRecordValues(
            draft,
            [
                {
                    "state": "draft",
                    "approved_by_id": False,
                    "approved_date": False,
                    "version": 1,
                }
            ],
        )
        self.assertFalse(draft.accrual_ids)

    def test_accountant_cannot_activate_by_write(self):
        draft = self._draft()
        with self.assertRaises(AccessError):
            draft.with_user(self.accountant).write({"state": "active"})
        self.assertEqual(draft.state, "draft")

    def test_manager_and_admin_cannot_skip_the_checks(self):
        empty = self.env["rebate.agreement"].create(
            {
                "name": "No tiers",
                "partner_id": self.customer.id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
            }
        )
        for agreement in (empty.with_user(self.manager), empty.sudo()):
            with self.assertRaisesText(UserError, FORGED):
                agreement.write({"state": "active"})
        with self.assertRaisesText(UserError, "has no tier"):
            empty.with_user(self.manager).action_activate()
        self.assertEqual(empty.state, "draft")
        with self.assertRaisesText(UserError, FORGED):
            self.env["rebate.agreement"].sudo().create(
                {
                    "name": "Born active",
                    "partner_id": self.customer.id,
                    "date_start": "2025-01-01",
                    "date_end": "2025-12-31",
                    "state": "active",
                }
            )
        # the amendment's own door cannot be borrowed to change terms
        with self.assertRaisesText(UserError, "locked"):
            self.active.with_context(rebate_amendment=True).write(
                {"date_end": "2025-06-30"}
            )
        self.assertEqual(str(self.active.date_end), "2025-12-31")

    @freeze_time("2025-04-05")
    def test_four_eyes_cannot_be_skipped_by_write(self):
        self.env.company.rebate_four_eyes = True
        settlement = (
            self.env["rebate.settlement"]
            .with_user(self.accountant)
            .close_periods("2025-03-31", agreements=self.active)
        )
        self.assertEqual(settlement.computed_by_id, self.accountant)
        with self.assertRaisesText(UserError, "computed by you"):
            settlement.action_approve()
        with self.assertRaisesText(UserError, FORGED):
            settlement.write({"state": "approved"})
        with self.assertRaisesText(UserError, FORGED):
            settlement.write({"approved_by_id": self.accountant_2.id})
        with self.assertRaisesText(UserError, "must be approved"):
            settlement.action_create_credit_note()
        self.assertRecordValues(
            settlement,
            [{"state": "draft", "approved_by_id": False, "document_id": False}],
        )
        # cancelled stays cancelled
        settlement.action_cancel()
        with self.assertRaisesText(UserError, FORGED):
            settlement.write({"state": "approved"})
        with self.assertRaisesText(UserError, FORGED):
            settlement.sudo().write({"state": "approved"})
        self.assertEqual(settlement.state, "cancelled")
        # what the workflow writes, it writes
        again = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=self.active
        )
        again.with_user(self.accountant_2).action_approve()
        self.assertRecordValues(
            again, [{"state": "approved", "approved_by_id": self.accountant_2.id}]
        )

    def test_settlements_are_not_created_by_hand(self):
        vals = {
            "agreement_id": self.active.id,
            "partner_id": self.customer.id,
            "company_id": self.env.company.id,
            "currency_id": self.env.company.currency_id.id,
            "date_from": "2025-01-01",
            "date_to": "2025-03-31",
            "rebate_total": 1000.0,
            "state": "approved",
        }
        Settlement = self.env["rebate.settlement"]
        for model in (Settlement.with_user(self.accountant), Settlement.sudo()):
            with self.assertRaisesText(UserError, "created by closing the periods"):
                model.create(vals)
        self.assertFalse(Settlement.search([("agreement_id", "=", self.active.id)]))

    @freeze_time("2025-04-05")
    def test_invoice_cannot_be_tied_to_a_settlement_by_hand(self):
        """A document linked to a settlement stops counting: only the
        settlement's own document may be."""
        settlement = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=self.active
        )
        invoice = self._create_invoice([(self.product_x, 1, 100.0)], post=False)
        for move in (invoice.with_user(self.accountant), invoice.sudo()):
            with self.assertRaisesText(UserError, FORGED):
                move.write({"rebate_settlement_id": settlement.id})
        with self.assertRaisesText(UserError, FORGED):
            self.env["account.move"].with_user(self.accountant).create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "rebate_settlement_id": settlement.id,
                }
            )
        self.assertFalse(invoice.rebate_settlement_id)
        settlement.with_user(self.accountant).action_approve()
        settlement.with_user(self.accountant).action_create_credit_note()
        self.assertEqual(settlement.document_id.rebate_settlement_id, settlement)

    def test_tier_cannot_move_to_a_locked_agreement(self):
        draft = self._draft(user=self.manager)
        with self.assertRaisesText(UserError, "locked"):
            draft.tier_ids.with_user(self.manager).write(
                {"agreement_id": self.active.id}
            )
        self.assertEqual(len(self.active.tier_ids), 1)

    # 2. Salespeople propose for their own customers only

    def test_salesperson_proposes_for_own_customers_only(self):
        own = self._draft()
        self.assertEqual(own.user_id, self.salesperson)
        for vals in ({}, {"user_id": self.salesperson.id}):
            with self.assertRaisesText(AccessError, "your own customers"):
                self._draft(partner=self.other_customer, **vals)
        with self.assertRaisesText(AccessError, "your own customers"):
            own.write({"partner_id": self.other_customer.id})
        # a contact of their customer is theirs too
        contact = self._draft(partner=self.customer_contact)
        self.assertEqual(contact.commercial_partner_id, self.customer)
        # responsible of an agreement whose customer is not theirs: read only
        foreign = self._draft(
            user=self.manager, partner=self.other_customer, user_id=self.salesperson.id
        )
        foreign = foreign.with_user(self.salesperson)
        self.assertEqual(foreign.name, "Proposal")
        with self.assertRaises(AccessError):
            foreign.write({"name": "Mine now"})
        self.assertFalse(foreign.can_write)
        # the manager proposes for anyone
        self.assertEqual(
            self._draft(user=self.manager, partner=self.other_customer).state, "draft"
        )

    # 3. and 5. A Rebates app for every role; what the form shows them

    def test_rebates_app_for_every_role(self):
        root = self.env.ref("rebate_management.rebate_root_menu")
        self.assertEqual(root.web_icon, "rebate_management,static/description/icon.png")
        for user in (self.salesperson, self.manager, self.accountant):
            menus = self.env["ir.ui.menu"].with_user(user).load_menus(debug=False)
            self.assertIn(root.id, menus["root"]["children"], user.login)
            entries = {menus[child]["name"] for child in menus[root.id]["children"]}
            # vendor rebates are the managers' and accountants'
            vendors = set() if user == self.salesperson else {"Vendors"}
            self.assertEqual(
                entries,
                {
                    "Agreements",
                    "Settlements",
                    "Accruals",
                    "Reporting",
                    "Configuration",
                    *vendors,
                },
                user.login,
            )
        # templates and stacking groups are the managers'; grades are read
        # by every role
        for user, expected in (
            (self.salesperson, {"Customer Grades"}),
            (
                self.manager,
                {"Customer Grades", "Agreement Templates", "Stacking Groups"},
            ),
        ):
            menus = self.env["ir.ui.menu"].with_user(user).load_menus(debug=False)
            config = self.env.ref("rebate_management.rebate_root_config_menu")
            entries = {menus[child]["name"] for child in menus[config.id]["children"]}
            self.assertEqual(entries, expected, user.login)

    def test_form_follows_the_role(self):
        def arch(user):
            views = (
                self.env["rebate.agreement"]
                .with_user(user)
                .get_views([(False, "form")])
            )
            return views["views"]["form"]["arch"]

        # the invoices are the accountants' to open; the journal too
        self.assertNotIn("action_view_invoices", arch(self.salesperson))
        self.assertNotIn('name="journal_id"', arch(self.manager))
        self.assertIn("action_view_invoices", arch(self.accountant))
        self.assertIn('name="journal_id"', arch(self.accountant))
        # buttons and editability follow the right to write
        draft = self._draft()
        self.assertTrue(draft.can_write)
        self.assertFalse(draft.with_user(self.accountant).can_write)
        self.assertTrue(draft.with_user(self.manager).can_write)
        self.assertFalse(self.active.with_user(self.salesperson).can_write)
        self.assertTrue(self.env["rebate.agreement"].new({}).can_write)
        self.assertIn(
            "invisible=\"not id or state != 'draft' or not can_write or is_template\"",
            arch(self.salesperson),
        )

    # 4. Defaults work for every role that may create

    def test_salesperson_creates_from_the_form(self):
        form = Form(self.env["rebate.agreement"].with_user(self.salesperson))
        form.name = "From the form"
        form.partner_id = self.customer
        form.date_start = fields.Date.to_date("2025-01-01")
        form.date_end = fields.Date.to_date("2025-12-31")
        with form.tier_ids.new() as tier:
            tier.threshold = 0.0
            tier.rate = 3.0
        agreement = form.save()
        self.assertRecordValues(
            agreement,
            [
                {
                    "journal_id": self.env.company._get_rebate_journal().id,
                    "user_id": self.salesperson.id,
                    "state": "draft",
                }
            ],
        )
        agreement.action_submit()
        self.assertEqual(agreement.state, "to_approve")

    # 6. No outgoing mail address needed to log tier changes

    def test_user_without_email_saves_tiers(self):
        manager = self._create_user(
            "hard_no_mail",
            "base.group_user,rebate_management.group_rebate_manager",
            email=False,
        )
        self.assertFalse(manager.email)
        draft = self._draft(user=manager, tier_mode="stepped")
        draft.tier_ids = [Command.create({"threshold": 100.0, "rate": 2.0})]
        draft.tier_ids[0].rate = 1.5
        draft.action_activate()
        draft.action_amend("2025-07-01")
        notes = draft.message_ids.filtered(
            lambda m: "Tier added" in m.body or "Amended" in m.body
        )
        # the tier created with the draft, the one added, the amendment
        self.assertEqual(len(notes), 3)
        self.assertEqual(notes.author_id, manager.partner_id)

    # 9. and 10. Zero settlements, and what a close says

    @freeze_time("2025-07-05")
    def test_zero_settlements_kept_but_filtered(self):
        monthly = self._create_agreement([(0.0, 2.0)], name="Monthly", period="month")
        settlements = self.env["rebate.settlement"].close_periods(
            "2025-06-30", agreements=monthly
        )
        self.assertEqual(len(settlements), 6)
        zero = settlements.filtered(lambda s: s.state == "done")
        self.assertEqual(len(zero), 5)
        self.assertEqual(zero.mapped("rebate_total"), [0.0] * 5)
        self.assertEqual(monthly.settlement_count, 1)
        Settlement = self.env["rebate.settlement"]
        self.assertEqual(
            Settlement.search(
                [("id", "in", settlements.ids), *Settlement._domain_not_empty()]
            ),
            settlements - zero,
        )
        action = monthly.action_view_settlements()
        self.assertEqual(action["context"]["search_default_not_empty"], 1)
        list_action = self.env.ref("rebate_management.rebate_settlement_action")
        self.assertIn("search_default_not_empty", list_action.context)

    @freeze_time("2025-07-05")
    def test_close_says_what_it_closed(self):
        agreement = self.active.with_user(self.accountant)
        action = agreement.action_close_periods()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(
            action["params"]["message"],
            "2 period(s) closed: 1 settlement(s) to approve, 1 at zero.",
        )
        self.assertEqual(action["params"]["next"]["res_model"], "rebate.settlement")
        again = agreement.action_close_periods()
        self.assertEqual(
            again["params"]["message"],
            "Nothing to close: every ended period of Active is already settled.",
        )
        self.assertNotIn("next", again["params"])

    @freeze_time("2026-01-05")
    def test_close_of_the_last_period_says_what_it_closed(self):
        """Found by the browser test: closing an agreement's last period
        closes the agreement, and the notification then said there was
        nothing to close; its "next" action lacked the views the web client
        needs (it crashed)."""
        agreement = self.active.with_user(self.accountant)
        action = agreement.action_close_periods()
        self.assertEqual(agreement.state, "closed")
        self.assertRegex(action["params"]["message"], r"^4 period\(s\) closed")
        self.assertEqual(action["params"]["next"]["views"], [(False, "form")])

    def test_actions_say_what_they_did(self):
        """Found walking the UI as an accountant: the list action Recompute
        accruals crashed (it returned True where the client expects an
        action), and Close Ended Periods on a draft said its periods were
        settled."""
        env = self.env(user=self.accountant)
        action = (
            env.ref("rebate_management.rebate_agreement_action_recompute")
            .with_context(
                active_model="rebate.agreement",
                active_ids=self.active.ids,
                active_id=self.active.id,
            )
            .run()
        )
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(
            action["params"]["message"],
            "Accruals rebuilt from the posted documents: 1 accrual(s) for Active.",
        )
        draft = self._draft().with_env(env)
        self.assertEqual(
            draft.action_recompute_accruals()["params"]["message"],
            "Nothing to recompute: only active agreements accrue.",
        )
        self.assertEqual(
            draft.action_close_periods()["params"]["message"],
            "Nothing to close: only active agreements have periods to settle.",
        )

    def test_accrual_named_by_its_document(self):
        accrual = self.active.accrual_ids.with_user(self.salesperson)
        move = self.active.accrual_ids.move_id
        self.assertEqual(accrual.display_name, f"{move.name} · Product X")

    def test_a_customer_without_salesperson(self):
        with self.assertRaisesText(AccessError, "Other Customer has no salesperson"):
            self._draft(partner=self.other_customer)

    def test_readers_discuss_in_the_chatter(self):
        """A salesperson comments on their customer's active agreement and its
        settlement, which they may read but not change."""
        settlement = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=self.active
        )
        for record in (self.active, settlement):
            message = record.with_user(self.salesperson).message_post(
                body="Customer asks when it is paid", message_type="comment"
            )
            self.assertEqual(message.author_id, self.salesperson.partner_id)

    def test_no_dead_links_to_accounting(self):
        """Salespeople and sales managers read no journal entry: the
        settlement and accrual forms show the documents without a link."""
        for model in ("rebate.settlement", "rebate.accrual"):
            for user, linked in ((self.manager, False), (self.accountant, True)):
                arch = (
                    self.env[model]
                    .with_user(user)
                    .get_views([(False, "form")])["views"]["form"]["arch"]
                )
                self.assertEqual("no_open" not in arch, linked, (model, user.login))
        arch = (
            self.env["rebate.settlement"]
            .with_user(self.manager)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertNotIn("action_view_document", arch)

    # 11. Overlaps warned, implausible rates refused

    def test_overlaps_are_shown_and_noted(self):
        second = self._create_agreement([(0.0, 1.0)], name="Second", activate=False)
        self.assertEqual(second.overlap_agreement_ids, self.active)
        second.action_activate()
        self.assertTrue(
            second.message_ids.filtered(
                lambda m: "Active and this agreement stack: both count the lines "
                "both match." in m.body
            )
        )
        # other products, other dates, other customers: no overlap
        scoped = self._create_agreement(
            [(0.0, 1.0)], product_categ_ids=[Command.set(self.categ_parent.ids)]
        )
        other_scope = self._create_agreement(
            [(0.0, 1.0)],
            activate=False,
            product_categ_ids=[Command.set(self.categ_other.ids)],
        )
        self.assertNotIn(scoped, other_scope.overlap_agreement_ids)
        product_in_scope = self._create_agreement(
            [(0.0, 1.0)], activate=False, product_ids=[Command.set(self.product_x.ids)]
        )
        # product X is in a child category of the scoped agreement's
        self.assertIn(scoped, product_in_scope.overlap_agreement_ids)
        later = self._create_agreement(
            [(0.0, 1.0)], activate=False, date_start="2026-01-01", date_end="2026-12-31"
        )
        self.assertFalse(later.overlap_agreement_ids)

    def test_implausible_rates(self):
        with self.assertRaisesText(ValidationError, "at most 100"):
            self._create_agreement([(0.0, 250.0)], activate=False)
        # per unit, 150 is a price, not a percentage
        per_unit = self._create_agreement(
            [(0.0, 150.0)], activate=False, basis="quantity"
        )
        with self.assertRaisesText(ValidationError, "at most 100"):
            per_unit.basis = "amount"
        falling = self._create_agreement(
            [(0.0, 5.0), (1000.0, 3.0)], activate=False, tier_mode="retroactive"
        )
        for action in (falling.action_submit, falling.action_activate):
            with self.assertRaisesText(UserError, "fall as the volume rises"):
                action()
        self.assertEqual(falling.state, "draft")
        # falling stepped rates are a discount schedule, not a mistake
        stepped = self._create_agreement(
            [(0.0, 5.0), (1000.0, 3.0)], tier_mode="stepped"
        )
        self.assertEqual(stepped.state, "active")

    # 12. and 14. Per-line views labelled, rates with their unit

    def test_labels_and_units(self):
        views = self.env["rebate.settlement"].get_views([(False, "form")])
        self.assertIn("when it was\n", views["views"]["form"]["arch"])
        self.assertIn("spreads the settled rebate", views["views"]["form"]["arch"])
        self.assertEqual(self.active.tier_ids.rate_unit, "%")
        per_unit = self._create_agreement(
            [(0.0, 0.5)], activate=False, basis="quantity"
        )
        self.assertEqual(per_unit.tier_ids.rate_unit, "$ per unit")
        per_unit.tier_ids = [Command.create({"threshold": 100.0, "rate": 0.125})]
        self.assertTrue(
            per_unit.message_ids.filtered(
                lambda m: "from 100.00 at 0.125 $ per unit" in m.body
            )
        )
        fields_info = self.env["rebate.settlement"].fields_get(["state"])
        self.assertEqual(fields_info["state"]["string"], "Status")

    # 13. Growth without sales a year before is not applicable

    @freeze_time("2025-07-05")
    def test_effect_growth_not_applicable(self):
        self.active._refresh_effect()
        self.assertFalse(self.active.effect_has_prior)
        self._create_invoice([(self.product_x, 5, 100.0)], date="2024-02-01")
        # measured once a day; the button measures again
        self.active._refresh_effect()
        self.assertFalse(self.active.effect_has_prior)
        self.active.with_user(self.salesperson).action_refresh_effect()
        self.assertTrue(self.active.effect_has_prior)
        # 1,000 this year against 500 a year before
        self.assertAlmostEqual(self.active.effect_growth_pct, 100.0)

    @freeze_time("2025-07-05")
    def test_effect_report_sorts_and_refreshes(self):
        second = self._create_agreement([(0.0, 5.0)], name="Second")
        agreements = self.active | second
        action = (
            self.env["rebate.agreement"]
            .with_user(self.salesperson)
            ._action_open_effect()
        )
        self.assertEqual(action["res_model"], "rebate.agreement")
        self.assertEqual(set(agreements.mapped("effect_date")), {fields.Date.today()})
        fields_info = self.env["rebate.agreement"].fields_get(
            ["effect_rebate", "effect_growth_pct", "effect_cost_pct"], ["sortable"]
        )
        self.assertTrue(all(info["sortable"] for info in fields_info.values()))
        by_rebate = self.env["rebate.agreement"].search(
            [("id", "in", agreements.ids)], order="effect_rebate desc"
        )
        # both count the same 1,000: 5 % against 2 %
        self.assertEqual(by_rebate.mapped("effect_rebate"), [50.0, 20.0])
        # measuring the effect leaves the agreements as they were written
        self.assertFalse(
            agreements.message_ids.tracking_value_ids.filtered(
                lambda t: t.field_id.name.startswith("effect_")
            )
        )

    # 15. The close leaves a note; documents carry readable dates

    @freeze_time("2025-04-05")
    def test_close_notes_and_document_labels(self):
        settlement = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=self.active
        )
        note = settlement.message_ids
        self.assertEqual(len(note), 1)
        self.assertEqual(
            note.body, "<p>Computed by the period close of 03/31/2025.</p>"
        )
        self.assertRecordValues(
            note,
            [
                {
                    "author_id": self.env.user.partner_id.id,
                    "message_type": "notification",
                    "subtype_id": self.env.ref("mail.mt_note").id,
                    "model": "rebate.settlement",
                }
            ],
        )
        settlement.action_approve()
        settlement.action_create_credit_note()
        self.assertEqual(
            settlement.document_id.ref, "Rebate Active, 01/01/2025 - 03/31/2025"
        )
        self.assertEqual(
            settlement.document_id.invoice_line_ids.name,
            "Rebate Active, 01/01/2025 - 03/31/2025",
        )

    # 16. Defaults follow the company

    def test_journal_follows_the_company(self):
        company_2 = self.setup_other_company(name="Hardening Company 2")
        # each company's rebate journal, secured by hash (issue #28)
        journal_2 = company_2["company"]._get_rebate_journal("sale")
        self.assertRecordValues(
            journal_2,
            [
                {
                    "company_id": company_2["company"].id,
                    "is_rebate_journal": True,
                    "restrict_mode_hash_table": True,
                }
            ],
        )
        self.env.user.company_ids |= company_2["company"]
        form = Form(self.env["rebate.agreement"])
        form.name = "Elsewhere"
        form.date_start = fields.Date.to_date("2025-01-01")
        form.date_end = fields.Date.to_date("2025-12-31")
        self.assertEqual(form.journal_id, self.env.company._get_rebate_journal())
        form.company_id = company_2["company"]
        self.assertEqual(form.journal_id, journal_2)
        form.partner_id = self.other_customer
        agreement = form.save()
        self.assertEqual(agreement.journal_id, journal_2)
        # without a form, as an integrator would create it
        created = self.env["rebate.agreement"].create(
            {
                "name": "By RPC",
                "partner_id": self.other_customer.id,
                "company_id": company_2["company"].id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
            }
        )
        self.assertEqual(created.journal_id, journal_2)
        # a journal chosen on purpose stays
        chosen = self.sale_journal.copy({"name": "Other Rebates", "code": "ORBT"})
        kept = self._create_agreement(
            [(0.0, 1.0)], activate=False, journal_id=chosen.id
        )
        self.assertEqual(kept.journal_id, chosen)

    def test_bulk_notes_are_what_odoo_logs(self):
        """The close's notes, written in bulk, are the rows _message_log writes,
        column for column."""
        by_odoo, in_bulk = self.active, self._create_agreement([(0.0, 1.0)])
        by_odoo._message_log(body=Markup("<p>%s</p>") % "Closed & noted")
        log_notes(in_bulk, {in_bulk.id: "Closed & noted"})
        rows = []
        for agreement in (by_odoo, in_bulk):
            self.env.flush_all()
            self.env.cr.execute(
                "SELECT to_jsonb(m) - %s FROM mail_message m"
                " WHERE model = 'rebate.agreement' AND res_id = %s"
                " ORDER BY id DESC LIMIT 1",
                [
                    ["id", "res_id", "message_id", "date", "create_date", "write_date"],
                    agreement.id,
                ],
            )
            rows.append(self.env.cr.fetchone()[0])
        self.assertEqual(rows[1], rows[0])
        self.assertEqual(rows[1]["body"], "<p>Closed &amp; noted</p>")
        # several records and texts: each its own text and message id
        others = self._create_agreement([(0.0, 1.0)]) | self._create_agreement(
            [(0.0, 2.0)]
        )
        records = in_bulk | others
        log_notes(
            records,
            {in_bulk.id: "One", others[0].id: "Two", others[1].id: "One"},
        )
        notes = self.env["mail.message"].search(
            [("model", "=", "rebate.agreement"), ("res_id", "in", records.ids)],
            order="id desc",
            limit=3,
        )
        self.assertEqual(
            {note.res_id: note.body for note in notes},
            {
                in_bulk.id: "<p>One</p>",
                others[0].id: "<p>Two</p>",
                others[1].id: "<p>One</p>",
            },
        )
        self.assertEqual(len(set(notes.mapped("message_id"))), 3)
        for note in notes:
            self.assertRegex(
                note.message_id, r"^<\d{15}\.[\d.]+-openerp-message-notify@.+>$"
            )

    # 17. The demo and the README agree

    def test_demo_closes_its_quarter(self):
        # the demo lives in the main company, not in the test's own
        env = self.env(su=True)
        retro = env.ref("rebate_management.demo_agreement_retro", False)
        if not retro:
            self.skipTest("installed without demo data")
        agreements = (
            retro
            | env.ref("rebate_management.demo_agreement_flat")
            | env.ref("rebate_management.demo_agreement_stepped")
        )
        settlements = agreements.settlement_ids
        self.assertEqual(len(settlements), 3)
        self.assertEqual(
            settlements.sorted(lambda s: s.agreement_id != retro).mapped("state"),
            ["done", "draft", "draft"],
        )
        self.assertEqual(retro.settlement_ids.rebate_total, 258.6)
        self.assertTrue(retro.settlement_ids.document_id)
        # the interim agreement: the year to date paid every quarter
        interim = env.ref("rebate_management.demo_agreement_interim")
        self.assertRecordValues(
            interim.settlement_ids,
            [
                {
                    "base_total": 3000.0,
                    "base_cumulative": 3000.0,
                    "rebate_previous": 0.0,
                    "rebate_total": 60.0,
                    "state": "draft",
                }
            ],
        )
        self.assertAlmostEqual(interim.accrued_amount, 218.0, places=2)
        agreements |= interim
        # the buying group: the head's and Harbor's purchases pooled, split
        group = env.ref("rebate_management.demo_agreement_group")
        [q_prev] = group.settlement_ids
        self.assertEqual(q_prev.state, "draft")
        self.assertEqual(
            q_prev.share_ids.partner_id,
            env.ref("rebate_management.demo_partner_harbor")
            | env.ref("rebate_management.demo_partner_valley"),
        )
        self.assertAlmostEqual(
            sum(q_prev.share_ids.mapped("amount")), q_prev.rebate_total
        )
        self.assertAlmostEqual(sum(q_prev.share_ids.mapped("base")), q_prev.base_total)
        agreements |= group
        # the vendor rebate: 24,000 of bills, 2 % owed by the supplier
        vendor = env.ref("rebate_management.demo_agreement_vendor")
        self.assertRecordValues(
            vendor.settlement_ids,
            [{"base_total": 24000.0, "rebate_total": 480.0, "state": "draft"}],
        )
        agreements |= vendor
        # the growth rebate: 7,500 against 6,000 a year earlier, 25 % at 3 %
        growth = env.ref("rebate_management.demo_agreement_growth")
        self.assertRecordValues(
            growth.settlement_ids,
            [
                {
                    "base_total": 7500.0,
                    "base_prior": 6000.0,
                    "growth_percent": 25.0,
                    "rebate_total": 225.0,
                    "state": "draft",
                }
            ],
        )
        agreements |= growth
        # the scheduled close has nothing to add until the current quarter ends
        today = fields.Date.context_today(env.user)
        self.assertFalse(
            env["rebate.settlement"].close_periods(today, agreements=agreements)
        )
