# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from werkzeug.exceptions import Forbidden

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class RebatePortal(CustomerPortal):
    """The customer's rebates on Odoo's portal: the agreements of its
    commercial entity (active or closed), their terms, where it stands in the
    current period, and the settlements paid, read through the portal record
    rules (no sudo but for the engine's figures)."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "rebate_count" in counters:
            Agreement = request.env["rebate.agreement"]
            values["rebate_count"] = (
                Agreement.search_count(self._get_rebate_domain())
                if Agreement.has_access("read")
                else 0
            )
        return values

    def _get_rebate_domain(self):
        """The agreements a portal user sees: those of its commercial entity
        and of the buying groups it is a member of, active or closed; never
        drafts, cancelled agreements or templates."""
        partner = request.env.user.partner_id.commercial_partner_id
        return [
            ("rebate_type", "=", "customer"),
            "|",
            ("commercial_partner_id", "=", partner.id),
            ("member_ids.partner_id", "=", partner.id),
            ("state", "in", ("active", "closed")),
            ("is_template", "=", False),
        ]

    def _get_rebate_settlement_domain(self, agreement):
        return [
            ("agreement_id", "=", agreement.id),
            ("state", "in", ("approved", "done")),
        ]

    @http.route(
        ["/my/rebates", "/my/rebates/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_rebates(self, page=1, **kwargs):
        Agreement = request.env["rebate.agreement"]
        domain = self._get_rebate_domain()
        pager = portal_pager(
            url="/my/rebates",
            total=Agreement.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        agreements = Agreement.search(
            domain,
            order="date_start desc, id desc",
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        values = self._prepare_portal_layout_values()
        values.update(
            agreements=agreements,
            pager=pager,
            page_name="rebates",
            default_url="/my/rebates",
        )
        return request.render("rebate_management.portal_my_rebates", values)

    @http.route(
        "/my/rebates/<int:agreement_id>",
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_rebate(self, agreement_id, **kwargs):
        agreement = self._get_portal_agreement(agreement_id)
        values = self._prepare_portal_layout_values()
        values.update(self._prepare_rebate_page_values(agreement))
        return request.render("rebate_management.portal_my_rebate", values)

    def _get_portal_agreement(self, agreement_id):
        """The agreement, if the user may see it on the portal. One that does
        not exist and one of another customer get the same answer, which
        names nothing: 403 Forbidden (as the statement download)."""
        agreement = request.env["rebate.agreement"].browse(agreement_id)
        try:
            agreement.check_access("read")
            visible = agreement.filtered_domain(self._get_rebate_domain())
        except (AccessError, MissingError):
            visible = None
        if not visible:
            raise Forbidden()
        return visible

    def _prepare_rebate_page_values(self, agreement):
        today = fields.Date.context_today(agreement)
        settlements = request.env["rebate.settlement"].search(
            self._get_rebate_settlement_domain(agreement), order="date_from desc"
        )
        return {
            "agreement": agreement,
            "tiers": agreement.tier_ids.sorted("threshold"),
            "progress": agreement._get_portal_progress(today),
            "settlements": settlements,
            "documents": {
                settlement.id: self._get_rebate_document(settlement)
                for settlement in settlements
            },
            "settlement_notes": agreement._get_portal_settlement_notes(settlements),
            "statements": {
                settlement.id: settlement._is_statement_readable()
                for settlement in settlements
            },
            "penalty_clause": agreement._get_portal_penalty_clause(),
            "scope": self._get_rebate_scope(agreement),
            "page_name": "rebate",
        }

    def _get_rebate_document(self, settlement):
        """The id of the document paying ``settlement`` to the portal user's
        customer: the settlement's, or the share's of a buying group split
        among its members."""
        paid = settlement.sudo()
        if paid.document_id:
            return paid.document_id.id
        partner = request.env.user.partner_id.commercial_partner_id
        return paid.share_ids.filtered(
            lambda share: share.partner_id == partner
        ).document_id.id

    def _get_rebate_scope(self, agreement):
        """The names of the products and categories in scope and excluded
        (a customer may not read products otherwise)."""
        terms = agreement.sudo()
        return {
            "products": terms.product_ids.mapped("display_name"),
            "categories": terms.product_categ_ids.mapped("display_name"),
            "excluded": terms.excluded_product_ids.mapped("display_name"),
        }
