# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class AccountJournal(models.Model):
    _inherit = "account.journal"

    is_rebate_journal = fields.Boolean(
        string="Rebate Journal",
        readonly=True,
        copy=False,
        help="Created by the rebate module for the documents of the rebates "
        "(customer credit notes, or vendor refunds), with its posted entries "
        "secured by hash; new agreements default to it.",
    )
