# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
import json
from collections import defaultdict

from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .rebate_settlement_integrity import ACCRUAL_KEYS, _hash

# What the check reads of each settlement of the chains: the secured ones,
# and those approved or paid without being secured (all are since the
# migration 18.0.1.9.0).
_ENTRIES = """
    SELECT id, company_id, name, state, secure_sequence_number,
           inalterable_hash, integrity_record, cancel_sequence_number,
           cancel_hash
      FROM rebate_settlement
     WHERE company_id = ANY(%(company_ids)s)
       AND (secure_sequence_number IS NOT NULL
            OR inalterable_hash IS NOT NULL
            OR state IN ('approved', 'done'))
  ORDER BY id
"""
# The groups that run the Rebate Integrity Check.
INTEGRITY_GROUPS = (
    "rebate_management.group_rebate_accountant",
    "rebate_management.group_rebate_manager",
)


class RebateSettlement(models.Model):
    _inherit = "rebate.settlement"

    @api.model
    def _check_hash_integrity(self):
        """Recompute the chains of secured settlements of the user's
        companies: per company, {"company_id", "first_id", "last_id" (the
        first and last settlements secured, False without any),
        "corrupted_ids" (those whose figures or place in the chain no
        longer match, sorted)}."""
        keys = ("company_id", "first_id", "last_id", "corrupted_ids")
        return [
            {key: report[key] for key in keys}
            for report in self._get_integrity_report()
        ]

    @api.model
    def _get_integrity_report(self):
        """The check (_check_hash_integrity) with, per company, its number
        of secured settlements ("count") and what differs on each corrupted
        one ("problems": {settlement id: [sentence]})."""
        self._check_integrity_access()
        companies = self.env.companies.sorted("id")
        self.env.flush_all()
        self.env.cr.execute(SQL(_ENTRIES, company_ids=companies.ids))
        columns = [column.name for column in self.env.cr.description]
        rows = [dict(zip(columns, row, strict=True)) for row in self.env.cr.fetchall()]
        figures = self._read_integrity_now(rows)
        by_company = defaultdict(list)
        for row in rows:
            by_company[row["company_id"]].append(row)
        return [
            self._check_integrity_chain(company.id, by_company[company.id], figures)
            for company in companies
        ]

    @api.model
    def _check_integrity_access(self):
        """Accountants and sales managers run the check."""
        if self.env.su or any(self.env.user.has_group(g) for g in INTEGRITY_GROUPS):
            return
        raise AccessError(
            self.env._(
                "Only rebate accountants and sales managers may run the Rebate "
                "Integrity Check."
            )
        )

    @api.model
    def _read_integrity_now(self, rows):
        """{settlement id: {key: text}}: the figures of today of the secured
        settlements of ``rows``, their accrual lines as far as they went at
        approval."""
        secured = {row["id"]: self._load_integrity_record(row) for row in rows}
        secured = {sid: record for sid, record in secured.items() if record}
        max_ids = {
            sid: int(record["accrual_max_id"]) if record.get("accrual_max_id") else 0
            for sid, record in secured.items()
        }
        return self.browse(list(secured))._read_integrity_figures(max_ids)

    @api.model
    def _load_integrity_record(self, row):
        """The figures ``row`` kept at approval ({} if none or unreadable)."""
        try:
            record = json.loads(row["integrity_record"] or "{}")
        except ValueError:
            return {}
        return record if isinstance(record, dict) else {}

    @api.model
    def _check_integrity_chain(self, company_id, rows, figures):
        """The check of one company's chain (see _get_integrity_report)."""
        problems = defaultdict(list)
        entries = sorted(
            (
                (row[seq_fname], kind, row[hash_fname], row)
                for row in rows
                for kind, seq_fname, hash_fname in (
                    ("approval", "secure_sequence_number", "inalterable_hash"),
                    ("cancel", "cancel_sequence_number", "cancel_hash"),
                )
                if row[seq_fname]
            ),
            key=lambda entry: (entry[0], entry[1], entry[3]["id"]),
        )
        previous, expected = "", 1
        for seq, kind, stored, row in entries:
            problems[row["id"]] += self._check_integrity_link(
                seq, expected, kind, row, previous
            )
            previous, expected = stored, seq + 1
        for row in rows:
            problems[row["id"]] += self._check_integrity_state(row)
            if row["secure_sequence_number"]:
                problems[row["id"]] += self._get_integrity_differences(
                    self._load_integrity_record(row),
                    figures.get(row["id"], {}),
                    released=row["state"] == "cancelled"
                    and bool(row["cancel_sequence_number"]),
                )
        approvals = [entry[3] for entry in entries if entry[1] == "approval"]
        return {
            "company_id": company_id,
            "first_id": approvals[0]["id"] if approvals else False,
            "last_id": approvals[-1]["id"] if approvals else False,
            "corrupted_ids": sorted(sid for sid, found in problems.items() if found),
            "count": len(approvals),
            "problems": {sid: found for sid, found in problems.items() if found},
        }

    @api.model
    def _check_integrity_link(self, seq, expected, kind, row, previous):
        """What is wrong with the entry No. ``seq`` (``kind`` "approval" or
        "cancel" of ``row``), chained after the hash ``previous``."""
        found = []
        if seq != expected:
            found.append(
                self.env._(
                    "The chain's entries No. %(first)s to %(last)s are missing "
                    "before it.",
                    first=expected,
                    last=seq - 1,
                )
            )
        if kind == "approval":
            record, stored = row["integrity_record"] or "", row["inalterable_hash"]
        else:
            record, stored = self._get_cancellation_record(row), row["cancel_hash"]
        if _hash(previous, record) != stored:
            found.append(
                self.env._(
                    "The hash of its %(event)s (No. %(seq)s) does not match: what "
                    "it secured, or the entry before it, was changed.",
                    event=self.env._("approval")
                    if kind == "approval"
                    else self.env._("cancellation"),
                    seq=seq,
                )
            )
        return found

    @api.model
    def _check_integrity_state(self, row):
        """What is wrong with the status of the settlement of ``row``."""
        state = row["state"]
        if not (row["secure_sequence_number"] and row["inalterable_hash"]):
            return [
                self.env._(
                    "It was approved but is not secured: it has no place in the "
                    "chain."
                )
            ]
        if row["cancel_sequence_number"] and state != "cancelled":
            return [
                self.env._(
                    "Status: cancelled when secured, %(state)s now.",
                    state=self._get_state_label(state),
                )
            ]
        if state == "cancelled" and not row["cancel_sequence_number"]:
            return [
                self.env._("It is cancelled, but its cancellation was not secured.")
            ]
        if state == "draft":
            return [self.env._("Status: approved when secured, Draft now.")]
        return []

    @api.model
    def _get_integrity_differences(self, secured, now, released=False):
        """A sentence for each figure that differs between those ``secured``
        at approval and those of ``now``.

        :param released: the settlement's cancellation is secured: it let go
            of its accrual lines, which a rebuild of its period may write
            again (its own figures stay as they were)
        """
        if not secured:
            return [self.env._("The figures secured at approval are unreadable.")]
        if released:
            secured = {k: v for k, v in secured.items() if k not in ACCRUAL_KEYS}
        return [
            self.env._(
                "%(figure)s: %(secured)s when secured, %(now)s now.",
                figure=self._get_integrity_label(key),
                secured=value or "-",
                now=now.get(key) or "-",
            )
            for key, value in sorted(secured.items())
            if key != "accrual_max_id" and now.get(key) != value
        ]

    @api.model
    def _get_integrity_label(self, key):
        labels = dict(
            zip(
                ACCRUAL_KEYS,
                (
                    self.env._("Number of accrual lines"),
                    self.env._("Rebate of the accrual lines"),
                    self.env._("Last accrual line"),
                    self.env._("Accrual lines (their ids and figures)"),
                ),
                strict=True,
            )
        )
        if key in labels:
            return labels[key]
        field = self._fields.get(key)
        return field._description_string(self.env) if field else key

    @api.model
    def _get_state_label(self, state):
        return dict(self._fields["state"]._description_selection(self.env)).get(
            state, state
        )
