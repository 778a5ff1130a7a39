# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateSecurity(RebateCommon):
    """Each role does what it may, and only that; nothing crosses companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_role_users("rebate")
        user = cls._create_rebate_user
        cls.salesperson_2 = user("rebate_sales_2", "group_rebate_user")
        cls.accountant_2 = user("rebate_acc_2", "group_rebate_accountant")
        cls.company_2, cls.user_company_2 = cls._create_other_company_user(
            "Rebate Company 2", "rebate_acc_c2", "group_rebate_accountant"
        )

        # The salesperson is the customer's salesperson (_create_role_users);
        # the agreement's responsible is the manager.
        cls.own = cls._create_agreement(
            [(0.0, 2.0)], name="Own customer", user_id=cls.manager.id
        )
        cls.other = cls._create_agreement(
            [(0.0, 2.0)],
            name="Other salesperson",
            partner_id=cls.other_customer.id,
            user_id=cls.salesperson_2.id,
        )
        cls._create_invoice([(cls.product_x, 10, 100.0)], date="2025-02-01")
        cls._create_invoice(
            [(cls.product_x, 5, 100.0)], date="2025-02-01", partner=cls.other_customer
        )
        cls.Settlement = cls.env["rebate.settlement"]
        cls.own_settlement = cls.Settlement.close_periods(
            "2025-03-31", agreements=cls.own
        )
        cls.other_settlement = cls.Settlement.close_periods(
            "2025-03-31", agreements=cls.other
        )

    def _draft_vals(self, partner, **vals):
        return {
            "name": "Proposal",
            "partner_id": partner.id,
            "date_start": "2025-01-01",
            "date_end": "2025-12-31",
            "journal_id": self.sale_journal.id,
            "rebate_product_id": self.rebate_product.id,
            "tier_ids": [Command.create({"threshold": 0.0, "rate": 1.0})],
            **vals,
        }

    # Salesperson

    def test_salesperson_reads_own_customers_only(self):
        env = self.env(user=self.salesperson)
        self.assertEqual(env["rebate.agreement"].search([]), self.own)
        self.assertEqual(env["rebate.accrual"].search([]), self.own.accrual_ids)
        self.assertEqual(env["rebate.settlement"].search([]), self.own_settlement)
        self.assertEqual(env["rebate.agreement.tier"].search([]), self.own.tier_ids)
        self.assertEqual(self.own.with_user(self.salesperson).accrued_amount, 20.0)
        for record in (
            self.other,
            self.other.tier_ids,
            self.other.accrual_ids,
            self.other_settlement,
        ):
            with self.assertRaises(AccessError):
                record.with_user(self.salesperson).read(["display_name"])
        # an agreement they are the responsible of is theirs too
        self.assertEqual(
            self.env(user=self.salesperson_2)["rebate.agreement"].search([]), self.other
        )

    def test_salesperson_proposes_drafts(self):
        Agreement = self.env(user=self.salesperson)["rebate.agreement"]
        draft = Agreement.create(self._draft_vals(self.customer, tier_mode="stepped"))
        self.assertEqual(draft.state, "draft")
        draft.tier_ids = [Command.create({"threshold": 100.0, "rate": 2.0})]
        draft.action_submit()
        self.assertEqual(draft.state, "to_approve")
        with self.assertRaisesText(AccessError, "activate agreements"):
            draft.action_activate()
        with self.assertRaises(AccessError):
            Agreement.create(
                self._draft_vals(self.other_customer, user_id=self.salesperson_2.id)
            )
        with self.assertRaises(AccessError):
            draft.unlink()
        self.assertEqual(draft.state, "to_approve")

    def test_salesperson_cannot_change_active_or_settle(self):
        own = self.own.with_user(self.salesperson)
        settlement = self.own_settlement.with_user(self.salesperson)
        self.assertAccessErrors(
            lambda: own.write({"name": "Renamed"}),
            lambda: own.tier_ids.write({"rate": 50.0}),
            own.action_cancel,
            own.action_recompute_accruals,
            own.action_close_periods,
            lambda: self.Settlement.with_user(self.salesperson).close_periods(
                "2025-06-30"
            ),
            settlement.action_approve,
            settlement.action_create_credit_note,
            lambda: settlement.write({"rebate_total": 1000.0}),
        )
        self.assertEqual(self.own.name, "Own customer")
        self.assertEqual(self.own_settlement.state, "draft")

    # Manager

    def test_manager_manages_agreements_not_settlements(self):
        env = self.env(user=self.manager)
        self.assertEqual(
            env["rebate.agreement"].search([("id", "in", (self.own + self.other).ids)]),
            self.own + self.other,
        )
        self.assertEqual(
            env["rebate.settlement"].search([]),
            self.own_settlement + self.other_settlement,
        )
        proposal = self.env(user=self.salesperson)["rebate.agreement"].create(
            self._draft_vals(self.customer)
        )
        proposal.action_submit()
        proposal.with_user(self.manager).action_activate()
        self.assertRecordValues(
            proposal, [{"state": "active", "approved_by_id": self.manager.id}]
        )
        self.assertTrue(proposal.approved_date)
        created = env["rebate.agreement"].create(self._draft_vals(self.other_customer))
        created.write({"name": "Edited"})
        created.action_activate()
        created.write({"user_id": self.salesperson_2.id})
        created.action_cancel()
        self.assertEqual(created.state, "cancelled")

        settlement = self.own_settlement.with_user(self.manager)
        self.assertAccessErrors(
            settlement.action_approve,
            settlement.action_create_credit_note,
            lambda: self.Settlement.with_user(self.manager).close_periods("2025-06-30"),
        )
        self.assertEqual(self.own_settlement.state, "draft")

    # Accountant

    @freeze_time("2025-07-05")
    def test_accountant_settles_but_cannot_change_terms(self):
        env = self.env(user=self.accountant)
        self.assertEqual(
            env["rebate.agreement"].search([("id", "in", (self.own + self.other).ids)]),
            self.own + self.other,
        )
        self.assertEqual(
            env["rebate.accrual"].search([]),
            self.own.accrual_ids + self.other.accrual_ids,
        )
        q2 = env["rebate.settlement"].close_periods("2025-06-30")
        self.assertEqual(len(q2), 2)
        settlement = self.own_settlement.with_user(self.accountant)
        settlement.action_approve()
        self.assertRecordValues(
            settlement, [{"state": "approved", "approved_by_id": self.accountant.id}]
        )
        settlement.action_create_credit_note()
        self.assertEqual(settlement.state, "done")
        self.assertEqual(settlement.document_id.amount_untaxed, 20.0)

        own = self.own.with_user(self.accountant)
        self.assertAccessErrors(
            lambda: own.write({"date_end": "2025-06-30"}),
            lambda: own.tier_ids.write({"rate": 50.0}),
            own.action_activate,
            own.action_cancel,
            own.unlink,
        )
        self.assertEqual(str(self.own.date_end), "2025-12-31")

    def test_other_company_sees_nothing(self):
        env = self.env(user=self.user_company_2)
        for model in (
            "rebate.agreement",
            "rebate.agreement.tier",
            "rebate.accrual",
            "rebate.settlement",
        ):
            self.assertFalse(env[model].search([]), model)
        with self.assertRaises(AccessError):
            self.own.with_user(self.user_company_2).read(["name"])
        with self.assertRaises(AccessError):
            self.own_settlement.with_user(self.user_company_2).action_approve()
        # closing periods in company 2 does not touch company 1
        self.assertFalse(env["rebate.settlement"].close_periods("2025-12-31"))
        self.assertEqual(self.own.settlement_count, 1)

    # Approvals

    def test_four_eyes(self):
        self.env.company.rebate_four_eyes = True
        self._create_invoice([(self.product_x, 10, 100.0)], date="2025-05-01")
        q2 = self.Settlement.with_user(self.accountant).close_periods(
            "2025-06-30", agreements=self.own
        )
        self.assertEqual(q2.computed_by_id, self.accountant)
        with self.assertRaisesText(UserError, "computed by you"):
            q2.with_user(self.accountant).action_approve()
        self.assertEqual(q2.state, "draft")
        q2.with_user(self.accountant_2).action_recompute()
        self.assertEqual(q2.computed_by_id, self.accountant_2)
        with self.assertRaisesText(UserError, "another accountant"):
            q2.with_user(self.accountant_2).action_approve()
        q2.with_user(self.accountant).action_approve()
        self.assertRecordValues(
            q2, [{"state": "approved", "approved_by_id": self.accountant.id}]
        )
        # off (the default): whoever computed may approve
        self.env.company.rebate_four_eyes = False
        self.own_settlement._rebate_workflow().computed_by_id = self.accountant
        self.own_settlement.with_user(self.accountant).action_approve()
        self.assertEqual(self.own_settlement.state, "approved")

    def test_locked_terms(self):
        locked_values = {
            "partner_id": self.other_customer.id,
            "currency_id": self.setup_other_currency("EUR").id,
            "date_start": "2025-02-01",
            "date_end": "2025-11-30",
            "period": "month",
            "basis": "quantity",
            "tier_mode": "retroactive",
            "product_ids": [Command.set(self.product_x.ids)],
            "product_categ_ids": [Command.set(self.categ_parent.ids)],
            "excluded_product_ids": [Command.set(self.product_y.ids)],
            "tier_ids": [Command.create({"threshold": 10.0, "rate": 1.0})],
        }
        own = self.own.with_user(self.manager)
        for field, value in locked_values.items():
            with self.assertRaisesText(UserError, "locked"):
                own.write({field: value})
        tier = own.tier_ids
        with self.assertRaisesText(UserError, "locked"):
            tier.write({"rate": 10.0})
        with self.assertRaisesText(UserError, "locked"):
            tier.unlink()
        with self.assertRaisesText(UserError, "locked"):
            self.env["rebate.agreement.tier"].create(
                {"agreement_id": self.own.id, "threshold": 5.0, "rate": 1.0}
            )
        self.assertRecordValues(tier, [{"threshold": 0.0, "rate": 2.0}])
        # what is not a term can change
        own.write({"name": "Renamed", "user_id": self.salesperson_2.id})
        self.assertEqual(self.own.name, "Renamed")

    def test_settled_amounts_locked(self):
        self.own_settlement.action_approve()
        with self.assertRaisesText(UserError, "can only be set by its workflow"):
            self.own_settlement.write({"rebate_total": 999.0})
        # not even by the workflow, once approved
        with self.assertRaisesText(UserError, "can no longer be changed"):
            self.own_settlement._rebate_workflow().write({"date_to": "2025-04-30"})
        self.assertEqual(self.own_settlement.rebate_total, 20.0)

    def test_amendment(self):
        july = self._create_invoice([(self.product_x, 5, 100.0)], date="2025-07-10")
        self.assertEqual(len(self.own.accrual_ids), 2)
        with self.assertRaisesText(UserError, "already settled up to 2025-03-31"):
            self.own.with_user(self.manager).action_amend("2025-03-01")
        wizard = (
            self.env(user=self.manager)["rebate.agreement.amend.wizard"]
            .with_context(default_agreement_id=self.own.id)
            .create({"date": "2025-07-01"})
        )
        action = wizard.action_amend()
        new = self.env["rebate.agreement"].browse(action["res_id"])
        self.assertRecordValues(
            self.own + new,
            [
                {
                    "state": "active",
                    "version": 1,
                    "previous_version_id": False,
                    "partner_id": self.customer.id,
                },
                {
                    "state": "draft",
                    "version": 2,
                    "previous_version_id": self.own.id,
                    "partner_id": self.customer.id,
                },
            ],
        )
        self.assertEqual(str(self.own.date_end), "2025-06-30")
        self.assertEqual(
            [str(new.date_start), str(new.date_end)], ["2025-07-01", "2025-12-31"]
        )
        self.assertEqual(new.tier_ids.mapped("rate"), [2.0])
        # the old version keeps its own accruals; July's left it
        self.assertEqual(
            self.own.accrual_ids.move_id.mapped("invoice_date")[0].month, 2
        )
        self.assertEqual(len(self.own.accrual_ids), 1)
        # the new version's terms can change before it is approved
        new.with_user(self.manager).tier_ids.write({"rate": 4.0})
        new.with_user(self.manager).action_activate()
        self.assertEqual(new.accrual_ids.move_id, july)
        self.assertEqual(new.accrued_amount, 20.0)
        self.assertEqual(self.own.accrued_amount, 20.0)
        self.assertEqual(self.own._get_all_versions(), self.own + new)
        with self.assertRaises(AccessError):
            new.with_user(self.salesperson).action_amend("2025-09-01")


@tagged("post_install", "-at_install")
class TestRebateAuditTrail(RebateCommon):
    """Term, tier and state changes leave messages with old and new values."""

    @classmethod
    def default_env_context(cls):
        return {}

    def _flush_tracking(self):
        """Run the tracking as at the end of a request: Odoo tracks changes of
        records created earlier in the transaction only after that."""
        self.env.flush_all()
        self.env.cr.flush()
        self.env.invalidate_all()

    def _tracked(self, record, field):
        self._flush_tracking()
        return record.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == field
        )

    def _tracking_row(self, tracking):
        """(message, tracking value) of ``tracking`` as JSON, without what
        differs between any two records (ids, dates, message id)."""
        self.env.cr.execute(
            "SELECT to_jsonb(m) - %s AS message, to_jsonb(t) - %s AS tracking"
            "  FROM mail_message m JOIN mail_tracking_value t"
            "    ON t.mail_message_id = m.id WHERE t.id = %s",
            [
                ["id", "res_id", "message_id", "date", "create_date", "write_date"],
                ["id", "mail_message_id", "create_date", "write_date"],
                tracking.id,
            ],
        )
        return self.env.cr.fetchone()

    def test_agreement_and_tier_changes(self):
        agreement = self._create_agreement(
            [(0.0, 10.0), (100.0, 20.0)], tier_mode="stepped", activate=False
        )
        self._flush_tracking()
        agreement.write({"date_end": "2025-06-30", "period": "month"})
        self.env.flush_all()
        date_end = self._tracked(agreement, "date_end")
        self.assertEqual(date_end.old_value_datetime.date().isoformat(), "2025-12-31")
        self.assertEqual(date_end.new_value_datetime.date().isoformat(), "2025-06-30")
        self.assertEqual(self._tracked(agreement, "period").new_value_char, "Month")

        tier_100 = agreement.tier_ids.filtered(lambda t: t.threshold == 100.0)
        tier_100.rate = 25.0
        agreement.tier_ids = [Command.create({"threshold": 500.0, "rate": 30.0})]
        agreement.tier_ids.filtered(lambda t: t.threshold == 0.0).unlink()
        bodies = agreement.message_ids.mapped("body")
        # amounts and rates as the user reads them, with their unit
        self.assertTrue(
            any(
                "Tier changed" in b and "at 20.00 %" in b and "at 25.00 %" in b
                for b in bodies
            )
        )
        self.assertTrue(
            any(
                "Tier added" in b and "500.00" in b and "at 30.00 %" in b
                for b in bodies
            )
        )
        self.assertTrue(
            any("Tier removed" in b and "0.00 at 10.00 %" in b for b in bodies)
        )
        changed = agreement.message_ids.filtered(lambda m: "Tier changed" in m.body)
        self.assertEqual(changed.author_id, self.env.user.partner_id)

        agreement.action_activate()
        state = self._tracked(agreement, "state")
        self.assertIn("Active", state.mapped("new_value_char"))

    def test_settlement_state_changes(self):
        settlement = self._draft_settlement()
        settlement.action_approve()
        states = self._tracked(settlement, "state")
        self.assertEqual(states.mapped("new_value_char"), ["Approved"])
        self.assertEqual(states.mapped("old_value_char"), ["Draft"])
        self.assertEqual(
            self._tracked(settlement, "approved_by_id").new_value_char,
            self.env.user.name,
        )

    def test_closing_agreements_is_tracked(self):
        """A year-end close ends many agreements at once: each still gets its
        own state-change message, as a tracked write would log it."""
        first = self._create_agreement([(0.0, 1.0)], period="year")
        second = self._create_agreement(
            [(0.0, 1.0)], period="year", partner_id=self.other_customer.id
        )
        still_running = self._create_agreement(
            [(0.0, 1.0)],
            date_end="2026-12-31",
            partner_id=self.other_customer.id,
        )
        self._flush_tracking()
        self.env["rebate.settlement"].close_periods("2025-12-31")
        self.assertEqual((first + second).mapped("state"), ["closed", "closed"])
        self.assertEqual(still_running.state, "active")
        for agreement in first + second:
            state = self._tracked(agreement, "state")
            closing = state.filtered(lambda t: t.new_value_char == "Closed")
            self.assertEqual(closing.old_value_char, "Active")
            self.assertEqual(
                closing.mail_message_id.author_id, self.env.user.partner_id
            )
            self.assertEqual(closing.mail_message_id.res_id, agreement.id)
            self.assertEqual(
                closing.mail_message_id.subtype_id, self.env.ref("mail.mt_note")
            )
        self.assertFalse(
            self._tracked(still_running, "state").filtered(
                lambda t: t.new_value_char == "Closed"
            )
        )

    def test_batch_tracking_logs_what_odoo_logs(self):
        """The tracking notes written in bulk are the rows mail.thread writes
        for a tracked write, column for column."""
        by_odoo = self._create_agreement([(0.0, 1.0)])
        in_bulk = self._create_agreement([(0.0, 2.0)])
        self._flush_tracking()
        by_odoo.sudo()._rebate_workflow().write({"state": "closed"})
        self._flush_tracking()
        in_bulk.sudo()._close()
        self._flush_tracking()
        rows = {}
        for agreement in by_odoo + in_bulk:
            tracking = self._tracked(agreement, "state").filtered(
                lambda t: t.new_value_char == "Closed"
            )
            self.assertEqual(len(tracking), 1)
            rows[agreement] = self._tracking_row(tracking)
        self.assertEqual(rows[in_bulk], rows[by_odoo])
        self.assertEqual(rows[in_bulk][0]["model"], "rebate.agreement")
        self.assertEqual(rows[in_bulk][1]["old_value_char"], "Active")

    def _draft_settlement(self):
        settlement = self._create_q1_settlement()
        self._flush_tracking()
        return settlement

    def test_bulk_tracking_honours_tracking_disable(self):
        """Odoo's switches hold for the notes written in bulk too."""
        for context in ({"tracking_disable": True}, {"mail_notrack": True}):
            settlement = self._draft_settlement()
            settlement.with_context(**context).action_approve()
            self.assertEqual(settlement.state, "approved")
            self.assertFalse(self._tracked(settlement, "state"), context)

    def test_pending_tracking_logged_once(self):
        """Recompute, then approve, in one transaction: Odoo already tracks
        the settlement (the recompute wrote it); the state change is logged
        once, with the rebate's change, not a second time in bulk."""
        settlement = self._draft_settlement()
        self._create_invoice([(self.product_x, 5, 100.0)], date="2025-03-15")
        settlement.action_recompute()
        settlement.action_approve()
        states = self._tracked(settlement, "state")
        self.assertEqual(states.mapped("new_value_char"), ["Approved"])
        rebate = self._tracked(settlement, "rebate_total")
        self.assertEqual((rebate.old_value_float, rebate.new_value_float), (10.0, 15.0))
        self.assertEqual(rebate.mail_message_id, states.mail_message_id)

    def test_large_approvals_log_in_bulk_what_odoo_logs(self):
        """Approving from _get_bulk_chatter_size() settlements on writes
        their chatter in bulk, the rows Odoo's tracking writes for one."""
        agreements = self.env["rebate.agreement"]
        for name in ("By Odoo", "In Bulk 1", "In Bulk 2"):
            customer = self.env["res.partner"].create({"name": name})
            agreements |= self._create_agreement([(0.0, 1.0)], partner_id=customer.id)
            self._create_invoice([(self.product_x, 10, 100.0)], partner=customer)
        settlements = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=agreements
        )
        self._flush_tracking()
        by_odoo = settlements.filtered(lambda s: s.agreement_id == agreements[0])
        in_bulk = settlements - by_odoo
        Settlement = type(self.env["rebate.settlement"])
        bulk_calls = []
        bulk_write = Settlement._bulk_write_tracked

        def _bulk_write_tracked(records, vals):
            bulk_calls.append(records)
            return bulk_write(records, vals)

        with (
            patch.object(Settlement, "_get_bulk_chatter_size", lambda self: 2),
            patch.object(Settlement, "_bulk_write_tracked", _bulk_write_tracked),
        ):
            by_odoo.action_approve()
            self._flush_tracking()
            in_bulk.action_approve()
            self._flush_tracking()
        self.assertEqual(bulk_calls, [in_bulk])
        rows = []
        for settlement in by_odoo + in_bulk:
            self.assertEqual(settlement.state, "approved")
            tracking = self._tracked(settlement, "state")
            self.assertEqual(len(tracking), 1)
            rows.append(self._tracking_row(tracking))
        self.assertEqual(rows[1], rows[0])
        self.assertEqual(rows[2], rows[0])
        self.assertEqual(rows[0][1]["new_value_char"], "Approved")

    def test_bulk_tracking_leaves_subtypes_to_odoo(self):
        """A module that gives a state change a subtype (to notify followers)
        gets Odoo's own post, not a bulk note."""
        settlement = self._draft_settlement()
        comment = self.env.ref("mail.mt_comment")
        Settlement = type(self.env["rebate.settlement"])

        def _track_subtype(record, initial_values):
            if "state" in initial_values and record.state == "approved":
                return comment
            return False

        # (approving one settlement is tracked by Odoo; the close's batches
        # take the bulk path)
        with patch.object(Settlement, "_track_subtype", _track_subtype):
            settlement._bulk_write_tracked({"state": "approved"})
        state = self._tracked(settlement, "state")
        self.assertEqual(len(state), 1)
        self.assertEqual(state.mail_message_id.subtype_id, comment)

    def test_bulk_tracking_of_records_that_differed(self):
        """Agreements closed in bulk from different states: each gets the note
        and the tracking value Odoo's tracking writes for its own old state,
        in one statement for all of them."""
        agreements = self.env["rebate.agreement"]
        for name, activate in (("By Odoo", True), ("Active", True), ("Draft", False)):
            agreements |= self._create_agreement(
                [(0.0, 1.0)], activate=activate, name=name
            )
        by_odoo, active, draft = agreements
        self._flush_tracking()
        by_odoo._rebate_workflow().write({"state": "closed"})
        self._flush_tracking()
        (active | draft)._bulk_write_tracked({"state": "closed"})
        rows = []
        for agreement in agreements:
            self.assertEqual(agreement.state, "closed")
            tracking = self._tracked(agreement, "state").filtered(
                lambda t: t.new_value_char == "Closed"
            )
            self.assertEqual(len(tracking), 1)
            self.assertEqual(len(tracking.mail_message_id.tracking_value_ids), 1)
            rows.append(self._tracking_row(tracking))
        self.assertEqual(rows[1], rows[0])
        self.assertEqual(rows[0][1]["old_value_char"], "Active")
        self.assertEqual(rows[2][1]["old_value_char"], "Draft")
        self.assertEqual(rows[2][1]["new_value_char"], "Closed")
        self.assertEqual(
            {key: value for key, value in rows[2][1].items() if "value" not in key},
            {key: value for key, value in rows[0][1].items() if "value" not in key},
        )
        self.assertEqual(rows[2][0], rows[0][0])
