# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import UserError


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

    rebate_settlement_id = fields.Many2one(
        "rebate.settlement",
        string="Rebate Settlement",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The settlement whose rebate this coupon is.",
    )
    rebate_funded = fields.Boolean(
        string="Funded by Rebates",
        readonly=True,
        copy=False,
        help="Rebates were paid onto this card: what its rewards take off an "
        "order pays the customer's rebate and counts toward no rebate base.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if any(self._get_rebate_fields() & set(vals) for vals in vals_list):
            self._check_rebate_fields_writer()
        return super().create(vals_list)

    def write(self, vals):
        if self._get_rebate_fields() & set(vals):
            self._check_rebate_fields_writer()
        return super().write(vals)

    @api.model
    def _get_rebate_fields(self):
        """What only a rebate's payout sets: a discount of a card funded by
        rebates counts toward no rebate base."""
        return {"rebate_settlement_id", "rebate_funded"}

    def _check_rebate_fields_writer(self):
        if not self.env.su:
            raise UserError(
                self.env._(
                    "Only a rebate settlement's payout marks a card as funded by "
                    "rebates."
                )
            )

    def _send_rebate_coupon_mail(self):
        """Mail each rebate coupon to its customer through the queue, with
        this addon's template (what it is worth, until when), from the
        company as the statements are: Loyalty's own coupon mail renders a
        PDF report when it is queued, which a payout must not depend on."""
        template = self.env.ref(
            "rebate_management_sale.mail_template_rebate_coupon",
            raise_if_not_found=False,
        )
        for card in self.filtered("partner_id") if template else ():
            author, email_from = card.rebate_settlement_id._get_statement_sender()
            template.send_mail(
                card.id,
                force_send=False,
                email_layout_xmlid="mail.mail_notification_light",
                email_values={"author_id": author.id, "email_from": email_from},
            )
