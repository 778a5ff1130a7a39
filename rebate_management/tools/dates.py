# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields
from odoo.exceptions import UserError


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
