# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Rebate statements as Excel workbooks.

One sheet per settlement (its terms, its tier table and the invoice and refund
lines that made its base), preceded by a summary sheet when the workbook holds
several settlements. Every string is written as a string (never interpreted
as a formula or a link), so customer and product names go through untouched.
"""

import io

from odoo.tools import float_compare
from odoo.tools.misc import xlsxwriter

# make_sheet_name, money_format and statement_filename are imported from here
from .xlsx_sheet import (  # noqa: F401
    DATE_FORMAT,
    HEADER_STYLE,
    QUANTITY_FORMAT,
    RATE_FORMAT,
    TOTAL_STYLE,
    _Formats,
    _selection_label,
    _Sheet,
    make_sheet_name,
    money_format,
    statement_filename,
)

xl_range = xlsxwriter.utility.xl_range

# Rows of the settlement sheet's lines table: Date, Document, Product,
# Quantity, Untaxed Amount, Rate, Rebate.
COL_DATE, COL_DOCUMENT, COL_PRODUCT, COL_QTY, COL_AMOUNT, COL_RATE, COL_REBATE = range(
    7
)


# Settlement sheet


def _applied_tier(settlement):
    """The tier whose rate applies, as the rebate computes it."""
    return settlement._get_reached_tier()


def _applied_rate(settlement, applied):
    """The rate the rebate was computed at: the applied tier's, or on stepped
    tiers the effective rate (rebate / base); in percent on the amount basis,
    in currency per unit on the quantity basis."""
    agreement = settlement.agreement_id
    if agreement.tier_mode != "stepped":
        return applied.rate if applied else 0.0
    # an interim settlement's tiers apply to the base to date
    base = settlement.base_total
    rebate = (
        settlement.rebate_total - settlement.adjustment_total + settlement.penalty_total
    )
    if settlement.is_interim:
        base = settlement.base_cumulative
        rebate += settlement.rebate_previous
    if not float_compare(base, 0.0, precision_digits=6):
        return 0.0
    factor = 100.0 if agreement.basis == "amount" else 1.0
    return round(rebate / base * factor, 6)


def _rate_label(settlement):
    env = settlement.env
    agreement = settlement.agreement_id
    stepped = agreement.tier_mode == "stepped"
    if agreement.basis == "amount":
        return env._("Effective rate (%)") if stepped else env._("Rate (%)")
    if stepped:
        return env._(
            "Effective rate (%(currency)s per unit)",
            currency=settlement.currency_id.name,
        )
    return env._("Rate (%(currency)s per unit)", currency=settlement.currency_id.name)


def _credit_note_text(settlement):
    env = settlement.env
    # Whoever reads the settlement may know its credit note's number, even
    # without access to invoicing.
    number = settlement.document_id.sudo().name
    if settlement.is_negative:
        if number:
            return env._("Claw-back invoice: %(number)s", number=number)
        if settlement.state == "cancelled":
            return env._("Claw-back invoice: none")
        return env._("Claw-back invoice: not issued yet")
    if number:
        return env._("Credit note: %(number)s", number=number)
    if settlement.state in ("done", "cancelled"):
        return env._("Credit note: none")
    return env._("Credit note: not issued yet")


def _write_terms(sheet, settlement, fmt, row):
    """The settlement's header block; returns the next free row."""
    env = settlement.env
    agreement = settlement.agreement_id
    currency = settlement.currency_id
    label_fmt = fmt(bold=True)
    base_fmt = (
        fmt.money(currency, align="left")
        if agreement.basis == "amount"
        else fmt(num_format=QUANTITY_FORMAT, align="left")
    )
    date_fmt = fmt(num_format=DATE_FORMAT, align="left")
    texts = [
        (env._("Customer"), settlement.partner_id.display_name),
        (
            env._("Agreement"),
            env._(
                "%(name)s (version %(version)s)",
                name=agreement.name,
                version=agreement.version,
            ),
        ),
    ]
    for label, value in texts:
        sheet.text(row, 0, label, label_fmt)
        sheet.text(row, 1, value, measure=False)
        row += 1
    for label, value in (
        (env._("Period start"), settlement.date_from),
        (env._("Period end"), settlement.date_to),
    ):
        sheet.text(row, 0, label, label_fmt)
        sheet.date(row, 1, value, date_fmt)
        row += 1
    for label, value in (
        (env._("Currency"), currency.name),
        (env._("Basis"), _selection_label(agreement, "basis")),
        (env._("Tier mode"), _selection_label(agreement, "tier_mode")),
        (env._("Status"), _selection_label(settlement, "state")),
    ):
        sheet.text(row, 0, label, label_fmt)
        sheet.text(row, 1, value, measure=False)
        row += 1
    money_fmt = fmt.money(currency, align="left")
    amounts = [(env._("Base"), settlement.base_total, base_fmt)]
    if settlement.is_interim:
        amounts += [
            (env._("Base to date"), settlement.base_cumulative, base_fmt),
            (env._("Settled before"), settlement.rebate_previous, money_fmt),
        ]
    if settlement.adjustment_total:
        amounts.append(
            (env._("Late documents"), settlement.adjustment_total, money_fmt)
        )
    if settlement.penalty_total:
        amounts.append((env._("Penalty"), -settlement.penalty_total, money_fmt))
    amounts.append((env._("Rebate"), settlement.rebate_total, money_fmt))
    for label, value, value_fmt in amounts:
        sheet.text(row, 0, label, label_fmt)
        sheet.worksheet.write_number(row, 1, value, value_fmt)
        row += 1
    if settlement.reward_note:
        sheet.text(row, 0, settlement.reward_note, fmt(italic=True), measure=False)
        row += 1
    return row


