# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Tamper-evident settlements, as Odoo secures posted journal entries
(account.move.inalterable_hash).

Each company keeps one chain of entries, numbered without gaps: a settlement
approved is an entry (its figures, its approval and its accrual lines,
hashed with SHA-256 after the hash of the entry before it); the
cancellation of a settlement so secured is another. The figures hashed are
kept beside the hash (``integrity_record``): the check recomputes each hash
from the one before, which proves the kept figures untouched, then compares
them with the settlement's figures of today, which names what differs.
"""

import json
from datetime import date, datetime
from decimal import Decimal
from hashlib import sha256

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import values_table, without_jit
from .rebate_settlement import LOCKED_FIELDS

# The figures of a settlement's accrual lines its hash covers: their number,
# their total rebate, the highest id, and a digest of each line's id and
# figures. Only the lines there were at approval count (ids up to that
# highest id): an interim part's period still accrues after its approval
# (the next part counts those documents). Lines of a settlement: those of
# its period, not posted after an approval (late), and the late ones it
# carries (see rebate.settlement._compute_accrual_ids).
_ACCRUAL_LINES = """
    SELECT count(a.id),
           COALESCE(sum(a.amount), 0),
           max(a.id),
           encode(sha256(convert_to(COALESCE(
               string_agg(concat_ws('|', a.id, %(columns)s), ',' ORDER BY a.id),
               ''), 'UTF8')), 'hex')
      FROM rebate_accrual a
     WHERE a.id <= COALESCE(t.max_id, a.id)
       AND (a.adjustment_settlement_id = s.id
            OR (s.is_adjustment IS NOT TRUE
                AND a.agreement_id = s.agreement_id
                AND a.date BETWEEN s.date_from AND s.date_to
                AND a.late_settlement_id IS NULL))
"""
ACCRUAL_KEYS = ("accrual_count", "accrual_amount", "accrual_max_id", "accrual_digest")
# The periods of settlements not yet written, read as a settlement ``s`` by
# _ACCRUAL_LINES (no id: no late line is theirs).
_PERIOD_COLUMNS = (
    ("n", "int"),
    ("id", "int"),
    ("agreement_id", "int"),
    ("date_from", "date"),
    ("date_to", "date"),
    ("is_adjustment", "bool"),
)
# (those the values give)
_PERIOD_COLUMNS_GIVEN = ("agreement_id", "date_from", "date_to", "is_adjustment")

# Who locks a company's chain: the approvals and cancellations of its
# secured settlements, in company id order. The row is updated, not only
# locked, so that a transaction that waited for another one and started
# before it committed fails to serialize (and is retried) instead of
# chaining after an entry it cannot see. Then the last entry of each chain.
_LOCK_CHAINS = """
    WITH locked AS (
        UPDATE res_company
           SET write_date = write_date
         WHERE id IN (SELECT id FROM res_company
                       WHERE id = ANY(%(ids)s)
                    ORDER BY id
                         FOR NO KEY UPDATE)
     RETURNING id
    )
    SELECT locked.id, last.seq, last.hash
      FROM locked
 LEFT JOIN LATERAL (
           SELECT seq, hash FROM (
               SELECT secure_sequence_number AS seq, inalterable_hash AS hash
                 FROM rebate_settlement
                WHERE company_id = locked.id
                  AND secure_sequence_number IS NOT NULL
            UNION ALL
               SELECT cancel_sequence_number, cancel_hash
                 FROM rebate_settlement
                WHERE company_id = locked.id
                  AND cancel_sequence_number IS NOT NULL
           ) AS entries
           ORDER BY seq DESC
           LIMIT 1
       ) AS last ON TRUE
