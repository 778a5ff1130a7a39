# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import socket
from collections import defaultdict

from markupsafe import Markup

from odoo import fields
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from .bulk_insert import insert_rows
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
    # (the tracked fields alone read, not every field of thousands of records)
    records.fetch(tracked)
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
