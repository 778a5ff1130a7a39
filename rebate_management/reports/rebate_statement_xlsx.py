# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Rebate statements as Excel workbooks.

One sheet per settlement (its terms, its tier table and the invoice and refund
lines that made its base), preceded by a summary sheet when the workbook holds
several settlements. Every string is written as a string (never interpreted
as a formula or a link), so customer and product names go through untouched.
"""

import io

import xlsxwriter

from odoo import api, models
from odoo.tools import float_compare

# make_sheet_name, money_format and statement_filename are imported from here
from .xlsx_sheet import (  # noqa: F401
    TOTAL_STYLE,
    TableColumn,
    _Formats,
    _selection_label,
    _Sheet,
    cell_kind,
    column_total,
    make_sheet_name,
    money_format,
    statement_filename,
)

xl_range = xlsxwriter.utility.xl_range

# The columns of the settlement sheet's lines table as this module writes
# them: Date, Document, Product, Quantity, Untaxed Amount, Rate, Rebate.
COL_DATE, COL_DOCUMENT, COL_PRODUCT, COL_QTY, COL_AMOUNT, COL_RATE, COL_REBATE = range(
    7
)


def _credit_note_text(settlement):
    """What the statement says of the settlement's document (the function
    kept for its callers: rebate.statement.xlsx._get_document_text)."""
    return settlement.env["rebate.statement.xlsx"]._get_document_text(settlement)


class RebateStatementXlsx(models.AbstractModel):
    """The rebate statement workbook, written in steps another module extends
    with ``super()``: the sections of a settlement's sheet
    (``_get_statement_sections``), its terms (``_prepare_terms``), the columns
    and rows of its tables (``_get_line_columns`` / ``_prepare_line_rows``,
    ``_get_tier_columns``, ``_get_late_columns``, ``_get_summary_columns`` /
    ``_prepare_summary_row``) and the file's name (``_get_filename``).

    The settlements are read with the environment of this model (user,
    language, companies): reach it as ``settlements.env[...]``."""

    _name = "rebate.statement.xlsx"
    _description = "Rebate Statement Workbook"

    # Workbook

    @api.model
    def _get_workbook(self, settlements):
        """The rebate statement of ``settlements`` as the bytes of an .xlsx
        file; the caller has checked that the user may read them."""
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        self._write_workbook(workbook, settlements)
        workbook.close()
        return output.getvalue()

    @api.model
    def _get_filename(self, settlements):
        """The download name of the workbook of ``settlements``."""
        return statement_filename(settlements)

    @api.model
    def _write_workbook(self, workbook, settlements):
        """A summary sheet unless there is one settlement, then one sheet per
        settlement, named after its customer and its number."""
        fmt = _Formats(workbook)
        taken = set()
        if len(settlements) != 1:
            name = make_sheet_name(self.env._("Summary"), taken, default="Summary")
            sheet = _Sheet(workbook.add_worksheet(name))
            self._write_summary_sheet(sheet, settlements, fmt)
        for settlement in settlements:
            name = make_sheet_name(
                settlement.sudo().partner_id.display_name, taken, tail=settlement.name
            )
            sheet = _Sheet(workbook.add_worksheet(name))
            self._write_settlement_sheet(sheet, settlement, fmt)

    # Settlement sheet

    @api.model
    def _get_statement_sections(self, settlement):
        """The sections of a settlement's sheet, in order: methods
        ``(sheet, settlement, fmt, row)`` that write from ``row`` on and
        return the next free row; a blank row parts them. A module adds its
        own here (or leaves one out)."""
        sections = [
            self._write_title,
            self._write_terms,
            self._write_tiers,
            self._write_lines,
        ]
        if not settlement.is_adjustment and settlement.sudo().late_accrual_ids:
            sections.append(self._write_late_documents)
        sections.append(self._write_document)
        return sections

    @api.model
    def _write_settlement_sheet(self, sheet, settlement, fmt):
        """The sections of the settlement, one under the other, landscape."""
        sheet.worksheet.set_landscape()
        sheet.worksheet.fit_to_pages(1, 0)
        row = -1
        for section in self._get_statement_sections(settlement):
            row = section(sheet, settlement, fmt, row + 1)
        sheet.fit_columns()

    @api.model
    def _write_title(self, sheet, settlement, fmt, row):
        title = self.env._("Rebate statement %(name)s", name=settlement.name)
        sheet.text(row, 0, title, fmt(bold=True, font_size=14), measure=False)
        return row + 1

    # Terms

    @api.model
    def _prepare_terms(self, settlement):
        """The rows of the settlement's header block: (label, value, kind),
        kind "text", "date", "money" or "quantity"."""
        _ = self.env._
        agreement = settlement.agreement_id
        return [
            (_("Customer"), settlement.sudo().partner_id.display_name, "text"),
            (_("Agreement"), self._get_agreement_label(agreement), "text"),
            (_("Period start"), settlement.date_from, "date"),
            (_("Period end"), settlement.date_to, "date"),
            (_("Currency"), settlement.currency_id.name, "text"),
            (_("Basis"), _selection_label(agreement, "basis"), "text"),
            (_("Tier mode"), _selection_label(agreement, "tier_mode"), "text"),
            (_("Status"), _selection_label(settlement, "state"), "text"),
            *self._prepare_amount_terms(settlement),
        ]

    @api.model
    def _prepare_amount_terms(self, settlement):
        """The figures of the header block, down to the rebate."""
        _ = self.env._
        base_kind = self._get_base_kind(settlement.agreement_id)
        terms = [(_("Base"), settlement.base_total, base_kind)]
        if settlement.is_interim:
            terms += [
                (_("Base to date"), settlement.base_cumulative, base_kind),
                (_("Settled before"), settlement.rebate_previous, "money"),
            ]
        if settlement.adjustment_total:
            terms.append((_("Late documents"), settlement.adjustment_total, "money"))
        if settlement.penalty_total:
            terms.append((_("Penalty"), -settlement.penalty_total, "money"))
        terms.append((_("Rebate"), settlement.rebate_total, "money"))
        return terms

    @api.model
    def _write_terms(self, sheet, settlement, fmt, row):
        """The header block: a label and its value a row, then the reward's
        note. Only the labels and dates size the columns."""
        label_fmt = fmt(bold=True)
        currency = settlement.currency_id
        for label, value, kind in self._prepare_terms(settlement):
            sheet.text(row, 0, label, label_fmt)
            if kind == "text":
                sheet.text(row, 1, value, measure=False)
            elif kind == "date":
                sheet.date(row, 1, value, fmt.of_kind(kind, align="left"))
            else:
                value_fmt = fmt.of_kind(kind, currency, align="left")
                sheet.worksheet.write_number(row, 1, value, value_fmt)
            row += 1
        if settlement.reward_note:
            sheet.text(row, 0, settlement.reward_note, fmt(italic=True), measure=False)
            row += 1
        return row

    # Tiers

    @api.model
    def _get_tier_columns(self, settlement):
        _ = self.env._
        kind = self._get_base_kind(settlement.agreement_id)
        return [
            TableColumn("threshold", _("From"), kind),
            TableColumn("upper", _("Up to"), kind),
            TableColumn("rate", self._get_rate_label(settlement), "rate"),
            TableColumn("mark", _("Reached"), "mark"),
        ]

    @api.model
    def _prepare_tier_rows(self, settlement):
        """The agreement's tiers by threshold: ``threshold``, ``upper`` (the
        next tier's threshold, None on the last), ``rate`` and ``mark``."""
        tiers = settlement.agreement_id.tier_ids.sorted("threshold")
        uppers = tiers.mapped("threshold")[1:] + [None]
        applied = settlement._get_reached_tier()
        return [
            {
                "currency": settlement.currency_id,
                "threshold": tier.threshold,
                "upper": upper,
                "rate": tier._get_tier_value(),
                "mark": self._get_tier_mark(settlement, tier, applied),
            }
            for tier, upper in zip(tiers, uppers, strict=True)
        ]

    @api.model
    def _get_tier_mark(self, settlement, tier, applied):
        """What the tier table says of ``tier``, ``applied`` being the tier
        whose rate applies."""
        _ = self.env._
        tier_mode = settlement.agreement_id.tier_mode
        if applied and tier.id == applied.id:
            marks = {
                "flat": _("✓ Applied"),
                "retroactive": _("✓ Reached"),
                "stepped": _("✓ Highest reached"),
            }
            return marks.get(tier_mode, _("✓ Applied"))
        if tier_mode == "stepped" and applied and tier.threshold < applied.threshold:
            # a lower band the base went through
            return "✓"
        return ""

    @api.model
    def _write_tiers(self, sheet, settlement, fmt, row):
        """The tier table, the reached tier(s) marked."""
        sheet.text(row, 0, self.env._("Tiers"), fmt(bold=True, font_size=12))
        columns = self._get_tier_columns(settlement)
        sheet.header(row + 1, columns, fmt)
        rows = self._prepare_tier_rows(settlement)
        for index, values in enumerate(rows, start=row + 2):
            sheet.table_row(index, columns, values, fmt)
        return row + 2 + len(rows)

    # Lines

    @api.model
    def _prepare_line_rows(self, settlement):
        """The settlement's statement lines (``_get_statement_lines``), with
        what the table shows besides: ``currency``, ``rate`` (the rate
        applied) and, under a payment condition, ``counted`` (the share of
        the line counted, in percent)."""
        rate = self._get_applied_rate(settlement)
        rows = []
        for line in settlement._get_statement_lines():
            values = dict(line, currency=settlement.currency_id, rate=rate)
            if "share" in line:
                values["counted"] = round(line["share"] * 100, 2)
            rows.append(values)
        return rows

    @api.model
    def _get_line_columns(self, settlement, rows):
        """The columns of the lines table (``rows``: its rows); the quantity
        is added up on the quantity basis, the amounts always."""
        _ = self.env._
        currency = settlement.currency_id.name
        on_quantity = settlement.agreement_id.basis == "quantity"
        columns = [
            TableColumn("date", _("Date"), "date", "label"),
            TableColumn("move_name", _("Document"), "text", "blank"),
            TableColumn("product_name", _("Product"), "text", "blank"),
            TableColumn(
                "quantity",
                _("Quantity"),
                "quantity",
                "sum" if on_quantity else "blank",
            ),
            TableColumn(
                "amount",
                _("Untaxed Amount (%(currency)s)", currency=currency),
                "money",
                "sum",
            ),
            TableColumn(
                "rate",
                self._get_rate_label(settlement, effective=True),
                "rate",
                "blank",
            ),
            TableColumn(
                "rebate", _("Rebate (%(currency)s)", currency=currency), "money", "sum"
            ),
        ]
        if any("share" in values for values in rows):
            columns += [
                TableColumn("counted", _("Counted (%)"), "rate"),
                TableColumn("reason", _("Payment"), "text"),
            ]
        return columns

    @api.model
    def _write_lines(self, sheet, settlement, fmt, row):
        """The counted lines: a heading row, a row a line, their totals (the
        filter spans the columns the totals row spans), and a warning when
        the documents changed since the settlement was computed."""
        rows = self._prepare_line_rows(settlement)
        columns = self._get_line_columns(settlement, rows)
        sheet.header(row, columns, fmt)
        for index, values in enumerate(rows, start=row + 1):
            sheet.table_row(index, columns, values, fmt)
        total_row = row + len(rows) + 1
        currency = settlement.currency_id
        sheet.totals(total_row, columns, rows, self.env._("Total"), fmt, currency)
        totalled = [col for col, column in enumerate(columns) if column.total]
        sheet.table_view(row, total_row - 1, max(totalled, default=0))
        sheet.worksheet.repeat_rows(row)
        row = total_row + 1
        return self._write_changed_documents(sheet, settlement, rows, fmt, row)

    @api.model
    def _write_changed_documents(self, sheet, settlement, rows, fmt, row):
        """Documents posted or changed since the settlement was computed show
        as a difference between the lines and the settled base: say so. (Like
        with like: under a payment condition, the base counted is each line's
        paid share, as the settled base is after what was forfeited.)"""
        currency = settlement.currency_id
        on_quantity = settlement.agreement_id.basis == "quantity"
        base = sum(line["base"] * line.get("share", 1.0) for line in rows)
        digits = 6 if on_quantity else currency.decimal_places
        if not float_compare(base, settlement.base_total, precision_digits=digits):
            return row
        shown = 4 if on_quantity else digits
        # formatted before the call: the term extractor cannot read f-strings
        # given to a translation function
        now = f"{base:,.{shown}f}"
        then = f"{settlement.base_total:,.{shown}f}"
        text = self.env._(
            "The documents of this period changed since the settlement was "
            "computed: their base is now %(now)s instead of %(then)s.",
            now=now,
            then=then,
        )
        warning_fmt = fmt(italic=True, font_color="#C00000")
        sheet.text(row, 0, text, warning_fmt, measure=False)
        return row + 1

    # Late documents

    @api.model
    def _get_late_columns(self, settlement):
        _ = self.env._
        currency = settlement.currency_id.name
        return [
            TableColumn("date", _("Date"), "date"),
            TableColumn("move_name", _("Document"), "text"),
            TableColumn("period_from", _("Period start"), "date"),
            TableColumn("period_to", _("Period end"), "date"),
            TableColumn("base", _("Base"), "quantity"),
            TableColumn(
                "rebate", _("Rebate (%(currency)s)", currency=currency), "money"
            ),
        ]

    @api.model
    def _write_late_documents(self, sheet, settlement, fmt, row):
        """The late documents the settlement carries
        (``_get_late_statement_lines``), with their period, and the
        adjustment they add up to under the last column."""
        heading = self.env._(
            "Late documents: posted after the settlement of their period was "
            "approved, counted here"
        )
        columns = self._get_late_columns(settlement)
        rows = settlement._get_late_statement_lines()
        row = self._write_section_table(
            sheet, settlement, fmt, row, heading, columns, rows
        )
        currency = settlement.currency_id
        last = len(columns) - 1
        sheet.text(row, last - 1, self.env._("Adjustment"), fmt(**TOTAL_STYLE))
        total_fmt = fmt.money(currency, **TOTAL_STYLE)
        sheet.number(row, last, settlement.adjustment_total, total_fmt)
        return row + 1

    @api.model
    def _write_section_table(self, sheet, settlement, fmt, row, heading, columns, rows):
        """A section of a settlement's sheet: its ``heading`` in bold, then a
        table of ``rows`` (dicts) under the header of ``columns``, amounts in
        the settlement's currency; the row after it."""
        sheet.text(row, 0, heading, fmt(bold=True), measure=False)
        sheet.header(row + 1, columns, fmt)
        currency = settlement.currency_id
        for index, values in enumerate(rows, start=row + 2):
            sheet.table_row(index, columns, {"currency": currency, **values}, fmt)
        return row + 2 + len(rows)

    # Document

    @api.model
    def _get_document_text(self, settlement):
        """What the statement says of the credit note (or claw-back invoice)
        that pays the settlement."""
        _ = self.env._
        # Whoever reads the settlement may know its credit note's number, even
        # without access to invoicing.
        number = settlement.document_id.sudo().name
        if settlement.is_negative:
            if number:
                return _("Claw-back invoice: %(number)s", number=number)
            if settlement.state == "cancelled":
                return _("Claw-back invoice: none")
            return _("Claw-back invoice: not issued yet")
        if number:
            return _("Credit note: %(number)s", number=number)
        if settlement.state in ("done", "cancelled"):
            return _("Credit note: none")
        return _("Credit note: not issued yet")

    @api.model
    def _write_document(self, sheet, settlement, fmt, row):
        text = self._get_document_text(settlement)
        sheet.text(row, 0, text, fmt(bold=True), measure=False)
        return row + 1

    # Summary sheet

    @api.model
    def _get_summary_columns(self, settlements):
        _ = self.env._
        return [
            TableColumn("name", _("Settlement"), "text", "label"),
            TableColumn("customer", _("Customer"), "text"),
            TableColumn("agreement", _("Agreement"), "text"),
            TableColumn("date_from", _("Period start"), "date"),
            TableColumn("date_to", _("Period end"), "date"),
            TableColumn("currency_name", _("Currency"), "text"),
            TableColumn("basis", _("Basis"), "text"),
            # the row of a settlement on the quantity basis says "quantity"
            TableColumn("base", _("Base"), "money", "sum"),
            TableColumn("rebate", _("Rebate"), "money", "sum"),
            TableColumn("state", _("Status"), "text"),
            TableColumn("document", _("Credit note"), "text"),
        ]

    @api.model
    def _prepare_summary_row(self, settlement):
        agreement = settlement.agreement_id
        return {
            "currency": settlement.currency_id,
            "name": settlement.name,
            "customer": settlement.sudo().partner_id.display_name,
            "agreement": self._get_agreement_label(agreement),
            "date_from": settlement.date_from,
            "date_to": settlement.date_to,
            "currency_name": settlement.currency_id.name,
            "basis": _selection_label(agreement, "basis"),
            "base": settlement.base_total,
            "base_kind": self._get_base_kind(agreement),
            "rebate": settlement.rebate_total,
            "state": _selection_label(settlement, "state"),
            # the credit note's number, even to readers without invoicing rights
            "document": settlement.document_id.sudo().name,
        }

    @api.model
    def _write_summary_sheet(self, sheet, settlements, fmt):
        """A row per settlement, then the totals of each currency."""
        sheet.worksheet.set_landscape()
        sheet.worksheet.fit_to_pages(1, 0)
        title = self.env._("Rebate statements")
        sheet.text(0, 0, title, fmt(bold=True, font_size=14), measure=False)
        header_row = 2
        columns = self._get_summary_columns(settlements)
        sheet.header(header_row, columns, fmt)
        rows = [self._prepare_summary_row(settlement) for settlement in settlements]
        for index, values in enumerate(rows, start=header_row + 1):
            sheet.table_row(index, columns, values, fmt)
        sheet.table_view(header_row, header_row + len(rows), len(columns) - 1)
        self._write_summary_totals(sheet, columns, rows, header_row + 1, fmt)
        sheet.fit_columns()

    @api.model
    def _write_summary_totals(self, sheet, columns, rows, first, fmt):
        """A totals row per currency, by name, under the table's ``rows``
        (from row ``first`` on). With several currencies, each total is a
        SUMIF on the currency column (the key "currency_name")."""
        currencies = self.env["res.currency"].union(
            *(values["currency"] for values in rows)
        )
        last = first + len(rows) - 1
        criteria = None
        if len(currencies) > 1:
            col = [column.key for column in columns].index("currency_name")
            criteria = xl_range(first, col, last, col)
        for row, currency in enumerate(currencies.sorted("name"), start=last + 1):
            label = self.env._("Total")
            if criteria:
                label = self.env._("Total %(currency)s", currency=currency.name)
            of_currency = [values for values in rows if values["currency"] == currency]
            for col, column in enumerate(columns):
                if column.total == "label":
                    sheet.text(row, col, label, fmt(**TOTAL_STYLE))
                elif column.total == "sum":
                    span = (first, last, criteria)
                    cell = (row, col)
                    self._write_summary_total(
                        sheet, cell, column, of_currency, span, fmt
                    )

    @api.model
    def _write_summary_total(self, sheet, cell, column, rows, span, fmt):
        """At ``cell`` (row, column), the total of ``column`` over the
        ``rows`` of one currency; ``span``: the first and last row of the
        table and the criteria range of a SUMIF (or None for a SUM).
        Amounts and units are not added up."""
        kinds = {cell_kind(column, values) for values in rows}
        if len(kinds) != 1:
            return
        (row, col), (first, last, criteria) = cell, span
        kind, currency = kinds.pop(), rows[0]["currency"]
        total = column_total(kind, [values[column.key] for values in rows], currency)
        total_fmt = fmt.of_kind(kind, currency, **TOTAL_STYLE)
        if not criteria:
            sheet.total(row, col, first, last, total, total_fmt)
            return
        formula = '=SUMIF({criteria},"{name}",{values})'.format(
            criteria=criteria,
            name=currency.name.replace('"', ""),
            values=xl_range(first, col, last, col),
        )
        sheet.worksheet.write_formula(row, col, formula, total_fmt, total)

    # Helpers

    @api.model
    def _get_base_kind(self, agreement):
        """How the base of ``agreement`` reads: "money" or "quantity"."""
        return "money" if agreement.basis == "amount" else "quantity"

    @api.model
    def _get_agreement_label(self, agreement):
        return self.env._(
            "%(name)s (version %(version)s)",
            name=agreement.name,
            version=agreement.version,
        )

    @api.model
    def _get_applied_rate(self, settlement):
        """The rate the rebate was computed at: the applied tier's, or on
        stepped or lump-sum tiers the effective rate (rebate / base); in
        percent on the amount basis, in currency per unit on the quantity
        basis."""
        agreement = settlement.agreement_id
        if not self._uses_effective_rate(settlement):
            applied = settlement._get_reached_tier()
            return applied.rate if applied else 0.0
        # an interim settlement's tiers apply to the base to date
        base = settlement.base_total
        rebate = (
            settlement.rebate_total
            - settlement.adjustment_total
            + settlement.penalty_total
        )
        if settlement.is_interim:
            base = settlement.base_cumulative
            rebate += settlement.rebate_previous
        if not float_compare(base, 0.0, precision_digits=6):
            return 0.0
        factor = 100.0 if agreement.basis == "amount" else 1.0
        return round(rebate / base * factor, 6)

    @api.model
    def _uses_effective_rate(self, settlement):
        """Whether the settlement's lines show the effective rate (rebate /
        base) rather than the tier's: on stepped tiers."""
        return settlement.agreement_id.tier_mode == "stepped"

    @api.model
    def _get_rate_label(self, settlement, effective=False):
        """The heading of a rate column: in percent on the amount basis, in
        currency per unit on the quantity basis; on stepped tiers, if
        ``effective``, the effective rate's (rebate / base)."""
        _ = self.env._
        currency = settlement.currency_id.name
        stepped = effective and self._uses_effective_rate(settlement)
        if settlement.agreement_id.basis == "amount":
            return _("Effective rate (%)") if stepped else _("Rate (%)")
        if stepped:
            return _("Effective rate (%(currency)s per unit)", currency=currency)
        return _("Rate (%(currency)s per unit)", currency=currency)
