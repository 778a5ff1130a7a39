# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import Command, fields, models


class RebateAccrual(models.Model):
    """An accrual names the agreements it took its line from (an exclusive
    agreement, or the first of a stacking group): the other side of the
    statement's "Lines counted by another agreement"."""

    _inherit = "rebate.accrual"

    taken_from_ids = fields.Many2many(
        "rebate.agreement",
        compute="_compute_taken_from_ids",
        help="Other agreements that match this invoice line but do not count "
        "it, because this agreement is exclusive or comes first in their "
        "stacking group.",
    )

    def _compute_taken_from_ids(self):
        taken = self.env["rebate.line.query"]._query_taken_from(self.ids)
        for accrual in self:
            accrual.taken_from_ids = [Command.set(taken.get(accrual.id, []))]
