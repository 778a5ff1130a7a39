# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, models

from .xlsx_sheet import TableColumn


class RebateStatementXlsx(models.AbstractModel):
    """The lines the agreement matches that another agreement counts (an
    exclusive one, or the first of its stacking group), named, so that the
    customer sees why they are not in this base."""

    _inherit = "rebate.statement.xlsx"

    @api.model
    def _get_statement_sections(self, settlement):
        sections = super()._get_statement_sections(settlement)
        if settlement._get_taken_statement_lines():
            sections.insert(
                sections.index(self._write_document), self._write_taken_lines
            )
        return sections

    @api.model
    def _get_taken_columns(self, settlement):
        _ = self.env._
        return [
            TableColumn("date", _("Date"), "date"),
            TableColumn("move_name", _("Document"), "text"),
            TableColumn("product_name", _("Product"), "text"),
            TableColumn("amount", _("Untaxed Amount"), "money"),
            TableColumn("taken_by", _("Counted by"), "text"),
        ]

    @api.model
    def _write_taken_lines(self, sheet, settlement, fmt, row):
        heading = self.env._(
            "Lines counted by another agreement (exclusive, or first in its "
            "stacking group), not here"
        )
        columns = self._get_taken_columns(settlement)
        rows = settlement._get_taken_statement_lines()
        return self._write_section_table(
            sheet, settlement, fmt, row, heading, columns, rows
        )
