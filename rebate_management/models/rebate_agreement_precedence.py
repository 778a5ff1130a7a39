# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools import values_table


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
        string="Stacking Group",
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

    @api.depends("overlap_agreement_ids", "priority", "stacking_group_id", "exclusive")
    def _compute_overlap_summary(self):
        saved = self.filtered("id")
        outranking = saved._get_outranking_pairs()
        for agreement in self:
            agreement.overlap_summary = "\n".join(
                agreement._describe_overlap(other, outranking)
                for other in agreement.overlap_agreement_ids.sorted(
                    lambda o: (o.priority, o.date_start, o.id)
                )
            )

    def _describe_overlap(self, other, outranking):
        """One line of the overlap banner: ``other``, and whether it stacks
        with this agreement, yields to it or wins over it."""
        me, them = self._origin.id, other._origin.id
        if (me, them) in outranking:
            text = self.env._("wins: this agreement counts the lines both match")
        elif (them, me) in outranking:
            text = self.env._("yields: it counts the lines both match, not this one")
        else:
            text = self.env._("stacks: both count the lines both match")
        return f"{other.display_name} — {text}"

    def _get_outranking_pairs(self):
        """{(winner id, loser id)} among these agreements and those they
        overlap: the pairs in which the first takes the lines both match
        from the second, by the engine's own rule."""
        overlapping = self._get_overlapping()
        pairs = {
            (agreement.id, other.id)
            for agreement in self
            for other in overlapping[agreement]
        }
        pairs |= {(other, agreement) for agreement, other in pairs}
        if not pairs:
            return set()
        self.flush_model()
        rows = self.env.execute_query(
            SQL(
                "SELECT ov.id, ag.id FROM %s"
                " JOIN rebate_agreement ov ON ov.id = pair.winner_id"
                " JOIN rebate_agreement ag ON ag.id = pair.loser_id WHERE %s",
                values_table(
                    "pair",
                    (("winner_id", "int4"), ("loser_id", "int4")),
                    sorted(pairs),
                ),
                self.env["rebate.line.query"]._get_outranks_condition("ov", "ag"),
            )
        )
        return set(rows)

    def _get_precedence_neighbours(self):
        """The other agreements whose counted lines these may change: those
        they overlap where one outranks the other."""
        outranking = self._get_outranking_pairs()
        ids = {winner for winner, _loser in outranking} | {
            loser for _winner, loser in outranking
        }
        return self.browse(ids) - self

    @api.constrains("priority", "stacking_group_id", "state")
    def _check_stacking_ties(self):
        """Two active agreements of one group, with the same priority, that
        match the same lines: which counts them would be a matter of dates."""
        for agreement in self.filtered(
            lambda a: a.state == "active" and a.stacking_group_id
        ):
            tied = agreement._get_overlapping()[agreement].filtered(
                lambda other, agreement=agreement: other.state == "active"
                and other.stacking_group_id == agreement.stacking_group_id
                and other.priority == agreement.priority
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
                Query._get_window_lines_from(
                    "p",
                    (
                        ("agreement_id", "int4"),
                        ("date_from", "date"),
                        ("date_to", "date"),
                    ),
                    windows,
                ),
            )
        )
        lines = {}
        for ag_id, line_id in rows:
            lines.setdefault(ag_id, set()).add(line_id)
        return lines

    def _check_settled_lines_kept(self, before):
        """Refuse a change that takes lines out of a period another agreement
        has already settled (``before``: its _get_settled_lines then)."""
        after = self._get_settled_lines()
        losing = self.filtered(
            lambda a: before.get(a.id, set()) - after.get(a.id, set())
        )
        if losing:
            raise UserError(
                self.env._(
                    "This would take invoice lines out of periods already settled "
                    "(approved or paid) by %(agreements)s: change the priority, the "
                    "stacking group or the exclusivity, or start the agreement "
                    "after those periods.",
                    agreements=", ".join(losing.mapped("display_name")),
                )
            )

    def _get_state_label(self):
        """The state of these agreements, as the user reads it."""
        states = dict(self._fields["state"]._description_selection(self.env))
        return ", ".join(sorted({states[state] for state in self.mapped("state")}))

    def _rebuild_neighbours(self, neighbours):
        """Rebuild the accruals of ``neighbours`` whose lines these agreements
        now share or take, and say so in their chatter."""
        live = neighbours.filtered(lambda a: a.state == "active")
        if not live:
            return
        live._rebuild_accruals()
        for agreement in live:
            agreement._message_log(
                body=self.env._(
                    "Accruals rebuilt: %(agreements)s, %(state)s, decide with this "
                    "agreement which of them counts the invoice lines both match "
                    "(priority, exclusivity, stacking group).",
                    agreements=", ".join(self.mapped("display_name")),
                    state=self._get_state_label(),
                )
            )
