# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from markupsafe import Markup

from odoo import fields, models
from odoo.tools import format_date, formatLang


class SaleOrder(models.Model):
    """Where this order takes the customer in each of its active
    agreements: the current period's base, what the order adds, the tier it
    reaches and the rebate it would earn, by the engine's own rebate
    method; one read per order, whatever its lines."""

    _inherit = "sale.order"

    rebate_outlook = fields.Html(
        compute="_compute_rebate_outlook",
        sanitize=False,
        groups="rebate_management.group_rebate_user",
    )

    def _compute_rebate_outlook(self):
        for order in self:
            rows = order._get_rebate_outlook()
            order.rebate_outlook = order._render_rebate_outlook(rows) if rows else False

    def _get_rebate_outlook_date(self):
        self.ensure_one()
        return fields.Date.to_date(self.date_order) or fields.Date.context_today(self)

    def _get_customer_agreements_domain(self):
        """The agreements of the order's customer in its company: its own,
        and those of the buying groups it is a member of."""
        self.ensure_one()
        customer = self.partner_id.commercial_partner_id.id
        return [
            ("rebate_type", "=", "customer"),
            "|",
            ("commercial_partner_id", "=", customer),
            ("member_ids.partner_id", "=", customer),
            ("company_id", "=", self.company_id.id),
        ]

    def _get_rebate_outlook_agreements(self, date):
        """The active agreements of the customer holding ``date`` (read as
        superuser, as the portal reads them: only figures leave here)."""
        self.ensure_one()
        return (
            self.env["rebate.agreement"]
            .sudo()
            .search(
                [
                    *self._get_customer_agreements_domain(),
                    ("state", "=", "active"),
                    ("is_template", "=", False),
                    ("date_start", "<=", date),
                    ("date_end", ">=", date),
                ]
            )
        )

    def _get_rebate_outlook_lines(self):
        """The lines an invoice of this order would count: product lines but
        the rebate balance's deductions and the discounts of rebate points
        and coupons."""
        return self.order_line.filtered(
            lambda line: line.product_id
            and not line.display_type
            and line.rebate_deduction_kind != "balance"
            and not line._is_rebate_loyalty_line()
        )

    def _get_rebate_outlook(self):
        """[dict] per active agreement: ``agreement``, ``period`` (start,
        end), ``base`` (the period's so far), ``added`` (this order),
        ``rebate`` and ``rebate_after`` (the period's rebate without and
        with the order), ``rate`` (of the tier reached with it, or None),
        ``next_tier`` ((threshold, rate) above it, or None)."""
        self.ensure_one()
        date = self._get_rebate_outlook_date()
        agreements = self._get_rebate_outlook_agreements(date)
        if not agreements:
            return []
        Lines = self.env["rebate.line.query"].sudo()
        terms = agreements._read_accrual_terms()
        tiers = agreements._read_tiers()
        period_of = agreements._period_finder(terms)
        periods = [(ag.id, *period_of(ag.id, date)) for ag in agreements]
        bases = Lines._get_period_bases(periods, terms)
        # growth rebates: each period's terms carry its prior base
        period_terms = agreements.sudo()._get_period_terms(periods, terms)
        lines = self._get_rebate_outlook_lines()
        scoped = Lines._get_scoped_products(
            agreements, lines.product_id, (self.partner_id, self.company_id, date)
        )
        return [
            self._prepare_rebate_outlook_row(
                agreement,
                (start, end),
                bases.get((ag_id, start), 0.0),
                lines.filtered(
                    lambda line, ag_id=ag_id: line.product_id.id
                    in scoped.get(ag_id, ())
                ),
                period_terms[ag_id, start],
                tiers.get(ag_id, []),
            )
            for agreement, (ag_id, start, end) in zip(agreements, periods, strict=True)
        ]

    def _prepare_rebate_outlook_row(self, agreement, period, base, lines, terms, tiers):
        """The outlook of one agreement: its period's ``base`` so far and
        the counted ``lines`` of this order, through the rebate method."""
        date = self._get_rebate_outlook_date()
        added = sum(self._get_rebate_outlook_base(line, terms, date) for line in lines)
        before = agreement._get_period_rebate(base, tiers, terms)
        after = agreement._get_period_rebate(base + added, tiers, terms)
        return {
            "agreement": agreement,
            "period": period,
            "base": base,
            "added": added,
            "rebate": before.amount,
            "rebate_after": after.amount,
            "rate": tiers[after.tier_index][1]
            if after.tier_index is not None
            else None,
            "next_tier": agreement._get_next_tier(
                agreement._get_reachable_tiers(tiers, terms), base + added
            ),
            "terms": terms,
        }

    def _get_rebate_outlook_base(self, line, terms, date):
        """What ``line`` still adds to an agreement's base (what its invoices
        posted already is in the base so far): its untaxed amount in the
        agreement's currency, or its quantity in the product's unit."""
        if not line.product_uom_qty:
            return 0.0
        left = (line.product_uom_qty - line.qty_invoiced) / line.product_uom_qty
        if terms.basis == "quantity":
            return left * line.product_uom._compute_quantity(
                line.product_uom_qty, line.product_id.uom_id
            )
        return left * self.currency_id._convert(
            line.price_subtotal, terms.currency, self.company_id, date
        )

    def _render_rebate_outlook(self, rows):
        env = self.env
        head = Markup(
            "<table class='table table-sm o_rebate_outlook'><thead><tr>"
            "<th>%s</th><th>%s</th><th class='text-end'>%s</th>"
            "<th class='text-end'>%s</th><th>%s</th>"
            "<th class='text-end'>%s</th></tr></thead><tbody>"
        ) % (
            env._("Agreement"),
            env._("Period"),
            env._("Base so far"),
            env._("This order adds"),
            env._("Tier reached"),
            env._("Rebate with this order"),
        )
        body = Markup("").join(self._render_rebate_outlook_row(row) for row in rows)
        return head + body + Markup("</tbody></table>")

    def _render_rebate_outlook_row(self, row):
        env = self.env
        terms = row["terms"]
        amounts = terms.basis == "amount"

        def number(value, currency=True):
            if amounts and currency:
                return formatLang(env, value, currency_obj=terms.currency)
            return formatLang(env, value)

        def rate(value):
            # a rate, or a lump-sum tier's amount, as the agreement says it
            return row["agreement"]._format_rate(env, value)

        reached = rate(row["rate"]) if row["rate"] is not None else env._("none yet")
        if row["next_tier"]:
            threshold, next_rate = row["next_tier"]
            reached = env._(
                "%(reached)s (next: %(rate)s from %(threshold)s)",
                reached=reached,
                rate=rate(next_rate),
                threshold=number(threshold),
            )
        start, end = row["period"]
        gain = row["rebate_after"] - row["rebate"]
        return Markup(
            "<tr><td>%s</td><td>%s - %s</td><td class='text-end'>%s</td>"
            "<td class='text-end'>%s</td><td>%s</td>"
            "<td class='text-end'>%s (%s)</td></tr>"
        ) % (
            row["agreement"].name,
            format_date(env, start),
            format_date(env, end),
            number(row["base"]),
            number(row["added"]),
            reached,
            formatLang(env, row["rebate_after"], currency_obj=terms.currency),
            ("+" if gain >= 0 else "")
            + formatLang(env, gain, currency_obj=terms.currency),
        )
