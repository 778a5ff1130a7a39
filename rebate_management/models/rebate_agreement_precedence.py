# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools import values_table
from .rebate_line_query import PERIOD_COLUMNS

# The columns _get_outranks_condition reads of an agreement.
_PRECEDENCE_COLUMNS = (
    ("key", "int4"),
    ("id", "int4"),
    ("exclusive", "bool"),
    ("priority", "int4"),
    ("date_start", "date"),
    ("stacking_group_id", "int4"),
)


class RebateAgreement(models.Model):
    """Which agreement counts an invoice line several agreements match: by
    priority, exclusive agreements and stacking groups. The rule itself is
    rebate.line.query._get_outranks_condition, in SQL, which every query of
    the engine reads; this file gives it its terms and keeps what already
    accrued in step when an agreement starts."""

    _inherit = "rebate.agreement"

    priority = fields.Integer(
        default=10,
        required=True,
        tracking=True,
        help="Lower first. Of the agreements of one stacking group that match "
        "an invoice line, only the first counts it; among exclusive "
        "agreements, the first takes the line.",
    )
    stacking_group_id = fields.Many2one(
        "rebate.stacking.group",
        ondelete="restrict",
        check_company=True,
        tracking=True,
        index="btree_not_null",
        help="Agreements of one group do not stack: a line matched by several "
        "of them counts for the first by priority only. Agreements of "
        "different groups, or of none, all count it.",
    )
    exclusive = fields.Boolean(
        tracking=True,
        help="A line this agreement matches counts for it alone: no other "
        "agreement counts it, neither in its base nor in its rebate.",
    )
    overlap_summary = fields.Text(
        compute="_compute_overlap_summary",
        help="The overlapping agreements and, for each, who counts the invoice "
        "lines both match.",
    )

    @api.depends(
        "overlap_agreement_ids",
        "priority",
        "stacking_group_id",
        "exclusive",
        "date_start",
    )
    def _compute_overlap_summary(self):
        others_of = {
            agreement: agreement.overlap_agreement_ids.sorted(
                lambda o: (o.priority, o.date_start, o._origin.id)
            )
            for agreement in self
        }
        # who outranks whom, read once for all of them
        outranking = self._get_outranking_pairs(others_of)
        for agreement, others in others_of.items():
            agreement.overlap_summary = "\n".join(
                agreement._describe_overlap(other, outranking) for other in others
            )

    def _describe_overlap(self, other, outranking):
        """One line of the overlap banner: ``other`` (with its state unless
        active), and whether it stacks with this agreement, wins over it or
        yields to it, as the form stands (saved or not)."""
        _ = self.env._
        name = other.display_name
        if other.state != "active":
            name = f"{name} ({other._get_state_label()})"
        if self._ties_with(other):
            return _(
                "%(other)s has the same priority in the same stacking group: "
                "give them different priorities before both are active.",
                other=name,
            )
        if (self, other) in outranking:
            return _(
                "This agreement wins over %(other)s: it counts the lines both "
                "match, %(other)s does not.",
                other=name,
            )
        if (other, self) in outranking:
            return _(
                "%(other)s wins over this agreement: it counts the lines both "
                "match, this agreement does not.",
                other=name,
            )
        return _(
            "%(other)s and this agreement stack: both count the lines both match.",
            other=name,
        )

    def _ties_with(self, other):
        return bool(
            self.stacking_group_id
            and self.stacking_group_id == other.stacking_group_id
            and self.priority == other.priority
        )

    def _get_outranking_pairs(self, overlapping=None):
        """{(winner, loser)} of records among these agreements and those
        they overlap (``overlapping``: {agreement: others}, by default
        _get_overlapping): the pairs in which the first takes the lines both
        match from the second, by the engine's own rule, read on the
        records' values as they stand (a form not saved yet included; an
        agreement not created yet comes after every other)."""
        if overlapping is None:
            overlapping = self._get_overlapping(self._get_neighbour_states())
        pairs = {(a, o) for a, others in overlapping.items() for o in others}
        pairs |= {(o, a) for a, o in pairs}
        if not pairs:
            return set()
        records = list({record for pair in pairs for record in pair})
        key = {record: index for index, record in enumerate(records)}
        rows = self.env.execute_query(
            SQL(
                "SELECT w.key, l.key FROM %s, %s, %s"
                " WHERE w.key = pair.winner AND l.key = pair.loser AND %s",
                values_table(
                    "pair",
                    (("winner", "int4"), ("loser", "int4")),
                    sorted((key[winner], key[loser]) for winner, loser in pairs),
                ),
                *(
                    values_table(
                        alias,
                        _PRECEDENCE_COLUMNS,
                        [
                            record._get_precedence_values(index)
                            for index, record in enumerate(records)
                        ],
                    )
                    for alias in ("w", "l")
                ),
                self.env["rebate.line.query"]._get_outranks_condition("w", "l"),
            )
        )
        return {(records[winner], records[loser]) for winner, loser in rows}

    def _get_precedence_values(self, key):
        """The row of this agreement in _get_outranking_pairs."""
        self.ensure_one()
        return (
            key,
            self._origin.id or 2**31 - 1,
            self.exclusive,
            self.priority or 0,
            self.date_start or None,
            self.stacking_group_id._origin.id or None,
        )

    def _get_neighbour_states(self):
        """The states of the agreements whose lines activating, amending or
        cancelling one may move: those that count lines (closed ones keep
        their settled periods), and those to approve."""
        return ("to_approve", "active", "closed")

    def _check_taken_lines_not_paid(self, neighbours):
        """Refuse to cancel an agreement that took lines from ``neighbours``
        while it has settled periods (approved or paid): those lines would
        count for the neighbours again and be paid twice."""
        paid = self.filtered(
            lambda a: a.settlement_ids.filtered(
                lambda s: s.state in ("approved", "done")
            )
        )
        if not paid or not neighbours:
            return
        outranking = paid._get_outranking_pairs()
        for agreement in paid:
            losers = [loser for winner, loser in outranking if winner == agreement]
            if losers:
                raise UserError(
                    self.env._(
                        "Agreement %(name)s has settled periods with invoice lines it "
                        "took from %(others)s: cancelling it would have them counted "
                        "and paid again. End it by an amendment instead.",
                        name=agreement.display_name,
                        others=", ".join(loser.display_name for loser in losers),
                    )
                )

    def _get_precedence_neighbours(self):
        """The other agreements whose counted lines these may change: those
        they overlap where one outranks the other."""
        outranking = self._get_outranking_pairs()
        return self.browse({record.id for pair in outranking for record in pair}) - self

    @api.constrains("priority", "stacking_group_id", "state")
    def _check_stacking_ties(self):
        """Two active agreements of one group, with the same priority, that
        match the same lines: which counts them would be a matter of dates."""
        grouped = self.filtered(lambda a: a.state == "active" and a.stacking_group_id)
        overlapping = grouped._get_overlapping()
        for agreement in grouped:
            tied = overlapping[agreement].filtered(
                lambda other, agreement=agreement: other.state == "active"
                and agreement._ties_with(other)
            )
            if tied:
                raise ValidationError(
                    self.env._(
                        "Agreement %(name)s and %(others)s are in the stacking group "
                        "%(group)s with the same priority and match the same invoice "
                        "lines: give them different priorities.",
                        name=agreement.display_name,
                        others=", ".join(tied.mapped("display_name")),
                        group=agreement.stacking_group_id.name,
                    )
                )

    def _get_settled_lines(self):
        """{agreement id: ids of the lines it counts in its approved or paid
        settlements' periods}."""
        windows = [
            (settlement.agreement_id.id, settlement.date_from, settlement.date_to)
            for settlement in self.settlement_ids
            if settlement.state in ("approved", "done")
        ]
        if not windows:
            return {}
        Query = self.env["rebate.line.query"]
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                "SELECT DISTINCT ag.id, aml.id %s",
                Query._get_window_lines_from("p", PERIOD_COLUMNS, windows),
            )
        )
        lines = defaultdict(set)
        for ag_id, line_id in rows:
            lines[ag_id].add(line_id)
        return dict(lines)

    def _check_settled_lines_kept(self, before):
        """Refuse a change that takes lines out of a period another agreement
        has already settled (``before``: its _get_settled_lines then)."""
        after = self._get_settled_lines()
        losing = self.filtered(
            lambda a: before.get(a.id, set()) - after.get(a.id, set())
        )
        if losing:
            settled = losing.settlement_ids.filtered(
                lambda s: s.state in ("approved", "done")
            )
            raise UserError(
                self.env._(
                    "This would take invoice lines out of periods already settled "
                    "(approved or paid) by %(agreements)s (%(settlements)s): change "
                    "the priority, the stacking group or the exclusivity, or start "
                    "the agreement after those periods.",
                    agreements=", ".join(losing.mapped("display_name")),
                    settlements=", ".join(
                        f"{s.name}, {s.date_from} – {s.date_to}" for s in settled
                    ),
                )
            )

    def _get_state_label(self):
        """The state of these agreements, as the user reads it."""
        states = dict(self._fields["state"]._description_selection(self.env))
        return ", ".join(sorted({states[state] for state in self.mapped("state")}))

    def _rebuild_neighbours(self, neighbours):
        """Rebuild the accruals of ``neighbours`` whose lines these agreements
        now share, take or give back, recompute their draft settlements,
        and say so in their chatter."""
        live = neighbours.filtered(lambda a: a.state == "active")
        if not live:
            return
        live._rebuild_accruals()
        live.settlement_ids.filtered(lambda s: s.state == "draft")._recompute_totals()
        for agreement in live:
            agreement._message_log(
                body=self.env._(
                    "Accruals and draft settlements recomputed: %(agreements)s "
                    "became %(state)s, and which agreement counts the invoice lines "
                    "both match follows their priority, exclusivity and stacking "
                    "group.",
                    agreements=", ".join(self.mapped("display_name")),
                    state=self._get_state_label().lower(),
                )
            )
