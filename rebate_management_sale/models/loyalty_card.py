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
        """Odoo mails a new card by its program's plan at creation; a rebate
        coupon of a program without one is mailed with the card's default
        template (Sales': Loyalty's coupon mail), through the queue, as the
        plan would be."""
        for card in self.filtered(
            lambda c: c.partner_id and not c._has_creation_plan()
        ):
            template = card._get_default_template()
            if not template:
                continue
            author = card._get_mail_author()
            template.send_mail(
                card.id,
                force_send=False,
                email_layout_xmlid="mail.mail_notification_light",
                email_values={
                    "author_id": author.id,
                    "email_from": author.email_formatted,
                },
            )

    def _has_creation_plan(self):
        self.ensure_one()
        return bool(
            self.program_id.communication_plan_ids.filtered(
                lambda plan: plan.trigger == "create"
            )
        )
