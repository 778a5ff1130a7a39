# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id


def insert_rows(env, table, columns, vals_list, batch=1000):
    """INSERT ``vals_list`` into ``table`` in batches and return the new ids.

    For the engine's bulk writes (accruals, the settlements of a period
    close, their chatter), where the ORM's per-record create work costs more
    than the business logic: the values must be complete and final (rounded
    amounts, no defaults or computed fields to fill); create and write user
    and date are set here. The statement is built once per batch size with
    one placeholder per value, so its cost does not depend on the values.
    """
    head = SQL(
        "INSERT INTO %s (%s, create_uid, write_uid, create_date, write_date) VALUES ",
        SQL.identifier(table),
        SQL(", ").join(SQL.identifier(column) for column in columns),
    ).code
    row = "(%s, %%s, %%s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')" % (
        ", ".join(["%s"] * len(columns))
    )
    ids = []
    for start in range(0, len(vals_list), batch):
        chunk = vals_list[start : start + batch]
        params = []
        for vals in chunk:
            params.extend(vals.get(column) for column in columns)
            params += [env.uid, env.uid]
        ids += [
            new_id
            for (new_id,) in env.execute_query(
                SQL(head + ", ".join([row] * len(chunk)) + " RETURNING id", *params)
            )
        ]
    return ids


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


def write_tracked(records, vals):
    """``records.write(vals)`` with the chatter a tracked write logs, for
    thousands of records at a time.

    mail.thread logs the changes of tracked fields one message at a time
    (_message_track then _message_log for each record), and mail.message
    creates their tracking values one message at a time too: a few
    milliseconds a record, more than the business work of a period close or
    of a credit note. Here the same notes, by the same author, with the same
    old and new values (from mail's own _mail_track), are inserted in two
    statements. Only for models without a tracking subtype (a subtype would
    post and notify followers instead of logging).
    """
    if not records:
        return
    env = records.env
    tracked = [
        fname for fname in vals if getattr(records._fields[fname], "tracking", False)
    ]
    initial = {
        record.id: {fname: record[fname] for fname in tracked} for record in records
    }
    records.with_context(tracking_disable=True).write(vals)
    if not tracked:
        return
    fields_info = records.fields_get(
        tracked, attributes=("string", "type", "selection", "currency_field")
    )
    author_id, email_from = records._message_compute_author(raise_on_email=False)
    message = {
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
    messages = []
    trackings = []
    for record in records:
        _changes, commands = record._mail_track(fields_info, initial[record.id])
        if commands:
            messages.append(
                dict(
                    message,
                    res_id=record.id,
                    message_id=generate_tracking_message_id("message-notify"),
                )
            )
            trackings.append([values for _command, _id, values in commands])
    if not messages:
        return
    message_ids = insert_rows(env, "mail_message", MESSAGE_COLUMNS, messages)
    tracking_rows = [
        dict(values, mail_message_id=message_id)
        for message_id, values_list in zip(message_ids, trackings, strict=True)
        for values in values_list
    ]
    columns = sorted({column for row in tracking_rows for column in row})
    insert_rows(env, "mail_tracking_value", columns, tracking_rows)
    records.invalidate_recordset(["message_ids"])
