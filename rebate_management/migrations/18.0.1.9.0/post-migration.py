# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Tamper-evident settlements: secure those approved or paid before, in
    the order of their approval, so that each company's chain starts with
    its first settlement approved."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["rebate.settlement"]._secure_existing()