def _write_tiers(sheet, settlement, fmt, row):
    """The tier table, the reached tier(s) marked; returns the next free row."""
    env = settlement.env
    agreement = settlement.agreement_id
    stepped = agreement.tier_mode == "stepped"
    threshold_fmt = (
        fmt.money(settlement.currency_id)
        if agreement.basis == "amount"
        else fmt(num_format=QUANTITY_FORMAT)
    )
    rate_fmt = fmt(num_format=RATE_FORMAT)
    applied = _applied_tier(settlement)
    marks = {
        "flat": env._("✓ Applied"),
        "retroactive": env._("✓ Reached"),
        "stepped": env._("✓ Highest reached"),
    }
    sheet.text(row, 0, env._("Tiers"), fmt(bold=True, font_size=12))
    row += 1
    header = fmt(**HEADER_STYLE)
    rate_label = (
        env._("Rate (%)")
        if agreement.basis == "amount"
        else env._("Rate (%(currency)s per unit)", currency=settlement.currency_id.name)
    )
    for col, label in enumerate(
        (env._("From"), env._("Up to"), rate_label, env._("Reached"))
    ):
        sheet.text(row, col, label, header)
    row += 1
    tiers = agreement.tier_ids.sorted("threshold")
    uppers = tiers.mapped("threshold")[1:] + [None]
    for tier, upper in zip(tiers, uppers, strict=True):
        mark = ""
        if applied and tier.id == applied.id:
            mark = marks.get(agreement.tier_mode, env._("✓ Applied"))
        elif stepped and applied and tier.threshold < applied.threshold:
            # a lower band the base went through
            mark = "✓"
        sheet.number(row, 0, tier.threshold, threshold_fmt)
        if upper is None:
            sheet.worksheet.write_blank(row, 1, None)
        else:
            sheet.number(row, 1, upper, threshold_fmt)
        sheet.number(row, 2, tier.rate, rate_fmt)
        sheet.text(row, 3, mark, fmt(bold=True) if mark else None)
        row += 1
    return row


