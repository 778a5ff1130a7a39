# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import io
import json
import socket
from collections import defaultdict
from datetime import date, datetime

import psycopg2.extensions
from markupsafe import Markup

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

# From this many rows on, insert_rows copies instead of inserting: COPY is a
# little cheaper than an INSERT of the same rows as JSON, but costs a query
# more for the ids.
COPY_MIN_ROWS = 200

# set by insert_rows on every row, as the ORM does on create
STAMP_COLUMNS = ("create_uid", "write_uid", "create_date", "write_date")
MAGIC_COLUMNS = ("id", *STAMP_COLUMNS)


def to_date(env, value):
    """``value`` (a date or its ISO text, as RPC sends it) as a date; a clear
    UserError if it is none."""
    try:
        date = fields.Date.to_date(value)
    except (TypeError, ValueError):
        date = None
    if not date:
        raise UserError(env._("%(value)s is not a date (YYYY-MM-DD).", value=value))
    return date


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
    data = io.StringIO(
        "".join(
            copy_line((new_id, *map(vals.get, columns), *stamps))
            for new_id, vals in zip(ids, vals_list, strict=True)
        )
    )
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


def values_table(alias, columns, rows):
    """``rows`` as the table ``unnest(...) AS alias(column, ...)``: one array
    parameter per column, so that thousands of rows cost three parameters,
    not a placeholder each. ``columns``: (name, SQL type) pairs."""
    arrays = list(zip(*rows, strict=True)) or [()] * len(columns)
    return SQL(
        "unnest(%s) AS %s(%s)",
        SQL(", ").join(
            SQL("%s::%s[]", list(array), SQL(sql_type))
            for array, (_name, sql_type) in zip(arrays, columns, strict=True)
        ),
        SQL.identifier(alias),
        SQL(", ").join(SQL.identifier(name) for name, _type in columns),
    )


MESSAGE_COLUMNS = (
    "model",
    "res_id",
    "message_type",
    "subtype_id",
    "author_id",
    "email_from",
    "reply_to",
    "message_id",
    "body",
    "is_internal",
    "email_add_signature",
    "date",
)


def _note_values(records):
    """The values of a note logged on ``records`` by the current user, as
    mail.thread's _message_log writes them, but the record, body and id."""
    env = records.env
    author_id, email_from = records._message_compute_author(raise_on_email=False)
    return {
        "model": records._name,
        "message_type": "notification",
        "subtype_id": env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
        "author_id": author_id,
        "email_from": email_from,
        "reply_to": env["mail.thread"]._notify_get_reply_to(default=email_from)[False],
        "body": "",
        "is_internal": True,
        "email_add_signature": False,
        "date": fields.Datetime.now(),
    }


def log_notes(records, bodies):
    """Log a note on each of ``records``: ``bodies`` maps their ids to plain
    text. What _message_log_batch writes, with one INSERT ... SELECT per
    distinct text: a period close notes thousands of settlements, which the
    ORM would create one message at a time (1.6 s for 4,800 measured, the
    close's own time), and which rows built in Python would still cost a
    third of the insert."""
    if not records:
        return
    message = _note_values(records)
    constants = [
        column for column in MESSAGE_COLUMNS if column not in _NOTE_ROW_COLUMNS
    ]
    ids_by_body = defaultdict(list)
    for record_id in records.ids:
        ids_by_body[bodies[record_id]].append(record_id)
    now = records.env.cr.now()
    for body, ids in ids_by_body.items():
        records.env.execute_query(
            SQL(
                """
                INSERT INTO mail_message (%(columns)s, res_id, body, message_id,
                                          create_uid, write_uid,
                                          create_date, write_date)
                SELECT %(values)s, r.res_id, %(body)s,
                       '<' || lpad(floor(random() * 1e15)::text, 15, '0')
                       || '.' || extract(epoch FROM clock_timestamp())
                       || '-openerp-message-notify@' || %(host)s || '>',
                       %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM unnest(%(ids)s::int4[]) WITH ORDINALITY AS r(res_id, n)
              ORDER BY r.n
                """,
                columns=SQL(", ").join(map(SQL.identifier, constants)),
                values=SQL(", ").join(
                    SQL("%s", message[column]) for column in constants
                ),
                body=str(Markup("<p>%s</p>") % body),
                host=socket.gethostname(),
                uid=records.env.uid,
                now=now,
                ids=ids,
            )
        )
    records.invalidate_recordset(["message_ids"])


