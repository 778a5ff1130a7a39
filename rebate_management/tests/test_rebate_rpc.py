# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged

from .common import RebateCommon, RebateHttpMixin
from .test_rebate_audit import read_sheets

FORGED = "can only be set by its workflow"


@tagged("post_install", "-at_install")
class TestRebateRpc(RebateHttpMixin, RebateCommon, HttpCase):
    """What an integrator meets over XML-RPC, as the least-privileged user who
    might try: public methods answer in ids, workflow fields stay closed, a
    refused call leaves nothing behind."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_role_users("rpc")
        cls.agreement = cls._create_agreement([(0.0, 2.0)], name="RPC")
        cls._create_invoice([(cls.product_x, 10, 100.0)], date="2025-02-01")

    def _settlements(self):
        return self.env["rebate.settlement"].search(
            [("agreement_id", "=", self.agreement.id)]
        )

    def _close_q1(self):
        """The agreement's Q1 closed over RPC by the accountant: its one
        settlement's id."""
        [settlement_id] = self._call(
            self.accountant,
            "rebate.settlement",
            "close_periods",
            "2025-03-31",
            agreements=[self.agreement.id],
        )
        return settlement_id

    def assertLockedTerms(self, *writes):
        """Each of ``writes`` to the active agreement is refused over RPC, to
        a manager too: locked terms."""
        for vals in writes:
            self.assertCallFails(
                "locked since it was approved",
                self.manager,
                "rebate.agreement",
                "write",
                [self.agreement.id],
                vals,
            )

    def test_close_periods_answers_ids(self):
        ids = self._call(
            self.accountant,
            "rebate.settlement",
            "close_periods",
            "2025-06-30",
            agreements=[self.agreement.id],
        )
        settlements = self._settlements()
        self.assertEqual(sorted(ids), sorted(settlements.ids))
        self.assertEqual(len(ids), 2)
        self.assertEqual(
            self._call(
                self.accountant, "rebate.settlement", "close_periods", "2025-06-30"
            ),
            [],
        )

    def test_refused_close_leaves_nothing(self):
        for user, args, text in (
            (self.salesperson, ["2025-06-30"], "close rebate periods"),
            (self.manager, ["2025-06-30"], "close rebate periods"),
            (self.accountant, ["2025-13-45"], "2025-13-45 is not a date"),
        ):
            self.assertCallFails(
                text, user, "rebate.settlement", "close_periods", *args
            )
        self.assertFalse(self._settlements())

    def test_workflow_fields_closed_over_rpc(self):
        draft_id = self._call(
            self.salesperson,
            "rebate.agreement",
            "create",
            {
                "name": "Over RPC",
                "partner_id": self.customer.id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
                "tier_ids": [[0, 0, {"threshold": 0.0, "rate": 1.0}]],
            },
        )
        draft = self.env["rebate.agreement"].browse(draft_id)
        # the journal defaulted although a salesperson reads no journal
        self.assertEqual(draft.journal_id, self.env.company._get_rebate_journal())
        for user in (self.salesperson, self.manager):
            for context in ({}, {"rebate_workflow": True}):
                self.assertCallFails(
                    FORGED,
                    user,
                    "rebate.agreement",
                    "write",
                    [draft_id],
                    {"state": "active", "approved_by_id": self.manager.id},
                    context=context,
                )
        self.assertCallFails(
            "your own customers",
            self.salesperson,
            "rebate.agreement",
            "create",
            {
                "name": "Not mine",
                "partner_id": self.other_customer.id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
            },
        )
        draft.invalidate_recordset()
        self.assertEqual(draft.state, "draft")
        self.assertTrue(
            self._call(
                self.salesperson, "rebate.agreement", "action_submit", [draft_id]
            )
        )
        self.assertTrue(
            self._call(self.manager, "rebate.agreement", "action_activate", [draft_id])
        )
        draft.invalidate_recordset()
        self.assertRecordValues(
            draft, [{"state": "active", "approved_by_id": self.manager.id}]
        )

    @freeze_time("2025-07-05")
    def test_settlement_workflow_over_rpc(self):
        self.env.company.rebate_four_eyes = True
        settlement_id = self._close_q1()
        for method, args, text in (
            ("write", [[settlement_id], {"state": "approved"}], FORGED),
            ("write", [[settlement_id], {"rebate_total": 5000.0}], FORGED),
            # the fields of issue #14: interim, late documents, payment, payout
            ("write", [[settlement_id], {"rebate_previous": -100.0}], FORGED),
            ("write", [[settlement_id], {"base_cumulative": 1.0}], FORGED),
            ("write", [[settlement_id], {"adjustment_total": 50.0}], FORGED),
            ("write", [[settlement_id], {"is_adjustment": True}], FORGED),
            ("write", [[settlement_id], {"base_forfeited": 1.0}], FORGED),
            ("write", [[settlement_id], {"document_id": 1}], FORGED),
            ("write", [[settlement_id], {"payout_payment_id": 1}], FORGED),
            ("action_approve", [[settlement_id]], "computed by you"),
            ("action_create_credit_note", [[settlement_id]], "must be approved"),
        ):
            self.assertCallFails(
                text, self.accountant, "rebate.settlement", method, *args
            )
        invoice = self._create_invoice([(self.product_x, 1, 100.0)], post=False)
        self.assertCallFails(
            FORGED,
            self.accountant,
            "account.move",
            "write",
            [invoice.id],
            {"rebate_settlement_id": settlement_id},
        )
        settlement = self.env["rebate.settlement"].browse(settlement_id)
        self.assertRecordValues(
            settlement,
            [{"state": "draft", "approved_by_id": False, "rebate_total": 20.0}],
        )
        self.assertFalse(invoice.rebate_settlement_id)

    def test_amend_answers_an_id(self):
        new_id = self._call(
            self.manager,
            "rebate.agreement",
            "action_amend",
            [self.agreement.id],
            "2025-07-01",
        )
        new_version = self.env["rebate.agreement"].browse(new_id)
        self.assertRecordValues(
            new_version,
            [
                {
                    "version": 2,
                    "previous_version_id": self.agreement.id,
                    "state": "draft",
                }
            ],
        )

    def test_new_terms_locked_over_rpc(self):
        """Settlement period and payment condition are terms: locked once the
        agreement is active, for a manager too."""
        self.assertLockedTerms(
            {"settlement_period": "month"},
            {"payment_condition": "paid_on_time"},
            {"payment_grace_days": 30},
        )
        self.assertRecordValues(
            self.agreement,
            [
                {
                    "settlement_period": False,
                    "payment_condition": "none",
                    "payment_grace_days": 0,
                }
            ],
        )

    def test_rewards_and_penalties_over_rpc(self):
        """Issue #15 over RPC: the commitment is a locked term, the template
        link and a hold's release are the workflow's, only managers generate
        from templates and release holds, and a template is refused by the
        close."""
        self.assertLockedTerms({"commitment_base": 10.0}, {"min_invoice_count": 2})
        grade = self.env["rebate.grade"].create({"name": "RPC grade"})
        template_id = self._call(
            self.manager,
            "rebate.agreement",
            "create",
            {
                "name": "RPC template",
                "is_template": True,
                "grade_id": grade.id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
                "tier_ids": [(0, 0, {"threshold": 0.0, "rate": 1.0})],
            },
        )
        self.assertCallFails(
            "generate agreements from templates",
            self.salesperson,
            "rebate.agreement",
            "action_generate_agreements",
            [template_id],
            "2026-01-01",
            "2026-12-31",
        )
        self.assertCallFails(
            FORGED,
            self.manager,
            "rebate.agreement",
            "write",
            [self.agreement.id],
            {"template_id": template_id},
        )
        self.assertCallFails(
            "never submitted, activated",
            self.accountant,
            "rebate.settlement",
            "close_periods",
            "2025-12-31",
            agreements=[template_id],
        )
        settlement_id = self._close_q1()
        for user, method, args, text in (
            (self.salesperson, "action_release_hold", ["Paid soon"], "release credit"),
            (self.accountant, "action_release_hold", ["Paid soon"], "release credit"),
            (self.manager, "action_release_hold", ["Paid soon"], "not on credit hold"),
            (self.accountant, "write", [{"hold_release_reason": "x"}], FORGED),
            (self.accountant, "write", [{"penalty_total": 1.0}], FORGED),
        ):
            self.assertCallFails(
                text, user, "rebate.settlement", method, [settlement_id], *args
            )
        self.assertFalse(
            self.env["rebate.settlement"].browse(settlement_id).hold_released_by_id
        )

    def test_alerts_and_audit_over_rpc(self):
        """Issue #16 over RPC: only a sales manager acknowledges alerts, the
        acknowledgement and the alerts' flag are the workflow's, approval
        waits for it, a salesperson reads the alerts of their own customers
        only, and the audit workbook is built as the caller."""
        self.env.company.write(
            {"rebate_alert_surge_days": 0, "rebate_alert_cost_percent": 1.0}
        )
        other = self._create_agreement(
            [(0.0, 2.0)], name="RPC other", partner_id=self.other_customer.id
        )
        self._create_invoice(
            [(self.product_x, 10, 100.0)],
            date="2025-02-01",
            partner=self.other_customer,
        )
        [settlement_id, other_id] = self._call(
            self.accountant,
            "rebate.settlement",
            "close_periods",
            "2025-03-31",
            agreements=[self.agreement.id, other.id],
        )
        settlement = self.env["rebate.settlement"].browse(settlement_id)
        if settlement.agreement_id != self.agreement:
            settlement_id, other_id = other_id, settlement_id
            settlement = self.env["rebate.settlement"].browse(settlement_id)
        # 2 % of the sales against a limit of 1 %
        self.assertEqual(settlement.alert_ids.code, "cost_share")
        for user, method, args, text in (
            (self.salesperson, "action_acknowledge_alerts", ["Fine"], "acknowledge"),
            (self.accountant, "action_acknowledge_alerts", ["Fine"], "acknowledge"),
            (self.manager, "action_acknowledge_alerts", ["  "], "Say why"),
            (self.accountant, "action_approve", [], "must acknowledge"),
            (self.manager, "write", [{"alerts_acknowledged_by_id": 1}], "not allowed"),
            (self.accountant, "write", [{"alerts_acknowledged_by_id": 1}], FORGED),
            (self.accountant, "write", [{"has_alerts": False}], FORGED),
        ):
            self.assertCallFails(
                text, user, "rebate.settlement", method, [settlement_id], *args
            )
        self.assertFalse(settlement.alerts_acknowledged_by_id)
        self.assertTrue(settlement.has_alerts)
        # the salesperson reads their customer's alert, not the other's
        alerts = self._call(
            self.salesperson, "rebate.settlement.alert", "search_read", [], ["code"]
        )
        self.assertEqual([alert["id"] for alert in alerts], settlement.alert_ids.ids)
        self._call(
            self.manager,
            "rebate.settlement",
            "action_acknowledge_alerts",
            [settlement_id],
            "Agreed with the customer",
        )
        self.assertEqual(settlement.alerts_acknowledged_by_id, self.manager)
        self._call(
            self.accountant, "rebate.settlement", "action_approve", [settlement_id]
        )
        self.assertEqual(settlement.state, "approved")
        # the workbook as the salesperson: their customer's settlement only
        Wizard = "rebate.audit.workbook"
        wizard_id = self._call(
            self.salesperson,
            Wizard,
            "create",
            {"date_from": "2025-01-01", "date_to": "2025-12-31"},
        )
        action = self._call(self.salesperson, Wizard, "action_export", [wizard_id])
        self.assertTrue(action["url"].startswith(f"/web/content/{Wizard}/{wizard_id}/"))
        self.authenticate("rpc_sales", "rpc_sales-pass")
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.headers["Content-Type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        sheets = read_sheets(response.content)
        self.assertEqual(
            [row["Number"] for row in sheets["Settlements"]], [settlement.name]
        )
        self.assertEqual(len(sheets["Alerts"]), 1)
        # another user may not download it
        self.authenticate("rpc_acc", "rpc_acc-pass")
        self.assertNotEqual(self.url_open(action["url"]).status_code, 200)

    def test_simulate_over_rpc_and_no_simulation_by_hand(self):
        """simulate answers plain values (ISO dates); the simulation kept on a
        draft is the workflow's to write."""
        draft = self._create_agreement(
            [(0.0, 2.0)],
            activate=False,
            name="RPC draft",
            date_start="2026-01-01",
            date_end="2026-12-31",
            user_id=self.salesperson.id,
        )
        result = self._call(
            self.salesperson,
            "rebate.agreement",
            "simulate",
            [draft.id],
            "2025-01-01",
            "2025-06-30",
        )
        self.assertEqual(
            [(p["date_from"], p["base"], p["rebate"]) for p in result["periods"]],
            [("2025-01-01", 1000.0, 20.0), ("2025-04-01", 0.0, 0.0)],
        )
        for user in (self.salesperson, self.manager):
            self.assertCallFails(
                FORGED,
                user,
                "rebate.agreement",
                "write",
                [draft.id],
                {"simulation": {"rebate": 1.0}},
            )
        self.assertFalse(draft.simulation)
