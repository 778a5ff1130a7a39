# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.query import Query

from ..rebate_maths import split_amount
from ..tools import insert_records, to_date

# the domain term that matches nothing
FALSE_LEAF = (0, "=", 1)

# The statement of _lock_agreements (its docstring says why): the agreements
# marked in id order, then per agreement and period start the base accrued
# so far, and its approved or done settlements.
_LOCK_AGREEMENTS = """
       WITH locked AS (
           UPDATE rebate_agreement
              SET write_date = write_date
            WHERE id IN (
                   SELECT id FROM rebate_agreement
                    WHERE id = ANY(%(ids)s)
                 ORDER BY id
                      FOR NO KEY UPDATE)
        RETURNING id
       )
       SELECT locked.id,
              p.period_start,
              (SELECT COALESCE(SUM(a.base), 0)
                 FROM rebate_accrual a
                WHERE a.agreement_id = locked.id
                  AND a.period_start = p.period_start),
              (SELECT json_agg(json_build_array(s.date_from, s.date_to, s.id)
                               ORDER BY s.date_from)
                 FROM rebate_settlement s
                WHERE s.agreement_id = locked.id
                  AND s.state IN ('approved', 'done')
                  AND s.is_adjustment IS NOT TRUE)
         FROM locked
    LEFT JOIN unnest(%(starts)s::date[]) AS p(period_start) ON TRUE
"""


def _settled_accruals(columns, condition=None):
    """SELECT ``columns`` of the accruals that belong to a live settlement
    (alias s): those of its agreement (alias a) dated in its period (a whole
    period, or a part of it for interim settlements)."""
    return SQL(
        """
        SELECT %s
          FROM rebate_accrual a
          JOIN rebate_settlement s
            ON s.agreement_id = a.agreement_id
           AND a.date BETWEEN s.date_from AND s.date_to
         WHERE s.state != 'cancelled' AND s.is_adjustment IS NOT TRUE AND %s
        """,
        columns,
        condition or SQL("TRUE"),
    )


