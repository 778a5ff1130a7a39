# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..tools import xml_action


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "rebate.workflow.mixin"]

    rebate_accrual_ids = fields.One2many(
        "rebate.accrual", "move_id", string="Rebate Accruals", readonly=True
    )
    rebate_accrual_count = fields.Integer(compute="_compute_rebate_accrual_count")
    rebate_settlement_id = fields.Many2one(
        "rebate.settlement",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The rebate settlement this credit note pays out.",
    )
    rebate_agreement_id = fields.Many2one(
        related="rebate_settlement_id.agreement_id", string="Rebate Agreement"
    )

    @api.depends("rebate_accrual_ids")
    def _compute_rebate_accrual_count(self):
        counts = dict(
            self.env["rebate.accrual"]._read_group(
                [("move_id", "in", self.ids)], ["move_id"], ["__count"]
            )
        )
        for move in self:
            move.rebate_accrual_count = counts.get(move, 0)

    def _get_rebate_workflow_fields(self):
        # a document linked to a settlement no longer counts for rebates: only
        # the settlement's own credit note may be
        return super()._get_rebate_workflow_fields() | {"rebate_settlement_id"}

    @api.model_create_multi
    def create(self, vals_list):
        self._check_rebate_workflow_vals(vals_list, create=True)
        return super().create(vals_list)

    def write(self, vals):
        self._check_rebate_workflow_vals([vals])
        return super().write(vals)

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        customer_docs = self.env["rebate.line.query"]._filter_counted_moves(posted)
        if customer_docs:
            self.env["rebate.accrual"].sudo()._accrue_moves(customer_docs)
        return posted

    def button_draft(self):
        move_types = self.env["rebate.line.query"]._get_counted_move_types()
        was_posted = self.filtered(
            lambda m: m.state == "posted" and m.move_type in move_types
        )
        Accrual = self.env["rebate.accrual"].sudo()
        if was_posted:
            Accrual._check_moves_not_settled(was_posted)
        res = super().button_draft()
        if was_posted:
            Accrual._unaccrue_moves(was_posted)
        return res

    def action_view_rebate_accruals(self):
        self.ensure_one()
        return xml_action(
            self.env,
            "rebate_management.rebate_accrual_action",
            [("move_id", "=", self.id)],
        )
