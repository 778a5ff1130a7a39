# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, models

from .xlsx_sheet import TableColumn


class RebateStatementXlsx(models.AbstractModel):
    """Lump-sum tiers on the statement: the tier table lists their fixed
    amounts, and the lines, which share the period's rebate by their base,
    show the effective rate (rebate / base), as on stepped tiers."""

    _inherit = "rebate.statement.xlsx"

    @api.model
    def _pays_lump_sums(self, settlement):
        """Whether the settlement's tiers pay fixed amounts."""
        return settlement.agreement_id.tier_amount_type == "fixed"

    @api.model
    def _uses_effective_rate(self, settlement):
        return super()._uses_effective_rate(settlement) or self._pays_lump_sums(
            settlement
        )

    @api.model
    def _get_tier_columns(self, settlement):
        columns = super()._get_tier_columns(settlement)
        if not self._pays_lump_sums(settlement):
            return columns
        label = self.env._(
            "Fixed amount (%(currency)s)", currency=settlement.currency_id.name
        )
        return [
            TableColumn("rate", label, "money") if column.key == "rate" else column
            for column in columns
        ]
