# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class RebateSettlementShare(models.Model):
    """One customer's share of a buying group's settlement: its base, its
    part of the group's rebate by its share of the pooled base, what late
    documents of its own change, and what it forfeits below the agreement's
    member minimum base. Split among the members, each share with an amount
    is paid by a document of its own. Written by the engine only."""

    _name = "rebate.settlement.share"
    _description = "Rebate Buying Group Share"
    _order = "settlement_id, base desc, partner_id"
    _check_company_auto = True

    settlement_id = fields.Many2one(
        "rebate.settlement",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="settlement_id.company_id", store=True)
    currency_id = fields.Many2one(related="settlement_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    is_head = fields.Boolean(
        string="Head",
        readonly=True,
        help="The customer who signs the agreement for the group.",
    )
    base = fields.Float(
        digits="Product Price",
        readonly=True,
        help="This customer's base: of the settlement's period, or of its tier "
        "period to date for an interim settlement.",
    )
    base_percent = fields.Float(
        string="Share of Base (%)",
        digits=(16, 2),
        readonly=True,
        help="This customer's base against the group's.",
    )
    amount_period = fields.Monetary(
        string="Share",
        readonly=True,
        help="Its part of the group's rebate by its share of the base (for an "
        "interim settlement: of the rebate to date, less its earlier shares).",
    )
    amount_adjustment = fields.Monetary(
        string="Late Documents",
        readonly=True,
        help="What its own late documents change in the rebate of periods "
        "settled before.",
    )
    amount_forfeited = fields.Monetary(
        string="Forfeited",
        readonly=True,
        help="Its part of the rebate it does not get: its base is below the "
        "agreement's member minimum base.",
    )
    amount = fields.Monetary(
        string="To Pay",
        readonly=True,
        help="What it gets: its share and its late documents.",
    )
    document_id = fields.Many2one(
        "account.move",
        readonly=True,
        copy=False,
        check_company=True,
        help="Split among the members: the credit note paying its share (an "
        "invoice when negative).",
    )
    payout_payment_id = fields.Many2one("account.payment", readonly=True, copy=False)
