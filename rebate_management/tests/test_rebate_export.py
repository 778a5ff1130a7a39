# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import datetime
from io import BytesIO
from unittest.mock import patch

from freezegun import freeze_time
from openpyxl import load_workbook
from werkzeug.exceptions import BadRequest

from odoo.exceptions import AccessError
from odoo.http import content_disposition
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from ..controllers.main import XLSX_MIMETYPE, parse_ids
from ..reports.rebate_statement_xlsx import (
    make_sheet_name,
    money_format,
    statement_filename,
)
from ..reports.xlsx_sheet import TableColumn
from .common import RebateCommon

LONG_CHINESE_NAME = (
    "深圳市某某贸易有限公司（华南区域采购中心）Shenzhen Mou Mou Trading Co., Ltd."
)
LINE_HEADERS = [
    "Date",
    "Document",
    "Product",
    "Quantity",
    "Untaxed Amount (USD)",
    "Rate (%)",
    "Rebate (USD)",
]


def load(data, data_only=True):
    return load_workbook(BytesIO(data), data_only=data_only)


def find_row(sheet, value, column=1):
    """The (1-based) row of the first cell of ``column`` holding ``value``."""
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row, column).value == value:
            return row
    raise AssertionError(f"{value!r} not found in column {column} of {sheet.title}")


def label_value(sheet, label):
    return sheet.cell(find_row(sheet, label), 2).value


def sheet_key(settlement):
    return settlement.name.replace("/", "-")


class ExportDataMixin:
    """Q1 2025 of three agreements: a retroactive one of the main customer,
    settled and credited; a stepped one on the quantity basis and a flat one,
    both still in draft, of two customers with the same long Chinese name."""

    @classmethod
    def _setup_export_data(cls):
        cls.product_cn = cls._create_product(
            name="螺丝钉 M6 不锈钢", lst_price=2.0, categ_id=cls.categ_parent.id
        )
        cls.cn_customer = cls.env["res.partner"].create(
            {"name": LONG_CHINESE_NAME, "is_company": True}
        )
        cls.cn_customer_2 = cls.env["res.partner"].create(
            {"name": LONG_CHINESE_NAME, "is_company": True}
        )
        cls.agreement = cls._create_agreement(
            [(1000.0, 2.0), (5000.0, 5.0)], tier_mode="retroactive", name="Quarterly"
        )
        cls.qty_agreement = cls._create_agreement(
            [(0.0, 1.0), (20.0, 2.0)],
            tier_mode="stepped",
            basis="quantity",
            name="按数量返利",
            partner_id=cls.cn_customer.id,
        )
        cls.flat_agreement = cls._create_agreement(
            [(0.0, 3.0)], name="Flat", partner_id=cls.cn_customer_2.id
        )
        # 3,000 + 2,500 - 500 = 5,000: the 5 % tier, 250
        cls._create_invoice([(cls.product_x, 30, 100.0)], date="2025-02-10")
        cls._create_invoice([(cls.product_y, 50, 50.0)], date="2025-03-15")
        cls._create_invoice(
            [(cls.product_x, 5, 100.0)], date="2025-03-20", move_type="out_refund"
        )
        # 15 + 10 = 25 units: 20 at 1.00 + 5 at 2.00 = 30
        cls._create_invoice(
            [(cls.product_x, 15, 100.0)], date="2025-01-20", partner=cls.cn_customer
        )
        cls._create_invoice(
            [(cls.product_cn, 10, 2.0)], date="2025-02-20", partner=cls.cn_customer
        )
        # 1,000 at 3 % = 30
        cls._create_invoice(
            [(cls.product_y, 20, 50.0)], date="2025-03-01", partner=cls.cn_customer_2
        )
        settlements = cls.env["rebate.settlement"].close_periods(
            "2025-03-31",
            agreements=cls.agreement + cls.qty_agreement + cls.flat_agreement,
        )
        by_agreement = {s.agreement_id: s for s in settlements}
        cls.settlement = by_agreement[cls.agreement]
        cls.qty_settlement = by_agreement[cls.qty_agreement]
        cls.flat_settlement = by_agreement[cls.flat_agreement]
        with freeze_time("2025-04-05"):
            cls.settlement.action_approve()
            cls.settlement.action_create_credit_note()


