# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, models

from .xlsx_sheet import safe_filename


class RebateStatementXlsx(models.AbstractModel):
    """Vendor rebates: the statement of a vendor settlement is the rebate
    claim sent to the supplier, the bills it counted listed as a customer's
    statement lists its invoices."""

    _inherit = "rebate.statement.xlsx"

    @api.model
    def _write_title(self, sheet, settlement, fmt, row):
        if settlement.rebate_type != "vendor":
            return super()._write_title(sheet, settlement, fmt, row)
        title = self.env._("Rebate claim %(name)s", name=settlement.name)
        sheet.text(row, 0, title, fmt(bold=True, font_size=14), measure=False)
        return row + 1

    @api.model
    def _prepare_terms(self, settlement):
        terms = super()._prepare_terms(settlement)
        if settlement.rebate_type == "vendor":
            terms[0] = (self.env._("Supplier"), *terms[0][1:])
        return terms

    @api.model
    def _get_filename(self, settlements):
        if len(settlements) == 1 and settlements.rebate_type == "vendor":
            return safe_filename(
                self.env._("Rebate claim %(name)s", name=settlements.name)
            )
        return super()._get_filename(settlements)

    def _get_document_text(self, settlement):
        if settlement.rebate_type != "vendor":
            return super()._get_document_text(settlement)
        _ = self.env._
        number = settlement.document_id.sudo().name
        if settlement.is_negative:
            if number:
                return _("Vendor bill (claw-back): %(number)s", number=number)
            return _("Vendor bill (claw-back): not issued yet")
        if number:
            return _("Vendor refund: %(number)s", number=number)
        return _("Vendor refund: not issued yet")
