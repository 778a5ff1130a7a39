# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, models

from .xlsx_sheet import TableColumn


class RebateStatementXlsx(models.AbstractModel):
    """Buying groups: each customer's share of the group's rebate, what
    late documents of its own change, what it forfeits below the member
    minimum base, and the document that pays it (split among the
    members)."""

    _inherit = "rebate.statement.xlsx"

    @api.model
    def _get_statement_sections(self, settlement):
        sections = super()._get_statement_sections(settlement)
        if settlement.sudo().share_ids:
            sections.insert(sections.index(self._write_document), self._write_shares)
        return sections

    def _get_document_text(self, settlement):
        if settlement.sudo()._is_split_among_members():
            return self.env._("Split among the members: a document per share (above)")
        return super()._get_document_text(settlement)

    @api.model
    def _get_share_columns(self, settlement):
        _ = self.env._
        return [
            TableColumn("customer", _("Customer"), "text"),
            TableColumn(
                "base", _("Base"), self._get_base_kind(settlement.agreement_id)
            ),
            TableColumn("base_percent", _("Share of Base (%)"), "quantity"),
            TableColumn("amount_period", _("Share"), "money"),
            TableColumn("amount_adjustment", _("Late Documents"), "money"),
            TableColumn("amount_forfeited", _("Forfeited"), "money"),
            TableColumn("amount", _("To Pay"), "money"),
            TableColumn("document", _("Document"), "text"),
        ]

    @api.model
    def _prepare_share_rows(self, settlement):
        """The rows of the shares table: the shares the reader may see (a
        member's portal user, its own)."""
        return [
            {
                "customer": share.partner_id.sudo().display_name,
                "base": share.base,
                "base_percent": share.base_percent,
                "amount_period": share.amount_period,
                "amount_adjustment": share.amount_adjustment,
                "amount_forfeited": share.amount_forfeited,
                "amount": share.amount,
                # whoever reads a share may know its document's number
                "document": share.document_id.sudo().name or "",
            }
            for share in self.env["rebate.settlement.share"].search(
                [("settlement_id", "=", settlement.id)]
            )
        ]

    @api.model
    def _write_shares(self, sheet, settlement, fmt, row):
        _ = self.env._
        heading = (
            _("Split among the members, by their share of the group's base")
            if settlement.group_payout == "members"
            else _("Each customer's share of the group's base (paid to the head)")
        )
        columns = self._get_share_columns(settlement)
        rows = self._prepare_share_rows(settlement)
        return self._write_section_table(
            sheet, settlement, fmt, row, heading, columns, rows
        )
