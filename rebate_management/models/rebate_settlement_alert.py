# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import formatLang


class RebateSettlementAlert(models.Model):
    """A pattern worth a second look on a settlement, flagged when it is
    computed: a surge at the period's end, returns right after it, a rebate
    out of proportion to the sales. Written by the engine only.

    The figures that raised it are kept, and its message is built from them
    when it is read, in the reader's language (the close may run as the
    scheduler, in English)."""

    _name = "rebate.settlement.alert"
    _description = "Rebate Settlement Alert"
    _order = "settlement_id, code"

    settlement_id = fields.Many2one(
        "rebate.settlement", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="settlement_id.company_id", store=True)
    currency_id = fields.Many2one(related="settlement_id.currency_id")
    code = fields.Selection(
        [
            ("period_end_surge", "Surge at the period's end"),
            ("returns_after_period", "Returns after the period"),
            ("cost_share", "Rebate out of proportion to sales"),
        ],
        string="Alert",
        required=True,
    )
    days = fields.Integer(
        help="The days the check looked at: the period's last days, or the "
        "days after it."
    )
    threshold = fields.Float(
        digits=(16, 2), help="The company's threshold, in percent, when it has one."
    )
    share = fields.Float(
        digits=(16, 2),
        help="The percent found: of the base in the last days, of the rebate "
        "in the sales.",
    )
    amount = fields.Float(
        digits="Product Price",
        help="The figure that raised the alert: the base of the last days, the "
        "refunds after the period, the rebate.",
    )
    base = fields.Float(
        digits="Product Price",
        help="What it is measured against: the settlement's base, or the "
        "period's sales.",
    )
    message = fields.Text(compute="_compute_message")

    @api.depends_context("lang")
    @api.depends("code", "days", "threshold", "share", "amount", "base")
    def _compute_message(self):
        builders = self._get_message_builders()
        for alert in self:
            method = builders.get(alert.code)
            alert.message = getattr(alert, method)() if method else ""

    def _get_message_builders(self):
        """{code: name of the method building its message from the alert's
        figures}. A module adding a check adds the message of its code here."""
        return {
            "period_end_surge": "_message_period_end_surge",
            "returns_after_period": "_message_returns_after_period",
            "cost_share": "_message_cost_share",
        }

    def _message_period_end_surge(self):
        return self.env._(
            "Documents dated in the last %(days)s days of the period make "
            "%(share)s %% of its base (%(late)s of %(base)s); without them the "
            "base would be in a lower tier.",
            days=self.days,
            share=formatLang(self.env, self.share),
            late=formatLang(self.env, self.amount),
            base=formatLang(self.env, self.base),
        )

    def _message_returns_after_period(self):
        return self.env._(
            "Refunds of %(returned)s dated within %(days)s days after the period "
            "would have put its base in a lower tier (%(base)s, then %(after)s).",
            returned=formatLang(self.env, self.amount),
            days=self.days,
            base=formatLang(self.env, self.base),
            after=formatLang(self.env, self.base - self.amount),
        )

    def _message_cost_share(self):
        return self.env._(
            "The rebate, %(rebate)s, is %(share)s %% of the period's sales "
            "(%(sales)s), more than %(limit)s %%.",
            rebate=formatLang(self.env, self.amount, currency_obj=self.currency_id),
            share=formatLang(self.env, self.share) if self.base > 0 else "∞",
            sales=formatLang(self.env, self.base, currency_obj=self.currency_id),
            limit=formatLang(self.env, self.threshold),
        )
