# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Where Odoo 18 and Odoo 19 differ for this addon's Python code: the one
place that asks which one runs (docs/odoo19.md). The rest of the code is
written to suit both; what cannot be (the manifest's version, the groups'
privileges, SQL constraints) is rewritten by odoo19/build.py."""

from odoo import api, release

ODOO_19 = release.version_info[0] >= 19


def returns_records(method):
    """A public method that returns records: RPC callers get their ids.
    Odoo 18 needs ``api.returns("self")`` for that; Odoo 19 turns every
    returned recordset into ids and has no ``api.returns``."""
    if ODOO_19:
        return method
    return api.returns("self")(method)


def note_author(records):
    """(author_id, email_from, reply_to) of a note the current user logs on
    ``records``, as mail.thread's _message_log_batch computes them: Odoo 18
    must be told not to raise on an author without email, and its reply-to
    does not take the author."""
    env = records.env
    if ODOO_19:
        author_id, email_from = records._message_compute_author()
        reply_to = env["mail.thread"]._notify_get_reply_to(
            default=email_from, author_id=author_id
        )
    else:
        author_id, email_from = records._message_compute_author(raise_on_email=False)
        reply_to = env["mail.thread"]._notify_get_reply_to(default=email_from)
    return author_id, email_from, reply_to[False]


def tracking_change(formatted):
    """(field label, old value, new value) of one tracking value as
    mail.tracking.value's _tracking_value_format gives it: Odoo 19 moved the
    label under fieldInfo and gives the values themselves."""
    if ODOO_19:
        return (
            formatted["fieldInfo"]["changedField"],
            formatted["oldValue"],
            formatted["newValue"],
        )
    return (
        formatted["changedField"],
        formatted["oldValue"]["value"],
        formatted["newValue"]["value"],
    )


def uom_ratio(line_factor, product_factor):
    """SQL: how many of the product's unit one of the line's unit makes, from
    the two units' uom_uom.factor (SQL expressions). Odoo 18's factor is the
    unit's count per reference unit (a dozen: 1/12); Odoo 19's is the
    reference units in one of the unit (a dozen: 12)."""
    if ODOO_19:
        return f"{line_factor} / NULLIF({product_factor}, 0)"
    return f"{product_factor} / NULLIF({line_factor}, 0)"


def group_users(group):
    """The users of ``group``, those who have it through another group
    included (Odoo 18's ``users``, Odoo 19's ``all_user_ids``)."""
    return group.all_user_ids if ODOO_19 else group.users


def notify_cron_progress(env, *, done, remaining):
    """Tell Odoo's scheduler how far a call of a scheduled action went (its
    ir.cron.progress of the call: the scheduler calls again while some
    remain), without committing: the scheduler commits after the call.
    Odoo 18's ``ir.cron._notify_progress``; Odoo 19 deprecates it for
    ``_commit_progress``, which commits itself: its progress record is
    written as 18 writes it. Outside a scheduled call, nothing."""
    if not ODOO_19:
        env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return
    progress_id = env.context.get("ir_cron_progress_id")
    if progress_id:
        env["ir.cron.progress"].sudo().browse(progress_id).write(
            {"done": done, "remaining": remaining}
        )
