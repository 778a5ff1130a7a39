# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..rebate_maths import split_amount


class RebateSettlementGroup(models.Model):
    """Buying groups (``rebate.settlement``): a group agreement's
    settlement is computed on the pooled base of its customers like any
    other; each customer's share of it (``rebate.settlement.share``) is
    written with it, whenever the close or a recompute writes its totals.

    A customer's share is the group's rebate split by its share of the base
    (the cent left by rounding to the largest share), less its shares of
    the earlier settlements of the tier period (interim settlements, as the
    group's rebate deducts what it settled before), plus what its own late
    documents change. Split among the members, a customer whose base is
    below the agreement's member minimum base forfeits its share."""

    _inherit = "rebate.settlement"

    share_ids = fields.One2many(
        "rebate.settlement.share", "settlement_id", string="Shares", readonly=True
    )
    is_buying_group = fields.Boolean(related="agreement_id.is_buying_group")
    group_payout = fields.Selection(related="agreement_id.group_payout")
    share_forfeited = fields.Monetary(
        string="Forfeited Shares",
        compute="_compute_share_forfeited",
        store=True,
        help="Split among the members: the shares of the customers whose base "
        "is below the member minimum base, not paid.",
    )

    @api.depends("share_ids.amount_forfeited")
    def _compute_share_forfeited(self):
        for settlement in self:
            settlement.share_forfeited = settlement.currency_id.round(
                sum(settlement.share_ids.mapped("amount_forfeited"))
            )

    # The group's statement lists every member's invoices: the head's portal
    # users read it, a member's read their own share on the portal page only

    def _is_statement_readable(self):
        """Whether the user may read this settlement's statement: internal
        users who read the settlement, and portal users of its customer
        (the head of a buying group), not of a member."""
        self.ensure_one()
        if not self.env.user.share:
            return True
        head = self.sudo().agreement_id.commercial_partner_id
        return head == self.env.user.partner_id.commercial_partner_id

    def _get_statement_xlsx(self):
        if not all(settlement._is_statement_readable() for settlement in self):
            raise AccessError(
                self.env._(
                    "The statement of a buying group lists every member's "
                    "invoices: its head reads it, a member its own share."
                )
            )
        return super()._get_statement_xlsx()

    def _get_statement_template(self):
        if self.sudo()._is_split_among_members():
            return self.env.ref(
                "rebate_management.mail_template_settlement_statement_group",
                raise_if_not_found=False,
            )
        return super()._get_statement_template()

    def _link_created(self, created, adjustments, alerts):
        res = super()._link_created(created, adjustments, alerts)
        self._rebuild_shares()
        return res

    def _recompute_totals(self):
        res = super()._recompute_totals()
        self._rebuild_shares()
        return res

    # The shares, written afresh from the settlements' totals

    def _rebuild_shares(self):
        """Write the shares of these settlements of buying groups afresh,
        in a few queries for all of them (one when none is a group's: a
        close settles thousands)."""
        grouped = self._get_group_settlements().sorted(
            lambda s: (s.agreement_id.id, s.date_from, s.id)
        )
        if not grouped:
            return
        grouped.share_ids.sudo().unlink()
        terms = grouped.agreement_id._read_accrual_terms()
        windows = grouped._get_share_windows(terms)
        bases = self.env["rebate.line.query"]._get_customer_bases(
            sorted({w for own in windows.values() for w in own}), terms
        )
        allocated = grouped._read_allocated_shares(terms)
        vals_list = []
        for settlement in grouped:
            vals_list += settlement._prepare_share_vals_list(
                terms[settlement.agreement_id.id],
                settlement._sum_customer_bases(windows.get(settlement, []), bases),
                allocated,
            )
        self.env["rebate.settlement.share"].sudo().create(vals_list)

    def _get_group_settlements(self):
        """Those of these settlements that settle a buying group, not
        cancelled: one query, whatever their number."""
        if not self:
            return self
        self.flush_model(["agreement_id", "state"])
        self.env["rebate.agreement"].flush_model(["is_buying_group"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT s.id FROM rebate_settlement s
                  JOIN rebate_agreement ag ON ag.id = s.agreement_id
                 WHERE s.id = ANY(%s) AND ag.is_buying_group
                   AND s.state != 'cancelled'
                """,
                self.ids,
            )
        )
        return self.browse(row[0] for row in rows)

    def _get_share_windows(self, terms):
        """{settlement: [(agreement id, date from, date to)]}: the periods
        whose customer bases make each regular settlement's split, its own
        or, for an interim settlement, the parts of its tier period to date."""
        regular = self.filtered(lambda s: not s.is_adjustment)
        periods = [(s.agreement_id.id, s.date_from, s.date_to) for s in regular]
        parts = self._get_interim_parts(periods, terms)
        windows = {}
        for settlement, period in zip(regular, periods, strict=True):
            own = parts.get(period[:2]) or [period[1:]]
            windows[settlement] = [(period[0], *part) for part in own]
        return windows

    @api.model
    def _sum_customer_bases(self, windows, bases):
        """{customer id: base} over ``windows``, from ``bases``
        (rebate.line.query._get_customer_bases)."""
        total = defaultdict(float)
        for ag_id, date_from, _date_to in windows:
            for customer, base in bases.get((ag_id, date_from), {}).items():
                total[customer] += base
        return total

    def _get_tier_key(self, terms):
        """(agreement id, start of the tier period) of this settlement: the
        shares of one tier period are trued up together."""
        self.ensure_one()
        tier_start, _end = self.env["rebate.agreement"]._find_period(
            terms.date_start, terms.date_end, terms.months, self.date_from
        )
        return self.agreement_id.id, tier_start

    def _read_allocated_shares(self, terms):
        """{(agreement id, tier period start): {customer id: [paid,
        forfeited]}}: what the live regular settlements of these settlements'
        agreements, other than these, gave each customer so far (interim
        settlements deduct it)."""
        allocated = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
        earlier = (
            self.env["rebate.settlement.share"]
            .sudo()
            .search(
                [
                    ("settlement_id.agreement_id", "in", self.agreement_id.ids),
                    ("settlement_id", "not in", self.ids),
                    ("settlement_id.state", "!=", "cancelled"),
                    ("settlement_id.is_adjustment", "=", False),
                ]
            )
        )
        for share in earlier:
            settlement = share.settlement_id
            key = settlement._get_tier_key(terms[settlement.agreement_id.id])
            given = allocated[key][share.partner_id.id]
            given[0] += share.amount_period
            given[1] += share.amount_forfeited
        return allocated

    def _prepare_share_vals_list(self, terms, customer_bases, allocated):
        """The values of this settlement's shares (``customer_bases``: its
        customers' bases; ``allocated``: _read_allocated_shares, updated with
        what this settlement gives)."""
        self.ensure_one()
        given = allocated[self._get_tier_key(terms)] if not self.is_adjustment else {}
        late = self._get_late_shares()
        customers = sorted(
            set(customer_bases) | set(given) | set(late),
            key=lambda c: (-customer_bases.get(c, 0.0), c),
        )
        split = self._split_period_rebate(terms, customers, customer_bases, given)
        pooled = sum(customer_bases.values())
        vals_list = []
        for customer, (period, forfeited) in zip(customers, split, strict=True):
            base = customer_bases.get(customer, 0.0)
            adjustment = late.get(customer, 0.0)
            if not (base or period or forfeited or adjustment):
                continue
            vals_list.append(
                {
                    "settlement_id": self.id,
                    "partner_id": customer,
                    "is_head": customer == terms.commercial_partner_id,
                    "base": base,
                    "base_percent": 100.0 * base / pooled if pooled else 0.0,
                    "amount_period": period,
                    "amount_adjustment": adjustment,
                    "amount_forfeited": forfeited,
                    "amount": self.currency_id.round(period + adjustment),
                }
            )
        return vals_list

    def _split_period_rebate(self, terms, customers, bases, given):
        """[(share, forfeited)] of ``customers``: the group's rebate to date
        split by their ``bases``, less what ``given`` ({customer: [paid,
        forfeited]}, updated here) holds from before."""
        self.ensure_one()
        currency = self.currency_id
        if self.is_adjustment:
            return [(0.0, 0.0)] * len(customers)
        to_date = self.rebate_previous + self.rebate_total - self.adjustment_total
        parts = split_amount(
            to_date, [bases.get(c, 0.0) for c in customers], currency.rounding
        )
        split = []
        for customer, part in zip(customers, parts, strict=True):
            shares = self._is_sharing(terms, bases.get(customer, 0.0))
            before = given[customer] if customer in given else [0.0, 0.0]
            period = currency.round((part if shares else 0.0) - before[0])
            forfeited = currency.round((0.0 if shares else part) - before[1])
            given[customer] = [before[0] + period, before[1] + forfeited]
            split.append((period, forfeited))
        return split

    @api.model
    def _is_sharing(self, terms, base):
        """Whether a customer whose base is ``base`` gets its share: always,
        unless the rebate is split among the members and its base is below
        the member minimum base."""
        return not (
            terms.group_payout == "members"
            and terms.member_min_base
            and base < terms.member_min_base
        )

    def _get_late_shares(self):
        """{customer id: part of the late documents' change this settlement
        carries}: each customer's late documents, by their base."""
        self.ensure_one()
        late = self.late_accrual_ids.sudo()
        if not late or self.currency_id.is_zero(self.adjustment_total):
            return {}
        bases = defaultdict(float)
        for accrual in late:
            bases[accrual.move_id.commercial_partner_id.id] += accrual.base
        customers = sorted(bases, key=lambda c: (-abs(bases[c]), c))
        parts = split_amount(
            self.adjustment_total,
            [bases[c] for c in customers],
            self.currency_id.rounding,
        )
        return dict(zip(customers, parts, strict=True))
