# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The plumbing of the rebate statement workbooks: sheet names, file names,
number formats, cell formats cached per workbook, and a sheet writer that
writes every string as a string, tables of columns (TableColumn) with their
totals, and sizes the columns to their content."""

import re
import unicodedata
from collections import defaultdict, namedtuple

import xlsxwriter

xl_range = xlsxwriter.utility.xl_range

SHEET_NAME_MAX = 31
# Excel refuses these in sheet names, and "History" is its own.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_RESERVED_SHEET_NAMES = {"history"}
# Characters file systems dislike in a download name.
_FILENAME_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')

DATE_FORMAT = "yyyy-mm-dd"
QUANTITY_FORMAT = "#,##0.00"
RATE_FORMAT = "#,##0.00##"
HEADER_STYLE = {
    "bold": True,
    "bg_color": "#D9E1F2",
    "border": 1,
    "text_wrap": True,
    "valign": "top",
}
TOTAL_STYLE = {"bold": True, "top": 1}
# Number formats of the kinds of cells (see TableColumn)
_KIND_FORMATS = {"date": DATE_FORMAT, "quantity": QUANTITY_FORMAT, "rate": RATE_FORMAT}
MIN_WIDTH = 8
MAX_WIDTH = 60
# Pure helpers


def _utf16_width(text):
    """Length of ``text`` as Excel counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _truncate(text, width):
    while text and _utf16_width(text) > width:
        text = text[:-1]
    return text


def _clean_sheet_text(text):
    """One line of text without the characters Excel refuses in sheet names."""
    text = _SHEET_NAME_FORBIDDEN.sub("-", text or "")
    text = "".join(
        " " if unicodedata.category(char).startswith("C") else char for char in text
    )
    return " ".join(text.split()).strip("'").strip()


def make_sheet_name(label, taken, tail="", default="Sheet"):
    """A valid Excel sheet name, unique among ``taken``.

    The name is ``label`` shortened as needed, then ``tail`` (kept whole as far
    as it fits), then " (2)", " (3)"... when the name is already taken. Excel
    names have at most 31 characters, none of ``[]:*?/\\``, no apostrophe at
    either end, and are compared without regard to case.

    :param label: the main text, e.g. a customer name
    :param taken: set of the casefolded names already used; the new one is added
    :param tail: text to keep at the end, e.g. a document number
    :param default: label used when nothing printable is left of label and tail
    :return: the sheet name
    """
    label = _clean_sheet_text(label)
    tail = _clean_sheet_text(tail)
    if not label and not tail:
        label = _clean_sheet_text(default) or "Sheet"
    counter = 1
    while True:
        suffix = f" ({counter})" if counter > 1 else ""
        room = SHEET_NAME_MAX - _utf16_width(suffix)
        end = _truncate(tail, room).strip(" '")
        if end:
            room -= _utf16_width(end) + 1
        head = _truncate(label, room).strip(" '") if room > 0 else ""
        name = " ".join(part for part in (head, end) if part) + suffix
        key = name.casefold()
        if name and key not in taken and key not in _RESERVED_SHEET_NAMES:
            taken.add(key)
            return name
        counter += 1


def money_format(symbol, position, digits):
    """Excel number format of amounts in a currency: its symbol before or
    after the number, as many decimals as the currency has."""
    number = "#,##0" + ("." + "0" * digits if digits and digits > 0 else "")
    symbol = (symbol or "").replace('"', "")
    if not symbol:
        return number
    if position == "before":
        return f'"{symbol}"{number}'
    return f'{number} "{symbol}"'


def safe_filename(name):
    """``name`` as the name of a downloaded .xlsx file."""
    return _FILENAME_FORBIDDEN.sub("-", name).strip() + ".xlsx"


def statement_filename(settlements):
    """Download name of the statement workbook of ``settlements``."""
    env = settlements.env
    if len(settlements) == 1:
        name = env._("Rebate statement %(name)s", name=settlements.name)
    else:
        name = env._("Rebate statements")
    return safe_filename(name)


