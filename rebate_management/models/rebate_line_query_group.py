# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL

from ..rebate_maths import round_base

# The named customers of each agreement and the dates their lines count:
# its customer (commercial entity), whatever the date (the windows of the
# queries bound the dates: the agreement's own, or the year before for the
# effect) and, for a buying group, its members over their membership
# (rebate.agreement.member). A UNION ALL the planner flattens: from a line
# it looks the agreements up by customer on the tables' indexes, from an
# agreement its customers by id.
_NAMED_CUSTOMERS = """
    SELECT id AS agreement_id, commercial_partner_id AS partner_id,
           '-infinity'::date AS date_from, 'infinity'::date AS date_to
      FROM rebate_agreement
    UNION ALL
    SELECT agreement_id, partner_id, COALESCE(date_from, '-infinity'::date),
           COALESCE(date_to, 'infinity'::date)
      FROM rebate_agreement_member"""
# The agreements that count every customer's documents (a vendor agreement
# on sell-through: its products decide which lines count), each with every
# commercial entity: looked up from a line, by customer.
_EVERY_CUSTOMER = """
    SELECT ag.id, p.id, '-infinity'::date, 'infinity'::date
      FROM rebate_agreement ag
      JOIN res_partner p ON p.commercial_partner_id = p.id
     WHERE %s"""


class RebateLineQuery(models.AbstractModel):
    """The customers of an agreement, a buying group's members included,
    as every line query joins them (_get_customers_relation); and the base
    of each customer of a group, for splitting the group's rebate
    (rebate.settlement.share): the same counted lines as the group's own
    base, through the same query, per customer."""

    _inherit = "rebate.line.query"

    @api.model
    def _get_customers_relation(self):
        """SQL: the relation (agreement_id, partner_id, date_from, date_to) of
        the customers whose lines count for each agreement, and when: its
        customer (the queries' windows bound the dates), a buying group's
        members over their membership, and every customer for the
        agreements that count them all (_get_every_customer_condition). The
        one definition of "the agreement's customer" that the line queries
        and the precedence rule join."""
        return SQL(
            "(%s UNION ALL %s)",
            self._get_named_customers_query(),
            SQL(_EVERY_CUSTOMER, self._get_every_customer_condition()),
        )

    @api.model
    def _get_named_customers_query(self):
        """SQL: the query of the customers an agreement names (its own, a
        group's members), the part of _get_customers_relation a query over
        known agreements joins from them."""
        return SQL(_NAMED_CUSTOMERS)

    @api.model
    def _get_every_customer_condition(self, alias="ag"):
        """SQL: agreement ``alias`` counts every customer's documents (a
        vendor agreement on sell-through)."""
        agreement = SQL.identifier(alias)
        return SQL(
            "(%s.rebate_type = 'vendor' AND %s.vendor_basis = 'sell_through')",
            agreement,
            agreement,
        )

    @api.model
    def _read_agreement_traits(self, agreement_ids):
        """{"yielding": those of ``agreement_ids`` another agreement may take
        lines from, "groups": those whose customers are not their partner
        alone (buying groups, sell-through), "every_customer": those that
        count every customer (sell-through)}: what shapes a query over these
        agreements, in one query on the agreements alone."""
        self.env["rebate.agreement"].flush_model()
        every = self._get_every_customer_condition()
        rows = self.env.execute_query(
            SQL(
                """
                WITH yielding AS %s
                SELECT ag.id, ag.id IN (SELECT id FROM yielding),
                       ag.is_buying_group IS TRUE, %s
                  FROM rebate_agreement ag
                 WHERE ag.id = ANY(%s)
                   AND (ag.is_buying_group OR %s
                        OR ag.id IN (SELECT id FROM yielding))
                """,
                self._get_yielding_agreements(),
                every,
                sorted(agreement_ids),
                every,
            )
        )
        return {
            "yielding": [row[0] for row in rows if row[1]],
            "groups": [row[0] for row in rows if row[2] or row[3]],
            "every_customer": [row[0] for row in rows if row[3]],
        }

    @api.model
    def _get_customer_join(self, group_ids=None, every_customer_ids=None):
        """(join, condition on ``am``) matching a line to its agreement's
        customers (_get_customers_relation). When the query's agreements
        are known and none is a buying group (``group_ids`` empty), their
        customer alone, by a plain join: the plan of a query without
        groups stays what it was. When some of them count every customer
        (``every_customer_ids``), the customers they name are joined and
        those agreements take any line: joined from the agreement, their
        thousands of customers would each be looked up in the moves."""
        if group_ids is not None and not group_ids:
            return SQL(""), SQL("am.commercial_partner_id = ag.commercial_partner_id")
        named_match = SQL(
            "am.commercial_partner_id = cu.partner_id"
            " AND am.invoice_date BETWEEN cu.date_from AND cu.date_to"
        )
        if every_customer_ids:
            return (
                SQL(
                    "JOIN (%s) cu ON cu.agreement_id = ag.id",
                    self._get_named_customers_query(),
                ),
                SQL("(%s OR (%s))", self._get_every_customer_condition(), named_match),
            )
        return (
            SQL(
                "JOIN %s cu ON cu.agreement_id = ag.id", self._get_customers_relation()
            ),
            named_match,
        )

    @api.model
    def _get_customer_bases(self, periods, terms, date=None, invoice_counts=None):
        """{(agreement id, period start): {customer id: base}} of
        ``periods`` ((agreement id, date from, date to)): each customer's
        part of the period's base (_get_period_bases), counted by the same
        rules, payment conditions included (``date``: as there). Given
        ``invoice_counts`` (a dict), each customer's invoices with a line
        that counts (as _count_period_invoices) are added to it, keyed
        (agreement id, period start, customer id)."""
        if not periods:
            return {}
        convert = self._get_amount_converter()
        rows = self._query_move_bases(periods)
        shares = self._get_row_shares(rows, terms, date)
        bases = defaultdict(float)
        invoices = defaultdict(set)
        invoice_types = self._get_invoice_move_types()
        for (
            ag_id,
            start,
            move_id,
            move_type,
            cur,
            inv_date,
            _due,
            amount,
            qty,
            cust,
        ) in rows:
            base = self._get_row_base(terms[ag_id], cur, inv_date, amount, qty, convert)
            bases[ag_id, start, cust] += base * shares.get(move_id, 1.0)
            if move_type in invoice_types:
                invoices[ag_id, start, cust].add(move_id)
        if invoice_counts is not None:
            invoice_counts.update((key, len(ids)) for key, ids in invoices.items())
        result = defaultdict(dict)
        for (ag_id, start, customer), base in bases.items():
            result[ag_id, start][customer] = round_base(
                base, terms[ag_id].basis, terms[ag_id].rounding
            )
        return dict(result)
