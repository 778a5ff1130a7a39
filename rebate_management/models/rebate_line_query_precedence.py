# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL

from .rebate_line_query import PERIOD_COLUMNS

# Whether agreement %(ov)s takes from agreement %(ag)s the lines both match:
# an exclusive agreement takes them from any agreement that is not
# exclusive, and from an exclusive one after it; in a stacking group, the
# first agreement takes them from the others, unless they are exclusive.
# "After": by priority (lower first), then start date, then id.
_OUTRANKS = """
    %(ov)s.id != %(ag)s.id
    AND (
        (%(ov)s.exclusive
         AND (%(ag)s.exclusive IS NOT TRUE OR %(precedes)s))
     OR (%(ag)s.exclusive IS NOT TRUE
         AND %(ov)s.stacking_group_id = %(ag)s.stacking_group_id
         AND %(precedes)s))
"""
_PRECEDES = (
    "(%(ov)s.priority, %(ov)s.date_start, %(ov)s.id)"
    " < (%(ag)s.priority, %(ag)s.date_start, %(ag)s.id)"
)
# An agreement of the line's customer (its own, or a buying group's it is a
# member of on the line's date) and company that counts (active, or closed
# with its settled periods), in force on the line's date.
_IN_FORCE = """
    ov.id IN (
        SELECT oc.agreement_id FROM %(customers)s oc
         WHERE oc.partner_id = am.commercial_partner_id
           AND am.invoice_date BETWEEN oc.date_from AND oc.date_to)
    AND ov.company_id = am.company_id
    AND ov.state IN %(states)s
    AND am.invoice_date BETWEEN ov.date_start AND ov.date_end
    AND %(direction)s
    AND ov.rebate_type = ag.rebate_type
"""


