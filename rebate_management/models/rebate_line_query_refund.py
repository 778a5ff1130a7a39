# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from bisect import bisect_left
from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL

from .rebate_line_query import PERIOD_COLUMNS


class RebateLineQuery(models.AbstractModel):
    """The refunds alone among the counted lines: what a customer returned in
    a window after a period (the return alert of rebate.settlement.risk),
    summed over the few windows where the customer has a refund at all."""

    _inherit = "rebate.line.query"

    @api.model
    def _get_refund_bases(self, windows, terms):
        """{(agreement id, date from): base} of the refunds alone that count
        in ``windows`` (agreement id, date from, date to): negative, summed
        in one query (refunds count in full, whatever the payment
        condition), over the windows where the customer has a refund at
        all (_get_refund_windows)."""
        windows = self._get_refund_windows(windows, terms)
        if not windows:
            return {}
        rows = self.env.execute_query(
            SQL(
                """
                SELECT ag.id, p.date_from, am.currency_id,
                       CASE WHEN am.currency_id != ag.currency_id
                            THEN am.invoice_date END,
                       SUM(%s), SUM(%s)
                  %s
                   AND am.move_type IN %s
              GROUP BY 1, 2, 3, 4
                """,
                self._get_line_amount(),
                self._get_line_quantity(),
                self._get_window_lines_from("p", PERIOD_COLUMNS, windows),
                tuple(self._get_refund_move_types()),
            )
        )
        bases = defaultdict(float)
        self._add_row_bases(bases, rows, terms, self._get_amount_converter())
        return self._round_bases(bases, terms)

    @api.model
    def _get_refund_windows(self, windows, terms):
        """Those of ``windows`` in which their agreement's customer has a
        posted refund, whatever its lines: one small query of the refunds'
        days, so that the refunds' lines are summed over a few windows, not
        over every period checked."""
        if not windows:
            return []
        self.env.flush_all()
        days = defaultdict(list)
        for partner_id, company_id, day in self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT am.commercial_partner_id, am.company_id,
                       am.invoice_date
                  FROM account_move am
                 WHERE am.move_type IN %s
                   AND am.state = 'posted'
                   AND am.commercial_partner_id = ANY(%s)
                   AND am.invoice_date BETWEEN %s AND %s
                """,
                tuple(self._get_refund_move_types()),
                list({terms[window[0]].commercial_partner_id for window in windows}),
                min(window[1] for window in windows),
                max(window[2] for window in windows),
            )
        ):
            days[partner_id, company_id].append(day)
        for customer_days in days.values():
            customer_days.sort()

        def has_refund(window):
            customer = terms[window[0]]
            # (the customer's first refund day on or after the window's start)
            customer_days = days.get(
                (customer.commercial_partner_id, customer.company_id), ()
            )
            index = bisect_left(customer_days, window[1])
            return index < len(customer_days) and customer_days[index] <= window[2]

        return [window for window in windows if has_refund(window)]
