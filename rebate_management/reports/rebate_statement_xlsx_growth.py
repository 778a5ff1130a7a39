# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, models

from .xlsx_sheet import TableColumn, _selection_label


class RebateStatementXlsx(models.AbstractModel):
    """Growth rebates on the statement: the base a year earlier and the
    growth beside the base, the growth measured (or why there is none) under
    them, thresholds in percent of growth, and, when the tier pays on the
    increase only, the lines at the effective rate (rebate / base)."""

    _inherit = "rebate.statement.xlsx"

    @api.model
    def _measures_growth(self, settlement):
        """Whether the settlement is a growth rebate's (its own period's)."""
        return (
            settlement.agreement_id.growth_basis != "none"
            and not settlement.is_adjustment
        )

    @api.model
    def _uses_effective_rate(self, settlement):
        return super()._uses_effective_rate(settlement) or (
            self._measures_growth(settlement)
            and settlement.agreement_id.growth_basis == "increase"
        )

    @api.model
    def _prepare_terms(self, settlement):
        terms = super()._prepare_terms(settlement)
        if not self._measures_growth(settlement):
            return terms
        _ = self.env._
        kind = self._get_base_kind(settlement.agreement_id)
        growth = [
            (
                _("Growth rebate"),
                _selection_label(settlement.agreement_id, "growth_basis"),
                "text",
            ),
            (_("Base a year earlier"), settlement.base_prior, kind),
        ]
        if settlement.base_prior > 0:
            growth.append((_("Growth (%)"), settlement.growth_percent, "rate"))
        # after the bases, before what is deducted and the rebate
        labels = [label for label, _value, _kind in terms]
        after = _("Base to date") if settlement.is_interim else _("Base")
        index = labels.index(after) + 1 if after in labels else len(terms)
        return terms[:index] + growth + terms[index:]

    @api.model
    def _write_terms(self, sheet, settlement, fmt, row):
        row = super()._write_terms(sheet, settlement, fmt, row)
        if self._measures_growth(settlement) and settlement.growth_note:
            sheet.text(row, 0, settlement.growth_note, fmt(italic=True), measure=False)
            row += 1
        return row

    @api.model
    def _get_tier_columns(self, settlement):
        columns = super()._get_tier_columns(settlement)
        if settlement.agreement_id.growth_basis == "none":
            return columns
        labels = {
            "threshold": self.env._("From growth (%)"),
            "upper": self.env._("Up to growth (%)"),
        }
        return [
            TableColumn(column.key, labels[column.key], "rate")
            if column.key in labels
            else column
            for column in columns
        ]
