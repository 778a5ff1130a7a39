# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import Command, models
from odoo.tools import format_date


class RebateSettlementGroupPayout(models.Model):
    """Buying groups split among the members (``rebate.settlement``): each
    share with an amount is paid by a document of its own, to its customer
    (a credit note, an invoice when negative), in one batch for all; the
    agreement's payout method then goes on from each credit note (offset
    against that customer's open invoices, or a bank payment to it)."""

    _inherit = "rebate.settlement"

    def _is_split_among_members(self):
        self.ensure_one()
        return self.is_buying_group and self.group_payout == "members"

    def _create_documents(self):
        split = self.filtered(lambda s: s._is_split_among_members())
        if split:
            split._create_share_documents()
        return super(RebateSettlementGroupPayout, self - split)._create_documents()

    def _create_share_documents(self):
        """Create and post the documents of these settlements' shares, in one
        batch, and link each to its share."""
        shares = self.share_ids.filtered(
            lambda share: not share.currency_id.is_zero(share.amount)
        )
        if not shares:
            return
        moves = (
            self.env["account.move"]
            ._rebate_workflow()
            .create(
                [
                    share.settlement_id._prepare_share_document_vals(share)
                    for share in shares
                ]
            )
            .with_env(self.env)
        )
        moves.action_post()
        for share, move in zip(shares.sudo(), moves, strict=True):
            share.document_id = move

    def _prepare_share_document_vals(self, share):
        """The values of the document paying ``share`` of this settlement:
        the settlement's document (_prepare_credit_note_vals) to the share's
        customer, for the share's amount."""
        self.ensure_one()
        negative = share.currency_id.compare_amounts(share.amount, 0.0) < 0
        label = self._get_share_document_label(share, negative)
        vals = self._prepare_credit_note_vals()
        vals.update(
            move_type=self._get_document_move_type(negative),
            partner_id=share.partner_id.id,
            ref=label,
            invoice_line_ids=[
                Command.create(
                    {
                        "product_id": self.agreement_id.rebate_product_id.id,
                        "name": label,
                        "quantity": 1.0,
                        "price_unit": abs(share.amount),
                    }
                )
            ],
        )
        return vals

    def _get_share_document_label(self, share, negative):
        """The label of a share's document, in its customer's language."""
        env = self.with_context(lang=share.partner_id.lang or self.env.lang).env
        values = {
            "agreement": self.agreement_id.name,
            "date_from": format_date(env, self.date_from, lang_code=env.lang),
            "date_to": format_date(env, self.date_to, lang_code=env.lang),
            "customer": share.partner_id.display_name,
        }
        if negative:
            return env._(
                "Rebate claw-back %(agreement)s, %(date_from)s - %(date_to)s: "
                "share of %(customer)s",
                **values,
            )
        return env._(
            "Rebate %(agreement)s, %(date_from)s - %(date_to)s: share of "
            "%(customer)s",
            **values,
        )

    def _get_documents(self):
        return super()._get_documents() | self.share_ids.document_id

    def _get_payout_documents(self):
        if not self._is_split_among_members():
            return super()._get_payout_documents()
        return [
            (share.document_id, share.partner_id)
            for share in self.share_ids
            if share.document_id.move_type == self._get_document_move_type(False)
        ]

    def _link_payout_payment(self, document, payment):
        share = self.share_ids.filtered(lambda s: s.document_id == document)
        if share:
            share.sudo().payout_payment_id = payment
        return super()._link_payout_payment(document, payment)
