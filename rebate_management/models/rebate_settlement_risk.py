# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict
from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import formatLang


class RebateSettlementRisk(models.AbstractModel):
    """Risk control on a settlement, inherited by ``rebate.settlement``: the
    alerts computed with it (in the close's batch, not per settlement), and a
    sales manager's acknowledgement, without which it is not approved."""

    _name = "rebate.settlement.risk"
    _description = "Rebate Settlement Risk Control"

    alert_ids = fields.One2many(
        "rebate.settlement.alert", "settlement_id", string="Alerts", readonly=True
    )
    has_alerts = fields.Boolean(readonly=True, index=True)
    alerts_acknowledged_by_id = fields.Many2one(
        "res.users", string="Alerts Acknowledged By", readonly=True, copy=False
    )
    alerts_acknowledged_date = fields.Datetime(
        string="Alerts Acknowledged On", readonly=True, copy=False
    )
    alerts_acknowledgement_note = fields.Text(
        string="Acknowledgement Note", readonly=True, copy=False
    )

    def action_acknowledge_alerts(self, note):
        """A sales manager lets the settlement's alerts through, saying why:
        kept on the settlement and in its chatter."""
        self.env["rebate.agreement"]._check_rebate_group(
            "group_rebate_manager", self.env._("acknowledge rebate alerts")
        )
        note = (note or "").strip()
        if not note:
            raise UserError(self.env._("Say why the alerts are acknowledged."))
        for settlement in self:
            if not settlement.has_alerts or settlement.state != "draft":
                raise UserError(
                    self.env._(
                        "Settlement %(name)s has no alert to acknowledge.",
                        name=settlement.name,
                    )
                )
        self.sudo()._rebate_workflow().write(
            {
                "alerts_acknowledged_by_id": self.env.uid,
                "alerts_acknowledged_date": fields.Datetime.now(),
                "alerts_acknowledgement_note": note,
            }
        )
        for settlement in self:
            settlement._message_log(
                body=self.env._(
                    "Alerts acknowledged (%(alerts)s): %(note)s",
                    alerts=", ".join(settlement.alert_ids.mapped("message")),
                    note=note,
                )
            )
        return True

    def action_open_acknowledge_wizard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Acknowledge Alerts"),
            "res_model": "rebate.settlement.acknowledge",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_settlement_id": self.id},
        }

    def _check_alerts_acknowledged(self):
        for settlement in self:
            if settlement.has_alerts and not settlement.alerts_acknowledged_by_id:
                raise UserError(
                    self.env._(
                        "Settlement %(name)s has alerts a sales manager must "
                        "acknowledge before it is approved:\n%(alerts)s",
                        name=settlement.name,
                        alerts="\n".join(settlement.alert_ids.mapped("message")),
                    )
                )

    def _refresh_alerts(self, new=False, companies=None):
        """Compute the alerts of these settlements afresh, in a few queries
        for all of them; a settlement whose alerts change needs a new
        acknowledgement. ``new``: settlements just created (the close), with
        no alert yet, and ``companies`` theirs (the close knows them: thousands
        of settlements are not read for it). With every check off and no alert
        to clear, nothing more is read."""
        if companies is None:
            companies = self.company_id
        checking = any(
            company.rebate_alert_surge_days
            or company.rebate_alert_return_days
            or company.rebate_alert_cost_percent
            for company in companies
        )
        if not checking and (new or not any(self.mapped("has_alerts"))):
            return
        found = self._compute_alerts() if checking else {}
        Alert = self.env["rebate.settlement.alert"].sudo()
        old = {}
        if not new:
            old = {
                settlement.id: set(settlement.sudo().alert_ids.mapped("code"))
                for settlement in self
            }
            Alert.search([("settlement_id", "in", self.ids)]).unlink()
        if not found and not any(old.values()):
            return
        Alert.create(
            [
                {"settlement_id": settlement_id, "code": code, "message": message}
                for settlement_id, alerts in found.items()
                for code, message in alerts
            ]
        )
        raised = self.filtered(lambda s: bool(found.get(s.id)))
        raised_again = raised.filtered(
            lambda s: {code for code, _m in found[s.id]} - old.get(s.id, set())
        )
        workflow = self.sudo()._rebate_workflow()
        workflow.filtered(lambda s: s in raised and not s.has_alerts).write(
            {"has_alerts": True}
        )
        workflow.filtered(lambda s: s not in raised and s.has_alerts).write(
            {"has_alerts": False}
        )
        reset = {
            "alerts_acknowledged_by_id": False,
            "alerts_acknowledged_date": False,
            "alerts_acknowledgement_note": False,
        }
        workflow.filtered(lambda s: s in raised_again or s not in raised).filtered(
            "alerts_acknowledged_by_id"
        ).write(reset)

    def _compute_alerts(self):
        """{settlement id: [(code, message)]} of the checks these settlements
        fail, each check one query for all of them, and only where the
        company turned it on."""
        regular = self.filtered(lambda s: not s.is_adjustment)
        if not regular:
            return {}
        agreements = regular.agreement_id
        terms = agreements._read_accrual_terms()
        tiers = agreements._read_tiers()
        found = defaultdict(list)
        for check in self._get_alert_checks():
            for settlement_id, alert in check(regular, terms, tiers).items():
                found[settlement_id].append(alert)
        return found

    def _get_alert_checks(self):
        """The alert checks: functions (settlements, terms, tiers) ->
        {settlement id: (code, message)}. A module adds its own here."""
        return [
            self._check_period_end_surge,
            self._check_returns_after_period,
            self._check_cost_share,
        ]

    def _tier_index(self, agreement, base, tiers, terms):
        index = agreement._compute_period_rebate(base, tiers, terms).tier_index
        return -1 if index is None else index

    def _window_bases(self, windows, terms, kinds=("out_invoice", "out_refund")):
        """{(agreement id, date from): (base, sales amount)} of the documents
        of ``kinds`` counted in ``windows`` (agreement id, from, to)."""
        if not windows:
            return {}
        Lines = self.env["rebate.counted.line"]
        convert = Lines._get_amount_converter()
        sums = defaultdict(lambda: [0.0, 0.0])
        for (
            ag_id,
            start,
            _move,
            move_type,
            cur,
            date,
            _due,
            amount,
            qty,
        ) in Lines._query_move_bases(windows):
            if move_type not in kinds:
                continue
            agreement_terms = terms[ag_id]
            money = convert(agreement_terms, cur, date, amount)
            base = float(qty or 0.0) if agreement_terms.basis == "quantity" else money
            sums[ag_id, start][0] += base
            sums[ag_id, start][1] += money
        return {key: tuple(value) for key, value in sums.items()}

    def _check_period_end_surge(self, settlements, terms, tiers):
        on = settlements.filtered(
            lambda s: s.company_id.rebate_alert_surge_days > 0
            and s.company_id.rebate_alert_surge_percent > 0
        )
        windows = {
            s: (
                s.agreement_id.id,
                max(
                    s.date_from,
                    s.date_to
                    - timedelta(days=s.company_id.rebate_alert_surge_days - 1),
                ),
                s.date_to,
            )
            for s in on
        }
        # the last days' bases, summed as the settlement's own base is (the
        # engine's aggregated period bases, not a row per document)
        last = self.env["rebate.counted.line"]._compute_period_bases(
            list(set(windows.values())), terms
        )
        alerts = {}
        for settlement, window in windows.items():
            late_base = last.get(window[:2], 0.0)
            base = settlement.base_cumulative or settlement.base_total
            company = settlement.company_id
            if base <= 0 or late_base <= 0:
                continue
            share = late_base / base * 100.0
            if share < company.rebate_alert_surge_percent:
                continue
            ag_terms = terms[window[0]]
            ag_tiers = tiers.get(window[0], [])
            agreement = settlement.agreement_id
            if self._tier_index(
                agreement, base - late_base, ag_tiers, ag_terms
            ) >= self._tier_index(agreement, base, ag_tiers, ag_terms):
                continue
            alerts[settlement.id] = (
                "period_end_surge",
                self.env._(
                    "Documents dated in the last %(days)s days of the period make "
                    "%(share)s %% of its base (%(late)s of %(base)s); without "
                    "them the base would be in a lower tier.",
                    days=company.rebate_alert_surge_days,
                    share=formatLang(self.env, share),
                    late=formatLang(self.env, late_base),
                    base=formatLang(self.env, base),
                ),
            )
        return alerts

    def _check_returns_after_period(self, settlements, terms, tiers):
        on = settlements.filtered(lambda s: s.company_id.rebate_alert_return_days > 0)
        windows = {
            s: (
                s.agreement_id.id,
                s.date_to + timedelta(days=1),
                s.date_to + timedelta(days=s.company_id.rebate_alert_return_days),
            )
            for s in on
        }
        returns = self._window_bases(
            list(set(windows.values())), terms, kinds=("out_refund",)
        )
        alerts = {}
        for settlement, window in windows.items():
            returned = returns.get(window[:2], (0.0, 0.0))[0]
            if returned >= 0:
                continue
            base = settlement.base_cumulative or settlement.base_total
            agreement = settlement.agreement_id
            ag_terms = terms[window[0]]
            ag_tiers = tiers.get(window[0], [])
            if self._tier_index(
                agreement, base + returned, ag_tiers, ag_terms
            ) >= self._tier_index(agreement, base, ag_tiers, ag_terms):
                continue
            alerts[settlement.id] = (
                "returns_after_period",
                self.env._(
                    "Refunds of %(returned)s dated within %(days)s days after the "
                    "period would have put its base in a lower tier (%(base)s, "
                    "then %(after)s).",
                    returned=formatLang(self.env, -returned),
                    days=settlement.company_id.rebate_alert_return_days,
                    base=formatLang(self.env, base),
                    after=formatLang(self.env, base + returned),
                ),
            )
        return alerts

    def _check_cost_share(self, settlements, terms, tiers):
        on = settlements.filtered(lambda s: s.company_id.rebate_alert_cost_percent > 0)
        periods = {s: (s.agreement_id.id, s.date_from, s.date_to) for s in on}
        # on the amount basis the sales are the settlement's base (what it
        # counted and what it forfeited); on quantities they are summed
        on_quantity = [
            period
            for period in set(periods.values())
            if terms[period[0]].basis == "quantity"
        ]
        sales = self._window_bases(on_quantity, terms)
        alerts = {}
        for settlement, period in periods.items():
            if terms[period[0]].basis == "quantity":
                amount = sales.get(period[:2], (0.0, 0.0))[1]
            else:
                amount = settlement.base_total + settlement.base_forfeited
            rebate = settlement.rebate_total - settlement.adjustment_total
            limit = settlement.company_id.rebate_alert_cost_percent
            if rebate <= 0 or (amount > 0 and rebate * 100.0 <= amount * limit):
                continue
            alerts[settlement.id] = (
                "cost_share",
                self.env._(
                    "The rebate, %(rebate)s, is %(share)s %% of the period's sales "
                    "(%(sales)s), more than %(limit)s %%.",
                    rebate=formatLang(
                        self.env, rebate, currency_obj=settlement.currency_id
                    ),
                    share=formatLang(self.env, rebate / amount * 100.0)
                    if amount > 0
                    else "∞",
                    sales=formatLang(
                        self.env, amount, currency_obj=settlement.currency_id
                    ),
                    limit=formatLang(self.env, limit),
                ),
            )
        return alerts
