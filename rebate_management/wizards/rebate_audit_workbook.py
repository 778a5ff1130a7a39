# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from urllib.parse import quote

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..reports.xlsx_sheet import safe_filename


class RebateAuditWorkbook(models.TransientModel):
    """Ask for the range of the audit workbook (rebate.audit) and hand it
    over as a download."""

    _name = "rebate.audit.workbook"
    _description = "Rebate Audit Workbook"

    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(month=1, day=1),
        help="The settlements whose period ends in the range, and the changes "
        "made to the agreements in it.",
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    file = fields.Binary(readonly=True)
    filename = fields.Char(readonly=True)

    @api.constrains("date_from", "date_to")
    def _check_range(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(
                    self.env._("The audit range cannot end before it starts.")
                )

    @api.model
    def default_get(self, fields_list):
        """From the settlement list: the range of the selected settlements'
        period ends."""
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "rebate.settlement":
            settlements = self.env["rebate.settlement"].browse(
                self.env.context.get("active_ids") or []
            )
            if settlements:
                values["date_from"] = min(settlements.mapped("date_to"))
                values["date_to"] = max(settlements.mapped("date_to"))
        return values

    def action_export(self):
        self.ensure_one()
        data = self.env["rebate.audit"].export_audit_xlsx(self.date_from, self.date_to)
        self.write(
            {
                "file": data,
                "filename": safe_filename(
                    self.env._(
                        "Rebate audit %(start)s to %(end)s",
                        start=self.date_from,
                        end=self.date_to,
                    )
                ),
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file/"
            f"{quote(self.filename)}?download=true",
            "target": "download",
        }
