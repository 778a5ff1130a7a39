# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class RebateSettlementReasonMixin(models.AbstractModel):
    """The dialog in which a sales manager says why a settlement is let
    through (its alerts acknowledged, its credit hold released): shared by
    the two wizards, each of which hands its reason to the settlement."""

    _name = "rebate.settlement.reason.mixin"
    _description = "Reason Given for a Rebate Settlement"

    settlement_id = fields.Many2one("rebate.settlement", required=True, readonly=True)

    def _apply_reason(self):
        """Hand the reason to the settlement: the step each wizard defines."""
        raise NotImplementedError

    def _action_confirm(self):
        self.ensure_one()
        self._apply_reason()
        return {"type": "ir.actions.act_window_close"}
