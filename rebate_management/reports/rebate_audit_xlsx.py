# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The audit workbook as an .xlsx file: a first sheet saying what it covers,
then one table per sheet (a heading row, filters, the first row frozen)."""

import io

import xlsxwriter

from .xlsx_sheet import (
    DATE_FORMAT,
    QUANTITY_FORMAT,
    _Formats,
    _Sheet,
    make_sheet_name,
)

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def _write_about(sheet, title, fmt):
    """The first sheet: what the workbook covers and who prepared it."""
    for row, (label, value) in enumerate(title):
        sheet.text(row, 0, label, fmt(bold=True))
        if hasattr(value, "hour"):
            sheet.date(row, 1, value, fmt(num_format=DATETIME_FORMAT, align="left"), 17)
        elif hasattr(value, "year"):
            sheet.date(row, 1, value, fmt(num_format=DATE_FORMAT, align="left"))
        else:
            sheet.text(row, 1, value or "")
    sheet.fit_columns()


def _write_table(sheet, columns, rows, fmt):
    """A table: its heading row, then one row per dict of ``rows``."""
    sheet.header(0, columns, fmt)
    cell_formats = {
        "date": fmt(num_format=DATE_FORMAT),
        "datetime": fmt(num_format=DATETIME_FORMAT),
        "number": fmt(num_format=QUANTITY_FORMAT),
        "integer": fmt(num_format="0"),
        "note": fmt(text_wrap=True, valign="top"),
    }
    for row_index, row in enumerate(rows, start=1):
        for col, column in enumerate(columns):
            value = row.get(column.key)
            if column.kind == "money":
                sheet.number(row_index, col, value, fmt.money(row["currency"]))
            elif column.kind in ("number", "integer"):
                sheet.number(row_index, col, value, cell_formats[column.kind])
            elif column.kind == "note":
                sheet.text(row_index, col, value or "", cell_formats["note"])
            elif column.kind == "date":
                sheet.date(row_index, col, value, cell_formats["date"])
            elif column.kind == "datetime":
                sheet.date(row_index, col, value, cell_formats["datetime"], 17)
            else:
                sheet.text(row_index, col, value or "")
    worksheet = sheet.worksheet
    worksheet.freeze_panes(1, 0)
    if columns:
        worksheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    sheet.fit_columns()


def build_audit_workbook(env, title, sheets):
    """The bytes of the audit workbook.

    :param title: (label, value) pairs of its first sheet
    :param sheets: AuditSheet (name, columns, rows) of the tables
    """
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    fmt = _Formats(workbook)
    taken = set()
    about = workbook.add_worksheet(
        make_sheet_name(env._("Audit"), taken, default="Audit")
    )
    _write_about(_Sheet(about), title, fmt)
    for name, columns, rows in sheets:
        worksheet = workbook.add_worksheet(make_sheet_name(name, taken))
        _write_table(_Sheet(worksheet), columns, rows, fmt)
    workbook.close()
    return output.getvalue()
