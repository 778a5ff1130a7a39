# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import re
from collections import namedtuple
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext

from ..reports.rebate_audit_xlsx import build_audit_workbook
from ..tools import integrator_api, to_date, tracking_change

# A column of an audit sheet: the key of its value in the rows, its heading
# and its kind: "text", "note" (wrapped), "date", "datetime", "number",
# "integer" or "money" (in the row's "currency").
AuditColumn = namedtuple("AuditColumn", "key label kind")
# A sheet of the audit workbook: its name, columns and rows (dicts).
AuditSheet = namedtuple("AuditSheet", "name columns rows")


class RebateAudit(models.AbstractModel):
    """The audit workbook: for a date range, the settlements whose period
    ends in it (with their figures, who computed and approved them, and
    their document), their alerts and acknowledgements, the credit holds
    released on them, and the changes made to the agreements in the range
    (from their tracking). Everything is read as the user who asks, through
    their access rights and record rules: a salesperson's workbook holds
    their customers only.

    Each sheet is a list of columns and a list of rows, prepared by an
    inheritable method; ``_get_audit_sheets`` lists them."""

    _name = "rebate.audit"
    _description = "Rebate Audit Workbook"

    @integrator_api
    @api.readonly
    @api.model
    def export_audit_xlsx(self, date_from, date_to):
        """The audit workbook of ``date_from`` to ``date_to`` (included), as
        an .xlsx file base64 encoded (text, as XML-RPC and JSON-RPC carry
        it)."""
        return base64.b64encode(self._get_audit_xlsx(date_from, date_to)).decode()

    @api.model
    def _get_audit_xlsx(self, date_from, date_to):
        """The audit workbook of ``date_from`` to ``date_to`` (dates or ISO
        texts, included), as the bytes of an .xlsx file."""
        date_from = to_date(self.env, date_from)
        date_to = to_date(self.env, date_to)
        if date_from > date_to:
            raise UserError(
                self.env._("Give an audit range whose start is not after its end.")
            )
        return build_audit_workbook(
            self.env,
            self._get_audit_title(date_from, date_to),
            self._get_audit_sheets(date_from, date_to),
        )

    @api.model
    def _get_audit_title(self, date_from, date_to):
        return [
            (self.env._("Rebate audit workbook"), ""),
            (self.env._("From"), date_from),
            (self.env._("To"), date_to),
            (
                self.env._("Companies"),
                ", ".join(self.env.companies.mapped("name")),
            ),
            (self.env._("Prepared by"), self.env.user.name),
            (self.env._("Prepared on"), self._to_local(fields.Datetime.now())),
        ]

    @api.model
    def _get_audit_sheets(self, date_from, date_to):
        """The sheets of the workbook, in order: a module adds its own."""
        settlements = self._get_audit_settlements(date_from, date_to)
        return [
            AuditSheet(
                self.env._("Settlements"),
                self._get_settlement_columns(),
                self._prepare_settlement_rows(settlements),
            ),
            AuditSheet(
                self.env._("Alerts"),
                self._get_alert_columns(),
                self._prepare_alert_rows(settlements),
            ),
            AuditSheet(
                self.env._("Holds Released"),
                self._get_hold_columns(),
                self._prepare_hold_rows(settlements),
            ),
            AuditSheet(
                self.env._("Agreement Changes"),
                self._get_change_columns(),
                self._prepare_change_rows(date_from, date_to),
            ),
        ]

    # Settlements

    @api.model
    def _get_audit_settlements(self, date_from, date_to):
        """The settlements the user may read whose period ends in the range."""
        return self.env["rebate.settlement"].search(
            [("date_to", ">=", date_from), ("date_to", "<=", date_to)],
            order="date_to, name, id",
        )

    @api.model
    def _get_settlement_columns(self):
        _ = self.env._
        return [
            AuditColumn("name", _("Number"), "text"),
            AuditColumn("customer", _("Customer"), "text"),
            AuditColumn("agreement", _("Agreement"), "text"),
            AuditColumn("date_from", _("Period Start"), "date"),
            AuditColumn("date_to", _("Period End"), "date"),
            AuditColumn("base", _("Base"), "number"),
            AuditColumn("rebate", _("Rebate"), "money"),
            AuditColumn("adjustment", _("Late Documents"), "money"),
            AuditColumn("penalty", _("Penalty"), "money"),
            AuditColumn("state", _("Status"), "text"),
            AuditColumn("created_by", _("Created By"), "text"),
            AuditColumn("created_on", _("Created On"), "datetime"),
            AuditColumn("computed_by", _("Computed By"), "text"),
            AuditColumn("approved_by", _("Approved By"), "text"),
            AuditColumn("approved_on", _("Approved On"), "datetime"),
            AuditColumn("document", _("Document"), "text"),
            AuditColumn("alerts", _("Alerts"), "integer"),
        ]

    @api.model
    def _prepare_settlement_rows(self, settlements):
        states = self._get_selection_labels(settlements, "state")
        return [
            self._prepare_settlement_row(settlement, states)
            for settlement in settlements
        ]

    @api.model
    def _prepare_settlement_row(self, settlement, states):
        """One settlement's row; ``states``: the labels of its states."""
        return {
            "currency": settlement.currency_id,
            "name": settlement.name,
            "customer": settlement.partner_id.display_name,
            "agreement": settlement.agreement_id.display_name,
            "date_from": settlement.date_from,
            "date_to": settlement.date_to,
            "base": settlement.base_total,
            "rebate": settlement.rebate_total,
            "adjustment": settlement.adjustment_total,
            "penalty": settlement.penalty_total,
            "state": states.get(settlement.state, ""),
            "created_by": settlement.create_uid.name,
            "created_on": self._to_local(settlement.create_date),
            "computed_by": settlement.computed_by_id.name,
            "approved_by": settlement.approved_by_id.name,
            "approved_on": self._to_local(settlement.approved_date),
            # the number the settlement's form shows whoever reads it
            "document": ", ".join(settlement.sudo()._get_documents().mapped("name")),
            "alerts": len(settlement.alert_ids),
        }

    # Alerts and their acknowledgements

    @api.model
    def _get_alert_columns(self):
        _ = self.env._
        return [
            AuditColumn("settlement", _("Settlement"), "text"),
            AuditColumn("customer", _("Customer"), "text"),
            AuditColumn("date_to", _("Period End"), "date"),
            AuditColumn("alert", _("Alert"), "text"),
            AuditColumn("message", _("Message"), "note"),
            AuditColumn("acknowledged_by", _("Acknowledged By"), "text"),
            AuditColumn("acknowledged_on", _("Acknowledged On"), "datetime"),
            AuditColumn("note", _("Acknowledgement Note"), "note"),
            AuditColumn("state", _("Settlement Status"), "text"),
        ]

    @api.model
    def _prepare_alert_rows(self, settlements):
        codes = self._get_selection_labels(self.env["rebate.settlement.alert"], "code")
        states = self._get_selection_labels(settlements, "state")
        return [
            {
                "settlement": settlement.name,
                "customer": settlement.partner_id.display_name,
                "date_to": settlement.date_to,
                "alert": codes.get(alert.code, alert.code),
                "message": alert.message,
                "acknowledged_by": settlement.alerts_acknowledged_by_id.name,
                "acknowledged_on": self._to_local(settlement.alerts_acknowledged_date),
                "note": settlement.alerts_acknowledgement_note,
                "state": states.get(settlement.state, ""),
            }
            for settlement in settlements.filtered("has_alerts")
            for alert in settlement.alert_ids
        ]

    # Credit holds released

    @api.model
    def _get_hold_columns(self):
        _ = self.env._
        return [
            AuditColumn("settlement", _("Settlement"), "text"),
            AuditColumn("customer", _("Customer"), "text"),
            AuditColumn("rebate", _("Rebate"), "money"),
            AuditColumn("released_by", _("Released By"), "text"),
            AuditColumn("released_on", _("Released On"), "datetime"),
            AuditColumn("reason", _("Reason"), "note"),
            AuditColumn("overdue", _("Overdue Invoices at the Release"), "text"),
        ]

    @api.model
    def _prepare_hold_rows(self, settlements):
        return [
            {
                "currency": settlement.currency_id,
                "settlement": settlement.name,
                "customer": settlement.partner_id.display_name,
                "rebate": settlement.rebate_total,
                "released_by": settlement.hold_released_by_id.name,
                "released_on": self._to_local(settlement.hold_released_date),
                "reason": settlement.hold_release_reason,
                "overdue": ", ".join(
                    settlement.sudo().hold_released_move_ids.mapped("name")
                ),
            }
            for settlement in settlements.filtered("hold_released_by_id")
        ]

    # Agreement changes and amendments

    @api.model
    def _get_change_columns(self):
        _ = self.env._
        return [
            AuditColumn("date", _("Date"), "datetime"),
            AuditColumn("agreement", _("Agreement"), "text"),
            AuditColumn("version", _("Version"), "integer"),
            AuditColumn("customer", _("Customer"), "text"),
            AuditColumn("author", _("Changed By"), "text"),
            AuditColumn("field", _("Field"), "text"),
            AuditColumn("old", _("Old Value"), "text"),
            AuditColumn("new", _("New Value"), "text"),
            AuditColumn("note", _("Note"), "note"),
        ]

    @api.model
    def _get_change_messages(self, date_from, date_to):
        """The agreements' logged messages in the range (tracked changes,
        tier changes, amendments, approvals: what the system logs, not the
        users' own notes), of the agreements the user may read."""
        start, end = self._to_utc_range(date_from, date_to)
        messages = (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", "rebate.agreement"),
                    ("message_type", "=", "notification"),
                    ("date", ">=", start),
                    ("date", "<", end),
                ],
                order="date, id",
            )
        )
        readable = (
            self.env["rebate.agreement"]
            .with_context(active_test=False)
            .browse(set(messages.mapped("res_id")))
            .exists()
            ._filtered_access("read")
        )
        ids = set(readable.ids)
        return messages.filtered(lambda m: m.res_id in ids), readable

    @api.model
    def _prepare_change_rows(self, date_from, date_to):
        messages, agreements = self._get_change_messages(date_from, date_to)
        agreements = {agreement.id: agreement for agreement in agreements}
        # formatted once for all: the fields' labels are read once
        trackings = messages.tracking_value_ids._filter_has_field_access(self.env)
        formatted = {
            tracking["id"]: tracking for tracking in trackings._tracking_value_format()
        }
        rows = []
        for message in messages:
            agreement = agreements[message.res_id]
            common = {
                "date": self._to_local(message.date),
                "agreement": agreement.display_name,
                "version": agreement.version,
                "customer": agreement.partner_id.display_name or "",
                "author": message.author_id.name or "",
            }
            note = self._message_text(message.body)
            own = [
                formatted[tracking.id]
                for tracking in message.tracking_value_ids
                if tracking.id in formatted
            ]
            for tracking in own:
                field, old, new = tracking_change(tracking)
                rows.append(
                    dict(
                        common,
                        field=field,
                        old=self._format_tracked(old),
                        new=self._format_tracked(new),
                        note=note,
                    )
                )
            if note and not own:
                rows.append(dict(common, field="", old="", new="", note=note))
        return rows

    @api.model
    def _message_text(self, body):
        """A logged message as plain text, a list's items on lines of their
        own."""
        body = re.sub(r"<li\b[^>]*>", "<br/>- ", str(body or ""))
        return html2plaintext(body).strip()

    @api.model
    def _format_tracked(self, value):
        if value is False or value is None:
            return ""
        if isinstance(value, float):
            return f"{value:,.2f}"
        return str(value)

    # Dates

    @api.model
    def _get_tz(self):
        return pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")

    @api.model
    def _to_local(self, value):
        """A stored (UTC) datetime as the user's local time, without zone."""
        if not value:
            return False
        return fields.Datetime.context_timestamp(self, value).replace(tzinfo=None)

    @api.model
    def _get_selection_labels(self, model, field_name):
        """{value: label} of a selection field, in the user's language."""
        return dict(model._fields[field_name]._description_selection(self.env))

    @api.model
    def _to_utc_range(self, date_from, date_to):
        """The UTC datetimes bounding the user's days ``date_from`` to
        ``date_to`` (the end excluded)."""
        tz = self._get_tz()

        def utc(day):
            local = tz.localize(datetime.combine(day, time.min))
            return local.astimezone(pytz.utc).replace(tzinfo=None)

        return utc(date_from), utc(date_to + timedelta(days=1))