class RebateAccrual(models.Model):
    """The rebate one posted invoice or refund line earns for one agreement.

    Written by the accrual engine on rebate.agreement only; the accruals of
    a period add up to the rebate of that period so far.
    """

    _name = "rebate.accrual"
    _description = "Rebate Accrual"
    _order = "date desc, id desc"
    _check_company_auto = True

    # indexed with period_start by init()
    agreement_id = fields.Many2one(
        "rebate.agreement", required=True, ondelete="cascade", readonly=True
    )
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Invoice Line",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    partner_id = fields.Many2one(
        "res.partner", string="Invoiced Contact", readonly=True
    )
    commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        readonly=True,
        index=True,
        help="The agreement's customer (commercial entity), whichever of its "
        "contacts was invoiced.",
    )
    user_id = fields.Many2one(related="agreement_id.user_id", string="Salesperson")
    product_id = fields.Many2one("product.product", readonly=True)
    date = fields.Date(readonly=True)
    period_start = fields.Date(readonly=True)
    period_end = fields.Date(readonly=True)
    base = fields.Float(
        digits="Product Price",
        readonly=True,
        help="Signed base the line adds to its period (untaxed amount in the "
        "agreement currency, or quantity in the product's unit).",
    )
    sales_amount = fields.Monetary(
        string="Sales",
        readonly=True,
        help="Signed untaxed amount of the line in the agreement currency.",
    )
    quantity = fields.Float(
        digits="Product Unit of Measure",
        readonly=True,
        help="Signed quantity of the line in the product's unit of measure.",
    )
    amount = fields.Monetary(
        string="Rebate", readonly=True, help="Signed rebate the line earns."
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    late_settlement_id = fields.Many2one(
        "rebate.settlement",
        string="Posted After",
        readonly=True,
        index="btree_not_null",
        help="A late document: posted after the settlement of its period (the "
        "last part of it, for interim settlements) was approved. Its effect is "
        "carried into a later settlement.",
    )
    adjustment_settlement_id = fields.Many2one(
        "rebate.settlement",
        string="Carried Into",
        readonly=True,
        index="btree_not_null",
        help="The settlement that carried this late document's effect.",
    )
    settlement_id = fields.Many2one(
        "rebate.settlement",
        compute="_compute_settlement_id",
        search="_search_settlement_id",
        help="The settlement of the accrual's agreement and period, once that "
        "period is closed.",
    )

    counted_share = fields.Float(
        string="Counted",
        compute="_compute_counted_share",
        help="Payment condition: the share of the document that counted in its "
        "settlement (the invoice paid, on time); refunds count in full.",
    )
    counted_base = fields.Float(
        string="Base Counted",
        digits="Product Price",
        compute="_compute_counted_share",
        help="Payment condition: the base that counted in the settlement (the "
        "base times the share counted).",
    )
    counted_reason = fields.Char(
        string="Why",
        compute="_compute_counted_share",
        help="Payment condition: why the share counted (paid by, not paid by).",
    )

    # An accrual belongs to the live settlement of its agreement and period
    # (one at most, by the settlement's unique index): the link follows from
    # the period instead of being written on every accrual, so that closing a
    # period writes its settlements and not its hundreds of thousands of
    # accruals, and an accrual posted late still shows its settlement.

    @api.depends("move_id", "product_id")
    def _compute_display_name(self):
        # the document's number, which salespeople read without reading the
        # journal entry itself
        for accrual in self:
            accrual.display_name = " · ".join(
                filter(
                    None, [accrual.sudo().move_id.name, accrual.product_id.display_name]
                )
            )

    # The link is a join on the agreement and period, not a field path: the
    # settlements invalidate it when they are created or change state (a
    # dependency on agreement_id.settlement_ids would make every close look
    # up the accruals of every agreement it settles).
    @api.depends("agreement_id", "date")
    def _compute_settlement_id(self):
        self.flush_recordset(["agreement_id", "date"])
        self.env["rebate.settlement"].flush_model(
            ["agreement_id", "date_from", "date_to", "state", "is_adjustment"]
        )
        rows = self.env.execute_query(
            _settled_accruals(SQL("a.id, s.id"), SQL("a.id = ANY(%s)", self.ids))
        )
        by_accrual = dict(rows)
        for accrual in self:
            accrual.settlement_id = by_accrual.get(accrual.id)

    @api.depends("settlement_id", "base")
    def _compute_counted_share(self):
        """What of each accrual its settlement counted, as its statement
        shows it (rebate.settlement._add_payment_shares): all of it, unless
        the agreement pays on a payment condition."""
        for accrual in self:
            accrual.counted_share = 1.0
            accrual.counted_base = accrual.base
            accrual.counted_reason = False
        for settlement, accruals in self.grouped("settlement_id").items():
            if not settlement:
                continue
            lines = [{} for _accrual in accruals]
            settlement._add_payment_shares(lines, accruals)
            for accrual, line in zip(accruals, lines, strict=True):
                if "share" in line:
                    accrual.counted_share = line["share"]
                    accrual.counted_base = accrual.base * line["share"]
                    accrual.counted_reason = line["reason"]

    def _search_settlement_id(self, operator, value):
        if operator in ("any", "not any"):
            value = self.env["rebate.settlement"]._search(value)
            operator = "in" if operator == "any" else "not in"
        elif operator in ("=", "!="):
            value = [value]
            operator = "in" if operator == "=" else "not in"
        elif operator not in ("in", "not in"):
            # by the settlement's number, as many2one fields are searched
            value = self.env["rebate.settlement"]._search([("name", operator, value)])
            operator = "in"
        self.env["rebate.settlement"].flush_model(
            ["agreement_id", "date_from", "date_to", "state", "is_adjustment"]
        )
        if isinstance(value, Query):
            domain = [
                (
                    "id",
                    "in",
                    SQL(
                        "(%s)",
                        _settled_accruals(
                            SQL("a.id"), SQL("s.id IN %s", value.subselect())
                        ),
                    ),
                )
            ]
        else:
            ids = [v.id if isinstance(v, models.BaseModel) else v for v in value]
            # one term each, in prefix notation (no odoo.osv: deprecated in 19)
            domain = [FALSE_LEAF]
            if any(ids):
                settled = _settled_accruals(
                    SQL("a.id"), SQL("s.id = ANY(%s)", [i for i in ids if i])
                )
                domain = [("id", "in", SQL("(%s)", settled))]
            if not all(ids):
                unsettled = _settled_accruals(SQL("a.id"))
                domain = ["|", *domain, ("id", "not in", SQL("(%s)", unsettled))]
        if operator == "not in":
            domain = ["!", *domain]
        return domain

    def init(self):
        # The accruals of one agreement and period: their base summed at every
        # posting, their amount at period close, both from the index alone
        # (it replaces the plain index of 18.0.1.1.0).
        self.env.cr.execute(
            "DROP INDEX IF EXISTS rebate_accrual_agreement_period_index"
        )
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS rebate_accrual_agreement_period_sums_index
                ON rebate_accrual (agreement_id, period_start) INCLUDE (base, amount)
            """
        )

    # The accrual engine: what posting, resetting and rebuilding write

    @api.model
    def _accrue_moves(self, moves):
        """Accrue the rebate of freshly posted customer invoices and refunds."""
        rows = self.env["rebate.line.query"]._query_lines(move_ids=moves.ids)
        if not rows:
            return self.browse()
        agreements = self.env["rebate.agreement"].browse({row[0] for row in rows})
        terms = agreements._read_accrual_terms()
        period_of_line = agreements._period_finder(terms)
        period_starts = {period_of_line(row[0], row[5])[0] for row in rows}
        bases, settled = self._lock_agreements(agreements, period_starts)
        # (the tiers read after the lock, by the one tier reader)
        return self._insert_accruals(
            self._prepare_accrual_vals_list(rows, bases, None, terms, settled)
        )

    @api.model
    def _rebuild(self, agreements, periods=None):
        """Rebuild the accruals of ``agreements`` from the posted documents.

        :param periods: optional set of (agreement id, period start) to rebuild;
            all periods otherwise. Periods of approved or done settlements keep
            their accruals: what was settled stays as it was.
        """
        if not agreements:
            return self.browse()
        self._lock_agreements(agreements)
        terms = agreements._read_accrual_terms()
        period_of_line = agreements._period_finder(terms)
        locked = self._get_locked_periods(agreements)

        def wanted(ag_id, period_start, date):
            if any(start <= date <= end for start, end in locked.get(ag_id, ())):
                return False
            return periods is None or (ag_id, period_start) in periods

        bases_before = self._unlink_rebuilt(agreements, wanted)
        date_from = date_to = None
        if periods is not None:
            date_from = min(p[1] for p in periods)
            date_to = max(period_of_line(*period)[1] for period in periods)
        lines = self.env["rebate.line.query"]._query_lines(
            agreements, date_from=date_from, date_to=date_to
        )
        rows = [
            row
            for row in lines
            if wanted(row[0], period_of_line(row[0], row[5])[0], row[5])
        ]
        return self._insert_accruals(
            self._prepare_accrual_vals_list(rows, bases_before, terms=terms)
        )

    @api.model
    def _get_locked_periods(self, agreements):
        """{agreement id: [(date from, date to)]} of the approved or done
        settlements of ``agreements``: what a rebuild leaves as it was."""
        locked = defaultdict(list)
        for settlement in (
            self.env["rebate.settlement"]
            .sudo()
            .search(
                [
                    ("agreement_id", "in", agreements.ids),
                    ("state", "in", ("approved", "done")),
                ]
            )
        ):
            locked[settlement.agreement_id.id].append(
                (settlement.date_from, settlement.date_to)
            )
        return locked

    @api.model
    def _unlink_rebuilt(self, agreements, wanted):
        """Delete the accruals of ``agreements`` that a rebuild writes again
        (``wanted(agreement id, period start, date)``), and return the base
        of the others, {(agreement id, period start): base}: an interim
        settlement approved locks a part of a tier period, and the rest
        accrues on top of the base of the part it keeps."""
        old = self.sudo().search([("agreement_id", "in", agreements.ids)])
        kept = old.filtered(
            lambda a: not wanted(a.agreement_id.id, a.period_start, a.date)
        )
        (old - kept).unlink()
        bases_before = defaultdict(float)
        for accrual in kept:
            bases_before[accrual.agreement_id.id, accrual.period_start] += accrual.base
        return bases_before

    @api.model
    def _lock_agreements(self, agreements, period_starts=()):
        """Serialize the accruals of ``agreements`` between transactions, and
        read what accruing needs, in one statement.

        The accrual of a posting depends on the base accrued before it, so two
        transactions accruing for one agreement must not both read the same
        "before". Each marks the agreement rows it accrues for; with Odoo's
        repeatable-read transactions, a concurrent one that then marks them
        waits, fails with a serialization error once the first commits, and is
        retried by Odoo on a fresh snapshot that sees the first's accruals.
        Rows are taken in id order so that concurrent postings do not deadlock.

        :param period_starts: the period starts to read
        :return: ({(agreement id, period start): base accrued so far},
            {agreement id: [(date from, date to, id) of its approved or done
            settlements, in date order]})
        """
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(_LOCK_AGREEMENTS, ids=agreements.ids, starts=list(period_starts))
        )
        periods = {}
        settled = {}
        for ag_id, period_start, base, ranges in rows:
            settled[ag_id] = [
                (to_date(self.env, start), to_date(self.env, end), settlement_id)
                for start, end, settlement_id in ranges or []
            ]
            if period_start:
                periods[ag_id, period_start] = float(base)
        return periods, settled

    @api.model
    def _prepare_accrual_vals_list(
        self, rows, bases_before, tiers=None, terms=None, settled=None
    ):
        """Accrual values for counted line rows, in posting order.

        Each move's accrual for a period is R(base after) - R(base before),
        spread over its lines in proportion to their base; ``bases_before``
        maps (agreement id, period start) to the base accrued so far and is
        updated in place; ``tiers`` optionally maps agreement ids to their
        (threshold, rate) pairs, ``terms`` to their AccrualTerms, ``settled``
        to their approved or done settlements (see _lock_agreements): a move
        dated in them is a late document (_get_late_settlement).
        """
        Agreement = self.env["rebate.agreement"]
        agreements = Agreement.browse({row[0] for row in rows})
        tiers = dict(tiers or {})
        unread = [ag_id for ag_id in agreements.ids if ag_id not in tiers]
        if unread:
            tiers.update(dict.fromkeys(unread, []))
            tiers.update(Agreement.browse(unread)._read_tiers())
        if terms is None:
            terms = agreements._read_accrual_terms()
        groups = self._group_line_rows(rows, terms)
        # growth rebates: each period's terms carry its prior base
        period_terms = Agreement._get_period_terms(
            {(key[0], *key[1]) for key in groups}, terms
        )
        vals_list = []
        for key, lines in groups.items():
            ag_id, (period_start, _period_end), _move_id = key
            before = bases_before.get((ag_id, period_start), 0.0)
            after = before + sum(line["base"] for line in lines)
            bases_before[ag_id, period_start] = after
            move_vals = self._prepare_move_accrual_vals(
                key,
                lines,
                before,
                after,
                tiers[ag_id],
                period_terms[ag_id, period_start],
            )
            late = settled and self._get_late_settlement(
                settled.get(ag_id), lines[0]["date"], key[1][1]
            )
            if late:
                for vals in move_vals:
                    vals["late_settlement_id"] = late
            vals_list += move_vals
        return vals_list

    @api.model
    def _get_late_settlement(self, settled, date, period_end):
        """The settlement a document dated ``date`` is late for: when the
        approved or done settlements ``settled`` ((date from, date to, id) in
        date order) cover its period from that date to the period's end
        ``period_end``, the one that ends it; else None (no settlement, or a
        later part of an interim period still to settle, which counts it)."""
        covered = None
        for date_from, date_to, settlement_id in settled or ():
            if covered is None:
                if date_from <= date <= date_to:
                    covered = date_to
            elif date_from == covered + timedelta(days=1):
                covered = date_to
            if covered is not None and covered >= period_end:
                return settlement_id
        return None

    @api.model
    def _group_line_rows(self, rows, terms):
        """{(agreement id, period, move id): [line values]} of counted line
        rows (see rebate.line.query._query_lines), in row order: each line's
        sales in the agreement currency and its base."""
        agreements = self.env["rebate.agreement"].browse(terms)
        period_of_line = agreements._period_finder(terms)
        convert = self.env["rebate.line.query"]._get_amount_converter()
        groups = defaultdict(list)
        for (
            ag_id,
            line_id,
            move_id,
            partner_id,
            product_id,
            date,
            cur,
            amount,
            qty,
        ) in rows:
            sales = convert(terms[ag_id], cur, date, amount)
            quantity = float(qty or 0.0)
            groups[ag_id, period_of_line(ag_id, date), move_id].append(
                {
                    "move_line_id": line_id,
                    "partner_id": partner_id,
                    "product_id": product_id,
                    "date": date,
                    "base": quantity if terms[ag_id].basis == "quantity" else sales,
                    "sales_amount": sales,
                    "quantity": quantity,
                }
            )
        return groups

    @api.model
    def _prepare_move_accrual_vals(self, key, lines, before, after, tiers, terms):
        """The accruals of one move's lines for one agreement and period: the
        change R(after) - R(before) it makes to the period's rebate, spread
        over its lines in proportion to their base."""
        ag_id, (period_start, period_end), move_id = key
        rebate = self.env["rebate.agreement"]._get_period_rebate
        delta = rebate(after, tiers, terms).amount - rebate(before, tiers, terms).amount
        amounts = split_amount(delta, [line["base"] for line in lines], terms.rounding)
        return [
            {
                **line,
                "agreement_id": ag_id,
                "move_id": move_id,
                "period_start": period_start,
                "period_end": period_end,
                "amount": amount,
                "commercial_partner_id": terms.commercial_partner_id,
                "company_id": terms.company_id,
                "currency_id": terms.currency.id,
            }
            for line, amount in zip(lines, amounts, strict=True)
        ]

    @api.model
    def _insert_accruals(self, vals_list):
        """Write accruals in bulk (insert_records: what create guarantees,
        without its per-record work, which cost more than posting the
        invoice), amounts already rounded to the currency."""
        return insert_records(self, vals_list)

    @api.model
    def _check_moves_not_settled(self, moves):
        """Moves counted in an approved or credited settlement stay posted."""
        settled = (
            self.sudo()
            .search(
                [
                    ("move_id", "in", moves.ids),
                    ("settlement_id.state", "in", ("approved", "done")),
                ]
            )
            .settlement_id
        )
        if settled:
            raise UserError(
                self.env._(
                    "These documents count in rebate settlement(s) %(names)s, which "
                    "are already approved or credited. Cancel the settlement first, "
                    "or correct the invoice with a credit note.",
                    names=", ".join(settled.mapped("name")),
                )
            )

    @api.model
    def _unaccrue_moves(self, moves):
        """Take back the effect of moves that left the posted state: drop their
        accruals and rebuild the periods they were in."""
        accruals = self.sudo().search([("move_id", "in", moves.ids)])
        if not accruals:
            return
        periods = {(a.agreement_id.id, a.period_start) for a in accruals}
        agreements = accruals.agreement_id
        accruals.unlink()
        self._rebuild(agreements, periods)
