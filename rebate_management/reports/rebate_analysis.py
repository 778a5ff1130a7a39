# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.tools import SQL

from ..models.rebate_agreement import AGREEMENT_STATES
from ..models.rebate_settlement import SETTLEMENT_STATES


class RebateAnalysis(models.Model):
    """What each customer bought, accrued and was credited, per agreement,
    product and date.

    Two kinds of rows: one per accrual (the counted invoice or refund line:
    its sales and the rebate it accrued) and one per settlement whose credit
    note is issued (the rebate settled, dated at the end of its period, with
    no product: a settlement pays a period, not a product).
    """

    _name = "rebate.analysis"
    _description = "Rebate Analysis"
    _auto = False
    _order = "date desc"
    _rec_name = "agreement_id"
    _depends = {
        "rebate.accrual": [
            "agreement_id",
            "commercial_partner_id",
            "company_id",
            "currency_id",
            "product_id",
            "move_id",
            "date",
            "period_start",
            "sales_amount",
            "quantity",
            "amount",
        ],
        "rebate.agreement": ["commercial_partner_id", "user_id", "state"],
        "rebate.settlement": [
            "agreement_id",
            "company_id",
            "currency_id",
            "document_id",
            "date_from",
            "date_to",
            "state",
            "rebate_total",
        ],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id"],
        "res.partner": ["rebate_grade_id"],
    }

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    agreement_id = fields.Many2one("rebate.agreement", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    grade_id = fields.Many2one(
        "rebate.grade",
        string="Customer Grade",
        readonly=True,
        help="The customer's grade today, in the row's company.",
    )
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    product_categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    move_id = fields.Many2one("account.move", string="Document", readonly=True)
    settlement_id = fields.Many2one("rebate.settlement", readonly=True)
    date = fields.Date(readonly=True)
    period_start = fields.Date(readonly=True)
    agreement_state = fields.Selection(
        AGREEMENT_STATES,
        string="Agreement Status",
        readonly=True,
    )
    settlement_state = fields.Selection(
        SETTLEMENT_STATES,
        string="Settlement Status",
        readonly=True,
    )
    sales_base = fields.Monetary(
        string="Sales",
        readonly=True,
        help="Untaxed sales of the counted lines, refunds deducted, in the "
        "agreement currency.",
    )
    sales_quantity = fields.Float(
        string="Quantity",
        digits="Product Unit of Measure",
        readonly=True,
        help="Quantity sold in the product's unit of measure, refunds deducted.",
    )
    rebate_accrued = fields.Monetary(readonly=True)
    rebate_settled = fields.Monetary(
        readonly=True, help="Rebate paid out by credit notes (settlements done)."
    )

    @property
    def _table_query(self):
        """The accrual rows, then the settled rows."""
        return SQL(
            "%s UNION ALL %s", self._query_accrual_rows(), self._query_settled_rows()
        )

    # One row per accrual: what the counted line sold and accrued, in the
    # settlement (if any, not cancelled, not an adjustment) of its period.

    def _query_accrual_rows(self):
        return SQL(
            "SELECT %s FROM %s", self._select_accrual_rows(), self._from_accrual_rows()
        )

    def _select_accrual_rows(self):
        return SQL(
            """
                   a.id * 2 AS id,
                   a.commercial_partner_id AS partner_id,
                   a.agreement_id,
                   ag.user_id,
                   (rp.rebate_grade_id ->> a.company_id::text)::int AS grade_id,
                   a.company_id,
                   a.currency_id,
                   a.product_id,
                   pt.categ_id AS product_categ_id,
                   a.move_id,
                   s.id AS settlement_id,
                   a.date,
                   a.period_start,
                   ag.state AS agreement_state,
                   s.state AS settlement_state,
                   a.sales_amount AS sales_base,
                   a.quantity AS sales_quantity,
                   a.amount AS rebate_accrued,
                   0.0 AS rebate_settled
            """
        )

    def _from_accrual_rows(self):
        return SQL(
            """
                   rebate_accrual a
              JOIN rebate_agreement ag ON ag.id = a.agreement_id
              JOIN product_product pp ON pp.id = a.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              JOIN res_partner rp ON rp.id = a.commercial_partner_id
         LEFT JOIN rebate_settlement s
                ON s.agreement_id = a.agreement_id
               AND a.date BETWEEN s.date_from AND s.date_to
               AND s.state != 'cancelled'
               AND s.is_adjustment IS NOT TRUE
            """
        )

    # One row per settlement done: the rebate its credit note paid, dated at
    # the end of its period, without a product.

    def _query_settled_rows(self):
        return SQL(
            "SELECT %s FROM %s WHERE %s",
            self._select_settled_rows(),
            self._from_settled_rows(),
            self._where_settled_rows(),
        )

    def _select_settled_rows(self):
        return SQL(
            """
                   s.id * 2 + 1 AS id,
                   ag.commercial_partner_id AS partner_id,
                   s.agreement_id,
                   ag.user_id,
                   (rp.rebate_grade_id ->> s.company_id::text)::int AS grade_id,
                   s.company_id,
                   s.currency_id,
                   NULL AS product_id,
                   NULL AS product_categ_id,
                   s.document_id AS move_id,
                   s.id AS settlement_id,
                   s.date_to AS date,
                   s.date_from AS period_start,
                   ag.state AS agreement_state,
                   s.state AS settlement_state,
                   0.0 AS sales_base,
                   0.0 AS sales_quantity,
                   0.0 AS rebate_accrued,
                   s.rebate_total AS rebate_settled
            """
        )

    def _from_settled_rows(self):
        return SQL(
            """
                   rebate_settlement s
              JOIN rebate_agreement ag ON ag.id = s.agreement_id
              JOIN res_partner rp ON rp.id = ag.commercial_partner_id
            """
        )

    def _where_settled_rows(self):
        return SQL("s.state = 'done'")
