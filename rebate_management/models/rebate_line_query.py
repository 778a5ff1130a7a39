# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL

from ..rebate_maths import round_base
from ..tools import uom_ratio, values_table

# Lines of posted customer invoices and refunds that count for an agreement:
# its customer (commercial entity), its company, its dates and its products.
# Rebate credit notes, and reversals of them, never count. The same conditions
# serve posting (restricted to the posted moves), rebuilding and period
# close, so the three can never disagree on what counts.
_COUNTED_LINES = """
           am.state = 'posted'
       AND am.move_type IN %(move_types)s
       AND am.rebate_settlement_id IS NULL
       AND NOT EXISTS (
            SELECT 1 FROM account_move rev
             WHERE rev.id = am.reversed_entry_id
               AND rev.rebate_settlement_id IS NOT NULL)
       AND aml.display_type = 'product'
       AND aml.product_id IS NOT NULL
"""
_LINES_FROM = """
      FROM rebate_agreement ag
           %(window_join)s
           %(customer_join)s
      JOIN account_move am
        ON %(customer_match)s
       AND am.company_id = ag.company_id
       AND am.invoice_date BETWEEN %(window_from)s AND %(window_to)s
      JOIN account_move_line aml ON aml.move_id = am.id
           %(product_joins)s
     WHERE %(counted)s
       AND %(direction)s
       %(product_filter)s
       %(precedence)s
"""
# The products, their unit and the agreement's product scope (its products,
# and its categories with their subcategories), two equivalent ways.
#
# For thousands of lines (period close, rebuild, the effect), the products
# and units are joined and the scope is hashed once per query: each line
# probes the hash, where a join would sort and merge every line and a
# per-line EXISTS would run once per line. Agreements on the amount basis
# without any product scope need none of it (see _query_period_bases).
_PRODUCT_JOINS = """
      JOIN product_product pp ON pp.id = aml.product_id
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
 LEFT JOIN uom_uom lu ON lu.id = aml.product_uom_id
 LEFT JOIN uom_uom pu ON pu.id = pt.uom_id
 LEFT JOIN rebate_agreement_excluded_product_rel x
        ON x.agreement_id = ag.id AND x.product_id = aml.product_id
"""
_PRODUCT_FILTER = """
       AND x.agreement_id IS NULL
       AND (ag.has_product_scope IS NOT TRUE
            OR (ag.id, aml.product_id) IN (
                SELECT agreement_id, product_id FROM rebate_agreement_product_rel)
            OR (ag.id, pt.categ_id) IN (
                SELECT c.agreement_id, sub.id
                  FROM rebate_agreement_product_category_rel c
                  JOIN product_category cc ON cc.id = c.categ_id
                  JOIN product_category sub
                    ON starts_with(sub.parent_path, cc.parent_path)))
"""
_FACTOR = f"COALESCE({uom_ratio('lu.factor', 'pu.factor')}, 1)"
# For the lines of a few invoices (posting), each line looks its product, unit
# and scope up by index: the planner then orders a handful of tables, where
# ordering a dozen took 7 ms, ten times the query's own time.
_TEMPLATE_OF_LINE = """(
        SELECT pt.%s FROM product_product pp
          JOIN product_template pt ON pt.id = pp.product_tmpl_id
         WHERE pp.id = aml.product_id)"""
