# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
import base64

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..rebate_maths import split_amount
from ..tools import integrator_api

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RebateSettlementStatement(models.Model):
    """What a settlement's statement shows (``rebate.settlement``):
    the lines it counted and the rebate spread over them, the share of each
    invoice that counted under a payment condition, the late documents it
    carries, the tier reached; and its Excel export."""

    _inherit = "rebate.settlement"

    @integrator_api
    @api.readonly
    def export_xlsx(self):
        """The rebate statement of these settlements as an .xlsx file, base64
        encoded (text, as XML-RPC and JSON-RPC carry it): one sheet per
        settlement, plus a summary sheet when there are several."""
        return base64.b64encode(self._get_statement_xlsx()).decode()

    def _get_statement_xlsx(self):
        """The statement workbook of these settlements (bytes)."""
        self.check_access("read")
        return self.env["rebate.statement.xlsx"]._get_workbook(self)

    def action_export_xlsx(self):
        return {
            "type": "ir.actions.act_url",
            "url": "/rebate_management/statement?ids="
            + ",".join(str(settlement_id) for settlement_id in self.ids),
            "target": "download",
        }

    def _send_statements(self):
        """Send each settlement's statement to its customer, once its document
        is created: a message posted on the settlement to the customer, from
        the mail template ``mail_template_settlement_statement`` (in the
        customer's language, through Odoo's mail queue), with the workbook
        attached and a link to the agreement's portal page. Agreements whose
        ``send_statement`` is off are left out."""
        to_send = self.filtered(
            lambda s: s.agreement_id.send_statement and s._get_statement_template()
        )
        if not to_send:
            return
        attachments = self.env["ir.attachment"].create(
            [settlement._prepare_statement_attachment_vals() for settlement in to_send]
        )
        # queued, not sent inside the accountant's request: the mail cron
        # sends them (a payout run can mail hundreds of customers)
        to_send = to_send.with_context(mail_notify_force_send=False)
        for settlement, attachment in zip(to_send, attachments, strict=True):
            settlement._post_statement(settlement._get_statement_template(), attachment)

    def _get_statement_template(self):
        """The mail template of this settlement's statement: a payout method
        that pays otherwise than by credit note says so in its own."""
        self.ensure_one()
        return self.env.ref(
            "rebate_management.mail_template_settlement_statement",
            raise_if_not_found=False,
        )

    def _post_statement(self, template, attachment):
        """Post the statement to the customer from the company (never from
        the accountant, whose address may be missing): a statement that
        cannot be posted is noted on the settlement, and never undoes the
        document it follows."""
        self.ensure_one()
        author, email_from = self._get_statement_sender()
        if not email_from:
            self._message_log(
                body=self.env._(
                    "The statement was not mailed: %(company)s has no email "
                    "address to send it from (Settings > Companies).",
                    company=self.company_id.name,
                )
            )
            return
        try:
            with self.env.cr.savepoint():
                self.message_post_with_source(
                    template,
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                    attachment_ids=attachment.ids,
                    author_id=author.id,
                    email_from=email_from,
                )
        except (UserError, ValidationError) as error:
            self._message_log(
                body=self.env._(
                    "The statement was not mailed: %(error)s", error=str(error)
                )
            )

    def _get_statement_sender(self):
        """(author, email from) of the statement mail: the company's (see
        res.company._get_rebate_mail_sender)."""
        self.ensure_one()
        return self.company_id._get_rebate_mail_sender()

    def _prepare_statement_attachment_vals(self):
        self.ensure_one()
        return {
            "name": self.env["rebate.statement.xlsx"]._get_filename(self),
            "raw": self._get_statement_xlsx(),
            "mimetype": XLSX_MIMETYPE,
            "res_model": self._name,
            "res_id": self.id,
        }

    def _get_taken_statement_lines(self):
        """The lines the agreement matches in the settlement's period that
        another agreement takes (exclusive, or first in a stacking group):
        dicts of ``date``, ``move_name``, ``product_name``, ``amount``
        (signed, untaxed, in the document's ``currency``) and ``taken_by``
        (the agreement that counts them)."""
        self.ensure_one()
        rows = self.env["rebate.line.query"]._query_taken_lines(
            [(self.agreement_id.id, self.date_from, self.date_to)]
        )
        Line = self.env["account.move.line"].sudo()
        Agreement = self.env["rebate.agreement"].sudo()
        taken = [
            (Line.browse(line_id), amount, Agreement.browse(taker_id))
            for _ag_id, _start, line_id, amount, taker_id in rows
        ]
        taken.sort(key=lambda row: (row[0].move_id.invoice_date, row[0].id))
        return [
            {
                "date": line.move_id.invoice_date,
                "move_name": line.move_id.name,
                "product_name": line.product_id.display_name,
                "amount": amount,
                "currency": line.move_id.currency_id,
                "taken_by": taker.display_name,
            }
            for line, amount, taker in taken
        ]

    def _get_statement_lines(self):
        """The invoice and refund lines the settlement counted: its accruals.

        :return: list of dicts, in date order: ``date``, ``move_name``,
            ``product_name``, ``quantity`` (signed, product unit), ``amount``
            (signed untaxed amount in the agreement currency), ``base``
            (signed, basis units) and ``rebate`` (the settlement's rebate
            spread over the lines in proportion to their base: the column adds
            up to ``rebate_total`` before the penalty and late documents).
        """
        self.ensure_one()
        accruals = self.sudo().accrual_ids.sorted(
            lambda a: (a.date, a.move_id.id, a.id)
        )
        lines = [
            {
                "date": accrual.date,
                "move_name": accrual.move_id.name,
                "product_name": accrual.product_id.display_name,
                "quantity": accrual.quantity,
                "amount": accrual.sales_amount,
                "base": accrual.base,
            }
            for accrual in accruals
        ]
        self._add_payment_shares(lines, accruals)
        # the late documents a settlement carries are shown apart
        # (_get_late_statement_lines), but in an adjustment settlement
        # (and the penalty on its own row: the lines earned the rebate)
        own_rebate = self.rebate_total + self.penalty_total
        if not self.is_adjustment:
            own_rebate -= self.adjustment_total
        rebates = split_amount(
            own_rebate,
            [line["base"] * line.get("share", 1.0) for line in lines],
            self.currency_id.rounding,
        )
        for line, rebate in zip(lines, rebates, strict=True):
            line["rebate"] = rebate
        return lines

    def _add_payment_shares(self, lines, accruals):
        """With a payment condition, each statement line's ``share`` (of its
        invoice paid by its cutoff: due date plus grace days, or today for
        "paid") and ``reason``, as the settlement counted it."""
        terms = self.agreement_id._get_terms()
        if terms.payment_condition == "none":
            return
        Lines = self.env["rebate.line.query"]
        today = fields.Date.context_today(self)
        invoices = accruals.move_id.filtered(lambda m: m.move_type == "out_invoice")
        cutoffs = {
            move.id: Lines._get_payment_cutoff(
                terms, move.invoice_date_due or move.invoice_date, today
            )
            for move in invoices
        }
        shares = Lines._get_paid_shares(cutoffs)
        for line, accrual in zip(lines, accruals, strict=True):
            move = accrual.move_id
            if move.move_type == "out_refund":
                line["share"], line["reason"] = (
                    1.0,
                    self.env._("Refund: counts in full"),
                )
                continue
            share = shares.get(move.id, 0.0)
            date = format_date(self.env, cutoffs[move.id])
            line["share"] = share
            if share >= 1.0:
                line["reason"] = self.env._("Paid by %(date)s", date=date)
            elif share > 0.0:
                line["reason"] = self.env._(
                    "%(percent)s %% paid by %(date)s",
                    percent=round(share * 100, 2),
                    date=date,
                )
            else:
                line["reason"] = self.env._("Not paid by %(date)s", date=date)

    def _get_reached_tier(self):
        """The tier whose rate applies to the period's base (a flat
        agreement's only tier; else the highest reached, possibly none), as
        the rebate computes it (rebate.agreement._get_period_rebate)."""
        self.ensure_one()
        agreement = self.agreement_id.sudo()
        tiers = agreement.tier_ids.sorted("threshold")
        index = agreement._get_period_rebate(
            self.base_cumulative if self.is_interim else self.base_total,
            [(tier.threshold, tier._get_tier_value()) for tier in tiers],
            agreement._get_terms()._replace(prior_base=self.base_prior),
        ).tier_index
        return tiers[index] if index is not None else tiers.browse()

    def _get_late_statement_lines(self):
        """The late documents this settlement carries, with the period they
        belong to: list of dicts ``date``, ``move_name``, ``period_from``,
        ``period_to``, ``base`` and ``rebate`` (what each accrued)."""
        self.ensure_one()
        accruals = self.sudo().late_accrual_ids.sorted(
            lambda a: (a.date, a.move_id.id, a.id)
        )
        return [
            {
                "date": accrual.date,
                "move_name": accrual.move_id.name,
                "period_from": accrual.late_settlement_id.date_from,
                "period_to": accrual.late_settlement_id.date_to,
                "base": accrual.base,
                "rebate": accrual.amount,
            }
            for accrual in accruals
        ]
