# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Helpers of the engine, by concern: dates, bulk inserts, SQL tables of
values, chatter rows in bulk, the actions buttons return, a simulation's
customers, the integrators' API mark, what differs between Odoo 18 and 19
(compat). Imported by name from ``..tools``."""

from .actions import (
    list_action,
    notification_action,
    soft_reload_action,
    wizard_action,
    xml_action,
)
from .api import integrator_api, is_integrator_api
from .bulk_insert import COPY_MIN_ROWS, insert_records, insert_rows
from .chatter import log_notes, write_tracked
from .compat import (
    ODOO_19,
    group_users,
    note_author,
    notify_cron_progress,
    returns_records,
    tracking_change,
    uom_ratio,
)
from .dates import to_date
from .simulation import Simulated
from .sql import array_literal, values_table, without_jit

__all__ = [
    "COPY_MIN_ROWS",
    "array_literal",
    "ODOO_19",
    "Simulated",
    "group_users",
    "insert_records",
    "integrator_api",
    "is_integrator_api",
    "insert_rows",
    "list_action",
    "log_notes",
    "note_author",
    "notify_cron_progress",
    "notification_action",
    "returns_records",
    "soft_reload_action",
    "to_date",
    "tracking_change",
    "uom_ratio",
    "values_table",
    "without_jit",
    "wizard_action",
    "write_tracked",
    "xml_action",
]
