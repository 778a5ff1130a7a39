# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import values_table
from .rebate_line_query import PERIOD_COLUMNS


class RebateLineQuery(models.AbstractModel):
    """Payment conditions of the counted lines: an agreement that counts its
    invoices once paid (by the settlement's date, or on time) counts each by
    the share of it paid by its cutoff date, and settles a period once its
    invoices are due."""

    _inherit = "rebate.line.query"

    @api.model
    def _add_paid_bases(self, bases, lost, periods, terms, convert, date=None):
        """Add to ``bases`` the bases of ``periods`` whose agreement has a
        payment condition (see _get_period_bases): each invoice by the share
        of it paid by its cutoff date (_get_payment_cutoff, ``date`` today by
        default), refunds in full; what the invoices do not count is added to
        ``lost``. Both are keyed (agreement id, period start)."""
        rows = self._query_move_bases(periods)
        shares = self._get_row_shares(rows, terms, date)
        for ag_id, start, move_id, _type, cur, inv_date, _due, amount, qty, _c in rows:
            share = shares.get(move_id, 1.0)
            base = self._get_row_base(terms[ag_id], cur, inv_date, amount, qty, convert)
            bases[ag_id, start] += base * share
            lost[ag_id, start] += base * (1.0 - share)

    @api.model
    def _get_row_shares(self, rows, terms, date=None):
        """{invoice id: the share of it that counts} of the invoices among
        ``rows`` (_query_move_bases) whose agreement has a payment condition:
        the share paid by its cutoff date (_get_payment_cutoff, ``date``
        today by default). Refunds, and the invoices of agreements without a
        condition, count in full and are not listed."""
        date = date or fields.Date.context_today(self)
        invoice_types = self._get_invoice_move_types()
        cutoffs = {
            move_id: self._get_payment_cutoff(terms[ag_id], due, date)
            for ag_id, _start, move_id, move_type, _cur, _date, due, *_rest in rows
            if move_type in invoice_types and terms[ag_id].payment_condition != "none"
        }
        shares = self._get_paid_shares(cutoffs)
        return {move_id: shares.get(move_id, 0.0) for move_id in cutoffs}

    @api.model
    def _get_payment_cutoff(self, terms, due_date, date):
        """The date by which an invoice's payments count: its due date plus
        the grace days (paid on time), or the settlement's ``date`` (paid)."""
        if terms.payment_condition == "paid_on_time":
            return due_date + timedelta(days=terms.payment_grace_days)
        return date

    @api.model
    def _query_move_bases(self, periods):
        """Rows (agreement, period start, move, move type, currency, invoice
        date, due date, amount, quantity, customer) of the lines that count
        in ``periods``, summed per document: agreements with a payment
        condition count each invoice by the share of it paid, and a buying
        group splits by customer."""
        self.env.flush_all()
        return self.env.execute_query(
            SQL(
                """
                SELECT ag.id, p.date_from, am.id, am.move_type, am.currency_id,
                       am.invoice_date,
                       COALESCE(am.invoice_date_due, am.invoice_date),
                       SUM(%s), SUM(%s), am.commercial_partner_id
                  %s
              GROUP BY 1, 2, 3, 4, 5, 6, 7, 10
                """,
                self._get_line_amount(),
                self._get_line_quantity(),
                self._get_window_lines_from("p", PERIOD_COLUMNS, periods),
            )
        )

    @api.model
    def _get_paid_shares(self, cutoffs):
        """{invoice id: the share of it paid by its cutoff date}, between 0
        and 1: what was reconciled with its receivable (a customer invoice)
        or payable (a vendor bill), in its currency, by payments and credit
        notes dated (the counterpart's date) on or before ``cutoffs[invoice
        id]``; the rebate's own documents do not pay."""
        # Over 50 lines, one of the three the review allows: nearly all of
        # it is one SQL statement (the paid share of every invoice at once),
        # which reads better whole than cut into fragments.
        if not cutoffs:
            return {}
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT c.move_id,
                       (SELECT ABS(SUM(l.amount_currency))
                          FROM account_move_line l
                          JOIN account_account acc ON acc.id = l.account_id
                         WHERE l.move_id = c.move_id
                           AND acc.account_type IN %(accounts)s),
                       (SELECT SUM(paid.amount)
                          FROM account_move_line l
                          JOIN account_account acc ON acc.id = l.account_id
                          -- an invoice's receivable is debited, a bill's
                          -- payable credited: paid by the other side
                          CROSS JOIN LATERAL (
                                SELECT apr.credit_move_id AS other_id,
                                       apr.debit_amount_currency AS amount
                                  FROM account_partial_reconcile apr
                                 WHERE apr.debit_move_id = l.id
                                UNION ALL
                                SELECT apr.debit_move_id,
                                       apr.credit_amount_currency
                                  FROM account_partial_reconcile apr
                                 WHERE apr.credit_move_id = l.id) paid
                          JOIN account_move_line cl ON cl.id = paid.other_id
                          JOIN account_move cm ON cm.id = cl.move_id
                         WHERE l.move_id = c.move_id
                           AND acc.account_type IN %(accounts)s
                           AND cm.rebate_settlement_id IS NULL
                           AND cl.date <= c.cutoff)
                  FROM %(cutoffs)s
                """,
                accounts=tuple(self._get_paid_account_types()),
                cutoffs=values_table(
                    "c",
                    (("move_id", "int4"), ("cutoff", "date")),
                    list(cutoffs.items()),
                ),
            )
        )
        return {
            move_id: min(max(float(paid or 0.0) / float(total), 0.0), 1.0)
            if total
            else 1.0
            for move_id, total, paid in rows
        }

    @api.model
    def _get_paid_account_types(self):
        """The account types of the invoice lines whose reconciliation pays
        an invoice (payment conditions): a customer invoice's receivable, a
        vendor bill's payable."""
        return ("asset_receivable", "liability_payable")

    @api.model
    def _get_unripe_periods(self, periods, terms, date):
        """Those of ``periods`` ((agreement id, date from, date to)) with a
        payment condition whose invoices are not all due by ``date``, grace
        days included: {(agreement id, date from): the date the last is due,
        grace days included}. Their settlement waits until then."""
        conditional = [p for p in periods if terms[p[0]].payment_condition != "none"]
        if not conditional:
            return {}
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT ag.id, p.date_from,
                       MAX(COALESCE(am.invoice_date_due, am.invoice_date))
                  %s AND am.move_type IN %s
              GROUP BY 1, 2
                """,
                self._get_window_lines_from("p", PERIOD_COLUMNS, conditional),
                tuple(self._get_invoice_move_types()),
            )
        )
        ripe_on = {
            (ag_id, start): last_due + timedelta(days=terms[ag_id].payment_grace_days)
            for ag_id, start, last_due in rows
        }
        return {key: ripe for key, ripe in ripe_on.items() if ripe > date}
