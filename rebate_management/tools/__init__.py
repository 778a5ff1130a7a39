# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Helpers of the engine, by concern: dates, bulk inserts, SQL tables of
values and chatter rows in bulk. Imported by name from ``..tools``."""

from .bulk_insert import COPY_MIN_ROWS, insert_records, insert_rows
from .chatter import log_notes, write_tracked
from .dates import to_date
from .sql import values_table

__all__ = [
    "COPY_MIN_ROWS",
    "insert_records",
    "insert_rows",
    "log_notes",
    "to_date",
    "values_table",
    "write_tracked",
]
