# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models
from odoo.tools import format_date, formatLang


class RebateStatementXlsx(models.AbstractModel):
    _inherit = "rebate.statement.xlsx"

    @api.model
    def _get_document_text(self, settlement):
        """A rebate paid into the balance says so, with its expiry."""
        credit = settlement.sudo().balance_credit_ids[:1]
        if not credit:
            return super()._get_document_text(settlement)
        amount = formatLang(self.env, credit.amount, currency_obj=credit.currency_id)
        if credit.date_expiry:
            return self.env._(
                "Paid into your rebate balance: %(amount)s, to spend on your "
                "next orders until %(date)s",
                amount=amount,
                date=format_date(self.env, credit.date_expiry),
            )
        return self.env._(
            "Paid into your rebate balance: %(amount)s, to spend on your next "
            "orders",
            amount=amount,
        )
