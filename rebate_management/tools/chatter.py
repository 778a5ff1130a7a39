# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
import socket
from collections import defaultdict

from markupsafe import Markup

from odoo import fields
from odoo.tools import SQL

from .compat import note_author

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
    author_id, email_from, reply_to = note_author(records)
    return {
        "model": records._name,
        "message_type": "notification",
        "subtype_id": env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
        "author_id": author_id,
        "email_from": email_from,
        "reply_to": reply_to,
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
                SELECT %(values)s, r.res_id, %(body)s, %(message_id)s,
                       %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM unnest(%(ids)s::int4[]) WITH ORDINALITY AS r(res_id, n)
              ORDER BY r.n
                """,
                columns=SQL(", ").join(map(SQL.identifier, constants)),
                values=SQL(", ").join(
                    SQL("%s", message[column]) for column in constants
                ),
                body=str(Markup("<p>%s</p>") % body),
                message_id=_message_id_sql(),
                uid=records.env.uid,
                now=now,
                ids=ids,
            )
        )
    records.invalidate_recordset(["message_ids"])


# the columns of a note that differ from one record to another
_NOTE_ROW_COLUMNS = ("res_id", "body", "message_id")


def _message_id_sql():
    """SQL: a message's Message-Id as generate_tracking_message_id writes
    it for a note ("message-notify"), made by the server for each row."""
    return SQL(
        "'<' || lpad(floor(random() * 1e15)::text, 15, '0')"
        " || '.' || extract(epoch FROM clock_timestamp())"
        " || '-openerp-message-notify@' || %s || '>'",
        socket.gethostname(),
    )


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
    old and new values (from mail's own _mail_track), are written in one
    statement, messages and values (_insert_tracking).

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
    initial = _read_initial(records, tracked)
    records.with_context(tracking_disable=True).write(vals)
    # changes with a subtype: posted by Odoo, as its tracking would
    with_subtype = _with_subtype(records, initial)
    if with_subtype:
        changes = with_subtype.sudo()._message_track(set(tracked), initial)
        for record in with_subtype:
            record._message_track_post_template(changes.get(record.id, (None, None))[0])
        records -= with_subtype
    _insert_tracking(records, tracked, initial)


def _read_initial(records, tracked):
    """{record id: {field: value}}: the ``tracked`` fields of ``records``
    before the write, those fields alone read (not every field of thousands
    of records)."""
    records.fetch(tracked)
    return {
        record.id: {fname: record[fname] for fname in tracked} for record in records
    }


def _insert_tracking(records, tracked, initial):
    """The notes of a tracked write on ``records`` (written already), with
    their tracking values, in one statement: the messages inserted from the
    records' ids, then each message's tracking values, sent once for all
    the records that got the same (_tracking_kinds), joined to it by its
    record."""
    kinds, kind_of = _tracking_kinds(records, tracked, initial)
    if not kind_of:
        return
    message = _note_values(records)
    constants = [
        column for column in MESSAGE_COLUMNS if column not in _NOTE_ROW_COLUMNS
    ]
    columns = sorted({column for values in kinds for row in values for column in row})
    env = records.env
    env.cr.execute(
        SQL(
            _TRACKING_INSERT,
            columns=SQL(", ").join(map(SQL.identifier, constants)),
            values=SQL(", ").join(SQL("%s", message[column]) for column in constants),
            message_id=_message_id_sql(),
            tracking_columns=SQL(", ").join(map(SQL.identifier, columns)),
            tracking_values=SQL(", ").join(
                SQL("v.%s", SQL.identifier(column)) for column in columns
            ),
            res_ids=list(kind_of),
            kinds=list(kind_of.values()),
            trackings=json.dumps(
                [
                    {"kind": kind, "values": row}
                    for kind, values in enumerate(kinds)
                    for row in values
                ],
                default=str,
            ),
            uid=env.uid,
            now=env.cr.now(),
        )
    )
    records.invalidate_recordset(["message_ids"])


# The notes of _insert_tracking and their tracking values: the messages
# numbered in the records' order, the values of each in their order.
_TRACKING_INSERT = """
    WITH message AS (
        INSERT INTO mail_message (%(columns)s, res_id, body, message_id,
                                  create_uid, write_uid, create_date, write_date)
        SELECT %(values)s, r.res_id, '', %(message_id)s,
               %(uid)s, %(uid)s, %(now)s, %(now)s
          FROM unnest(%(res_ids)s::int4[]) WITH ORDINALITY AS r(res_id, n)
      ORDER BY r.n
     RETURNING id, res_id
    )
    INSERT INTO mail_tracking_value (mail_message_id, %(tracking_columns)s,
                                     create_uid, write_uid, create_date, write_date)
    SELECT message.id, %(tracking_values)s, %(uid)s, %(uid)s, %(now)s, %(now)s
      FROM message
      JOIN unnest(%(res_ids)s::int4[], %(kinds)s::int4[]) AS r(res_id, kind)
        ON r.res_id = message.res_id
      JOIN jsonb_array_elements(%(trackings)s::jsonb) WITH ORDINALITY AS e(item, n)
        ON (e.item->>'kind')::int = r.kind
     CROSS JOIN LATERAL jsonb_populate_record(
           NULL::mail_tracking_value, e.item->'values') AS v
  ORDER BY message.id, e.n
"""


def _tracking_kinds(records, tracked, initial):
    """([tracking values of a kind], {record id: its kind}) of the records
    whose tracked fields changed, from mail's own _mail_track. Every record
    got the same new values: records that had the same old values (and
    currencies, for amounts) get the same tracking values, computed once."""
    fields_info = records.fields_get(
        tracked, attributes=("string", "type", "selection", "currency_field")
    )
    currency_fields = [
        info["currency_field"]
        for info in fields_info.values()
        if info["type"] == "monetary"
    ]
    kinds = []
    kind_by_initial = {}
    kind_of = {}
    for record in records:
        key = (
            *initial[record.id].values(),
            *(record[fname] for fname in currency_fields),
        )
        if key not in kind_by_initial:
            commands = record._mail_track(fields_info, initial[record.id])[1]
            kind_by_initial[key] = len(kinds) if commands else None
            if commands:
                kinds.append([values for _command, _id, values in commands])
        if kind_by_initial[key] is not None:
            kind_of[record.id] = kind_by_initial[key]
    return kinds, kind_of
