# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, models
from odoo.tools import SQL


class RebateLineQuery(models.AbstractModel):
    """Which direction of documents an agreement counts: a customer
    agreement its customer's invoices and refunds, a vendor agreement its
    supplier's bills and refunds. One condition, on the agreement and the
    move, that every line query and the precedence rule read."""

    _inherit = "rebate.line.query"

    @api.model
    def _get_agreement_move_types(self):
        """{rebate type: the move types whose lines an agreement of that type
        counts}. A module adding a type (or a basis reading other
        documents) extends it and _get_direction_condition."""
        return {
            "customer": ("out_invoice", "out_refund"),
            "vendor": ("in_invoice", "in_refund"),
        }

    @api.model
    def _get_direction_condition(self, alias="ag"):
        """SQL: the move (``am``) is of the documents agreement ``alias``
        counts, by its rebate type."""
        agreement = SQL.identifier(alias)
        return SQL(
            "(%s)",
            SQL(" OR ").join(
                SQL(
                    "(%s.rebate_type = %s AND am.move_type IN %s)",
                    agreement,
                    rebate_type,
                    move_types,
                )
                for rebate_type, move_types in self._get_agreement_move_types().items()
            ),
        )