class RebateLineQuery(models.AbstractModel):
    """Which agreement counts a line that several agreements match: the one
    definition (priority, exclusive agreements, stacking groups) read by
    every query of the engine through _get_lines_from, so that posting,
    rebuild, close, recompute, the effect, the portal and the statement
    agree."""

    _inherit = "rebate.line.query"

    @api.model
    def _get_outranks_condition(self, winner="ov", loser="ag"):
        """SQL: agreement ``winner`` (an alias) takes from agreement
        ``loser`` the invoice lines both match. Override it to change the
        rule everywhere at once."""
        names = {"ov": SQL.identifier(winner), "ag": SQL.identifier(loser)}
        return SQL(_OUTRANKS, precedes=SQL(_PRECEDES, **names), **names)

    @api.model
    def _get_precedence_states(self):
        """The states of an agreement that takes lines from others."""
        return ("active", "closed")

    @api.model
    def _get_in_force_condition(self):
        """SQL: agreement ``ov`` matches the line (``am``) by customer,
        company and date, and counts (see _IN_FORCE)."""
        return SQL(
            _IN_FORCE,
            customers=self._get_customers_relation(),
            states=self._get_precedence_states(),
            direction=self._get_direction_condition("ov"),
        )

    @api.model
    def _get_precedence_condition(self, agreement_ids=None, yielding_ids=None):
        """SQL, on a line (``aml``, ``am``) counted for an agreement (``ag``):
        no other agreement matching the line takes it. Evaluated only for
        the agreements another one may outrank at all: given the query's
        ``agreement_ids`` (a close, a rebuild), those are looked up first
        (or given, ``yielding_ids``) and the condition left out when there
        are none, so that the planner keeps the plan of a query without it;
        otherwise (the lines of a few invoices) they are a subquery computed
        once per query."""
        if agreement_ids is None:
            yielding = SQL("ag.id NOT IN %s", self._get_yielding_agreements())
        else:
            ids = yielding_ids
            if ids is None:
                ids = self._get_yielding_ids(agreement_ids)
            if not ids:
                return SQL("")
            yielding = SQL("ag.id <> ALL(%s)", ids)
        return SQL(
            """
            AND (%(yielding)s OR NOT EXISTS (
                SELECT 1 FROM rebate_agreement ov
                 WHERE %(in_force)s AND %(outranks)s %(scope)s))
            """,
            yielding=yielding,
            in_force=self._get_in_force_condition(),
            outranks=self._get_outranks_condition("ov", "ag"),
            scope=self._get_product_scope_condition(per_line=True, alias="ov"),
        )

    @api.model
    def _get_yielding_ids(self, agreement_ids):
        """Those of ``agreement_ids`` another agreement in force may take
        lines from (one query on the agreements alone)."""
        self.env["rebate.agreement"].flush_model()
        rows = self.env.execute_query(
            SQL(
                "SELECT ag.id FROM rebate_agreement ag"
                " WHERE ag.id = ANY(%s) AND ag.id IN %s",
                sorted(agreement_ids),
                self._get_yielding_agreements(),
            )
        )
        return [row[0] for row in rows]

    @api.model
    def _get_yielding_agreements(self):
        """SQL: the ids of the agreements another agreement in force may take
        lines from (a customer in common over meeting dates, the same
        company, outranking it), whatever the products: for them only is
        each line checked."""
        # Three ways to share a customer, so that the first (most agreements:
        # the same customer) keeps the plan of a plain self-join: the same
        # customer; a member of ``ag`` that is a customer of ``ov``; the
        # customer of ``ag`` a member of ``ov``.
        meets = SQL(
            """
                ov.company_id = ag.company_id
            AND ov.rebate_type = ag.rebate_type
            AND ov.state IN %s
            AND ov.date_start <= ag.date_end
            AND ov.date_end >= ag.date_start
            AND %s
            """,
            self._get_precedence_states(),
            self._get_outranks_condition("ov", "ag"),
        )
        return SQL(
            """
            (SELECT ag.id FROM rebate_agreement ag
               JOIN rebate_agreement ov
                 ON ov.commercial_partner_id = ag.commercial_partner_id
              WHERE %(meets)s
             UNION ALL
             SELECT ag.id FROM rebate_agreement_member agm
               JOIN rebate_agreement ag ON ag.id = agm.agreement_id
               JOIN %(customers)s oc
                 ON oc.partner_id = agm.partner_id
                AND oc.date_from <= COALESCE(agm.date_to, 'infinity'::date)
                AND oc.date_to >= COALESCE(agm.date_from, '-infinity'::date)
               JOIN rebate_agreement ov ON ov.id = oc.agreement_id
              WHERE %(meets)s
             UNION ALL
             SELECT ag.id FROM rebate_agreement ag
               JOIN rebate_agreement_member ovm
                 ON ovm.partner_id = ag.commercial_partner_id
               JOIN rebate_agreement ov ON ov.id = ovm.agreement_id
              WHERE %(meets)s)
            """,
            meets=meets,
            customers=self._get_customers_relation(),
        )

    @api.model
    def _get_scoped_products(self, agreements, products, document=None):
        """{agreement id: product ids} of ``products`` in each agreement's
        product scope, by the scope condition itself (per line, on the
        products as lines ``aml``): for documents not posted yet, such as a
        quotation. ``document``: (customer, company, date) of such a
        document (a customer invoice to be), whose lines another agreement
        may take (_get_precedence_condition, on the document as ``am``)."""
        if not agreements or not products:
            return {}
        self.env["rebate.agreement"].flush_model()
        document_join, precedence = SQL(""), SQL("")
        if document:
            partner, company, date = document
            document_join = SQL(
                " CROSS JOIN (SELECT %s::int AS commercial_partner_id,"
                " %s::int AS company_id, %s::date AS invoice_date,"
                " 'out_invoice'::varchar AS move_type) am",
                partner.commercial_partner_id.id,
                company.id,
                date,
            )
            precedence = self._get_precedence_condition()
        rows = self.env.execute_query(
            SQL(
                "SELECT ag.id, aml.product_id FROM rebate_agreement ag"
                " CROSS JOIN unnest(%s::int[]) AS aml(product_id)%s"
                " WHERE ag.id = ANY(%s) %s %s",
                list(products.ids),
                document_join,
                list(agreements.ids),
                self._get_product_scope_condition(per_line=True),
                precedence,
            )
        )
        scoped = defaultdict(set)
        for ag_id, product_id in rows:
            scoped[ag_id].add(product_id)
        return dict(scoped)

    @api.model
    def _get_taking_agreement(self):
        """SQL: the agreement that takes a line (``aml``, ``am``) from its
        agreement (``ag``): the first exclusive one, else the first of its
        stacking group; NULL when the line is the agreement's."""
        return SQL(
            """
            (SELECT ov.id FROM rebate_agreement ov
              WHERE %(in_force)s AND %(outranks)s %(scope)s
           ORDER BY ov.exclusive IS TRUE DESC, ov.priority, ov.date_start, ov.id
              LIMIT 1)
            """,
            in_force=self._get_in_force_condition(),
            outranks=self._get_outranks_condition("ov", "ag"),
            scope=self._get_product_scope_condition(per_line=True, alias="ov"),
        )

    @api.model
    def _query_taken_lines(self, periods):
        """Rows (agreement id, period start, line id, signed amount, taking
        agreement id) of the lines the agreements of ``periods`` ((agreement
        id, date from, date to)) match but another agreement takes."""
        if not periods:
            return []
        self.env.flush_all()
        return self.env.execute_query(
            SQL(
                """
                SELECT * FROM (
                    SELECT ag.id, p.date_from, aml.id, %s, %s AS taker
                      %s AND ag.id IN %s
                ) taken WHERE taken.taker IS NOT NULL
                """,
                self._get_line_amount(),
                self._get_taking_agreement(),
                self._get_window_lines_from(
                    "p", PERIOD_COLUMNS, periods, precedence=False
                ),
                self._get_yielding_agreements(),
            )
        )

    @api.model
    def _query_taken_from(self, accrual_ids):
        """{accrual id: [agreement ids]}: for each accrual, the agreements in
        force that match its line but that its agreement outranks (one
        query for all)."""
        if not accrual_ids:
            return {}
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT acc.id, ov.id
                  FROM rebate_accrual acc
                  JOIN rebate_agreement ag ON ag.id = acc.agreement_id
                  JOIN account_move_line aml ON aml.id = acc.move_line_id
                  JOIN account_move am ON am.id = aml.move_id
                  JOIN rebate_agreement ov ON %s AND %s %s
                 WHERE acc.id = ANY(%s)
              ORDER BY acc.id, ov.priority, ov.date_start, ov.id
                """,
                self._get_in_force_condition(),
                self._get_outranks_condition("ag", "ov"),
                self._get_product_scope_condition(per_line=True, alias="ov"),
                list(accrual_ids),
            )
        )
        taken = defaultdict(list)
        for accrual_id, agreement_id in rows:
            taken[accrual_id].append(agreement_id)
        return dict(taken)
