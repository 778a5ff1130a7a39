# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import http
from odoo.http import request

from odoo.addons.rebate_management.controllers.portal import RebatePortal


class RebateBalancePortal(RebatePortal):
    """The customer's rebate balance on /my/rebates: what it may spend, each
    credit with its expiry, and where it was spent."""

    @http.route()
    def portal_my_rebates(self, page=1, **kwargs):
        response = super().portal_my_rebates(page=page, **kwargs)
        response.qcontext.update(self._prepare_rebate_balance_values())
        response.qcontext.update(self._prepare_rebate_loyalty_values())
        return response

    def _prepare_rebate_loyalty_values(self):
        """The loyalty cards rebates were paid onto (points cards and
        coupons) of the user's commercial entity, in the user's company."""
        partner = request.env.user.commercial_partner_id
        cards = (
            request.env["loyalty.card"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", partner.id),
                    ("rebate_funded", "=", True),
                    ("company_id", "in", [False, request.env.company.id]),
                ]
            )
        )
        return {"rebate_loyalty_cards": cards}

    def _prepare_rebate_balance_values(self):
        """The credits of the user's company that have something left or
        have been used, read through the portal rules (its own only), shown
        with the names of the orders and invoices they went to."""
        credits = request.env["rebate.balance.credit"].search(
            [("partner_id", "=", request.env.user.commercial_partner_id.id)]
        )
        partner = request.env.user.commercial_partner_id
        # what may be spent today, by the rule the orders use (both kinds)
        balances = partner._get_rebate_balances_by_kind(request.env.company)
        return {
            "rebate_balance_credits": credits.sudo(),
            "rebate_balance_available": sum(balances.values()),
            "rebate_balance_currency": request.env.company.currency_id,
            "rebate_balance_debits": credits.sudo()
            .debit_ids.filtered(lambda d: d.state != "cancelled")
            .sorted(lambda d: (d.date, d.id), reverse=True),
        }