# the columns of a note that differ from one record to another
_NOTE_ROW_COLUMNS = ("res_id", "body", "message_id")


def _with_subtype(records, initial):
    """Those of ``records`` (written already, all with the same values) whose
    change ``_track_subtype`` gives a subtype: asked once per distinct set of
    old values."""
    groups = defaultdict(list)
    for record in records:
        groups[tuple(initial[record.id].values())].append(record.id)
    with_subtype = []
    for ids in groups.values():
        record = records.browse(ids[0])
        changed = {
            fname: value
            for fname, value in initial[record.id].items()
            if record[fname] != value
        }
        if changed and record._track_subtype(changed):
            with_subtype += ids
    return records.browse(with_subtype)


def write_tracked(records, vals):
    """``records.write(vals)`` with the chatter a tracked write logs, for
    thousands of records at a time.

    mail.thread logs the changes of tracked fields one message at a time
    (_message_track then _message_log for each record), and mail.message
    creates their tracking values one message at a time too: a few
    milliseconds a record, more than the business work of a period close or
    of a credit note. Here the same notes, by the same author, with the same
    old and new values (from mail's own _mail_track), are written with one
    insert_rows for the messages and one for their values.

    Odoo's own tracking is used instead where it would log differently: with
    ``tracking_disable`` or ``mail_notrack`` in the context (nothing is
    logged), for records whose tracking is already pending in the transaction
    (Odoo logs their changes once, at commit, from the values they had
    before), and for changes that ``_track_subtype`` gives a subtype (Odoo
    posts those to the followers instead of logging them).
    """
    if not records:
        return
    env = records.env
    tracked = [
        fname for fname in vals if getattr(records._fields[fname], "tracking", False)
    ]
    if env.context.get("tracking_disable") or env.context.get("mail_notrack"):
        records.write(vals)
        return
    if not tracked:
        records.with_context(tracking_disable=True).write(vals)
        return
    # records whose tracking is pending: Odoo logs them at commit
    pending = env.cr.precommit.data.get(f"mail.tracking.{records._name}", {})
    by_odoo = records.filtered(lambda record: record.id in pending)
    by_odoo.write(vals)
    records -= by_odoo
    if not records:
        return
    initial = {
        record.id: {fname: record[fname] for fname in tracked} for record in records
    }
    records.with_context(tracking_disable=True).write(vals)
    # changes with a subtype: posted by Odoo, as its tracking would
    with_subtype = _with_subtype(records, initial)
    if with_subtype:
        changes = with_subtype.sudo()._message_track(set(tracked), initial)
        for record in with_subtype:
            record._message_track_post_template(changes.get(record.id, (None, None))[0])
        records -= with_subtype
    _insert_tracking(records, tracked, initial)


def _insert_tracking(records, tracked, initial):
    """The notes of a tracked write on ``records`` (written already), with
    their tracking values, in one insert_rows each."""
    messages, trackings = _tracking_rows(records, tracked, initial)
    if not messages:
        return
    message_ids = insert_rows(records.env, "mail_message", MESSAGE_COLUMNS, messages)
    tracking_rows = [
        dict(values, mail_message_id=message_id)
        for message_id, values_list in zip(message_ids, trackings, strict=True)
        for values in values_list
    ]
    columns = sorted({column for row in tracking_rows for column in row})
    insert_rows(records.env, "mail_tracking_value", columns, tracking_rows)
    records.invalidate_recordset(["message_ids"])


def _tracking_rows(records, tracked, initial):
    """([message values], [[tracking values]]) of the records whose tracked
    fields changed, from mail's own _mail_track. Every record got the same
    new values: records that had the same old values (and currencies, for
    amounts) get the same tracking values, computed once."""
    fields_info = records.fields_get(
        tracked, attributes=("string", "type", "selection", "currency_field")
    )
    currency_fields = [
        info["currency_field"]
        for info in fields_info.values()
        if info["type"] == "monetary"
    ]
    message = _note_values(records)
    messages = []
    trackings = []
    tracked_by_initial = {}
    for record in records:
        key = (
            *initial[record.id].values(),
            *(record[fname] for fname in currency_fields),
        )
        if key not in tracked_by_initial:
            tracked_by_initial[key] = record._mail_track(
                fields_info, initial[record.id]
            )[1]
        commands = tracked_by_initial[key]
        if commands:
            messages.append(
                dict(
                    message,
                    res_id=record.id,
                    message_id=generate_tracking_message_id("message-notify"),
                )
            )
            trackings.append([values for _command, _id, values in commands])
    return messages, trackings
