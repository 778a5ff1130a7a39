# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import re
from io import BytesIO

from openpyxl import load_workbook
from psycopg2.errors import ReadOnlySqlTransaction

from odoo import api
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..tools import is_integrator_api
from .common import RebateCommon, RebateHttpMixin, read_api_doc

# `model.method(` in the tables of docs/api.md
DOCUMENTED_CALL = re.compile(r"`(rebate\.[a-z_.]+)\.([a-z_]+)\(")
ORM_METHODS = {"create", "read", "search_read", "write"}


@tagged("post_install", "-at_install")
class TestRebateApi(RebateHttpMixin, RebateCommon, HttpCase):
    """Every call of docs/api.md through Python's own xmlrpc.client against
    the running server, as the role the page says may make it, and as the
    roles it refuses (issue #29)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_role_users("api")
        cls.portal_user = cls._create_portal_user("api_portal", cls.customer)
        cls.product_x.taxes_id = False

    def _create_documented_agreement(self):
        """Section 1: the salesperson's draft, submitted; its id."""
        agreement_id = self._call(
            self.salesperson,
            "rebate.agreement",
            "create",
            {
                "name": "API 2025",
                "partner_id": self.customer.id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
                "period": "quarter",
                "basis": "amount",
                "tier_mode": "retroactive",
                "tier_ids": [
                    (0, 0, {"threshold": 0, "rate": 2.0}),
                    (0, 0, {"threshold": 10000, "rate": 3.0}),
                ],
            },
        )
        self.assertTrue(
            self._call(
                self.salesperson, "rebate.agreement", "action_submit", [agreement_id]
            )
        )
        return agreement_id

    def test_every_documented_call_is_marked_for_integrators(self):
        calls = set(DOCUMENTED_CALL.findall(read_api_doc()))
        self.assertGreaterEqual(len(calls), 14)
        for model, method in sorted(calls):
            if method in ORM_METHODS:
                continue
            with self.subTest(f"{model}.{method}"):
                self.assertTrue(is_integrator_api(self.env[model], method))
        # and the other way: the marked methods are on the page
        documented = {method for _model, method in calls}
        for model in ("rebate.agreement", "rebate.settlement", "rebate.audit"):
            for name in dir(type(self.env[model])):
                if is_integrator_api(self.env[model], name):
                    self.assertIn(name, documented, f"{model}.{name} undocumented")

    def test_create_and_activate(self):
        agreement_id = self._create_documented_agreement()
        agreement = self.env["rebate.agreement"].browse(agreement_id)
        self.assertRecordValues(
            agreement,
            [
                {
                    "state": "to_approve",
                    "partner_id": self.customer.id,
                    "tier_mode": "retroactive",
                }
            ],
        )
        self.assertEqual(agreement.tier_ids.mapped("rate"), [2.0, 3.0])
        self._create_invoice([(self.product_x, 12, 1000.0)], date="2025-02-10")
        self.assertCallFails(
            "Only users of group Rebates / Sales Manager may activate agreements.",
            self.salesperson,
            "rebate.agreement",
            "action_activate",
            [agreement_id],
        )
        self.assertEqual(agreement.state, "to_approve")
        self.assertTrue(
            self._call(
                self.manager, "rebate.agreement", "action_activate", [agreement_id]
            )
        )
        # the invoice already posted, accrued at once: 3 % of 12,000
        self.assertEqual(agreement.state, "active")
        self.assertAccrued(agreement, 360.0)
        self.assertCallFails(
            "locked since it was approved",
            self.manager,
            "rebate.agreement",
            "write",
            [agreement_id],
            {"tier_mode": "flat"},
        )
        new_id = self._call(
            self.manager,
            "rebate.agreement",
            "action_amend",
            [agreement_id],
            "2025-07-01",
        )
        self.assertEqual(
            self.env["rebate.agreement"].browse(new_id).previous_version_id, agreement
        )
        # a term the engine cannot price
        self.assertCallFails(
            "cannot be negative",
            self.salesperson,
            "rebate.agreement",
            "create",
            {
                "name": "Wrong",
                "partner_id": self.customer.id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
                "tier_ids": [(0, 0, {"threshold": 0, "rate": -1.0})],
            },
        )
        self.assertFalse(self.env["rebate.agreement"].search([("name", "=", "Wrong")]))

    def test_accruals_and_progress(self):
        agreement_id = self._create_documented_agreement()
        self._call(self.manager, "rebate.agreement", "action_activate", [agreement_id])
        move = self._create_invoice([(self.product_x, 12, 1000.0)], date="2025-02-10")
        accruals = self._call(
            self.salesperson,
            "rebate.accrual",
            "search_read",
            [("agreement_id", "=", agreement_id)],
            fields=["date", "move_id", "base", "amount", "period_start"],
        )
        self.assertEqual(
            [
                (a["date"], a["move_id"][0], a["base"], a["amount"], a["period_start"])
                for a in accruals
            ],
            [("2025-02-10", move.id, 12000.0, 360.0, "2025-01-01")],
        )
        expected = {
            "agreement_id": agreement_id,
            "date_from": "2025-01-01",
            "date_to": "2025-03-31",
            "is_final": False,
            "base": 12000.0,
            "rebate": 360.0,
            "tier_threshold": 10000.0,
            "tier_value": 3.0,
            "next_threshold": False,
            "next_value": False,
            "to_next": False,
            "penalty": 0.0,
            "base_prior": False,
            "growth_percent": False,
        }
        for user in (self.salesperson, self.portal_user):
            with self.subTest(user.login):
                [progress] = self._call(
                    user,
                    "rebate.agreement",
                    "get_progress",
                    [agreement_id],
                    date="2025-02-15",
                )
                self.assertEqual({key: progress[key] for key in expected}, expected)
                # 46 days of 90: the pace of the quarter
                self.assertAlmostEqual(progress["forecast_base"], 12000.0 * 90 / 46)
        [before] = self._call(
            self.salesperson,
            "rebate.agreement",
            "get_progress",
            [agreement_id],
            date="2024-12-31",
        )
        self.assertEqual(before, {"agreement_id": agreement_id})
        # another customer's portal user reads nothing of it
        other = self._create_portal_user(
            "api_other_portal", self.env["res.partner"].create({"name": "Other"})
        )
        self.assertCallFails(
            "'read' access", other, "rebate.agreement", "get_progress", [agreement_id]
        )
        self.assertCallFails(
            "Private methods",
            self.manager,
            "rebate.agreement",
            "_get_portal_progress",
            [agreement_id],
            "2025-02-15",
        )

    def test_close_approve_document_and_statement(self):
        agreement_id = self._create_documented_agreement()
        self._call(self.manager, "rebate.agreement", "action_activate", [agreement_id])
        self._create_invoice([(self.product_x, 12, 1000.0)], date="2025-02-10")
        for user in (self.salesperson, self.manager):
            self.assertCallFails(
                "Only users of group Rebates / Accountant may close rebate periods.",
                user,
                "rebate.settlement",
                "close_periods",
                "2025-03-31",
                agreements=[agreement_id],
            )
        for args, kwargs, text in (
            (["2999-03-31"], {}, "Periods are closed once they have ended"),
            (["2025-03-31"], {"agreements": "all"}, "list of rebate agreement ids"),
        ):
            self.assertCallFails(
                text,
                self.accountant,
                "rebate.settlement",
                "close_periods",
                *args,
                **kwargs,
            )
        ids = self._call(
            self.accountant,
            "rebate.settlement",
            "close_periods",
            "2025-03-31",
            agreements=[agreement_id],
        )
        self.assertEqual(len(ids), 1)
        self.assertTrue(
            self._call(self.accountant, "rebate.settlement", "action_recompute", ids)
        )
        self.assertCallFails(
            "must be approved",
            self.accountant,
            "rebate.settlement",
            "action_create_credit_note",
            ids,
        )
        self.assertTrue(
            self._call(self.accountant, "rebate.settlement", "action_approve", ids)
        )
        self.assertTrue(
            self._call(
                self.accountant, "rebate.settlement", "action_create_credit_note", ids
            )
        )
        [settlement] = self._call(
            self.accountant,
            "rebate.settlement",
            "read",
            ids,
            ["state", "rebate_total", "document_id"],
        )
        document = self.env["account.move"].browse(settlement["document_id"][0])
        self.assertEqual(
            (settlement["state"], settlement["rebate_total"]), ("done", 360.0)
        )
        self.assertRecordValues(
            document,
            [{"move_type": "out_refund", "state": "posted", "amount_untaxed": 360.0}],
        )
        self.assertCallFails(
            "reverse the document",
            self.accountant,
            "rebate.settlement",
            "action_cancel",
            ids,
        )
        # the statement, base64 text
        data = self._call(self.salesperson, "rebate.settlement", "export_xlsx", ids)
        sheet = load_workbook(BytesIO(base64.b64decode(data))).active
        self.assertIn("Rebate statement", sheet.cell(1, 1).value)
        audit = self._call(
            self.salesperson,
            "rebate.audit",
            "export_audit_xlsx",
            "2025-01-01",
            "2025-12-31",
        )
        self.assertTrue(load_workbook(BytesIO(base64.b64decode(audit))).sheetnames)
        self.assertCallFails(
            "Give an audit range whose start is not after its end.",
            self.accountant,
            "rebate.audit",
            "export_audit_xlsx",
            "2025-12-31",
            "2025-01-01",
        )

    def test_workflow_fields_refused_to_a_plain_write(self):
        agreement_id = self._create_documented_agreement()
        self.assertCallFails(
            "can only be set by its workflow",
            self.manager,
            "rebate.agreement",
            "write",
            [agreement_id],
            {"state": "active"},
        )
        self.assertEqual(
            self.env["rebate.agreement"].browse(agreement_id).state, "to_approve"
        )

    def test_reads_run_on_a_read_only_cursor(self):
        """Downloads and the progress are read-only (api.readonly, routes
        readonly=True): a deployment with a read replica serves them from it
        (#31, part 8). Each runs on a read-only cursor, where a write
        fails."""
        agreement_id = self._create_documented_agreement()
        self._call(self.manager, "rebate.agreement", "action_activate", [agreement_id])
        self._create_invoice([(self.product_x, 12, 1000.0)], date="2025-02-10")
        ids = self._call(
            self.accountant,
            "rebate.settlement",
            "close_periods",
            "2025-03-31",
            agreements=[agreement_id],
        )
        for model, method in (
            ("rebate.settlement", "export_xlsx"),
            ("rebate.audit", "export_audit_xlsx"),
            ("rebate.agreement", "get_progress"),
        ):
            self.assertTrue(getattr(type(self.env[model]), method)._readonly)
        self.assertTrue(self._readonly_cursors_enabled())
        with self.registry.cursor(readonly=True) as cr:
            env = api.Environment(cr, self.accountant.id, {})
            self.assertTrue(env["rebate.settlement"].browse(ids).export_xlsx())
            self.assertTrue(
                env["rebate.audit"].export_audit_xlsx("2025-01-01", "2025-12-31")
            )
            [progress] = (
                env["rebate.agreement"].browse(agreement_id).get_progress("2025-02-15")
            )
            self.assertEqual(progress["rebate"], 360.0)
            # (the cursor is read-only indeed)
            with self.assertRaises(ReadOnlySqlTransaction), mute_logger("odoo.sql_db"):
                cr.execute(
                    "UPDATE rebate_agreement SET name = 'Renamed' WHERE id = %s",
                    [agreement_id],
                )
            cr.rollback()
        # the portal pages, read-only routes
        self.authenticate(self.portal_user.login, f"{self.portal_user.login}-pass")
        for url in ("/my/rebates", f"/my/rebates/{agreement_id}"):
            response = self.url_open(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertIn("API 2025", response.text)
