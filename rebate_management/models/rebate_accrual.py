# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.query import Query


def _settled_accruals(columns, condition=None):
    """SELECT ``columns`` of the accruals that belong to a live settlement
    (alias s): those of its agreement (alias a) and period."""
    return SQL(
        """
        SELECT %s
          FROM rebate_accrual a
          JOIN rebate_settlement s
            ON s.agreement_id = a.agreement_id
           AND s.date_from = a.period_start
         WHERE s.state != 'cancelled' AND %s
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
    settlement_id = fields.Many2one(
        "rebate.settlement",
        compute="_compute_settlement_id",
        search="_search_settlement_id",
        help="The settlement of the accrual's agreement and period, once that "
        "period is closed.",
    )

    # An accrual belongs to the live settlement of its agreement and period
    # (one at most, by the settlement's unique index): the link follows from
    # the period instead of being written on every accrual, so that closing a
    # period writes its settlements and not its hundreds of thousands of
    # accruals, and an accrual posted late still shows its settlement.

    @api.depends("agreement_id", "period_start")
    def _compute_settlement_id(self):
        self.flush_recordset(["agreement_id", "period_start"])
        self.env["rebate.settlement"].flush_model(
            ["agreement_id", "date_from", "state"]
        )
        rows = self.env.execute_query(
            _settled_accruals(SQL("a.id, s.id"), SQL("a.id = ANY(%s)", self.ids))
        )
        by_accrual = dict(rows)
        for accrual in self:
            accrual.settlement_id = by_accrual.get(accrual.id)

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
            ["agreement_id", "date_from", "state"]
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
            domain = expression.FALSE_DOMAIN
            if any(ids):
                settled = _settled_accruals(
                    SQL("a.id"), SQL("s.id = ANY(%s)", [i for i in ids if i])
                )
                domain = [("id", "in", SQL("(%s)", settled))]
            if not all(ids):
                domain = expression.OR(
                    [
                        domain,
                        [("id", "not in", SQL("(%s)", _settled_accruals(SQL("a.id"))))],
                    ]
                )
        if operator == "not in":
            domain = ["!", *expression.normalize_domain(domain)]
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
