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
