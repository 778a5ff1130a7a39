# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import io
import json
from collections import defaultdict
from datetime import date, datetime
from operator import methodcaller

import psycopg2.extensions

from odoo.tools import SQL

# From this many rows on, insert_rows copies instead of inserting: COPY is a
# little cheaper than an INSERT of the same rows as JSON, but costs a query
# more for the ids.
COPY_MIN_ROWS = 200

# set by insert_rows on every row, as the ORM does on create
STAMP_COLUMNS = ("create_uid", "write_uid", "create_date", "write_date")
MAGIC_COLUMNS = ("id", *STAMP_COLUMNS)


def insert_rows(env, table, columns, vals_list):
    """INSERT ``vals_list`` into ``table`` and return the new ids, in order.

    For the engine's bulk writes (accruals, the settlements of a period
    close, their chatter), where the ORM's per-record create work costs more
    than the business logic: the values must be complete and final (rounded
    amounts, no defaults or computed fields to fill); create and write user
    and date are set here, the date being the transaction's as the ORM's.
    A few rows go in one INSERT of one JSON parameter, read by PostgreSQL
    with the table's own column types (a placeholder per value costs more to
    adapt and to parse than the rows cost to write); many rows are copied
    (COPY FROM STDIN) under ids drawn in one query.
    """
    now = str(env.cr.now())  # as text once, not once per row
    stamps = (env.uid, env.uid, now, now)
    if len(vals_list) >= COPY_MIN_ROWS:
        return _copy_rows(env, table, columns, vals_list, stamps)
    if not vals_list:
        return []
    names = (*columns, *STAMP_COLUMNS)
    rows = json.dumps(
        [
            dict(zip(names, (*map(vals.get, columns), *stamps), strict=True))
            for vals in vals_list
        ],
        default=str,
        ensure_ascii=False,
    )
    return [
        new_id
        for (new_id,) in env.execute_query(
            SQL(
                "INSERT INTO %(table)s (%(columns)s) SELECT %(columns)s"
                " FROM json_populate_recordset(NULL::%(table)s, %(rows)s)"
                " RETURNING id",
                table=SQL.identifier(table),
                columns=SQL(", ").join(map(SQL.identifier, names)),
                rows=rows,
            )
        )
    ]


def insert_records(model, vals_list):
    """Create records of ``model`` from ``vals_list`` in bulk (insert_rows),
    keeping what the ORM's create guarantees, and return them.

    - Every stored field the values do not give gets its default
      (``default_get``, once for the whole batch), so a field another module
      adds is filled as create would fill it.
    - The values must be those of stored columns, final (rounded amounts):
      a key that is not one is refused, not dropped.
    - Then, as create does: stored computed fields the values do not give are
      computed by Odoo and whatever depends on the new records is told
      (``modified``), the one2many on the other side of their many2one fields
      is invalidated, Python constraints and the company check run.
    """
    if not vals_list:
        return model.browse()
    given = set().union(*vals_list)
    _check_stored_columns(model, given)
    defaults = _get_missing_defaults(model, vals_list)
    columns = sorted(given | set(defaults))
    rows = [{**defaults, **vals} for vals in vals_list] if defaults else vals_list
    ids = insert_rows(model.env, model._table, columns, rows)
    records = model.browse(ids)
    _after_insert(records, rows, columns)
    return records


def _check_stored_columns(model, given):
    """Refuse the names in ``given`` that are not stored columns of
    ``model`` (insert_records writes columns, not fields)."""
    fields_ = model._fields
    unknown = sorted(
        fname
        for fname in given
        if fname not in fields_
        or not fields_[fname].column_type
        or not fields_[fname].store
    )
    if unknown:
        raise ValueError(f"{model._name}: not stored columns: {', '.join(unknown)}")


def _get_missing_defaults(model, vals_list):
    """The defaults (``default_get``, once for the batch) of the stored,
    not computed fields that some of ``vals_list`` do not give: a field some
    values give and others not gets its default in the others."""
    common = set(vals_list[0]).intersection(*vals_list[1:])
    missing = [
        fname
        for fname, field in model._fields.items()
        if field.store
        and field.column_type
        and not field.compute
        and fname not in common
        and fname not in MAGIC_COLUMNS
    ]
    return model.default_get(missing) if missing else {}