# ({ag}: the alias of the agreement whose scope is read)
_PRODUCT_FILTER_PER_LINE = (
    """
       AND NOT EXISTS (
            SELECT 1 FROM rebate_agreement_excluded_product_rel x
             WHERE x.agreement_id = {ag}.id AND x.product_id = aml.product_id)
       AND ({ag}.has_product_scope IS NOT TRUE
            OR EXISTS (
                SELECT 1 FROM rebate_agreement_product_rel sp
                 WHERE sp.agreement_id = {ag}.id AND sp.product_id = aml.product_id)
            OR EXISTS (
                SELECT 1 FROM rebate_agreement_product_category_rel c
                  JOIN product_category cc ON cc.id = c.categ_id
                  JOIN product_category sub
                    ON starts_with(sub.parent_path, cc.parent_path)
                 WHERE c.agreement_id = {ag}.id AND sub.id = """
    + _TEMPLATE_OF_LINE % "categ_id"
    + """))
"""
)
_FACTOR_PER_LINE = "COALESCE(%s, 1)" % uom_ratio(
    "(SELECT factor FROM uom_uom WHERE id = aml.product_uom_id)",
    "(SELECT factor FROM uom_uom WHERE id = %s)" % (_TEMPLATE_OF_LINE % "uom_id"),
)
# The sums of _query_plain_bases (its docstring says what they are).
_PLAIN_BASES = """
      WITH sales AS (
          SELECT am.commercial_partner_id AS partner_id,
                 am.company_id, am.invoice_date, am.currency_id,
                 am.move_type IN %(customer_types)s AS of_customer,
                 SUM(%(amount)s) AS amount
            FROM account_move am
            JOIN account_move_line aml ON aml.move_id = am.id
           WHERE %(counted)s
             AND am.commercial_partner_id = ANY(%(partners)s)
             AND am.invoice_date BETWEEN %(first)s AND %(last)s
        GROUP BY 1, 2, 3, 4, 5
      )
      SELECT ag.id, p.date_from, s.currency_id,
             CASE WHEN s.currency_id != ag.currency_id
                  THEN s.invoice_date END,
             SUM(s.amount), 0, p.tail_from,
             SUM(s.amount) FILTER (WHERE s.invoice_date >= p.tail_from)
        FROM %(windows)s
        JOIN rebate_agreement ag ON ag.id = p.agreement_id
        JOIN sales s
          ON s.partner_id = ag.commercial_partner_id
         AND s.company_id = ag.company_id
         AND s.of_customer = (ag.rebate_type = 'customer')
         AND s.invoice_date BETWEEN p.date_from AND p.date_to
    GROUP BY 1, 2, 3, 4, 7
"""
# Columns of the date windows joined to the lines (see values_table).
PERIOD_COLUMNS = (("agreement_id", "int4"), ("date_from", "date"), ("date_to", "date"))
WINDOW_COLUMNS = (("agreement_id", "int4"), ("key", "varchar"), *PERIOD_COLUMNS[1:])


