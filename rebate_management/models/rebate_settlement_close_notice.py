# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models
from odoo.tools import format_date

from ..tools import notification_action


class RebateSettlementCloseNotice(models.Model):
    """What a close of agreements tells the user who asked for it: what it
    settled, or why nothing was due (periods not ended, invoices not yet
    due)."""

    _inherit = "rebate.settlement"

    def _action_notify_closed(self, agreements, date=None):
        """A notification of what a close of ``agreements`` on ``date``
        (today by default) created, and of the periods it left waiting for
        their invoices to be due, then the settlements that matter among
        them."""
        date = date or fields.Date.context_today(self)
        waiting = self._describe_waiting_periods(agreements, date)
        if self:
            message = self._describe_closed(waiting)
        else:
            message = self._describe_nothing_closed(agreements, date, waiting)
        to_approve = self.filtered(lambda s: s.state == "draft")
        return notification_action(
            self.env._("Close Ended Periods"),
            message,
            "success" if self else "info",
            to_approve._action_open(self.env._("Settlements to Approve"))
            if to_approve
            else None,
        )

    def _describe_closed(self, waiting):
        """What the close that created these settlements did, and the periods
        it left ``waiting`` (a sentence, or nothing), as one message."""
        message = self.env._(
            "%(count)s period(s) closed: %(draft)s settlement(s) to approve, "
            "%(zero)s at zero.",
            count=len(self),
            draft=len(self.filtered(lambda s: s.state == "draft")),
            zero=len(self.filtered(lambda s: s.currency_id.is_zero(s.rebate_total))),
        )
        if waiting:
            message += " " + self.env._("Waiting: %(waiting)s.", waiting=waiting)
        return message

    @api.model
    def _describe_nothing_closed(self, agreements, date, waiting):
        """Why a close of ``agreements`` on ``date`` closed no period, with
        the periods it left ``waiting`` (a sentence, or nothing)."""
        # (the close itself may have closed the agreements: their last period)
        if not agreements.filtered(lambda a: a.state == "active"):
            return self.env._(
                "Nothing to close: only active agreements have periods to settle."
            )
        if waiting:
            return self.env._("Nothing to close yet: %(waiting)s.", waiting=waiting)
        if not_ended := self._describe_not_ended(agreements, date):
            return self.env._("Nothing to close yet: %(periods)s.", periods=not_ended)
        return self.env._(
            "Nothing to close: every ended period of %(agreements)s is already "
            "settled.",
            agreements=", ".join(agreements.mapped("display_name")),
        )

    def _describe_not_ended(self, agreements, date):
        """The active ``agreements`` none of whose periods has ended by
        ``date``, each with the date its first period ends, as one
        sentence."""
        return "; ".join(
            self.env._(
                "no period of %(agreement)s has ended, the first ends on %(date)s",
                agreement=agreement.display_name,
                date=format_date(self.env, agreement._get_periods()[0][1]),
            )
            for agreement in agreements.filtered(
                lambda a: a.state == "active" and not a._get_periods(date)
            )
        )

    def _describe_waiting_periods(self, agreements, date):
        """The periods of ``agreements`` ended by ``date`` that wait for their
        invoices to be due, each with the date it closes, as one sentence."""
        waiting = self._get_waiting_periods(agreements, date)
        return "; ".join(
            self.env._(
                "%(agreement)s, %(date_from)s - %(date_to)s, waits until its "
                "invoices are due and closes on %(date)s",
                agreement=agreement.display_name,
                date_from=format_date(self.env, date_from),
                date_to=format_date(self.env, date_to),
                date=format_date(self.env, ripe),
            )
            for (agreement, date_from, date_to), ripe in sorted(
                waiting.items(), key=lambda item: (item[1], item[0][0].id)
            )
        )