"""


def _hash(previous, record):
    """The hash of an entry of the chain: ``record`` (text) after the hash
    of the entry before it (``previous``, empty for the first)."""
    return sha256(((previous or "") + record).encode("utf-8")).hexdigest()


def _as_text(value):
    """A stored value as the text hashed: the same whichever way it was
    read (numbers without trailing zeros)."""
    if value is None or value is False:
        return ""
    if isinstance(value, bool):
        return "1"
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, datetime):
        return fields.Datetime.to_string(value)
    if isinstance(value, date):
        return fields.Date.to_string(value)
    return str(value)


class RebateSettlement(models.Model):
    _inherit = "rebate.settlement"

    secure_sequence_number = fields.Integer(
        string="Inalterability No.",
        readonly=True,
        copy=False,
        help="The settlement's number in its company's chain of secured "
        "entries, given at approval.",
    )
    inalterable_hash = fields.Char(
        string="Inalterability Hash",
        readonly=True,
        copy=False,
        help="SHA-256 of the settlement's figures at approval, chained to the "
        "entry before it in its company (Rebate Integrity Check).",
    )
    integrity_record = fields.Text(
        string="Secured Figures",
        readonly=True,
        copy=False,
        help="The figures the inalterability hash covers, as they were at " "approval.",
    )
    cancel_sequence_number = fields.Integer(
        string="Cancellation No.",
        readonly=True,
        copy=False,
        help="The number of the settlement's cancellation in its company's "
        "chain of secured entries.",
    )
    cancel_hash = fields.Char(
        string="Cancellation Hash",
        readonly=True,
        copy=False,
        help="SHA-256 of the cancellation of the secured settlement, chained "
        "to the entry before it.",
    )

    def init(self):
        res = super().init()
        # one entry per number of a company's chain
        for column in ("secure_sequence_number", "cancel_sequence_number"):
            self.env.cr.execute(
                SQL(
                    """
                    CREATE UNIQUE INDEX IF NOT EXISTS %s
                        ON rebate_settlement (company_id, %s)
                     WHERE %s IS NOT NULL
                    """,
                    SQL.identifier(f"rebate_settlement_{column}_uniq"),
                    SQL.identifier(column),
                    SQL.identifier(column),
                )
            )
        return res

    # CRUD

    def write(self, vals):
        # (outside the workflow, these fields are refused anyway: see
        # _get_rebate_workflow_fields)
        if self._is_rebate_workflow():
            self._check_secured_vals(vals)
        secured = self.browse()
        if vals.get("state") == "cancelled":
            secured = self.filtered(lambda s: s.inalterable_hash and not s.cancel_hash)
        res = super().write(vals)
        if vals.get("state") == "approved":
            self._secure_approvals()
        secured._secure_cancellations()
        return res

    # A period closed at zero is done at once, without an approval: it is
    # secured as it is settled, its chain entry computed from its values and
    # written with its row (_complete_settlement_vals), or, when the hash
    # covers what only the row knows, after it (_create_once).

    @api.model
    def _complete_settlement_vals(self, vals_list):
        vals_list = super()._complete_settlement_vals(vals_list)
        done = [vals for vals in vals_list if vals.get("state") == "done"]
        if done and self._can_secure_vals(done):
            self._secure_vals(done)
        return vals_list

    @api.model
    def _create_once(self, vals_list):
        created = super()._create_once(vals_list)
        written = {id(vals) for vals in created.values()}
        done = self.browse(
            [sid for sid, vals in created.items() if vals.get("state") == "done"]
        )
        if any(
            vals.get("inalterable_hash") and id(vals) not in written
            for vals in vals_list
        ):
            # periods settled concurrently were skipped, their entries with
            # them: the chain is made again, without the gap
            done._unsecure_created(created)
        done.filtered(
            lambda settlement: not created[settlement.id].get("inalterable_hash")
        )._secure_approvals()
        return created

    @api.ondelete(at_uninstall=False)
    def _unlink_except_secured(self):
        secured = self.filtered("inalterable_hash")
        if secured:
            raise UserError(
                self.env._(
                    "Settlement %(name)s was approved and is secured by its "
                    "hash: it cannot be deleted.",
                    name=secured[0].name,
                )
            )

    def _get_rebate_workflow_fields(self):
        return super()._get_rebate_workflow_fields() | set(self._get_integrity_fields())

    def _check_secured_vals(self, vals):
        """Refuse a change of what secures a settlement, or of what its hash
        covers, once it is secured."""
        guarded = {*self._get_integrity_hash_fields(), *self._get_integrity_fields()}
        if not guarded.intersection(vals):
            return
        secured = self.filtered("inalterable_hash")
        if secured:
            raise UserError(
                self.env._(
                    "Settlement %(name)s is secured by its hash: its figures "
                    "and approval can no longer be changed.",
                    name=secured[0].name,
                )
            )

    # The hash

    @api.model
    def _get_integrity_fields(self):
        """The fields that secure a settlement (set by SQL, never written)."""
        return [
            "secure_sequence_number",
            "inalterable_hash",
            "integrity_record",
            "cancel_sequence_number",
            "cancel_hash",
        ]

    @api.model
    def _get_integrity_hash_fields(self):
        """The stored fields of a settlement its hash covers: what it pays,
        for which agreement, customer and period, who approved it and when.
        The inheritable method: the check compares the fields a record
        kept, so that one added later leaves older hashes valid."""
        return [*LOCKED_FIELDS, "name", "approved_by_id", "approved_date"]

    @api.model
    def _get_integrity_accrual_fields(self):
        """The stored fields of each accrual line the hash covers (in one
        digest: a change of this list changes the digest of the settlements
        secured before, which the check then names)."""
        return ["amount", "base"]

    def _read_integrity_figures(self, max_ids=None):
        """{settlement id: {key: text}}: the figures the hash of each of
        these settlements covers, as they are stored now, read in one query.

        :param max_ids: {settlement id: highest accrual id} of the lines
            counted (at approval, those there were); without it, every line
        """
        fnames = self._get_integrity_hash_fields()
        max_ids = max_ids or {}
        rows = [(sid, max_ids.get(sid)) for sid in self.ids]
        # (one lookup of the lines per settlement: estimated above the cost
        # from which PostgreSQL compiles a query, which costs more than it)
        with without_jit(self.env.cr):
            fetched = self.env.execute_query(
                SQL(
                    """
                    SELECT s.id, %(columns)s, lines.*
                      FROM %(ids)s
                      JOIN rebate_settlement s ON s.id = t.id
                     CROSS JOIN LATERAL (%(lines)s) AS lines
                    """,
                    columns=SQL(", ").join(
                        SQL("s.%s", SQL.identifier(fname)) for fname in fnames
                    ),
                    ids=values_table("t", [("id", "int"), ("max_id", "int")], rows),
                    lines=self._get_accrual_lines_query(),
                )
            )
        keys = [*fnames, *ACCRUAL_KEYS]
        return {
            row[0]: dict(zip(keys, map(_as_text, row[1:]), strict=True))
            for row in fetched
        }

    @api.model
    def _get_accrual_lines_query(self):
        """SQL: the figures of the accrual lines of settlement ``s`` (a
        relation with its id, agreement, dates and is_adjustment) that the
        hash covers, those up to ``t.max_id`` (or all)."""
        return SQL(
            _ACCRUAL_LINES,
            columns=SQL(", ").join(
                # (float8: one text per number, 10 as 10.00 or 10)
                SQL("a.%s::float8", SQL.identifier(fname))
                for fname in self._get_integrity_accrual_fields()
            ),
        )

    @api.model
    def _read_vals_integrity_figures(self, vals_list):
        """[{key: text}]: the figures _read_integrity_figures reads of the
        settlements of ``vals_list`` once written (_can_secure_vals), from
        their values and their accrual lines (their period's: no late line
        is theirs yet), in one query."""
        periods = [
            (n, None, *map(vals.get, _PERIOD_COLUMNS_GIVEN))
            for n, vals in enumerate(vals_list)
        ]
        with without_jit(self.env.cr):
            lines = self.env.execute_query(
                SQL(
                    """
                    SELECT lines.* FROM %(periods)s
                     CROSS JOIN (SELECT NULL::int AS max_id) t
                     CROSS JOIN LATERAL (%(lines)s) AS lines
                     ORDER BY s.n
                    """,
                    periods=values_table("s", _PERIOD_COLUMNS, periods),
                    lines=self._get_accrual_lines_query(),
                )
            )
        fnames = self._get_integrity_hash_fields()
        return [
            {fname: _as_text(vals.get(fname)) for fname in fnames}
            | dict(zip(ACCRUAL_KEYS, map(_as_text, row), strict=True))
            for vals, row in zip(vals_list, lines, strict=True)
        ]

    @api.model
    def _get_integrity_record(self, figures):
        """The text hashed for ``figures`` (sorted, compact JSON)."""
        return json.dumps(figures, sort_keys=True, separators=(",", ":"))

    @api.model
    def _get_cancellation_record(self, figures):
        """The text hashed for the cancellation of a secured settlement,
        from its stored values ``figures`` (id, name, state, approval
        hash): a cancellation undone shows as a hash that no longer
        matches."""
        return self._get_integrity_record(
            {"event": "cancel", **{k: figures[k] for k in ("id", "name", "state")}}
            | {"approval_hash": figures["inalterable_hash"]}
        )

    # Securing

    @api.model
    def _lock_integrity_chains(self, company_ids):
        """Lock the chains of ``company_ids`` until the transaction ends:
        {company id: (last number, last hash)} (0 and "" for a chain
        without entries)."""
        self.env.cr.execute(SQL(_LOCK_CHAINS, ids=list(company_ids)))
        return {
            company_id: (seq or 0, last_hash or "")
            for company_id, seq, last_hash in self.env.cr.fetchall()
        }

    def _secure_approvals(self):
        """Secure these settlements, just approved (or done at close, closed at
        zero): each an entry of its company's chain, in the order of their
        approval (then of their ids). A fixed number of queries for any
        number of settlements."""
        if not self:
            return
        self.flush_recordset()
        figures = self._read_integrity_figures()
        # (the fields the order and the chains read, not every field)
        self.fetch(["approved_date", "company_id"])
        rows = self._append_to_chains(
            self.sorted(lambda s: (s.approved_date or datetime.min, s.id)),
            lambda settlement: self._get_integrity_record(figures[settlement.id]),
        )
        self._write_integrity(
            rows, ("secure_sequence_number", "inalterable_hash", "integrity_record")
        )

    def _secure_cancellations(self):
        """Record the cancellation of these secured settlements, each an entry
        of its company's chain."""
        if not self:
            return
        self.flush_recordset()
        rows = self._append_to_chains(
            self.sorted("id"),
            lambda settlement: self._get_cancellation_record(
                {
                    "id": settlement.id,
                    "name": settlement.name,
                    "state": settlement.state,
                    "inalterable_hash": settlement.inalterable_hash,
                }
            ),
        )
        self._write_integrity(
            [row[:3] for row in rows], ("cancel_sequence_number", "cancel_hash")
        )

    def _append_to_chains(self, ordered, record_of):
        """[(settlement id, number, hash, text hashed)]: an entry of its
        company's chain (locked until the transaction ends) for each of the
        ``ordered`` settlements, whose text is ``record_of(settlement)``."""
        return self._chain_entries(
            [
                (settlement.id, settlement.company_id.id, record_of(settlement))
                for settlement in ordered
            ]
        )

    @api.model
    def _chain_entries(self, entries):
        """[(key, number, hash, text hashed)]: an entry of its company's chain
        (locked until the transaction ends) for each of ``entries`` ((key,
        company id, text hashed)), in their order."""
        chains = self._lock_integrity_chains({entry[1] for entry in entries})
        rows = []
        for key, company_id, record in entries:
            seq, previous = chains[company_id]
            entry = (seq + 1, _hash(previous, record))
            chains[company_id] = entry
            rows.append((key, *entry, record))
        return rows

    @api.model
    def _can_secure_vals(self, vals_list):
        """Whether the entries of settlements about to be written can be
        computed from ``vals_list``: each field the hash covers is in the
        values or left empty by them (no default, no compute), as in a
        close; else they are secured once written."""
        fnames = self._get_integrity_hash_fields()
        missing = [f for f in fnames if any(f not in vals for vals in vals_list)]
        if any(self._fields[fname].compute for fname in missing):
            return False
        return not self.default_get(missing)

    @api.model
    def _secure_vals(self, vals_list):
        """Secure settlements about to be written (done at once): their chain
        entries computed from ``vals_list``, in their order (that of their
        ids to come), and set in the values."""
        figures = self._read_vals_integrity_figures(vals_list)
        rows = self._chain_entries(
            [
                (index, vals["company_id"], self._get_integrity_record(figures[index]))
                for index, vals in enumerate(vals_list)
            ]
        )
        for index, seq, entry_hash, record in rows:
            vals_list[index].update(
                secure_sequence_number=seq,
                inalterable_hash=entry_hash,
                integrity_record=record,
            )

    def _unsecure_created(self, created):
        """Take out of the chain these settlements, just written with their
        entries, before they are secured again: ``created`` ({id: values})
        their values, the entries taken out of them too."""
        fnames = ("secure_sequence_number", "inalterable_hash", "integrity_record")
        self._write_integrity([(sid, None, None, None) for sid in self.ids], fnames)
        for sid in self.ids:
            for fname in fnames:
                created[sid].pop(fname, None)

    def _write_integrity(self, rows, fnames):
        """Write ``fnames`` of ``rows`` ((settlement id, *values)) in one
        UPDATE: the fields no one writes through the ORM."""
        types = {"secure_sequence_number": "int", "cancel_sequence_number": "int"}
        columns = [("id", "int"), *((f, types.get(f, "text")) for f in fnames)]
        self.env.cr.execute(
            SQL(
                "UPDATE rebate_settlement s SET %s FROM %s WHERE s.id = t.id",
                SQL(", ").join(
                    SQL("%s = t.%s", SQL.identifier(f), SQL.identifier(f))
                    for f in fnames
                ),
                values_table("t", columns, rows),
            )
        )
        self.browse([row[0] for row in rows]).invalidate_recordset(list(fnames))

    @api.model
    def _secure_existing(self):
        """Secure the approved and paid settlements that are not yet (those
        approved before the module secured them), in the order of their
        approval: for the migration that brings the hash."""
        settlements = self.sudo().search(
            [("state", "in", ("approved", "done")), ("inalterable_hash", "=", False)]
        )
        settlements._secure_approvals()
        return settlements