class RebateLineQuery(models.AbstractModel):
    """Which invoice lines count for an agreement, and the bases they add up
    to: the one definition that posting, rebuilding accruals, period close
    and the effect all read, in SQL.

    ``_get_counted_condition`` is the inheritable definition of a counted
    line (a module adding a payment or frequency condition extends it with
    ``super()``); ``_get_lines_from`` joins it with the agreements, their
    dates and their product scope; the ``_query_*`` methods read lines or
    sums through it.
    """

    _name = "rebate.line.query"
    _description = "Rebate Counted-Line Queries"

    @api.model
    def _get_counted_condition(self):
        """The SQL condition a line (``aml``) of a move (``am``) meets to count,
        besides customer, company, dates and products. It reads the line and
        its move only: a rule that depends on the agreement (``ag``) extends
        _get_lines_from and narrows _get_plain_agreements."""
        return SQL(_COUNTED_LINES, move_types=tuple(self._get_counted_move_types()))

    # What a line adds: the one definition of the documents that count, of
    # the sign of their lines, and of the amount and quantity a line adds,
    # read by every query of the engine (and, for the move types and the
    # rebate's own documents, by posting's Python pre-filter).

    @api.model
    def _get_counted_move_types(self):
        """The move types whose lines count: invoices and refunds."""
        return self._get_invoice_move_types() + self._get_refund_move_types()

    @api.model
    def _get_invoice_move_types(self):
        """The move types that add to a base (and are purchases, for the
        invoice counts and the payment conditions): customer invoices and
        vendor bills (which an agreement reads: _get_direction_condition)."""
        return ("out_invoice", "in_invoice")

    @api.model
    def _get_refund_move_types(self):
        """The move types that take from a base, and count in full whatever
        the payment condition: customer and vendor refunds."""
        return ("out_refund", "in_refund")

    @api.model
    def _filter_counted_moves(self, moves):
        """Those of ``moves`` whose lines may count: the Python form of the
        move conditions of _get_counted_condition, for posting's pre-filter
        (the SQL decides line by line)."""
        move_types = self._get_counted_move_types()
        return moves.filtered(
            lambda move: move.move_type in move_types and not move.rebate_settlement_id
        )

    @api.model
    def _get_line_sign(self):
        """SQL: the sign of a line's amount and quantity in a base."""
        return SQL(
            "CASE WHEN am.move_type IN %s THEN -1 ELSE 1 END",
            tuple(self._get_refund_move_types()),
        )

    @api.model
    def _get_line_amount(self):
        """SQL: the signed amount a line adds, untaxed, in its document's
        currency."""
        return SQL("%s * aml.price_subtotal", self._get_line_sign())

    @api.model
    def _get_line_company_amount(self):
        """SQL: the amount a line adds (_get_line_amount) in its company's
        currency, at its document's rate (the grades' sales)."""
        return SQL(
            "%s * COALESCE(ABS(aml.balance) / NULLIF(ABS(aml.price_subtotal), 0), 0)",
            self._get_line_amount(),
        )

    @api.model
    def _get_line_quantity(self, per_line=False):
        """SQL: the signed quantity a line adds, in its product's unit (the
        unit looked up line by line for the lines of a few invoices,
        ``per_line``; on the product joins otherwise: see _get_lines_from)."""
        return SQL(
            "%s * aml.quantity * %s",
            self._get_line_sign(),
            SQL(_FACTOR_PER_LINE if per_line else _FACTOR),
        )

    @api.model
    def _get_lines_from(
        self,
        window_join=None,
        window_from=None,
        window_to=None,
        per_line=False,
        precedence=True,
        agreement_ids=None,
    ):
        """FROM and WHERE of the lines that count: by default the lines dated
        within their agreement's dates; a window (joined relation giving the
        bounds) counts the same lines over other dates. ``per_line``: the lines of
        a few invoices, whose products are looked up line by line (their
        quantity is then _get_line_quantity(per_line=True)). Without
        ``precedence``, the lines the agreement matches, those another
        agreement takes included (to say which). ``agreement_ids``: the
        agreements the query reads, when known (a close, a rebuild: see
        _get_precedence_condition and _get_customer_join)."""
        traits = None
        if agreement_ids is not None:
            traits = self._read_agreement_traits(agreement_ids)
        customer_join, customer_match = self._get_customer_join(
            None if traits is None else traits["groups"],
            None if traits is None else traits["every_customer"],
        )
        return SQL(
            _LINES_FROM,
            counted=self._get_counted_condition(),
            customer_join=customer_join,
            customer_match=customer_match,
            direction=self._get_direction_condition(),
            window_join=window_join or SQL(""),
            window_from=window_from or SQL("ag.date_start"),
            window_to=window_to or SQL("ag.date_end"),
            product_joins=SQL("" if per_line else _PRODUCT_JOINS),
            product_filter=self._get_product_scope_condition(per_line),
            precedence=self._get_precedence_condition(
                agreement_ids, None if traits is None else traits["yielding"]
            )
            if precedence
            else SQL(""),
        )

    @api.model
    def _get_product_scope_condition(self, per_line=False, alias="ag"):
        """The SQL condition a line meets to be in its agreement's product
        scope (its products, categories and subcategories, minus its
        exclusions), one rule in two physical shapes: looked up line by line
        for the lines of a few invoices (``per_line``), hashed once per query
        otherwise (on the product joins of _get_lines_from). An override
        changes both shapes alike. ``alias``: the agreement's, for the
        per-line shape (another agreement matching the same line)."""
        if per_line:
            return SQL(_PRODUCT_FILTER_PER_LINE.format(ag=alias))
        return SQL(_PRODUCT_FILTER)

    @api.model
    def _get_window_lines_from(self, alias, columns, rows, precedence=True):
        """_get_lines_from over the date windows ``rows`` (agreement id, ...,
        date from, date to), joined as the relation ``alias``."""
        return self._get_lines_from(
            precedence=precedence,
            agreement_ids={row[0] for row in rows},
            window_join=SQL(
                "JOIN %s ON %s.agreement_id = ag.id",
                values_table(alias, columns, rows),
                SQL.identifier(alias),
            ),
            window_from=SQL("%s.date_from", SQL.identifier(alias)),
            window_to=SQL("%s.date_to", SQL.identifier(alias)),
        )

    @api.model
    def _query_lines(
        self, agreements=None, move_ids=None, date_from=None, date_to=None
    ):
        """Rows of the lines that count, one per (agreement, invoice line):
        (agreement id, line id, move id, invoiced contact, product, invoice
        date, currency, signed amount, signed quantity in the product's unit).

        Without ``move_ids`` the lines of ``agreements``; with them, the lines
        of those moves for any active or closed agreement they touch, which
        is what posting needs (a document posted late into a closed
        agreement's dates is carried into an adjustment settlement).
        """
        conditions = []
        if move_ids is not None:
            conditions.append(
                SQL(
                    "am.id = ANY(%s) AND ag.state IN ('active', 'closed')",
                    list(move_ids),
                )
            )
        else:
            conditions.append(SQL("ag.id = ANY(%s)", agreements.ids))
        if date_from:
            conditions.append(SQL("am.invoice_date >= %s", date_from))
        if date_to:
            conditions.append(SQL("am.invoice_date <= %s", date_to))
        self.env.flush_all()
        per_line = move_ids is not None
        query = SQL(
            """
            SELECT ag.id, aml.id, am.id, am.partner_id, aml.product_id,
                   am.invoice_date, am.currency_id, %s, %s
              %s AND %s
          ORDER BY am.invoice_date, am.id, aml.id
            """,
            self._get_line_amount(),
            self._get_line_quantity(per_line),
            self._get_lines_from(
                per_line=per_line,
                agreement_ids=None if per_line else agreements.ids,
            ),
            SQL(" AND ").join(conditions),
        )
        return self.env.execute_query(query)

    @api.model
    def _query_period_bases(self, periods):
        """Aggregated rows (agreement, period start, currency, invoice date,
        amount, quantity) of the lines that count in ``periods``, a list of
        (agreement id, date from, date to). The invoice date is only given
        (for the conversion rate) when the currency is not the agreement's.

        Agreements that count every line of their customer (most of them,
        see _get_plain_agreements) are summed per customer and day first,
        once, and those sums spread over the customers' agreements, so the
        cost grows with lines plus agreements, not with their product. The
        others are summed line by line with the product joins. At most three
        queries, whatever the number of agreements and lines.
        """
        self.env.flush_all()
        plain = self._get_plain_agreements({period[0] for period in periods})
        simple = [period for period in periods if period[0] in plain]
        scoped = [period for period in periods if period[0] not in plain]
        return self._query_plain_bases(simple, plain) + self._query_scoped_bases(scoped)

    @api.model
    def _get_plain_agreements(self, agreement_ids):
        """{agreement id: customer} of those of ``agreement_ids`` that count
        every counted line of their customer: on the amount basis, without
        product scope or exclusion, not a buying group, and no other
        agreement taking lines from them (_get_yielding_agreements). A
        module whose rule depends on the agreement itself (not only on the
        line, as _get_counted_condition) narrows this, so that such
        agreements go through _get_lines_from."""
        return dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT ag.id, ag.commercial_partner_id
                      FROM rebate_agreement ag
                     WHERE ag.id = ANY(%s)
                       AND ag.basis = 'amount'
                       AND COALESCE(ag.payment_condition, 'none') = 'none'
                       AND ag.has_product_scope IS NOT TRUE
                       AND NOT EXISTS (
                            SELECT 1 FROM rebate_agreement_excluded_product_rel x
                             WHERE x.agreement_id = ag.id)
                       AND ag.is_buying_group IS NOT TRUE
                       AND ag.id NOT IN %s
                    """,
                    list(agreement_ids),
                    self._get_yielding_agreements(),
                )
            )
        )

    @api.model
    def _query_plain_bases(self, periods, plain):
        """The rows of _query_period_bases for agreements that count every
        line: their customers' counted lines summed per customer, company,
        day and currency once, then per period of each agreement.

        A window ending with a period of the same agreement and inside it
        (the period's last days, for the surge alert) is summed in the same
        pass over the period's days (an aggregate FILTER), not joined again."""
        if not periods:
            return []
        rows = self._pair_tail_windows(periods)
        result = self.env.execute_query(
            SQL(
                _PLAIN_BASES,
                amount=self._get_line_amount(),
                counted=self._get_counted_condition(),
                customer_types=self._get_agreement_move_types()["customer"],
                partners=list(set(plain.values())),
                first=min(period[1] for period in periods),
                last=max(period[2] for period in periods),
                windows=values_table(
                    "p", (*PERIOD_COLUMNS, ("tail_from", "date")), rows
                ),
            )
        )
        out = []
        for ag_id, start, currency_id, date, amount, quantity, tail, in_tail in result:
            out.append((ag_id, start, currency_id, date, amount, quantity))
            if tail is not None and in_tail is not None:
                out.append((ag_id, tail, currency_id, date, in_tail, quantity))
        return out

    @api.model
    def _pair_tail_windows(self, periods):
        """``periods`` as rows (agreement, from, to, tail from): a window that
        ends with a longer one of the same agreement (its tail) rides on it;
        the others have no tail."""
        starts = defaultdict(list)
        for ag_id, date_from, date_to in periods:
            starts[ag_id, date_to].append(date_from)
        rows = []
        for (ag_id, date_to), froms in starts.items():
            froms.sort()
            if len(froms) == 2:
                rows.append((ag_id, froms[0], date_to, froms[1]))
            else:
                rows.extend((ag_id, start, date_to, None) for start in froms)
        return rows

    @api.model
    def _query_scoped_bases(self, periods):
        """The rows of _query_period_bases for the other agreements: their
        lines through _get_lines_from, product scope and units included."""
        if not periods:
            return []
        return self.env.execute_query(
            SQL(
                """
                SELECT ag.id, p.date_from, am.currency_id,
                       CASE WHEN am.currency_id != ag.currency_id
                            THEN am.invoice_date END,
                       SUM(%s), SUM(%s)
                  %s
              GROUP BY 1, 2, 3, 4
                """,
                self._get_line_amount(),
                self._get_line_quantity(),
                self._get_window_lines_from("p", PERIOD_COLUMNS, periods),
            )
        )

    @api.model
    def _query_window_sales(self, windows):
        """Aggregated rows (agreement, window key, invoice date, currency,
        amount) of the lines that count, over other date windows.

        :param windows: list of (agreement id, key, date from, date to)
        """
        self.env.flush_all()
        query = SQL(
            """
            SELECT ag.id, w.key, am.invoice_date, am.currency_id, SUM(%s)
              %s
          GROUP BY ag.id, w.key, am.invoice_date, am.currency_id
            """,
            self._get_line_amount(),
            self._get_window_lines_from("w", WINDOW_COLUMNS, windows),
        )
        return self.env.execute_query(query)

    @api.model
    def _get_period_bases(self, periods, terms=None, date=None, forfeited=None):
        """{(agreement id, period start): base} computed from the source
        documents, for ``periods``: (agreement id, date from, date to);
        ``terms``: the agreements' AccrualTerms if already read.

        An agreement with a payment condition counts each invoice by the
        share of it paid (_get_paid_shares), by ``date`` (the close's, today
        by default) or by its due date plus grace days; what its invoices do
        not count is added to ``forfeited`` (a dict, keyed the same) when
        given."""
        if not periods:
            return {}
        if terms is None:
            agreements = self.env["rebate.agreement"].browse(
                {period[0] for period in periods}
            )
            terms = agreements._read_accrual_terms()
        convert = self._get_amount_converter()
        bases = defaultdict(float)
        lost = defaultdict(float)
        plain = [p for p in periods if terms[p[0]].payment_condition == "none"]
        conditional = [p for p in periods if terms[p[0]].payment_condition != "none"]
        if plain:
            self._add_row_bases(bases, self._query_period_bases(plain), terms, convert)
        if conditional:
            self._add_paid_bases(bases, lost, conditional, terms, convert, date)
        if forfeited is not None:
            forfeited.update(self._round_bases(lost, terms))
        return self._round_bases(bases, terms)

    @api.model
    def _add_row_bases(self, bases, rows, terms, convert):
        """Add to ``bases`` ({(agreement id, period start): base}) the bases
        of summed rows (agreement id, period start, currency, date, amount,
        quantity): see _get_row_base."""
        for ag_id, start, currency_id, date, amount, quantity in rows:
            bases[ag_id, start] += self._get_row_base(
                terms[ag_id], currency_id, date, amount, quantity, convert
            )

    @api.model
    def _get_row_base(self, terms, currency_id, date, amount, quantity, convert):
        """The base a summed row of lines adds, in the agreement's basis: its
        quantity, or its amount in the agreement currency (``convert``: an
        _get_amount_converter)."""
        if terms.basis == "quantity":
            return float(quantity or 0.0)
        if currency_id == terms.currency.id:
            return float(amount or 0.0)
        return convert(terms, currency_id, date, amount)

    @api.model
    def _round_bases(self, bases, terms):
        """``bases`` ({(agreement id, period start): base}) rounded as their
        agreement's basis is (round_base)."""
        return {
            (ag_id, start): round_base(base, terms[ag_id].basis, terms[ag_id].rounding)
            for (ag_id, start), base in bases.items()
        }

    @api.model
    def _count_period_invoices(self, periods):
        """{(agreement id, date from): the posted customer invoices (not
        refunds) with a line that counts} for ``periods`` ((agreement id, date
        from, date to)): how often the customer bought (purchase frequency)."""
        if not periods:
            return {}
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT ag.id, p.date_from, COUNT(DISTINCT am.id)
                  %s AND am.move_type IN %s
              GROUP BY 1, 2
                """,
                self._get_window_lines_from("p", PERIOD_COLUMNS, periods),
                tuple(self._get_invoice_move_types()),
            )
        )
        return {(ag_id, start): count for ag_id, start, count in rows}

    @api.model
    def _get_amount_converter(self):
        """A function (agreement terms, currency_id, date, amount) -> the
        amount in the agreement currency at the date, rounded to it; the terms
        are an AccrualTerms. Rates are looked up once per (currency, agreement
        currency, company, date).
        """
        rates = {}
        currencies = self.env["res.currency"]

        def convert(terms, currency_id, date, amount):
            amount = float(amount or 0.0)
            currency = terms.currency
            if currency_id != currency.id:
                key = (currency_id, currency.id, terms.company_id, date)
                if key not in rates:
                    rates[key] = currencies._get_conversion_rate(
                        currencies.browse(currency_id),
                        currency,
                        self.env["res.company"].browse(terms.company_id),
                        date,
                    )
                amount *= rates[key]
            return terms.round(amount)

        return convert
