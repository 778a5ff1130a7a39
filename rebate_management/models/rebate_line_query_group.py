# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from collections import defaultdict

from odoo import api, models

from ..rebate_maths import round_base


class RebateLineQuery(models.AbstractModel):
    """Buying groups: the base of each customer of a group agreement, for
    splitting the group's rebate (rebate.settlement.share). The same counted
    lines as the group's own base, through the same query, per customer."""

    _inherit = "rebate.line.query"

    @api.model
    def _get_customer_bases(self, periods, terms, date=None):
        """{(agreement id, period start): {customer id: base}} of
        ``periods`` ((agreement id, date from, date to)): each customer's
        part of the period's base (_get_period_bases), counted by the same
        rules, payment conditions included (``date``: as there)."""
        if not periods:
            return {}
        convert = self._get_amount_converter()
        rows = self._query_move_bases(periods)
        shares = self._get_row_shares(rows, terms, date)
        bases = defaultdict(float)
        for (
            ag_id,
            start,
            move_id,
            _type,
            cur,
            inv_date,
            _due,
            amount,
            qty,
            cust,
        ) in rows:
            base = self._get_row_base(terms[ag_id], cur, inv_date, amount, qty, convert)
            bases[ag_id, start, cust] += base * shares.get(move_id, 1.0)
        result = defaultdict(dict)
        for (ag_id, start, customer), base in bases.items():
            result[ag_id, start][customer] = round_base(
                base, terms[ag_id].basis, terms[ag_id].currency.rounding
            )
        return dict(result)
