# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models
from odoo.tools import format_date, formatLang


class RebateStatementXlsx(models.AbstractModel):
    _inherit = "rebate.statement.xlsx"

    @api.model
    def _get_document_text(self, settlement):
        """A rebate paid into the balance says so, with its expiry; one paid
        in points or as a coupon says how much and where."""
        if settlement.agreement_id._pays_in_loyalty() and settlement.state == "done":
            return self._get_loyalty_text(settlement)
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
        return text + self._get_invoiced_text(settlement)

    @api.model
    def _get_invoiced_text(self, settlement):
        """The claw-back invoice of what the balance or card did not cover."""
        document = settlement.sudo().document_id
        if document.move_type != "out_invoice":
            return ""
        return "; " + self.env._(
            "invoiced: %(amount)s (%(number)s)",
            amount=formatLang(
                self.env, document.amount_total, currency_obj=document.currency_id
            ),
            number=document.name,
        )

    @api.model
    def _get_loyalty_text(self, settlement):
        """Points added to (or taken from) the card, or the coupon made."""
        points = f"{abs(settlement.loyalty_points):g}"
        if settlement.is_negative:
            text = self.env._(
                "Taken back from your loyalty points: %(points)s points",
                points=points,
            )
            return text + self._get_invoiced_text(settlement)
        coupon = settlement.sudo().loyalty_card_ids[:1]
        if not coupon:
            return self.env._(
                "Added to your loyalty card: %(points)s points", points=points
            )
        text = self.env._(
            "Given as coupon %(code)s, worth %(value)s",
            code=coupon.code,
            value=self._get_coupon_worth(settlement),
        )
        if coupon.expiration_date:
            text += ", " + self.env._(
                "valid until %(date)s",
                date=format_date(self.env, coupon.expiration_date),
            )
        return text

    @api.model
    def _get_coupon_worth(self, settlement):
        """What a rebate coupon is worth: the rebate, or the free product."""
        reward = settlement.agreement_id.sudo()._get_coupon_reward()
        if reward.reward_type == "product":
            return reward.description
        return formatLang(
            self.env, settlement.rebate_total, currency_obj=settlement.currency_id
        )
