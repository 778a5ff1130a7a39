# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from ..rebate_maths import period_of


class RebateAgreementPortal(models.AbstractModel):
    """What a customer sees of an agreement on the portal, inherited by
    ``rebate.agreement``: where it stands in the current period."""

    _name = "rebate.agreement.portal"
    _description = "Rebate Agreement on the Portal"

    send_statement = fields.Boolean(
        default=True,
        tracking=True,
        help="When a settlement's credit note or invoice is created, send the "
        "customer its statement (Excel attached) with a link to the portal.",
    )

    def _get_portal_url(self):
        self.ensure_one()
        return f"{self.get_base_url()}/my/rebates/{self.id}"

    def _get_portal_progress(self, date):
        """Where the customer stands on ``date`` in the tier period holding
        it: its base so far, the tier reached, the rebate so far, the next
        threshold and how much more reaches it, and a forecast of the
        period's rebate at the current run rate.

        Computed from the source documents, as the close would count them
        today (the engine's queries, as superuser: the caller checked the
        customer may read the agreement).

        :return: a dict, or None when ``date`` is outside the agreement
        """
        self.ensure_one()
        agreement = self.sudo()
        terms = agreement._get_terms()
        if not terms.date_start <= date <= terms.date_end:
            return None
        start, end = period_of(terms.date_start, terms.date_end, terms.months, date)
        bases = (
            self.env["rebate.counted.line"]
            .sudo()
            ._compute_period_bases(
                [(agreement.id, start, date)], {agreement.id: terms}, date=date
            )
        )
        base = bases.get((agreement.id, start), 0.0)
        tiers = agreement._get_tier_pairs()
        reached = agreement._compute_period_rebate(base, tiers, terms)
        next_tier = next(
            ((threshold, rate) for threshold, rate in tiers if threshold > base), None
        )
        elapsed = (date - start).days + 1
        days = (end - start).days + 1
        forecast_base = base * days / elapsed
        return {
            "date_from": start,
            "date_to": end,
            "base": base,
            "rebate": reached.amount,
            "tier": tiers[reached.tier_index]
            if reached.tier_index is not None
            else None,
            "next_threshold": next_tier[0] if next_tier else None,
            "next_rate": next_tier[1] if next_tier else None,
            "to_next": next_tier[0] - base if next_tier else None,
            "forecast_base": forecast_base,
            "forecast_rebate": agreement._compute_period_rebate(
                forecast_base, tiers, terms
            ).amount,
            "elapsed_days": elapsed,
            "days": days,
        }