def _write_lines(sheet, settlement, fmt, row):
    """Header, counted lines and totals; returns the row of the totals."""
    env = settlement.env
    agreement = settlement.agreement_id
    currency = settlement.currency_id
    on_quantity = agreement.basis == "quantity"
    lines = settlement._get_statement_lines()
    rate = _applied_rate(settlement, _applied_tier(settlement))

    headers = {
        COL_DATE: env._("Date"),
        COL_DOCUMENT: env._("Document"),
        COL_PRODUCT: env._("Product"),
        COL_QTY: env._("Quantity"),
        COL_AMOUNT: env._("Untaxed Amount (%(currency)s)", currency=currency.name),
        COL_RATE: _rate_label(settlement),
        COL_REBATE: env._("Rebate (%(currency)s)", currency=currency.name),
    }
    conditional = any("share" in line for line in lines)
    if conditional:
        headers[COL_REBATE + 1] = env._("Counted (%)")
        headers[COL_REBATE + 2] = env._("Payment")
    header_row = row
    header = fmt(**HEADER_STYLE)
    for col, label in headers.items():
        sheet.text(header_row, col, label, header)

    date_fmt = fmt(num_format=DATE_FORMAT)
    qty_fmt = fmt(num_format=QUANTITY_FORMAT)
    money = fmt.money(currency)
    rate_fmt = fmt(num_format=RATE_FORMAT)
    for index, line in enumerate(lines, start=header_row + 1):
        sheet.date(index, COL_DATE, line["date"], date_fmt)
        sheet.text(index, COL_DOCUMENT, line["move_name"])
        sheet.text(index, COL_PRODUCT, line["product_name"])
        sheet.number(index, COL_QTY, line["quantity"], qty_fmt)
        sheet.number(index, COL_AMOUNT, line["amount"], money)
        sheet.number(index, COL_RATE, rate, rate_fmt)
        sheet.number(index, COL_REBATE, line["rebate"], money)
        if conditional:
            sheet.number(index, COL_REBATE + 1, round(line["share"] * 100, 2), rate_fmt)
            sheet.text(index, COL_REBATE + 2, line["reason"])

    first, last = header_row + 1, header_row + len(lines)
    total_row = last + 1
    sheet.text(total_row, COL_DATE, env._("Total"), fmt(**TOTAL_STYLE))
    for col in (COL_DOCUMENT, COL_PRODUCT, COL_RATE):
        sheet.worksheet.write_blank(total_row, col, None, fmt(**TOTAL_STYLE))
    if on_quantity:
        quantity = round(sum(line["quantity"] for line in lines), 6)
        sheet.total(
            total_row,
            COL_QTY,
            first,
            last,
            quantity,
            fmt(num_format=QUANTITY_FORMAT, **TOTAL_STYLE),
        )
    else:
        sheet.worksheet.write_blank(total_row, COL_QTY, None, fmt(**TOTAL_STYLE))
    money_total = fmt.money(currency, **TOTAL_STYLE)
    amount = currency.round(sum(line["amount"] for line in lines))
    sheet.total(total_row, COL_AMOUNT, first, last, amount, money_total)
    rebate = currency.round(sum(line["rebate"] for line in lines))
    sheet.total(total_row, COL_REBATE, first, last, rebate, money_total)

    sheet.worksheet.freeze_panes(header_row + 1, 0)
    sheet.worksheet.autofilter(header_row, COL_DATE, max(last, header_row), COL_REBATE)
    sheet.worksheet.repeat_rows(header_row)

    # Documents posted or changed since the settlement was computed show as
    # a difference between the lines and the settled base: say so. (Like with
    # like: under a payment condition, the base counted is each line's paid
    # share, as the settled base is after what was forfeited.)
    base = sum(line["base"] * line.get("share", 1.0) for line in lines)
    digits = 6 if on_quantity else currency.decimal_places
    if float_compare(base, settlement.base_total, precision_digits=digits):
        shown = 4 if on_quantity else digits
        # formatted before the call: the term extractor cannot read
        # f-strings given to a translation function
        now = f"{base:,.{shown}f}"
        then = f"{settlement.base_total:,.{shown}f}"
        sheet.text(
            total_row + 1,
            COL_DATE,
            env._(
                "The documents of this period changed since the settlement was "
                "computed: their base is now %(now)s instead of %(then)s.",
                now=now,
                then=then,
            ),
            fmt(italic=True, font_color="#C00000"),
            measure=False,
        )
        total_row += 1
    return total_row


