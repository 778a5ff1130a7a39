# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tools.sql import column_exists


def migrate(cr, version):
    """An accrual's settlement now follows from its agreement and period: the
    column that stored it is gone (its foreign key and index with it)."""
    if column_exists(cr, "rebate_accrual", "settlement_id"):
        cr.execute("ALTER TABLE rebate_accrual DROP COLUMN settlement_id")
