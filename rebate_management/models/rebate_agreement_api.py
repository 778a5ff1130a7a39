# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models

from ..tools import integrator_api, to_date


class RebateAgreementApi(models.Model):
    """What integrators read of an agreement over RPC that no field holds:
    where its customer stands (docs/api.md)."""

    _inherit = "rebate.agreement"

    @integrator_api
    @api.readonly
    def get_progress(self, date=None):
        """Where the customer of each agreement stands on ``date`` (today by
        default; a date or an ISO date text) in the tier period holding it,
        as the portal shows it: plain values, dates as ISO texts.

        :return: one dict per agreement, in order: {"agreement_id",
            "date_from", "date_to", "is_final", "base", "rebate",
            "tier_threshold", "tier_value", "next_threshold", "next_value",
            "to_next", "forecast_base", "forecast_rebate", "penalty",
            "base_prior", "growth_percent"}, ``False`` where there is none
            (XML-RPC carries no None); only "agreement_id" before the
            agreement starts
        """
        self.check_access("read")
        date = to_date(self.env, date) if date else fields.Date.context_today(self)
        return [
            {
                "agreement_id": agreement.id,
                **agreement._prepare_api_progress(agreement._get_portal_progress(date)),
            }
            for agreement in self
        ]

    def _prepare_api_progress(self, progress):
        """A portal progress (_get_portal_progress) as plain values, False
        for none (nothing before the agreement starts)."""
        if progress is None:
            return {}
        tier = progress["tier"]
        values = {
            "date_from": fields.Date.to_string(progress["date_from"]),
            "date_to": fields.Date.to_string(progress["date_to"]),
            "is_final": progress["is_final"],
            "base": progress["base"],
            "rebate": progress["rebate"],
            "tier_threshold": tier[0] if tier else None,
            "tier_value": tier[1] if tier else None,
            "next_threshold": progress["next_threshold"],
            "next_value": progress["next_rate"],
            "to_next": progress["to_next"],
            "forecast_base": progress["forecast_base"],
            "forecast_rebate": progress["forecast_rebate"],
            "penalty": progress["penalty"],
            "base_prior": progress.get("base_prior"),
            "growth_percent": progress.get("growth_percent"),
        }
        return {key: False if value is None else value for key, value in values.items()}
