# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
from datetime import date, datetime
from io import BytesIO

from freezegun import freeze_time
from openpyxl import load_workbook

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import RebateCommon

SURGE_MESSAGE = (
    "Documents dated in the last 10 days of the period make 60.00 % of its base "
    "(6,000.00 of 10,000.00); without them the base would be in a lower tier."
)


def read_sheets(data):
    """{sheet name: [row dicts keyed by the heading]} of a workbook, the
    first sheet (what it covers) as {label: value}."""
    workbook = load_workbook(BytesIO(data))
    first, *tables = workbook.worksheets
    about = first.iter_rows(values_only=True)
    sheets = {first.title: {row[0]: row[1] for row in about}}
    for sheet in tables:
        header, *rows = sheet.iter_rows(values_only=True)
        sheets[sheet.title] = [dict(zip(header, row, strict=True)) for row in rows]
    return sheets


@tagged("post_install", "-at_install")
class TestRebateAudit(RebateCommon):
    """The audit workbook (issue #16, part 3): settlements, alerts and their
    acknowledgements, holds released and agreement changes of a range, as
    the user who asks may see them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for product in (cls.product_x, cls.product_z, cls.rebate_product):
            product.taxes_id = False
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.env.company.write(
            {
                "rebate_alert_surge_days": 10,
                "rebate_alert_surge_percent": 50.0,
                "rebate_alert_return_days": 0,
                "rebate_alert_cost_percent": 0.0,
                "rebate_credit_hold_days": 30,
            }
        )
        cls.manager = cls._create_rebate_user("audit_manager", "group_rebate_manager")
        cls.accountant = cls._create_rebate_user(
            "audit_accountant", "group_rebate_accountant"
        )
        cls.salesperson = cls._create_rebate_user("audit_sales", "group_rebate_user")
        cls.customer.user_id = cls.salesperson
        cls.env.user.tz = "UTC"
        cls.salesperson.tz = "UTC"

    def _scenario(self):
        """Q1 2025 of two customers: Rebate Customer's settlement with a surge
        alert, acknowledged and approved; Other Customer's held for an
        overdue invoice, released and paid out; an amendment of the first
        agreement."""
        self.first = self._create_agreement(
            [(0.0, 1.0), (10000.0, 2.0)], tier_mode="retroactive", name="Surge"
        )
        self.second = self._create_agreement(
            [(0.0, 5.0)],
            name="Held",
            partner_id=self.other_customer.id,
            product_ids=[Command.set(self.product_x.ids)],
        )
        self._create_invoice([(self.product_x, 1, 4000.0)], date="2025-02-10")
        self._create_invoice([(self.product_x, 1, 6000.0)], date="2025-03-22")
        self._create_invoice(
            [(self.product_x, 1, 1000.0)],
            date="2025-02-10",
            partner=self.other_customer,
        )
        self.overdue = self._create_invoice(
            [(self.product_z, 1, 300.0)],
            date="2025-02-01",
            partner=self.other_customer,
            post=False,
        )
        self.overdue.invoice_date_due = "2025-03-01"
        self.overdue.action_post()
        Settlement = self.env["rebate.settlement"]
        self.surge = Settlement.close_periods("2025-03-31", agreements=self.first)
        self.held = Settlement.close_periods("2025-03-31", agreements=self.second)
        self.surge.with_user(self.manager).action_acknowledge_alerts("Seasonal order")
        self.surge.with_user(self.accountant).action_approve()
        self.held.with_user(self.manager).action_release_hold("Agreed with finance")
        self.held.with_user(self.accountant).action_approve()
        self.held.with_user(self.accountant).action_create_credit_note()
        # (the tests run without tracking by default: these changes are)
        tracked = {"tracking_disable": False, "mail_notrack": False}
        self.second.with_user(self.manager).with_context(**tracked).write(
            {"name": "Held (renamed)"}
        )
        self.env.cr.precommit.run()  # (the tracking is written at commit)
        self.first.with_user(self.manager).with_context(**tracked).action_amend(
            date(2025, 7, 1)
        )

    def _export(self, user, date_from="2025-01-01", date_to="2025-04-30"):
        return read_sheets(
            self.env["rebate.audit"].with_user(user)._get_audit_xlsx(date_from, date_to)
        )

    @freeze_time("2025-04-15 09:30:00")
    def test_workbook_rows(self):
        self._scenario()
        sheets = self._export(self.manager)
        self.assertEqual(
            list(sheets),
            ["Audit", "Settlements", "Alerts", "Holds Released", "Agreement Changes"],
        )
        about = sheets["Audit"]
        self.assertEqual(about["From"], datetime(2025, 1, 1))
        self.assertEqual(about["To"], datetime(2025, 4, 30))
        self.assertEqual(about["Prepared by"], self.manager.name)

        surge, held = sheets["Settlements"]
        self.assertEqual(
            surge,
            {
                "Number": self.surge.name,
                "Customer": "Rebate Customer",
                "Agreement": self.first.display_name,
                "Period Start": datetime(2025, 1, 1),
                "Period End": datetime(2025, 3, 31),
                "Base": 10000.0,
                "Rebate": 200.0,
                "Late Documents": 0.0,
                "Penalty": 0.0,
                "Status": "Approved",
                "Created By": self.env.user.name,
                # (the transaction's date, as the ORM's create_date)
                "Created On": surge["Created On"],
                "Computed By": self.env.user.name,
                "Approved By": self.accountant.name,
                "Approved On": datetime(2025, 4, 15, 9, 30),
                "Document": None,
                "Alerts": 1,
            },
        )
        self.assertEqual(held["Number"], self.held.name)
        self.assertEqual(held["Customer"], "Other Customer")
        self.assertEqual(held["Rebate"], 50.0)
        self.assertEqual(held["Status"], "Done")
        self.assertEqual(held["Document"], self.held.document_id.name)
        self.assertTrue(held["Document"].startswith("RINV/"))
        self.assertEqual(held["Alerts"], 0)
        self.assertIsInstance(surge["Created On"], datetime)

        self.assertEqual(
            sheets["Alerts"],
            [
                {
                    "Settlement": self.surge.name,
                    "Customer": "Rebate Customer",
                    "Period End": datetime(2025, 3, 31),
                    "Alert": "Surge at the period's end",
                    "Message": SURGE_MESSAGE,
                    "Acknowledged By": self.manager.name,
                    "Acknowledged On": datetime(2025, 4, 15, 9, 30),
                    "Acknowledgement Note": "Seasonal order",
                    "Settlement Status": "Approved",
                }
            ],
        )
        self.assertEqual(
            sheets["Holds Released"],
            [
                {
                    "Settlement": self.held.name,
                    "Customer": "Other Customer",
                    "Rebate": 50.0,
                    "Released By": self.manager.name,
                    "Released On": datetime(2025, 4, 15, 9, 30),
                    "Reason": "Agreed with finance",
                    "Overdue Invoices at the Release": self.overdue.name,
                }
            ],
        )
        changes = sheets["Agreement Changes"]
        amended = [row for row in changes if row["Note"] and "Amended" in row["Note"]]
        self.assertEqual(len(amended), 1)
        self.assertEqual(amended[0]["Agreement"], self.first.display_name)
        self.assertEqual(amended[0]["Changed By"], self.manager.name)
        self.assertEqual(amended[0]["Date"], datetime(2025, 4, 15, 9, 30))
        self.assertIn("Amended from 07/01/2025 by version 2.", amended[0]["Note"])
        self.assertEqual(amended[0]["Version"], 1)
        # a tracked change: the field, its old and new values
        self.assertIn(
            {
                "Date": datetime(2025, 4, 15, 9, 30),
                "Agreement": "Held (renamed)",
                "Version": 1,
                "Customer": "Other Customer",
                "Changed By": self.manager.name,
                "Field": self.second._fields["name"].string,
                "Old Value": "Held",
                "New Value": "Held (renamed)",
                "Note": None,
            },
            changes,
        )
        # the new version's tiers, one per line
        self.assertIn(
            "Tier added\n- from $\xa00.00 at 1.00 %\n- from $\xa010,000.00 at 2.00 %",
            [row["Note"] for row in changes if row["Version"] == 2],
        )
        self.assertEqual(
            {row["Agreement"] for row in changes},
            {
                self.first.display_name,
                self.second.display_name,
                self.first.next_version_ids.display_name,
            },
        )

    @freeze_time("2025-04-15 09:30:00")
    def test_workbook_follows_the_record_rules(self):
        """A salesperson's workbook holds their customers' settlements,
        alerts and agreements only, as do their searches."""
        self._scenario()
        sheets = self._export(self.salesperson)
        self.assertEqual(
            [row["Number"] for row in sheets["Settlements"]], [self.surge.name]
        )
        self.assertEqual(
            [row["Settlement"] for row in sheets["Alerts"]], [self.surge.name]
        )
        self.assertEqual(sheets["Holds Released"], [])
        self.assertNotIn(
            self.second.display_name,
            {row["Agreement"] for row in sheets["Agreement Changes"]},
        )
        self.assertTrue(sheets["Agreement Changes"])
        # the other customer's alerts are not read by the salesperson either
        other = (
            self.env["rebate.settlement.alert"]
            .sudo()
            .create(
                {
                    "settlement_id": self.held.id,
                    "code": "cost_share",
                    "amount": 50.0,
                    "base": 1000.0,
                    "share": 5.0,
                    "threshold": 1.0,
                }
            )
        )
        visible = (
            self.env["rebate.settlement.alert"].with_user(self.salesperson).search([])
        )
        self.assertEqual(visible, self.surge.alert_ids)
        self.assertNotIn(other, visible)

    @freeze_time("2025-04-15 09:30:00")
    def test_range_and_wizard(self):
        self._scenario()
        # a range after the period: no settlement, the changes of the day
        sheets = self._export(self.manager, "2025-04-01", "2025-04-30")
        self.assertEqual(sheets["Settlements"], [])
        self.assertEqual(sheets["Alerts"], [])
        self.assertTrue(sheets["Agreement Changes"])
        # a range before anything happened: empty tables, headings kept
        workbook = load_workbook(
            BytesIO(
                base64.b64decode(
                    self.env["rebate.audit"].export_audit_xlsx(
                        "2024-01-01", "2024-12-31"
                    )
                )
            )
        )
        for sheet in workbook.worksheets[1:]:
            self.assertEqual(sheet.max_row, 1, sheet.title)
        with self.assertRaisesText(UserError, "whose start is not after its end"):
            self.env["rebate.audit"].export_audit_xlsx("2025-05-01", "2025-04-30")
        Wizard = self.env["rebate.audit.workbook"].with_user(self.accountant)
        with self.assertRaisesText(ValidationError, "cannot end before it starts"):
            Wizard.create({"date_from": "2025-05-01", "date_to": "2025-04-30"})
        # from the settlement list: the range of the selected periods' ends
        wizard = Wizard.with_context(
            active_model="rebate.settlement", active_ids=(self.surge | self.held).ids
        ).create({})
        self.assertEqual(wizard.date_from, date(2025, 3, 31))
        self.assertEqual(wizard.date_to, date(2025, 3, 31))
        action = wizard.action_export()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(
            action["url"],
            f"/web/content/rebate.audit.workbook/{wizard.id}/file/"
            "Rebate%20audit%202025-03-31%20to%202025-03-31.xlsx?download=true",
        )
        sheets = read_sheets(base64.b64decode(wizard.file))
        self.assertEqual(
            [row["Number"] for row in sheets["Settlements"]],
            [self.surge.name, self.held.name],
        )

    @freeze_time("2025-04-15 09:30:00")
    def test_query_count_does_not_grow_with_settlements(self):
        self._scenario()
        Audit = self.env["rebate.audit"].with_user(self.manager)
        self._count_queries(Audit)  # the access rules' caches warm
        before = self._count_queries(Audit)
        for index in range(3):
            customer = self.env["res.partner"].create({"name": f"More {index}"})
            agreement = self._create_agreement(
                [(0.0, 1.0), (10000.0, 2.0)],
                tier_mode="retroactive",
                partner_id=customer.id,
            )
            self._create_invoice([(self.product_x, 1, 6000.0)], partner=customer)
            self._create_invoice(
                [(self.product_x, 1, 6000.0)], date="2025-03-25", partner=customer
            )
            self.env["rebate.settlement"].close_periods(
                "2025-03-31", agreements=agreement
            )
            agreement.with_context(
                tracking_disable=False, mail_notrack=False
            ).name = f"Renamed {index}"
        self.env.cr.precommit.run()
        after = self._count_queries(Audit)
        self.assertEqual(
            len(Audit._get_audit_settlements(date(2025, 1, 1), date(2025, 4, 30))), 5
        )
        self.assertEqual(after, before)

    def _count_queries(self, audit):
        self.env.flush_all()
        self.env.invalidate_all()
        count = self.env.cr.sql_log_count
        audit.export_audit_xlsx("2025-01-01", "2025-04-30")
        return self.env.cr.sql_log_count - count
