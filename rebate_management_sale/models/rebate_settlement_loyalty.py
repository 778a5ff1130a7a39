# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import Command, fields, models
from odoo.tools import SQL


class RebateSettlement(models.Model):
    """Rebates paid on Odoo Loyalty. Points go to the customer's card of the
    agreement's loyalty program; a coupon is a new card of its coupon or
    gift card program, mailed to the customer. Neither books an entry: as
    in Odoo Loyalty, the rebate's cost falls on the invoice that spends
    them, as the discount lines Odoo builds (one per tax group), and those
    lines count toward no rebate base."""

    _inherit = "rebate.settlement"

    loyalty_card_ids = fields.One2many(
        "loyalty.card",
        "rebate_settlement_id",
        string="Coupons",
        readonly=True,
        help="The coupons the settlement generated.",
    )
    loyalty_points = fields.Float(
        string="Points",
        readonly=True,
        copy=False,
        help="Points added to the customer's loyalty card (taken from it, for "
        "a claw-back).",
    )
    agreement_payout_method = fields.Selection(
        related="agreement_id.payout_method", string="Payout Method"
    )
    pays_in_loyalty = fields.Boolean(
        compute="_compute_pays_in_loyalty",
        help="The agreement pays its rebates as loyalty points or coupons.",
    )

    def _compute_pays_in_loyalty(self):
        for settlement in self:
            settlement.pays_in_loyalty = settlement.agreement_id._pays_in_loyalty()

    def action_view_rebate_coupons(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Coupons"),
            "res_model": "loyalty.card",
            "view_mode": "list,form",
            "domain": [("id", "in", self.loyalty_card_ids.ids)],
            "context": {"create": False},
        }

    def _prepare_document_vals(self):
        """Points and coupons book nothing; a claw-back of points takes back
        what the card holds, and invoices the rest (the core's claw-back
        invoice, less the part taken from the card)."""
        self.ensure_one()
        agreement = self.agreement_id
        if not agreement._pays_in_loyalty():
            return super()._prepare_document_vals()
        if not self.is_negative:
            return {}
        if agreement.payout_method != "points":
            return super()._prepare_document_vals()
        owed = -self.rebate_total
        taken = min(self._get_points_clawback_value(), owed)
        if self.currency_id.compare_amounts(taken, owed) >= 0:
            return {}
        vals = super()._prepare_document_vals()
        if not self.currency_id.is_zero(taken):
            vals["invoice_line_ids"].append(
                Command.create(self._prepare_points_deduction_vals(taken))
            )
        return vals

    def _get_points_cards(self):
        """{settlement: its customer's card in its agreement's loyalty program
        (the commercial entity's; the oldest when there are several)}, in
        one search."""
        Card = self.env["loyalty.card"].sudo()
        keys = {
            settlement: (
                settlement.agreement_id.loyalty_program_id.id,
                settlement._get_balance_partner().id,
            )
            for settlement in self
        }
        cards = Card.search(
            [
                ("program_id", "in", [key[0] for key in keys.values()]),
                ("partner_id", "in", [key[1] for key in keys.values()]),
            ],
            order="id desc",
        )
        # the oldest card of each customer and program comes last, and stays
        by_key = {(card.program_id.id, card.partner_id.id): card for card in cards}
        return {settlement: by_key.get(key, Card) for settlement, key in keys.items()}

    def _get_points_card(self):
        self.ensure_one()
        return self._get_points_cards()[self]

    def _get_points_clawback_value(self):
        """What the customer's points are worth now, in the settlement's
        currency, its card locked until the claw-back is written."""
        self.ensure_one()
        card = self._get_points_card()
        if not card:
            return 0.0
        self.env.cr.execute(
            SQL("SELECT id FROM loyalty_card WHERE id = %s FOR UPDATE", card.id)
        )
        card.invalidate_recordset(["points"])
        return self.currency_id.round(
            card.points / self.agreement_id._get_points_per_unit()
        )

    def _prepare_points_deduction_vals(self, amount):
        """The part taken from the card, off the claw-back invoice, on the
        rebate product with its taxes (the invoice charges the rest)."""
        agreement = self.agreement_id
        points = f"{amount * agreement._get_points_per_unit():g}"
        return {
            "product_id": agreement.rebate_product_id.id,
            "name": self._get_customer_env()._(
                "Taken back from your loyalty points: %(points)s points",
                points=points,
            ),
            "quantity": 1.0,
            "price_unit": -amount,
        }

    def _pay_out(self):
        result = super()._pay_out()
        self.filtered(
            lambda s: s.is_negative and s.agreement_id.payout_method == "points"
        )._take_back_points()
        return result

    def _pay_out_points(self):
        """Add each rebate's points to the customer's card (made if it has
        none), with a history row naming the settlement."""
        cards = self._get_points_cards()
        missing = self.filtered(lambda s: not cards[s])
        made = {}
        for settlement in missing:
            key = (
                settlement.agreement_id.loyalty_program_id,
                settlement._get_balance_partner(),
            )
            made.setdefault(key, []).append(settlement)
        if made:
            new_cards = (
                self.env["loyalty.card"]
                .sudo()
                .create(
                    [
                        {
                            "program_id": program.id,
                            "partner_id": partner.id,
                            "points": 0.0,
                        }
                        for program, partner in made
                    ]
                )
            )
            for settlements, card in zip(made.values(), new_cards, strict=True):
                cards.update(dict.fromkeys(settlements, card))
        self._move_cards_points(
            {
                settlement: (
                    cards[settlement],
                    settlement.agreement_id._get_rebate_points(settlement.rebate_total),
                )
                for settlement in self
            }
        )

    def _take_back_points(self):
        """A claw-back takes back the points the card holds, up to what is
        owed (the rest is invoiced)."""
        cards = self._get_points_cards()
        moves = {}
        for settlement in self.filtered(lambda s: cards[s]):
            card = cards[settlement]
            rate = settlement.agreement_id._get_points_per_unit()
            moves[settlement] = (
                card,
                -min(card.points, -settlement.rebate_total * rate),
            )
        self._move_cards_points(moves)

    def _move_cards_points(self, moves):
        """Add (or take back) points on cards: ``moves`` {settlement: (card,
        points)}. The cards' points, a history row naming each settlement
        (one create for all), the settlements' points."""
        moves = {settlement: move for settlement, move in moves.items() if move[1]}
        for settlement, (card, points) in moves.items():
            card.rebate_funded = True
            card.points += points
            settlement.loyalty_points = points
        self.env["loyalty.history"].sudo().create(
            [
                settlement._prepare_history_vals(card, points)
                for settlement, (card, points) in moves.items()
            ]
        )

    def _prepare_history_vals(self, card, points):
        self.ensure_one()
        return {
            "card_id": card.id,
            "description": self._get_customer_env()._(
                "Rebate %(settlement)s", settlement=self.name
            ),
            "issued": max(points, 0.0),
            "used": max(-points, 0.0),
            "order_model": self._name,
            "order_id": self.id,
        }

    def _pay_out_coupon(self):
        """A coupon for each rebate, mailed to the customer through the
        queue (_send_rebate_coupon_mail)."""
        cards = (
            self.env["loyalty.card"]
            .sudo()
            .with_context(loyalty_no_mail=True)
            .create([settlement._prepare_coupon_vals() for settlement in self])
        )
        self.env["loyalty.history"].sudo().create(
            [
                settlement._prepare_history_vals(card, card.points)
                for settlement, card in zip(self, cards, strict=True)
            ]
        )
        cards._send_rebate_coupon_mail()

    def _prepare_coupon_vals(self):
        self.ensure_one()
        agreement = self.agreement_id
        today = fields.Date.context_today(self)
        return {
            "program_id": agreement.loyalty_program_id.id,
            "partner_id": self._get_balance_partner().id,
            "points": agreement._get_coupon_points(self.rebate_total),
            "expiration_date": agreement._get_balance_expiry(today),
            "rebate_settlement_id": self.id,
            "rebate_funded": True,
        }

    def _get_statement_template(self):
        """A rebate paid in points or as a coupon is mailed as such."""
        self.ensure_one()
        if self.agreement_id._pays_in_loyalty() and not self.is_negative:
            template = self.env.ref(
                "rebate_management_sale.mail_template_settlement_statement_loyalty",
                raise_if_not_found=False,
            )
            if template:
                return template
        return super()._get_statement_template()