def _write_late_documents(sheet, settlement, fmt, row):
    """The late documents the settlement carries, with their period and what
    the adjustment of each period adds up to; returns the last row."""
    env = settlement.env
    currency = settlement.currency_id
    sheet.text(
        row,
        0,
        env._(
            "Late documents: posted after the settlement of their period was "
            "approved, counted here"
        ),
        fmt(bold=True),
        measure=False,
    )
    row += 1
    header = fmt(**HEADER_STYLE)
    for col, label in enumerate(
        (
            env._("Date"),
            env._("Document"),
            env._("Period start"),
            env._("Period end"),
            env._("Base"),
            env._("Rebate (%(currency)s)", currency=currency.name),
        )
    ):
        sheet.text(row, col, label, header)
    date_fmt = fmt(num_format=DATE_FORMAT)
    money = fmt.money(currency)
    for line in settlement._get_late_statement_lines():
        row += 1
        sheet.date(row, 0, line["date"], date_fmt)
        sheet.text(row, 1, line["move_name"])
        sheet.date(row, 2, line["period_from"], date_fmt)
        sheet.date(row, 3, line["period_to"], date_fmt)
        sheet.number(row, 4, line["base"], fmt(num_format=QUANTITY_FORMAT))
        sheet.number(row, 5, line["rebate"], money)
    row += 1
    sheet.text(row, 4, env._("Adjustment"), fmt(**TOTAL_STYLE))
    sheet.number(
        row, 5, settlement.adjustment_total, fmt.money(currency, **TOTAL_STYLE)
    )
    return row


def _write_settlement_sheet(sheet, settlement, fmt):
    env = settlement.env
    worksheet = sheet.worksheet
    worksheet.set_landscape()
    worksheet.fit_to_pages(1, 0)
    sheet.text(
        0,
        0,
        env._("Rebate statement %(name)s", name=settlement.name),
        fmt(bold=True, font_size=14),
        measure=False,
    )
    row = _write_terms(sheet, settlement, fmt, 2)
    row = _write_tiers(sheet, settlement, fmt, row + 1)
    row = _write_lines(sheet, settlement, fmt, row + 1)
    if not settlement.is_adjustment and settlement.sudo().late_accrual_ids:
        row = _write_late_documents(sheet, settlement, fmt, row + 2)
    sheet.text(row + 2, 0, _credit_note_text(settlement), fmt(bold=True), False)
    sheet.fit_columns()


# Summary sheet


