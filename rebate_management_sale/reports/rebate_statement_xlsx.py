# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models
from odoo.tools import format_date, formatLang


class RebateStatementXlsx(models.AbstractModel):
    _inherit = "rebate.statement.xlsx"

    @api.model
    def _get_document_text(self, settlement):
        """A rebate paid into the balance says so, with its expiry."""
        taken = settlement.sudo().balance_debit_ids
        if settlement.is_negative and taken:
            return self._get_clawback_text(settlement, sum(taken.mapped("amount")))
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

    @api.model
    def _get_clawback_text(self, settlement, taken):
        """A claw-back taken from the balance: that part, and the invoice of
        the rest if any."""
        currency = settlement.company_id.currency_id
        text = self.env._(
            "Taken back from your rebate balance: %(amount)s",
            amount=formatLang(self.env, taken, currency_obj=currency),
        )
        document = settlement.sudo().document_id
        if document.move_type == "out_invoice":
            text += "; " + self.env._(
                "invoiced: %(amount)s (%(number)s)",
                amount=formatLang(
                    self.env, document.amount_total, currency_obj=document.currency_id
                ),
                number=document.name,
            )
        return text