def _after_insert(records, rows, columns):
    """What create does once the rows of new ``records`` are written:
    stored computed fields computed and dependents told (``modified``),
    the one2many on the other side of their many2one fields invalidated,
    Python constraints and the company check run."""
    fields_ = records._fields
    given_fields = [fields_[fname] for fname in columns]
    with records.env.protecting(given_fields, records):
        records.modified(columns, create=True)
    for fname in columns:
        for inverse in records.pool.field_inverses[fields_[fname]]:
            records.env[inverse.model_name].invalidate_model([inverse.name])
    records._validate_fields(columns)
    if records._check_company_auto:
        _check_company(records, rows, columns)


def _check_company(records, rows, columns):
    """records._check_company(columns), for thousands of new records: the
    values of each many2one with ``check_company`` are checked once per
    company, in one search, and Odoo's own check (and message) runs on the
    records whose values fail."""
    model = records.browse()
    fields_ = [
        model._fields[fname]
        for fname in columns
        if model._fields[fname].type == "many2one"
        and model._fields[fname].check_company
        and not model._fields[fname].company_dependent
    ]
    if not fields_:
        return
    if "company_id" not in model._fields:
        records._check_company(columns)
        return
    suspects = set()
    for field in fields_:
        by_company = defaultdict(set)
        for row in rows:
            if row.get(field.name):
                by_company[row.get("company_id")].add(row[field.name])
        Comodel = model.env[field.comodel_name].sudo().with_context(active_test=False)
        for company_id, value_ids in by_company.items():
            companies = model.env["res.company"].browse(company_id or [])
            domain = Comodel._check_company_domain(companies)
            if not domain:
                continue
            bad = value_ids - set(
                Comodel.search([("id", "in", list(value_ids)), *domain]).ids
            )
            if bad:
                suspects.update(
                    record_id
                    for record_id, row in zip(records.ids, rows, strict=True)
                    if row.get(field.name) in bad
                    and row.get("company_id") == company_id
                )
    if suspects:
        records.browse(sorted(suspects))._check_company(columns)


def _copy_rows(env, table, columns, vals_list, stamps):
    cr = env.cr
    ids = [
        new_id
        for (new_id,) in env.execute_query(
            SQL(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id'))"
                " FROM generate_series(1, %s)",
                table,
                len(vals_list),
            )
        )
    ]
    data = io.StringIO(_copy_data(ids, columns, vals_list, stamps))
    copy = SQL(
        "COPY %s (id, %s) FROM STDIN",
        SQL.identifier(table),
        SQL(", ").join(map(SQL.identifier, (*columns, *STAMP_COLUMNS))),
    )
    # As Odoo's own COPY (BaseModel.__ensure_xml_id): no asynchronous wait callback
    # during the copy.
    callback = psycopg2.extensions.get_wait_callback()
    psycopg2.extensions.set_wait_callback(None)
    try:
        cr.copy_expert(copy.code, data)
    finally:
        psycopg2.extensions.set_wait_callback(callback)
    # a statement like any other: counted where Odoo counts its queries
    cr.sql_log_count += 1
    return ids


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


# Written by str() as COPY reads them (checked first: most values are these).
_COPY_PLAIN_TYPES = frozenset({int, float, date, datetime})


def _copy_data(ids, columns, vals_list, stamps):
    """The rows ``ids`` and ``vals_list`` (``columns``, then ``stamps``) in
    COPY's text format, written column by column: most columns hold values
    of one type, written by one map() (copy_column), and the stamps are
    written once; a row at a time cost a third of the settlements' COPY."""
    texts = [list(map(str, ids))]
    texts.extend(
        copy_column(list(map(methodcaller("get", column), vals_list)))
        for column in columns
    )
    texts.extend([copy_text(stamp)] * len(ids) for stamp in stamps)
    return "\n".join(map("\t".join, zip(*texts, strict=True))) + "\n"


def copy_column(values):
    """``values``, one column's, in COPY's text format."""
    kinds = set(map(type, values))
    if kinds <= _COPY_PLAIN_TYPES:
        return list(map(str, values))
    if kinds == {str}:
        return [value.translate(_COPY_ESCAPES) for value in values]
    return [
        str(value) if value.__class__ in _COPY_PLAIN_TYPES else copy_text(value)
        for value in values
    ]


def copy_line(values):
    """A row of ``values`` in COPY's text format, newline included."""
    return (
        "\t".join(
            [
                str(value) if value.__class__ in _COPY_PLAIN_TYPES else copy_text(value)
                for value in values
            ]
        )
        + "\n"
    )


def copy_text(value):
    """``value`` in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)
