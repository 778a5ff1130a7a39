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
        """{what an agreement reads (_get_agreement_reading): the move types
        whose lines it counts}: a customer agreement its customer's invoices
        and refunds, a vendor agreement on purchases its supplier's bills
        and refunds, a vendor agreement on sell-through the customer
        invoices and refunds of its products. A module adding a type or a
        basis extends it and _get_agreement_reading."""
        return {
            "customer": ("out_invoice", "out_refund"),
            "vendor": ("in_invoice", "in_refund"),
            "sell_through": ("out_invoice", "out_refund"),
        }

    @api.model
    def _get_agreement_reading(self, alias="ag"):
        """SQL: the key of _get_agreement_move_types agreement ``alias``
        reads: its rebate type, or ``sell_through``."""
        agreement = SQL.identifier(alias)
        return SQL(
            "CASE WHEN %s.rebate_type = 'vendor' AND %s.vendor_basis = 'sell_through'"
            " THEN 'sell_through' ELSE %s.rebate_type END",
            agreement,
            agreement,
            agreement,
        )

    @api.model
    def _get_direction_condition(self, alias="ag"):
        """SQL: the move (``am``) is of the documents agreement ``alias``
        counts (_get_agreement_move_types)."""
        reading = self._get_agreement_reading(alias)
        return SQL(
            "(%s)",
            SQL(" OR ").join(
                SQL("(%s = %s AND am.move_type IN %s)", reading, key, move_types)
                for key, move_types in self._get_agreement_move_types().items()
            ),
        )
