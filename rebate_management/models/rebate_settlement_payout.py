# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from collections import defaultdict

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date, formatLang

from ..tools import integrator_api


class RebateSettlementPayout(models.Model):
    """How a settlement pays out (``rebate.settlement``): its
    document (a customer credit note for a rebate, a customer invoice for a
    claw-back), and what follows the credit note by the agreement's payout
    method: nothing (the customer's credit), an offset against the
    customer's oldest open invoices, or a payment from a bank journal. All of
    it through Odoo's accounting (reconciliation, the payment register)."""

    _inherit = "rebate.settlement"

    document_id = fields.Many2one(
        "account.move",
        readonly=True,
        copy=False,
        check_company=True,
        help="What pays the settlement out: the customer credit note of a "
        "rebate, or the customer invoice of a negative one (a claw-back).",
    )
    # Deprecated alias: the document was ``credit_note_id`` before 18.0.1.3
    # (a claw-back's document is an invoice); integrators' scripts that read
    # it keep working. To be removed in 19.0: read ``document_id``.
    credit_note_id = fields.Many2one(
        related="document_id",
        string="Credit Note (deprecated)",
        help="Deprecated: the settlement's document, as Document (document_id).",
    )
    payout_payment_id = fields.Many2one(
        "account.payment",
        readonly=True,
        copy=False,
        help="Bank payout: the payment to the customer that settled the credit "
        "note.",
    )

    @integrator_api
    def action_create_credit_note(self):
        """Pay the approved settlements out: a customer credit note for a
        rebate, a customer invoice for a negative one (claw-back), nothing
        for zero; the settlements are then done. The name stays that of the
        first version, which integrators call."""
        self._check_accountant(self.env._("create rebate credit notes"))
        for settlement in self:
            if settlement.state != "approved":
                raise UserError(
                    self.env._(
                        "Settlement %(name)s must be approved before its credit note "
                        "or invoice is created.",
                        name=settlement.name,
                    )
                )
        self._check_credit_hold()
        zero = self.filtered(lambda s: s.currency_id.is_zero(s.rebate_total))
        zero._write_workflow({"state": "done"})
        to_credit = self - zero
        if not to_credit:
            return True
        to_credit._create_documents()
        to_credit._pay_out()
        to_credit._write_workflow({"state": "done"})
        to_credit._send_statements()
        return True

    def _create_documents(self):
        """Create and post the settlements' accounting documents, in one
        batch, and link each to its settlement. A settlement whose payout
        books nothing (``_prepare_document_vals`` returns no values: points
        on a loyalty card, say) is left without a document."""
        vals_by_settlement = {s: s._prepare_document_vals() for s in self}
        documented = self.filtered(lambda s: vals_by_settlement[s])
        if not documented:
            return
        moves = (
            self.env["account.move"]
            ._rebate_workflow()
            .create([vals_by_settlement[s] for s in documented])
            .with_env(self.env)
        )
        moves.action_post()
        # each settlement its document, through the ORM (company check, write
        # stamps, caches); Odoo's flush writes them in batches
        linking = documented.with_context(tracking_disable=True)._rebate_workflow()
        for settlement, move in zip(linking, moves, strict=True):
            settlement.document_id = move

    def action_view_document(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.document_id.id,
            "view_mode": "form",
        }

    def _prepare_document_vals(self):
        """The values of the settlement's accounting document, by the
        agreement's payout method: a credit note (or a claw-back invoice)
        here; a payout method that books the rebate otherwise (a journal
        entry to a balance, say) overrides it for its settlements, and one
        that books nothing returns an empty dict."""
        self.ensure_one()
        return self._prepare_credit_note_vals()

    def _prepare_credit_note_vals(self):
        """The values of the settlement's document: a customer credit note
        for a rebate, a customer invoice for a negative one (claw-back), for
        the amount, in the agreement's journal."""
        self.ensure_one()
        agreement = self.agreement_id
        return {
            "move_type": self._get_document_move_type(self.is_negative),
            "partner_id": agreement.partner_id.id,
            "company_id": self.company_id.id,
            "journal_id": agreement.journal_id.id,
            "currency_id": self.currency_id.id,
            "invoice_date": fields.Date.context_today(self),
            "invoice_origin": self.name,
            "ref": self._get_document_label(),
            "rebate_settlement_id": self.id,
            "invoice_line_ids": [
                Command.create(vals) for vals in self._prepare_document_line_vals()
            ],
        }

    def _get_document_move_type(self, negative):
        """The move type of a document paying a rebate (a claw-back when
        ``negative``): a customer credit note, or a customer invoice."""
        return "out_invoice" if negative else "out_refund"

    def _prepare_document_line_vals(self):
        """The lines of the settlement's document: the rebate (adjustments
        included) and, apart, the penalty deducted from it, signed for the
        document (a credit note credits the rebate; a claw-back invoice
        charges what the rebate does not cover)."""
        self.ensure_one()
        agreement = self.agreement_id
        sign = -1.0 if self.is_negative else 1.0
        rebate = self.currency_id.round(self.rebate_total + self.penalty_total)
        lines = []
        if not self.currency_id.is_zero(rebate) or self.currency_id.is_zero(
            self.penalty_total
        ):
            lines.append(
                {
                    "product_id": agreement.rebate_product_id.id,
                    "name": self._get_document_label(),
                    "quantity": 1.0,
                    "price_unit": sign * rebate,
                }
            )
        if not self.currency_id.is_zero(self.penalty_total):
            lines.append(
                {
                    "product_id": agreement.penalty_product_id.id,
                    "name": self._get_penalty_label(),
                    "quantity": 1.0,
                    "price_unit": -sign * self.penalty_total,
                }
            )
        return lines

    def _get_customer_env(self):
        """The environment in the customer's language, for what the
        customer reads (the document's labels)."""
        self.ensure_one()
        return self.with_context(lang=self.partner_id.lang or self.env.lang).env

    def _get_penalty_label(self):
        """The label of the penalty's line, in the customer's language."""
        env = self._get_customer_env()
        return env._(
            "Penalty: committed %(commitment)s, reached %(base)s",
            commitment=formatLang(env, self.agreement_id.commitment_base),
            base=formatLang(env, self.base_cumulative),
        )

    def _get_document_label(self):
        """The label of the settlement's document and its line, dates in the
        customer's language."""
        env = self._get_customer_env()
        lang = env.lang
        values = {
            "agreement": self.agreement_id.name,
            "date_from": format_date(env, self.date_from, lang_code=lang),
            "date_to": format_date(env, self.date_to, lang_code=lang),
        }
        if self.is_negative and self.penalty_total:
            return env._(
                "Rebate and penalty %(agreement)s, %(date_from)s - %(date_to)s",
                **values,
            )
        if self.is_negative:
            return env._(
                "Rebate claw-back %(agreement)s, %(date_from)s - %(date_to)s",
                **values,
            )
        return env._("Rebate %(agreement)s, %(date_from)s - %(date_to)s", **values)

    def _pay_out(self):
        """After the documents are posted: offset or pay the credit notes of
        the agreements whose payout method says so. Claw-back invoices are
        left for the customer to pay."""
        by_method = defaultdict(lambda: self.browse())
        for settlement in self.filtered(lambda s: not s.is_negative):
            by_method[settlement.agreement_id.payout_method] |= settlement
        for method, settlements in by_method.items():
            getattr(settlements, f"_pay_out_{method}")()

    def _pay_out_credit_note(self):
        """The credit note stays open: the customer's credit, used as they
        and the accountant see fit."""
        return True

    def _pay_out_offset(self):
        """Reconcile each credit note with its customer's oldest open
        invoices (by due date), as far as it goes; a credit note left open
        (no open invoice, or not enough) says so in its settlement's chatter."""
        for settlement in self:
            for document, customer in settlement._get_payout_documents():
                settlement._offset_document(document, customer)

    def _offset_document(self, document, customer):
        """Reconcile the credit note ``document`` of this settlement with
        ``customer``'s oldest open invoices, as far as it goes."""
        self.ensure_one()
        credit = self._get_document_receivable_lines(document)
        invoices = self._get_open_invoice_lines(credit, customer)
        to_reconcile = self.env["account.move.line"]
        # in the documents' currency, the settlement's; what the company owes
        # positive (a customer's credit note credits its receivable, a
        # supplier's refund debits the payable)
        sign = self._get_document_balance_sign()
        remaining = -sign * sum(credit.mapped("amount_residual_currency"))
        for line in invoices:
            if self.currency_id.compare_amounts(remaining, 0.0) <= 0:
                break
            to_reconcile |= line
            remaining -= sign * line.amount_residual_currency
        if to_reconcile:
            (credit | to_reconcile).reconcile()
        if not credit.reconciled:
            self._message_log(
                body=self.env._(
                    "Offset: %(amount)s of the credit note is left to the "
                    "customer's credit, for want of open invoices.",
                    amount=formatLang(
                        self.env,
                        -sign * sum(credit.mapped("amount_residual_currency")),
                        currency_obj=self.currency_id,
                    ),
                )
            )

    def _get_documents(self):
        """The accounting documents that paid this settlement out: its
        document (a buying group split among its members: one per share)."""
        self.ensure_one()
        return self.document_id

    def _get_payout_documents(self):
        """[(credit note, customer)]: what pays this settlement out and to
        whom, for the payout methods that go on from the credit note (offset,
        bank): its document, to its customer."""
        self.ensure_one()
        if not self.document_id:
            return []
        return [(self.document_id, self.partner_id)]

    def _pay_out_bank(self):
        """Pay each credit note to the customer from the agreement's payout
        journal, through Odoo's payment register (one payment per credit
        note, reconciled with it)."""
        by_journal = defaultdict(lambda: self.browse())
        for settlement in self:
            by_journal[settlement.agreement_id.payout_journal_id] |= settlement
        for journal, settlements in by_journal.items():
            paid = [
                (settlement, document)
                for settlement in settlements
                for document, _customer in settlement._get_payout_documents()
            ]
            if not paid:
                continue
            credit_notes = self.env["account.move"].union(*(d for _s, d in paid))
            register = (
                self.env["account.payment.register"]
                .with_context(active_model="account.move", active_ids=credit_notes.ids)
                .create(settlements._prepare_payout_register_vals(journal))
            )
            payments = register._create_payments()
            for settlement, document in paid:
                settlement._rebate_workflow()._link_payout_payment(
                    document,
                    payments.filtered(
                        lambda p, d=document: d
                        in (p.reconciled_invoice_ids | p.reconciled_bill_ids)
                    )[:1],
                )

    def _link_payout_payment(self, document, payment):
        """Say which ``payment`` paid this settlement's credit note
        ``document`` out."""
        self.ensure_one()
        if document == self.document_id:
            self.payout_payment_id = payment

    def _prepare_payout_register_vals(self, journal):
        """The payment register's values of a bank payout from ``journal``."""
        return {
            "journal_id": journal.id,
            "payment_date": fields.Date.context_today(self),
            "group_payment": False,
        }

    def _get_document_receivable_lines(self, document=None):
        """The open receivable lines of ``document``, the settlement's own by
        default."""
        self.ensure_one()
        document = document or self.document_id
        account_type = self._get_document_account_type()
        return document.line_ids.filtered(
            lambda line: line.account_id.account_type == account_type
            and not line.reconciled
        )

    def _get_document_account_type(self):
        """The account type of the line of a document that offsets: the
        customer's receivable."""
        return "asset_receivable"

    def _get_document_balance_sign(self):
        """1 when the documents' receivable or payable lines read what the
        customer owes as a debit (customer documents), -1 when they read what
        the company owes the partner as a debit (supplier documents)."""
        return 1

    def _get_open_invoice_type(self):
        """The move type of the open documents a credit note offsets."""
        return "out_invoice"

    def _get_open_invoice_lines(self, credit_lines, customer=None):
        """The open receivable lines of the posted invoices of ``customer``
        (the settlement's by default) on the credit note's account and
        currency, oldest due first."""
        self.ensure_one()
        customer = customer or self.partner_id
        return self.env["account.move.line"].search(
            [
                ("company_id", "=", self.company_id.id),
                (
                    "partner_id.commercial_partner_id",
                    "=",
                    customer.commercial_partner_id.id,
                ),
                ("account_id", "in", credit_lines.account_id.ids),
                ("currency_id", "=", self.currency_id.id),
                ("parent_state", "=", "posted"),
                ("move_id.move_type", "=", self._get_open_invoice_type()),
                ("reconciled", "=", False),
                (
                    "amount_residual",
                    ">" if self._get_document_balance_sign() > 0 else "<",
                    0.0,
                ),
            ],
            order="date_maturity, date, id",
        )
