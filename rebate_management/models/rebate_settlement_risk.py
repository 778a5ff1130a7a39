# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from collections import defaultdict, namedtuple
from datetime import timedelta
from operator import itemgetter

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import insert_records, wizard_action

# What the alert checks read of a settlement: plain values, from the close's
# own or read once (thousands of settlements are not browsed for them).
SettlementFacts = namedtuple(
    "SettlementFacts",
    "id agreement_id company_id currency_id date_from date_to base_total "
    "base_cumulative base_forfeited base_last_days rebate_total "
    "adjustment_total is_adjustment base_prior",
)
# A company's alert thresholds (0: the check is off).
AlertSettings = namedtuple(
    "AlertSettings", "surge_days surge_percent return_days cost_percent"
)


class RebateSettlementRisk(models.Model):
    """Risk control on a settlement (``rebate.settlement``): the
    alerts computed with it (in the close's batch, not per settlement), and a
    sales manager's acknowledgement, without which it is not approved."""

    _inherit = "rebate.settlement"

    alert_ids = fields.One2many(
        "rebate.settlement.alert", "settlement_id", string="Alerts", readonly=True
    )
    has_alerts = fields.Boolean(readonly=True, index=True)
    alerts_acknowledged_by_id = fields.Many2one("res.users", readonly=True, copy=False)
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
                body=Markup("<p>%s</p><ul>%s</ul>")
                % (
                    self.env._("Alerts acknowledged: %(note)s", note=note),
                    Markup().join(
                        Markup("<li>%s</li>") % message
                        for message in settlement.alert_ids.mapped("message")
                    ),
                )
            )
        return True

    def action_open_acknowledge_wizard(self):
        self.ensure_one()
        return wizard_action(
            self.env._("Acknowledge Alerts"),
            "rebate.settlement.acknowledge",
            {"default_settlement_id": self.id},
        )

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

    @api.model
    def _flag_alerts(self, vals_list, terms):
        """The close's alerts, checked on the values of the settlements it is
        about to create (no settlement read or written again for them): those
        with alerts are created with ``has_alerts`` set.

        :param vals_list: the settlements' values
        :param terms: their agreements' AccrualTerms
        :return: {(agreement id, date from): [alert values]}
        """
        settings = self._read_alert_settings({vals["company_id"] for vals in vals_list})
        if not any(any(rule) for rule in settings.values()):
            return {}
        values_of = itemgetter(*SettlementFacts._fields[1:])
        facts = [
            SettlementFacts((vals["agreement_id"], vals["date_from"]), *values_of(vals))
            for vals in vals_list
            if not vals["is_adjustment"]
        ]
        found = self._get_alerts(facts, terms)
        for vals in vals_list:
            if not vals["is_adjustment"]:
                vals["has_alerts"] = (vals["agreement_id"], vals["date_from"]) in found
        return found

    def _create_alerts(self, alerts):
        """Insert ``alerts`` ({settlement id: [alert values]}) in one go."""
        insert_records(
            self.env["rebate.settlement.alert"].sudo(),
            [
                dict(alert, settlement_id=settlement_id)
                for settlement_id, items in alerts.items()
                for alert in items
            ],
        )

    def _refresh_alerts(self):
        """Compute the alerts of these settlements afresh (a recompute), in a
        few queries for all of them; a settlement whose alerts change needs a
        new acknowledgement."""
        if not self:
            return
        found = self._get_alerts(self._read_alert_facts())
        old = {
            settlement.id: set(settlement.sudo().alert_ids.mapped("code"))
            for settlement in self
        }
        if not found and not any(old.values()):
            return
        self.env["rebate.settlement.alert"].sudo().search(
            [("settlement_id", "in", self.ids)]
        ).unlink()
        self._create_alerts(found)
        workflow = self.sudo()._rebate_workflow()
        raised = workflow.browse(list(found))
        raised_again = raised.filtered(
            lambda s: {alert["code"] for alert in found[s.id]} - old[s.id]
        )
        (raised - raised.filtered("has_alerts")).write({"has_alerts": True})
        (workflow - raised).filtered("has_alerts").write({"has_alerts": False})
        (raised_again | (workflow - raised)).filtered(
            "alerts_acknowledged_by_id"
        ).write(
            {
                "alerts_acknowledged_by_id": False,
                "alerts_acknowledged_date": False,
                "alerts_acknowledgement_note": False,
            }
        )

    def _read_alert_facts(self):
        """The SettlementFacts of these settlements, read in one go."""
        names = SettlementFacts._fields[1:]
        self.fetch(list(names))
        return [
            SettlementFacts(
                settlement.id,
                *(
                    value.id if isinstance(value, models.BaseModel) else value
                    for value in (settlement[name] for name in names)
                ),
            )
            for settlement in self
        ]

    @api.model
    def _read_alert_settings(self, company_ids):
        """{company id: AlertSettings}: the thresholds of the alert checks."""
        return {
            company.id: AlertSettings(
                company.rebate_alert_surge_days,
                company.rebate_alert_surge_percent,
                company.rebate_alert_return_days,
                company.rebate_alert_cost_percent,
            )
            for company in self.env["res.company"].sudo().browse(company_ids)
        }

    @api.model
    def _get_last_days_windows(self, periods, terms, tiers):
        """{(agreement id, date from): (agreement id, from, to)}: the last
        days of ``periods`` whose company checks for a surge there, whose base
        the close sums with the periods' (``base_last_days``); not for an
        agreement whose base cannot fall to a lower tier (one tier from 0)."""
        settings = self._read_alert_settings(
            {terms[ag_id].company_id for ag_id, _from, _to in periods}
        )
        windows = {}
        for ag_id, date_from, date_to in periods:
            rule = settings[terms[ag_id].company_id]
            own = tiers.get(ag_id) or []
            if len(own) < 2 and not (own and own[0][0] > 0):
                continue
            if rule.surge_days > 0 and rule.surge_percent > 0:
                start = date_to - timedelta(days=rule.surge_days - 1)
                windows[ag_id, date_from] = (ag_id, max(date_from, start), date_to)
        return windows

    @api.model
    def _get_alerts(self, facts, terms=None):
        """{settlement id: [alert values]} of the checks the settlements of
        ``facts`` (SettlementFacts) fail, each check a query or two for
        all of them, and only where the company turned it on: with every
        check off, nothing is read."""
        regular = [fact for fact in facts if not fact.is_adjustment]
        settings = self._read_alert_settings({fact.company_id for fact in regular})
        if not any(any(rule) for rule in settings.values()):
            return {}
        agreements = self.env["rebate.agreement"].browse(
            {fact.agreement_id for fact in regular}
        )
        if terms is None:
            terms = agreements._read_accrual_terms()
        tiers = agreements._read_tiers()
        found = defaultdict(list)
        for check in self._get_alert_checks():
            for settlement_id, alert in check(regular, terms, tiers, settings).items():
                found[settlement_id].append(alert)
        return found

    @api.model
    def _get_alert_checks(self):
        """The alert checks: functions (facts, terms, tiers, settings) ->
        {settlement id: alert values (code and the figures of
        rebate.settlement.alert)}. A module adds its own here."""
        return [
            self._check_period_end_surge,
            self._check_returns_after_period,
            self._check_cost_share,
        ]

    @api.model
    def _falls_a_tier(self, fact, base, lower, terms, tiers):
        """Whether the settlement's tier is lower at the base ``lower``."""
        Agreement = self.env["rebate.agreement"]
        ag_terms = terms[fact.agreement_id]._replace(prior_base=fact.base_prior)
        ag_tiers = tiers.get(fact.agreement_id, [])

        def index(value):
            tier = Agreement._get_period_rebate(value, ag_tiers, ag_terms)
            return -1 if tier.tier_index is None else tier.tier_index

        return index(lower) < index(base)

    @api.model
    def _check_period_end_surge(self, facts, terms, tiers, settings):
        """The documents of the period's last days make at least the
        company's percent of its base, and without them the base is in a
        lower tier: measured on ``base_last_days``, summed by the close."""
        alerts = {}
        for fact in facts:
            rule = settings[fact.company_id]
            if rule.surge_days <= 0 or rule.surge_percent <= 0:
                continue
            late = fact.base_last_days
            base = fact.base_cumulative or fact.base_total
            if base <= 0 or late <= 0:
                continue
            share = late / base * 100.0
            if share < rule.surge_percent:
                continue
            if not self._falls_a_tier(fact, base, base - late, terms, tiers):
                continue
            alerts[fact.id] = {
                "code": "period_end_surge",
                "days": rule.surge_days,
                "threshold": rule.surge_percent,
                "share": share,
                "amount": late,
                "base": base,
            }
        return alerts

    @api.model
    def _check_returns_after_period(self, facts, terms, tiers, settings):
        """Refunds dated within the company's days after the period would
        have put its base in a lower tier: the refunds summed over the
        windows where the customer has one (_get_refund_bases)."""
        windows = {}
        for fact in facts:
            days = settings[fact.company_id].return_days
            if days > 0:
                windows[fact] = (
                    fact.agreement_id,
                    fact.date_to + timedelta(days=1),
                    fact.date_to + timedelta(days=days),
                )
        returns = self.env["rebate.line.query"]._get_refund_bases(
            list(set(windows.values())), terms
        )
        alerts = {}
        for fact, window in windows.items():
            returned = returns.get(window[:2], 0.0)
            if returned >= 0:
                continue
            base = fact.base_cumulative or fact.base_total
            if not self._falls_a_tier(fact, base, base + returned, terms, tiers):
                continue
            alerts[fact.id] = {
                "code": "returns_after_period",
                "days": settings[fact.company_id].return_days,
                "amount": -returned,
                "base": base,
            }
        return alerts

    @api.model
    def _check_cost_share(self, facts, terms, tiers, settings):
        """The rebate exceeds the company's percent of the period's sales."""
        on = [fact for fact in facts if settings[fact.company_id].cost_percent > 0]
        # on the amount basis the sales are the settlement's base (what it
        # counted and what it forfeited); on quantities their amounts are
        # summed by the engine as if the agreement counted amounts
        on_quantity = {
            (fact.agreement_id, fact.date_from, fact.date_to)
            for fact in on
            if terms[fact.agreement_id].basis == "quantity"
        }
        forfeited = {}
        sales = self.env["rebate.line.query"]._get_period_bases(
            list(on_quantity),
            {
                period[0]: terms[period[0]]._replace(basis="amount")
                for period in on_quantity
            },
            forfeited=forfeited,
        )
        alerts = {}
        for fact in on:
            if terms[fact.agreement_id].basis == "quantity":
                key = (fact.agreement_id, fact.date_from)
                amount = sales.get(key, 0.0) + forfeited.get(key, 0.0)
            else:
                amount = fact.base_total + fact.base_forfeited
            rebate = fact.rebate_total - fact.adjustment_total
            limit = settings[fact.company_id].cost_percent
            if rebate <= 0 or (amount > 0 and rebate * 100.0 <= amount * limit):
                continue
            alerts[fact.id] = {
                "code": "cost_share",
                "threshold": limit,
                "share": rebate / amount * 100.0 if amount > 0 else 0.0,
                "amount": rebate,
                "base": amount,
            }
        return alerts