def _write_summary_sheet(sheet, settlements, fmt):
    env = settlements.env
    worksheet = sheet.worksheet
    worksheet.set_landscape()
    worksheet.fit_to_pages(1, 0)
    sheet.text(0, 0, env._("Rebate statements"), fmt(bold=True, font_size=14), False)
    columns = [
        env._("Settlement"),
        env._("Customer"),
        env._("Agreement"),
        env._("Period start"),
        env._("Period end"),
        env._("Currency"),
        env._("Basis"),
        env._("Base"),
        env._("Rebate"),
        env._("Status"),
        env._("Credit note"),
    ]
    col_currency, col_base, col_rebate = 5, 7, 8
    header_row = 2
    header = fmt(**HEADER_STYLE)
    for col, label in enumerate(columns):
        sheet.text(header_row, col, label, header)
    date_fmt = fmt(num_format=DATE_FORMAT)
    qty_fmt = fmt(num_format=QUANTITY_FORMAT)
    row = header_row
    for row, settlement in enumerate(settlements, start=header_row + 1):
        agreement = settlement.agreement_id
        currency = settlement.currency_id
        sheet.text(row, 0, settlement.name)
        sheet.text(row, 1, settlement.partner_id.display_name)
        sheet.text(
            row,
            2,
            env._(
                "%(name)s (version %(version)s)",
                name=agreement.name,
                version=agreement.version,
            ),
        )
        sheet.date(row, 3, settlement.date_from, date_fmt)
        sheet.date(row, 4, settlement.date_to, date_fmt)
        sheet.text(row, col_currency, currency.name)
        sheet.text(row, 6, _selection_label(agreement, "basis"))
        sheet.number(
            row,
            col_base,
            settlement.base_total,
            fmt.money(currency) if agreement.basis == "amount" else qty_fmt,
        )
        sheet.number(row, col_rebate, settlement.rebate_total, fmt.money(currency))
        sheet.text(row, 9, _selection_label(settlement, "state"))
        # the credit note's number, even to readers without invoicing rights
        sheet.text(row, 10, settlement.document_id.sudo().name)
    first, last = header_row + 1, row
    worksheet.freeze_panes(header_row + 1, 0)
    worksheet.autofilter(header_row, 0, max(last, header_row), len(columns) - 1)

    # One totals row per currency (SUMIF on the currency column when there
    # are several); the base is added up where its settlements share a basis.
    currencies = settlements.currency_id.sorted("name")
    single = len(currencies) <= 1

    def write_total(row, col, currency, value, cell_format):
        if single:
            sheet.total(row, col, first, last, value, cell_format)
            return
        formula = '=SUMIF({criteria},"{name}",{values})'.format(
            criteria=xl_range(first, col_currency, last, col_currency),
            name=currency.name.replace('"', ""),
            values=xl_range(first, col, last, col),
        )
        worksheet.write_formula(row, col, formula, cell_format, value)

    for row, currency in enumerate(currencies, start=last + 1):
        of_currency = settlements.filtered(lambda s, c=currency: s.currency_id == c)
        label = (
            env._("Total")
            if single
            else env._("Total %(currency)s", currency=currency.name)
        )
        sheet.text(row, 0, label, fmt(**TOTAL_STYLE))
        money_total = fmt.money(currency, **TOTAL_STYLE)
        rebate = currency.round(sum(of_currency.mapped("rebate_total")))
        write_total(row, col_rebate, currency, rebate, money_total)
        bases = set(of_currency.agreement_id.mapped("basis"))
        if bases == {"amount"}:
            base = currency.round(sum(of_currency.mapped("base_total")))
            write_total(row, col_base, currency, base, money_total)
        elif bases == {"quantity"}:
            base = round(sum(of_currency.mapped("base_total")), 6)
            qty_total = fmt(num_format=QUANTITY_FORMAT, **TOTAL_STYLE)
            write_total(row, col_base, currency, base, qty_total)
    sheet.fit_columns()


# Entry point


def build_statement_workbook(settlements):
    """The rebate statement of ``settlements`` as the bytes of an .xlsx file.

    The caller has checked that the user may read the settlements; they are
    read with their own environment (user, language, companies).
    """
    env = settlements.env
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    fmt = _Formats(workbook)
    taken = set()
    if len(settlements) != 1:
        name = make_sheet_name(env._("Summary"), taken, default="Summary")
        _write_summary_sheet(_Sheet(workbook.add_worksheet(name)), settlements, fmt)
    for settlement in settlements:
        name = make_sheet_name(
            settlement.partner_id.display_name, taken, tail=settlement.name
        )
        _write_settlement_sheet(_Sheet(workbook.add_worksheet(name)), settlement, fmt)
    workbook.close()
    return output.getvalue()