def _display_width(value):
    """Approximate width of a text in a column: wide (CJK) characters count
    twice."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in value)


def _selection_label(record, field_name):
    field = record._fields[field_name]
    return dict(field._description_selection(record.env)).get(record[field_name], "")


# A column of a table: the key of its value in the rows (dicts), its heading,
# the kind of its cells and what the totals row holds under it.
#   kind: "text", "mark" (text in bold), "date", "quantity", "rate" or
#       "money" (in the row's "currency"); a row's "<key>_kind" gives its own
#       cell another kind; a number left out (None) is an empty cell
#   total: "label", "sum", "blank" (an empty cell in the totals' style) or
#       None (nothing)
TableColumn = namedtuple("TableColumn", "key label kind total", defaults=(None,))


def cell_kind(column, values):
    """The kind of the cell of ``column`` in the row ``values``."""
    return values.get(f"{column.key}_kind", column.kind)


def column_total(kind, values, currency=None):
    """The total of ``values`` of a column of ``kind``: amounts rounded to
    their ``currency``, other numbers to 6 digits."""
    if kind == "money":
        return currency.round(sum(values))
    return round(sum(values), 6)


# Workbook plumbing


class _Formats:
    """Cell formats of a workbook, created once per set of properties."""

    def __init__(self, workbook):
        self._workbook = workbook
        self._cache = {}

    def __call__(self, **props):
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            self._cache[key] = self._workbook.add_format(props)
        return self._cache[key]

    def money(self, currency, **props):
        return self(
            num_format=money_format(
                currency.symbol, currency.position, currency.decimal_places
            ),
            **props,
        )

    def of_kind(self, kind, currency=None, **props):
        """The format of a cell of ``kind`` (see TableColumn), amounts in
        ``currency``; text without ``props`` has none."""
        if kind == "money":
            return self.money(currency, **props)
        if kind in _KIND_FORMATS:
            return self(num_format=_KIND_FORMATS[kind], **props)
        return self(**props) if props else None


class _Sheet:
    """A worksheet writing typed cells, and sizing its columns to them."""

    def __init__(self, worksheet):
        self.worksheet = worksheet
        self.widths = defaultdict(int)

    def _measure(self, col, width):
        self.widths[col] = max(self.widths[col], width)

    def text(self, row, col, value, fmt=None, measure=True):
        if not value:
            self.worksheet.write_blank(row, col, None, fmt)
            return
        self.worksheet.write_string(row, col, value, fmt)
        if measure:
            self._measure(col, _display_width(value) + 1)

    def number(self, row, col, value, fmt=None):
        self.worksheet.write_number(row, col, value or 0.0, fmt)
        self._measure(col, len(f"{value or 0.0:,.2f}") + 4)

    def date(self, row, col, value, fmt, width=12):
        if value:
            self.worksheet.write_datetime(row, col, value, fmt)
        else:
            self.worksheet.write_blank(row, col, None, fmt)
        self._measure(col, width)

    def total(self, row, col, first_row, last_row, value, fmt):
        """SUM of the column from first_row to last_row, with its value cached
        (readers that do not compute formulas see the number)."""
        if last_row < first_row:
            self.number(row, col, value, fmt)
            return
        self.worksheet.write_formula(
            row, col, f"=SUM({xl_range(first_row, col, last_row, col)})", fmt, value
        )
        self._measure(col, len(f"{value:,.2f}") + 4)

    def header(self, row, columns, fmt):
        """The heading row of a table of ``columns`` (TableColumn)."""
        header = fmt(**HEADER_STYLE)
        for col, column in enumerate(columns):
            self.text(row, col, column.label, header)

    def table_row(self, row, columns, values, fmt):
        """A row of a table: the ``values`` (a dict) of its ``columns``, its
        amounts in ``values["currency"]``."""
        currency = values.get("currency")
        for col, column in enumerate(columns):
            kind = cell_kind(column, values)
            value = values.get(column.key)
            if kind in ("text", "mark"):
                bold = kind == "mark" and value
                self.text(row, col, value, fmt(bold=True) if bold else None)
            elif kind == "date":
                self.date(row, col, value, fmt.of_kind(kind))
            elif value is None:
                self.worksheet.write_blank(row, col, None)
            else:
                self.number(row, col, value, fmt.of_kind(kind, currency))

    def totals(self, row, columns, rows, label, fmt, currency):
        """The totals row of a table whose ``rows`` end above ``row``: the
        ``label``, SUM formulas, blanks, as its ``columns`` say."""
        first = row - len(rows)
        for col, column in enumerate(columns):
            if column.total == "label":
                self.text(row, col, label, fmt(**TOTAL_STYLE))
            elif column.total == "blank":
                self.worksheet.write_blank(row, col, None, fmt(**TOTAL_STYLE))
            elif column.total == "sum":
                cells = [values[column.key] for values in rows]
                total = column_total(column.kind, cells, currency)
                total_fmt = fmt.of_kind(column.kind, currency, **TOTAL_STYLE)
                self.total(row, col, first, row - 1, total, total_fmt)

    def table_view(self, header_row, last_row, last_col):
        """Frozen below the heading row, a filter over the table's columns up
        to ``last_col``."""
        self.worksheet.freeze_panes(header_row + 1, 0)
        self.worksheet.autofilter(header_row, 0, max(last_row, header_row), last_col)

    def fit_columns(self):
        for col, width in self.widths.items():
            self.worksheet.set_column(
                col, col, min(max(width, MIN_WIDTH), MAX_WIDTH), None
            )
