# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models
from odoo.tools import format_date, formatLang

from ..rebate_maths import growth_percent


class RebateSettlement(models.Model):
    """A growth rebate's settlement: the base of its tier period a year
    earlier, written by the close (rebate.agreement._get_period_terms),
    the growth it measures, and why it pays nothing without one."""

    _inherit = "rebate.settlement"

    growth_basis = fields.Selection(related="agreement_id.growth_basis")
    base_prior = fields.Float(
        string="Base a Year Earlier",
        digits="Product Price",
        readonly=True,
        help="Growth rebate: the base of the same tier period a year earlier, "
        "from the same counted lines; the growth is measured against it.",
    )
    growth_percent = fields.Float(
        string="Growth (%)",
        compute="_compute_growth",
        digits=(16, 2),
        help="Growth rebate: the growth of the base (to date, for an interim "
        "settlement) over the base a year earlier.",
    )
    growth_note = fields.Char(
        compute="_compute_growth",
        help="Growth rebate: the growth measured, or why there is none.",
    )

    @api.depends(
        "growth_basis", "base_prior", "base_total", "base_cumulative", "is_interim"
    )
    def _compute_growth(self):
        for settlement in self:
            settlement.growth_percent = 0.0
            settlement.growth_note = False
            if settlement.growth_basis in (False, "none") or settlement.is_adjustment:
                continue
            base = (
                settlement.base_cumulative
                if settlement.is_interim
                else settlement.base_total
            )
            percent = growth_percent(base, settlement.base_prior)
            settlement.growth_percent = percent or 0.0
            settlement.growth_note = settlement._describe_growth(percent)

    def _get_prior_dates(self):
        """(date from, date to) of the tier period a year earlier that this
        settlement's growth is measured against."""
        self.ensure_one()
        agreement = self.agreement_id
        tier_from, tier_to = agreement._find_period(
            agreement.date_start,
            agreement.date_end,
            agreement._get_period_months(agreement.period),
            self.date_from,
        )
        return agreement._get_prior_window(tier_from, tier_to)

    def _describe_growth(self, percent):
        """The growth measured (``percent``, None without a prior base) as
        the settlement, the statement and the approver say it."""
        self.ensure_one()
        date_from, date_to = self._get_prior_dates()
        if percent is None:
            return self.env._(
                "No growth rebate: no sales from %(date_from)s to %(date_to)s, "
                "the same period a year earlier, to measure a growth against.",
                date_from=format_date(self.env, date_from),
                date_to=format_date(self.env, date_to),
            )
        return self.env._(
            "Growth of %(percent)s %% over the same period a year earlier "
            "(%(date_from)s to %(date_to)s: %(base)s).",
            percent=formatLang(self.env, percent, digits=2),
            date_from=format_date(self.env, date_from),
            date_to=format_date(self.env, date_to),
            base=self.agreement_id._format_base(self.env, self.base_prior),
        )