@tagged("post_install", "-at_install")
class TestRebateExport(ExportDataMixin, RebateCommon):
    """The Excel statement of settlements: content, totals, formats, names."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_export_data()

    def test_data(self):
        self.assertRecordValues(
            self.settlement + self.qty_settlement + self.flat_settlement,
            [
                {"base_total": 5000.0, "rebate_total": 250.0, "state": "done"},
                {"base_total": 25.0, "rebate_total": 30.0, "state": "draft"},
                {"base_total": 1000.0, "rebate_total": 30.0, "state": "draft"},
            ],
        )
        self.assertTrue(self.settlement.document_id)

    def test_single_statement(self):
        settlement = self.settlement
        workbook = load(settlement._get_statement_xlsx())
        self.assertEqual(
            workbook.sheetnames, [f"Rebate Customer {sheet_key(settlement)}"]
        )
        sheet = workbook.active
        self.assertEqual(sheet["A1"].value, f"Rebate statement {settlement.name}")
        self.assertEqual(label_value(sheet, "Customer"), "Rebate Customer")
        self.assertEqual(label_value(sheet, "Agreement"), "Quarterly (version 1)")
        self.assertEqual(
            label_value(sheet, "Period start"), datetime.datetime(2025, 1, 1)
        )
        self.assertEqual(
            label_value(sheet, "Period end"), datetime.datetime(2025, 3, 31)
        )
        self.assertEqual(label_value(sheet, "Currency"), "USD")
        self.assertEqual(label_value(sheet, "Basis"), "Untaxed amount")
        self.assertEqual(label_value(sheet, "Tier mode"), "Retroactive tiers")
        self.assertEqual(label_value(sheet, "Status"), "Done")

        # the tier table: the 5 % tier is the one reached
        tier_header = find_row(sheet, "From")
        self.assertEqual(
            [c.value for c in sheet[tier_header]][:4],
            ["From", "Up to", "Rate (%)", "Reached"],
        )
        tiers = [
            [c.value for c in sheet[row]][:4]
            for row in (tier_header + 1, tier_header + 2)
        ]
        self.assertEqual(
            tiers, [[1000.0, 5000.0, 2.0, None], [5000.0, None, 5.0, "✓ Reached"]]
        )

        # the lines, in date order, the refund negative
        header = find_row(sheet, "Date")
        self.assertEqual([c.value for c in sheet[header]][:7], LINE_HEADERS)
        total = find_row(sheet, "Total")
        self.assertEqual(total - header - 1, 3)
        lines = [[c.value for c in sheet[row]][:7] for row in range(header + 1, total)]
        invoice_names = [line[1] for line in lines]
        self.assertEqual(len(set(invoice_names)), 3)
        self.assertEqual(
            [line[:1] + line[2:] for line in lines],
            [
                [datetime.datetime(2025, 2, 10), "Product X", 30.0, 3000.0, 5.0, 150.0],
                [datetime.datetime(2025, 3, 15), "Product Y", 50.0, 2500.0, 5.0, 125.0],
                [datetime.datetime(2025, 3, 20), "Product X", -5.0, -500.0, 5.0, -25.0],
            ],
        )
        # totals equal the settlement's, and are formulas
        self.assertEqual(sheet.cell(total, 5).value, settlement.base_total)
        self.assertEqual(sheet.cell(total, 7).value, settlement.rebate_total)
        formulas = load(settlement._get_statement_xlsx(), data_only=False).active
        self.assertEqual(
            formulas.cell(total, 5).value, f"=SUM(E{header + 1}:E{total - 1})"
        )
        self.assertEqual(
            formulas.cell(total, 7).value, f"=SUM(G{header + 1}:G{total - 1})"
        )
        self.assertEqual(
            sheet.cell(total + 2, 1).value,
            f"Credit note: {settlement.document_id.name}",
        )

        # frozen below the header, filter over the lines, formats
        self.assertEqual(sheet.freeze_panes, f"A{header + 1}")
        self.assertEqual(sheet.auto_filter.ref, f"A{header}:G{total - 1}")
        self.assertEqual(sheet.cell(header + 1, 1).number_format, "yyyy-mm-dd")
        self.assertEqual(sheet.cell(header + 1, 4).number_format, "#,##0.00")
        for col in (5, 7):
            for row in (header + 1, total):
                self.assertEqual(sheet.cell(row, col).number_format, '"$"#,##0.00')
        self.assertTrue(sheet.cell(header, 1).font.b)
        self.assertTrue(sheet.cell(header, 1).fill.fgColor.rgb.endswith("D9E1F2"))
        self.assertGreater(sheet.column_dimensions["C"].width, 8)

    def test_quantity_basis_statement(self):
        settlement = self.qty_settlement
        sheet = load(settlement._get_statement_xlsx()).active
        self.assertTrue(sheet.title.startswith("深圳市某某贸易有限公司"))
        self.assertTrue(sheet.title.endswith(sheet_key(settlement)))
        self.assertEqual(label_value(sheet, "Customer"), LONG_CHINESE_NAME)
        self.assertEqual(label_value(sheet, "Agreement"), "按数量返利 (version 1)")
        self.assertEqual(label_value(sheet, "Basis"), "Quantity")
        self.assertEqual(label_value(sheet, "Status"), "Draft")
        # stepped: both bands entered, the highest labelled
        tier_header = find_row(sheet, "From")
        self.assertEqual(sheet.cell(tier_header, 3).value, "Rate (USD per unit)")
        self.assertEqual(
            [sheet.cell(row, 4).value for row in (tier_header + 1, tier_header + 2)],
            ["✓", "✓ Highest reached"],
        )
        header = find_row(sheet, "Date")
        self.assertEqual(sheet.cell(header, 6).value, "Effective rate (USD per unit)")
        total = find_row(sheet, "Total")
        self.assertEqual(total - header - 1, 2)
        self.assertEqual(
            [sheet.cell(row, 3).value for row in (header + 1, header + 2)],
            ["Product X", "螺丝钉 M6 不锈钢"],
        )
        self.assertEqual(
            [sheet.cell(row, 6).value for row in (header + 1, header + 2)], [1.2, 1.2]
        )
        # on the quantity basis the quantities make the base
        self.assertEqual(sheet.cell(total, 4).value, settlement.base_total)
        self.assertEqual(sheet.cell(total, 7).value, settlement.rebate_total)
        self.assertEqual(
            sum(sheet.cell(row, 7).value for row in (header + 1, header + 2)), 30.0
        )
        self.assertEqual(sheet.cell(total + 2, 1).value, "Credit note: not issued yet")

    def test_flat_statement(self):
        sheet = load(self.flat_settlement._get_statement_xlsx()).active
        tier_header = find_row(sheet, "From")
        self.assertEqual(sheet.cell(tier_header + 1, 4).value, "✓ Applied")
        header = find_row(sheet, "Date")
        self.assertEqual(sheet.cell(header + 1, 6).value, 3.0)
        self.assertEqual(sheet.cell(find_row(sheet, "Total"), 7).value, 30.0)

    def test_summary_workbook(self):
        settlements = self.settlement + self.qty_settlement + self.flat_settlement
        workbook = load(settlements._get_statement_xlsx())
        names = workbook.sheetnames
        self.assertEqual(len(names), 4)
        self.assertEqual(names[0], "Summary")
        self.assertEqual(names[1], f"Rebate Customer {sheet_key(self.settlement)}")
        # two customers of the same long name: two valid, distinct names
        for name in names:
            self.assertLessEqual(len(name), 31)
            self.assertFalse(set(name) & set("[]:*?/\\"), name)
            self.assertFalse(name.startswith("'") or name.endswith("'"), name)
        self.assertEqual(len({name.casefold() for name in names}), 4)
        for name, settlement in zip(
            names[2:], self.qty_settlement + self.flat_settlement, strict=True
        ):
            self.assertTrue(name.startswith("深圳市某某贸易"), name)
            self.assertTrue(name.endswith(sheet_key(settlement)), name)

        summary = workbook["Summary"]
        header = find_row(summary, "Settlement")
        self.assertEqual(
            [c.value for c in summary[header]][:11],
            [
                "Settlement",
                "Customer",
                "Agreement",
                "Period start",
                "Period end",
                "Currency",
                "Basis",
                "Base",
                "Rebate",
                "Status",
                "Credit note",
            ],
        )
        rows = [
            [c.value for c in summary[row]][:11]
            for row in range(header + 1, header + 4)
        ]
        start, end = datetime.datetime(2025, 1, 1), datetime.datetime(2025, 3, 31)
        self.assertEqual(
            rows,
            [
                [
                    self.settlement.name,
                    "Rebate Customer",
                    "Quarterly (version 1)",
                    start,
                    end,
                    "USD",
                    "Untaxed amount",
                    5000.0,
                    250.0,
                    "Done",
                    self.settlement.document_id.name,
                ],
                [
                    self.qty_settlement.name,
                    LONG_CHINESE_NAME,
                    "按数量返利 (version 1)",
                    start,
                    end,
                    "USD",
                    "Quantity",
                    25.0,
                    30.0,
                    "Draft",
                    None,
                ],
                [
                    self.flat_settlement.name,
                    LONG_CHINESE_NAME,
                    "Flat (version 1)",
                    start,
                    end,
                    "USD",
                    "Untaxed amount",
                    1000.0,
                    30.0,
                    "Draft",
                    None,
                ],
            ],
        )
        total = header + 4
        self.assertEqual(summary.cell(total, 1).value, "Total")
        self.assertEqual(summary.cell(total, 9).value, 310.0)
        # bases of different kinds (amounts, units) are not added up
        self.assertIsNone(summary.cell(total, 8).value)
        self.assertEqual(summary.freeze_panes, f"A{header + 1}")
        self.assertEqual(summary.auto_filter.ref, f"A{header}:K{header + 3}")
        self.assertEqual(summary.cell(header + 1, 9).number_format, '"$"#,##0.00')
        self.assertEqual(summary.cell(header + 2, 8).number_format, "#,##0.00")

    def test_several_currencies_summary(self):
        eur = self.setup_other_currency("EUR")
        agreement = self._create_agreement(
            [(0.0, 10.0)],
            name="Euro",
            partner_id=self.other_customer.id,
            currency_id=eur.id,
        )
        self._create_invoice(
            [(self.product_x, 2, 100.0)],
            date="2025-02-01",
            partner=self.other_customer,
            currency=eur,
        )
        euro = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=agreement
        )
        self.assertEqual(euro.rebate_total, 20.0)
        summary = load((self.settlement + euro)._get_statement_xlsx())["Summary"]
        header = find_row(summary, "Settlement")
        totals = {
            summary.cell(row, 1).value: summary.cell(row, 9).value
            for row in (header + 3, header + 4)
        }
        self.assertEqual(totals, {"Total EUR": 20.0, "Total USD": 250.0})
        self.assertEqual(
            [summary.cell(row, 8).value for row in (header + 3, header + 4)],
            [200.0, 5000.0],
        )
        formulas = load((self.settlement + euro)._get_statement_xlsx(), data_only=False)
        self.assertIn("SUMIF(", formulas["Summary"].cell(header + 3, 9).value)
        euro_sheet = load(euro._get_statement_xlsx()).active
        euro_header = find_row(euro_sheet, "Date")
        self.assertEqual(
            euro_sheet.cell(euro_header + 1, 5).number_format,
            money_format(eur.symbol, eur.position, eur.decimal_places),
        )
        self.assertEqual(euro_sheet.cell(euro_header + 1, 5).value, 200.0)

    def test_changed_documents_flagged(self):
        # a late invoice of the period, posted after the close
        self._create_invoice(
            [(self.product_y, 20, 50.0)], date="2025-03-02", partner=self.cn_customer_2
        )
        sheet = load(self.flat_settlement._get_statement_xlsx()).active
        total = find_row(sheet, "Total")
        self.assertEqual(sheet.cell(total, 5).value, 2000.0)
        self.assertEqual(sheet.cell(total, 7).value, 30.0)
        self.assertIn("changed since the settlement", sheet.cell(total + 1, 1).value)

    def test_salespeople(self):
        """The customer's salesperson exports its settlement, credit note
        number included; another salesperson may not."""

        def salesperson(login):
            return self._create_rebate_user(login, "group_rebate_user")

        own, other = salesperson("export_own"), salesperson("export_other")
        self.customer.user_id = own
        self.assertFalse(own.has_group("account.group_account_invoice"))
        sheet = load(self.settlement.with_user(own)._get_statement_xlsx()).active
        self.assertEqual(
            sheet.cell(find_row(sheet, "Total") + 2, 1).value,
            f"Credit note: {self.settlement.document_id.name}",
        )
        with self.assertRaises(AccessError):
            self.settlement.with_user(other)._get_statement_xlsx()
        with self.assertRaises(AccessError):
            (self.settlement + self.flat_settlement).with_user(
                own
            )._get_statement_xlsx()

    def test_filename(self):
        self.assertEqual(
            statement_filename(self.settlement),
            f"Rebate statement {sheet_key(self.settlement)}.xlsx",
        )
        self.assertEqual(
            statement_filename(self.settlement + self.flat_settlement),
            "Rebate statements.xlsx",
        )

    def test_money_format(self):
        self.assertEqual(money_format("$", "before", 2), '"$"#,##0.00')
        self.assertEqual(money_format("€", "after", 2), '#,##0.00 "€"')
        self.assertEqual(money_format("¥", "before", 0), '"¥"#,##0')
        self.assertEqual(money_format("د.ك", "after", 3), '#,##0.000 "د.ك"')
        self.assertEqual(money_format('a"b', "after", 2), '#,##0.00 "ab"')
        self.assertEqual(money_format("", "after", 2), "#,##0.00")

    def test_sheet_names(self):
        taken = set()
        self.assertEqual(make_sheet_name("Summary", taken), "Summary")
        self.assertEqual(make_sheet_name("SUMMARY", taken), "SUMMARY (2)")
        self.assertEqual(make_sheet_name("summary", taken), "summary (3)")
        self.assertEqual(
            make_sheet_name("A/B: [Trading]*?", taken, tail="RBS/2025/00001"),
            "A-B- -Trading--- RBS-2025-00001",
        )
        # Excel reserves "History"
        self.assertEqual(make_sheet_name("history", taken), "history (2)")
        # apostrophes at either end, blanks, control characters
        self.assertEqual(make_sheet_name("'Quoted'", taken), "Quoted")
        self.assertEqual(make_sheet_name("  Two\nlines\t ", taken), "Two lines")
        self.assertEqual(make_sheet_name("", taken), "Sheet")
        self.assertEqual(make_sheet_name("'' ", taken, default="Other"), "Other")
        self.assertEqual(make_sheet_name("?*", taken), "--")
        # long names are cut, the tail kept whole, duplicates numbered
        long_name = "Very Long Customer Name Incorporated International"
        first = make_sheet_name(long_name, taken, tail="RBS-2025-00001")
        second = make_sheet_name(long_name, taken, tail="RBS-2025-00001")
        third = make_sheet_name(long_name, taken, tail="RBS-2025-00001")
        self.assertEqual(first, "Very Long Custom RBS-2025-00001")
        self.assertEqual(second, "Very Long Cu RBS-2025-00001 (2)")
        self.assertEqual(third, "Very Long Cu RBS-2025-00001 (3)")
        # a name cut before an apostrophe or blank does not end with it
        self.assertEqual(
            make_sheet_name("x" * 15 + "' rest", taken, tail="RBS-2025-00009"),
            "x" * 15 + " RBS-2025-00009",
        )
        chinese = [
            make_sheet_name(LONG_CHINESE_NAME, taken, tail="RBS/2025/00002")
            for _i in range(2)
        ]
        self.assertEqual(chinese[0], "深圳市某某贸易有限公司（华南区域 RBS-2025-00002")
        self.assertEqual(chinese[1], "深圳市某某贸易有限公司（ RBS-2025-00002 (2)")
        # a tail longer than a sheet name is cut too; emoji count double
        self.assertEqual(len(make_sheet_name("x", taken, tail="y" * 40)), 31)
        emoji = make_sheet_name("😀" * 40, taken)
        self.assertEqual(emoji, "😀" * 15)
        for name in taken:
            self.assertLessEqual(len(name.encode("utf-16-le")) // 2, 31)

    def test_parse_ids(self):
        self.assertEqual(parse_ids("3,1,3,20"), [3, 1, 20])
        for bad in (None, "", "a", "1,", ",1", "1,,2", "1 ,2", "-1", "0", "1.5"):
            with self.assertRaises(BadRequest, msg=bad):
                parse_ids(bad)
        with self.assertRaises(BadRequest):
            parse_ids("2147483648")
        self.assertEqual(parse_ids("2147483647"), [2147483647])

    def test_writer_hooks(self):
        """A module extending the statement writer with super() adds a column
        to the lines table (each line's amount less its rebate, added up) and
        a section after the lines (a line to sign): the workbook shows both,
        the sections after them move down."""
        Writer = type(self.env["rebate.statement.xlsx"])
        get_line_columns = Writer._get_line_columns
        prepare_line_rows = Writer._prepare_line_rows
        get_sections = Writer._get_statement_sections

        def _get_line_columns(model, settlement, rows):
            columns = get_line_columns(model, settlement, rows)
            return columns + [TableColumn("net", "Net (USD)", "money", "sum")]

        def _prepare_line_rows(model, settlement):
            rows = prepare_line_rows(model, settlement)
            for values in rows:
                values["net"] = values["amount"] - values["rebate"]
            return rows

        def _write_signature(model, sheet, settlement, fmt, row):
            sheet.text(row, 0, "Signed for the customer:", fmt(bold=True))
            return row + 1

        def _get_statement_sections(model, settlement):
            sections = get_sections(model, settlement)
            after = sections.index(model._write_lines) + 1
            sections.insert(after, model._write_signature)
            return sections

        with (
            patch.object(Writer, "_get_line_columns", _get_line_columns),
            patch.object(Writer, "_prepare_line_rows", _prepare_line_rows),
            patch.object(Writer, "_write_signature", _write_signature, create=True),
            patch.object(Writer, "_get_statement_sections", _get_statement_sections),
        ):
            data = self.settlement._get_statement_xlsx()
        sheet, formulas = load(data).active, load(data, data_only=False).active
        header, total = find_row(sheet, "Date"), find_row(sheet, "Total")
        self.assertEqual(
            [c.value for c in sheet[header]][:8], LINE_HEADERS + ["Net (USD)"]
        )
        self.assertEqual(
            [sheet.cell(row, 8).value for row in range(header + 1, total + 1)],
            [2850.0, 2375.0, -475.0, 4750.0],
        )
        self.assertEqual(
            formulas.cell(total, 8).value, f"=SUM(H{header + 1}:H{total - 1})"
        )
        self.assertEqual(sheet.cell(total, 8).number_format, '"$"#,##0.00')
        self.assertEqual(sheet.auto_filter.ref, f"A{header}:H{total - 1}")
        credit_note = f"Credit note: {self.settlement.document_id.name}"
        self.assertEqual(sheet.cell(total + 2, 1).value, "Signed for the customer:")
        self.assertEqual(sheet.cell(total + 4, 1).value, credit_note)
        # without the module, the statement is as it was
        sheet = load(self.settlement._get_statement_xlsx()).active
        self.assertIsNone(sheet.cell(header, 8).value)
        self.assertEqual(sheet.cell(total + 2, 1).value, credit_note)


@tagged("post_install", "-at_install")
class TestRebateExportRoute(
    ExportDataMixin, RebateCommon, AccountTestInvoicingHttpCommon
):
    """The download route answers the workbook to those who may read every
    settlement asked for, and a 403 that names nothing to anyone else."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_export_data()
        user = cls._create_rebate_user
        cls.accountant = user("export_accountant", "group_rebate_accountant")
        cls.salesperson = user("export_sales", "group_rebate_user")
        cls.other_salesperson = user("export_sales_other", "group_rebate_user")
        cls.company_2, cls.user_company_2 = cls._create_other_company_user(
            "Export Company 2", "export_c2", "group_rebate_accountant"
        )
        cls.customer.user_id = cls.salesperson

    def _get(self, login, ids):
        if login:
            self.authenticate(login, f"{login}-pass")
        return self.url_open(
            f"/rebate_management/statement?ids={ids}", allow_redirects=False
        )

    def assertForbidden(self, response):
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("spreadsheetml", response.headers.get("Content-Type", ""))
        self.assertNotIn("Content-Disposition", response.headers)
        self.assertFalse(response.content.startswith(b"PK"))
        for secret in (
            "Rebate Customer",
            "深圳市",
            self.settlement.name,
            self.flat_settlement.name,
            "250",
        ):
            self.assertNotIn(secret, response.text)

    def test_accountant_downloads(self):
        response = self._get("export_accountant", self.settlement.id)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], XLSX_MIMETYPE)
        self.assertEqual(
            response.headers["Content-Disposition"],
            content_disposition(f"Rebate statement {sheet_key(self.settlement)}.xlsx"),
        )
        sheet = load(response.content).active
        self.assertEqual(sheet["A1"].value, f"Rebate statement {self.settlement.name}")

        settlements = self.settlement + self.qty_settlement + self.flat_settlement
        response = self._get(None, ",".join(map(str, settlements.ids)))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.headers["Content-Disposition"],
            content_disposition("Rebate statements.xlsx"),
        )
        workbook = load(response.content)
        self.assertEqual(workbook.sheetnames[0], "Summary")
        self.assertEqual(len(workbook.sheetnames), 4)

    def test_action_url(self):
        action = (self.settlement + self.flat_settlement).action_export_xlsx()
        ids = f"{self.settlement.id},{self.flat_settlement.id}"
        self.assertEqual(action["url"], f"/rebate_management/statement?ids={ids}")
        response = self._get("export_accountant", ids)
        self.assertEqual(response.status_code, 200)

    def test_salesperson_of_the_customer(self):
        response = self._get("export_sales", self.settlement.id)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            load(response.content).active["A1"].value,
            f"Rebate statement {self.settlement.name}",
        )

    def test_forbidden(self):
        forbidden = self._get("export_sales_other", self.settlement.id)
        self.assertForbidden(forbidden)
        with self.assertRaises(AccessError):
            self.settlement.with_user(self.other_salesperson)._get_statement_xlsx()
        # one readable, one not: nothing
        mixed = self._get(
            "export_sales", f"{self.settlement.id},{self.flat_settlement.id}"
        )
        self.assertForbidden(mixed)
        # another company's user
        self.assertForbidden(self._get("export_c2", self.settlement.id))
        with self.assertRaises(AccessError):
            self.settlement.with_user(self.user_company_2)._get_statement_xlsx()
        # a settlement that does not exist: the very same answer
        last = self.env["rebate.settlement"].search([], order="id desc", limit=1)
        missing_id = last.id + 1000
        missing = self._get("export_accountant", missing_id)
        self.assertForbidden(missing)
        self.assertEqual(missing.text, forbidden.text)
        also_missing = self._get(None, f"{self.settlement.id},{missing_id}")
        self.assertForbidden(also_missing)

    def test_bad_ids(self):
        self.authenticate("export_accountant", "export_accountant-pass")
        for ids in ("", "abc", "1,,2", "-1", "0", "1;2", "99999999999"):
            response = self.url_open(
                f"/rebate_management/statement?ids={ids}", allow_redirects=False
            )
            self.assertEqual(response.status_code, 400, ids)
        response = self.url_open("/rebate_management/statement", allow_redirects=False)
        self.assertEqual(response.status_code, 400)

    def test_not_logged_in(self):
        response = self.url_open(
            f"/rebate_management/statement?ids={self.settlement.id}",
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])
        self.assertFalse(response.content.startswith(b"PK"))
