# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_date, formatLang

from ..tools import to_date


class RebateAgreementPortal(models.Model):
    """What a customer sees of ``rebate.agreement`` on the portal: where it
    stands in the current period."""

    _inherit = "rebate.agreement"

    send_statement = fields.Boolean(
        default=True,
        tracking=True,
        help="When a settlement's credit note or invoice is created, send the "
        "customer its statement (Excel attached) with a link to the portal.",
    )

    notify_customer_near_tier = fields.Boolean(
        string="Tell the Customer Near a Tier",
        tracking=True,
        help="When the current period's base comes within the company's "
        "near-tier percentage of the next tier, mail the customer too (the "
        "salesperson always gets a to-do).",
    )

    def _get_portal_url(self):
        self.ensure_one()
        return f"{self.get_base_url()}/my/rebates/{self.id}"

    @api.model
    def _cron_notify_near_tier(self):
        self.sudo()._notify_near_tier(fields.Date.context_today(self))

    @api.model
    def _notify_near_tier(self, date):
        """Nudge the salespeople whose customers are close to their next tier:
        one to-do per agreement, period and tier when the current period's
        base on ``date`` is within the company's ``rebate_near_tier_percent``
        below the next threshold; never twice for the same agreement, period
        and tier. The customers of agreements that say so get a short mail.

        The bases of every active agreement in a few queries (the engine's
        period bases), the nudges given in one search.

        :return: the nudges given (rebate.agreement.nudge)
        """
        date = to_date(self.env, date)
        agreements = self.search(
            [
                ("state", "=", "active"),
                ("is_template", "=", False),
                ("rebate_type", "=", "customer"),
                ("date_start", "<=", date),
                ("date_end", ">=", date),
                ("company_id.rebate_near_tier_percent", ">", 0),
            ]
        )
        candidates = agreements._get_near_tier_candidates(date)
        if not candidates:
            return self.env["rebate.agreement.nudge"]
        given = {
            (nudge.agreement_id.id, nudge.period_start, nudge.threshold)
            for nudge in self.env["rebate.agreement.nudge"]
            .sudo()
            .search([("agreement_id", "in", list({c[0] for c in candidates}))])
        }
        new = [c for c in candidates if c[:3] not in given]
        return self._give_nudges(new)

    def _get_near_tier_candidates(self, date):
        """[(agreement id, period start, next threshold, base, next rate,
        period end)] of these agreements whose base of the tier period
        holding ``date`` is close below their next tier."""
        terms = self._read_accrual_terms()
        tiers = self._read_tiers()
        period_of = self._period_finder(terms)
        windows = [(ag_id, *period_of(ag_id, date)) for ag_id in terms]
        bases = self.env["rebate.line.query"]._get_period_bases(
            [(ag_id, start, date) for ag_id, start, _end in windows], terms, date=date
        )
        percents = {
            agreement.id: agreement.company_id.rebate_near_tier_percent
            for agreement in self
        }
        # growth rebates: thresholds as the bases that reach them
        period_terms = self._get_period_terms(windows, terms, date)
        candidates = []
        for ag_id, start, end in windows:
            base = bases.get((ag_id, start), 0.0)
            reachable = self._get_reachable_tiers(
                tiers.get(ag_id, []), period_terms[ag_id, start]
            )
            next_tier = self._get_next_tier(reachable, base)
            if not next_tier:
                continue
            threshold, rate = next_tier
            if base >= threshold * (1.0 - percents[ag_id] / 100.0):
                candidates.append((ag_id, start, threshold, base, rate, end))
        return candidates

    @api.model
    def _give_nudges(self, candidates):
        """The to-dos (and customer mails) of ``candidates``, recorded."""
        if not candidates:
            return self.env["rebate.agreement.nudge"]
        agreements = self.browse([c[0] for c in candidates])
        todo = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id(self._name)
        activities = []
        nudges = []
        for agreement, (_id, start, threshold, base, rate, end) in zip(
            agreements, candidates, strict=True
        ):
            user = agreement._get_nudged_user()
            activities.append(
                {
                    "res_model_id": model_id,
                    "res_id": agreement.id,
                    "activity_type_id": todo.id,
                    "user_id": user.id,
                    "date_deadline": fields.Date.context_today(self),
                    "summary": agreement._describe_near_tier(
                        threshold, base, rate, start, end, user
                    ),
                }
            )
            nudges.append(
                {
                    "agreement_id": agreement.id,
                    "period_start": start,
                    "threshold": threshold,
                    "base": base,
                    "activity_user_id": user.id,
                }
            )
            if agreement.notify_customer_near_tier:
                agreement._mail_near_tier(threshold, base, rate)
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(
            activities
        )
        # the engine's record: no one writes nudges by hand
        return self.env["rebate.agreement.nudge"].sudo().create(nudges)

    def _mail_near_tier(self, threshold, base, rate):
        """A short mail to the customer, in its language, through the mail
        queue: how much more reaches the next tier, and the portal link."""
        self.ensure_one()
        customer = self.partner_id
        env = self.with_context(lang=customer.lang or self.env.lang).env
        body = Markup("<p>%s</p><p><a href='%s'>%s</a></p>") % (
            env._(
                "You are %(missing)s away from the next tier of %(agreement)s: "
                "%(rate)s from %(threshold)s this period.",
                missing=self._format_base(env, threshold - base),
                agreement=self.name,
                rate=self._format_rate(env, rate),
                threshold=self._format_base(env, threshold),
            ),
            self._get_portal_url(),
            env._("Where you stand"),
        )
        author, email_from = self.company_id._get_rebate_mail_sender()
        if not email_from:
            return
        self.with_context(mail_notify_force_send=False).message_post(
            body=body,
            subject=env._("Close to your next rebate tier"),
            partner_ids=customer.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=author.id,
            email_from=email_from,
        )

    def _format_base(self, env, value, basis=None):
        """A base as the reader says it: an amount in the agreement's
        currency, or a quantity in units (``basis``: the agreement's, or the
        one a simulation priced)."""
        if (basis or self.basis) == "amount":
            return formatLang(env, value, currency_obj=self.currency_id)
        return env._("%(quantity)s units", quantity=formatLang(env, value))

    def _format_threshold(self, env, threshold, basis=None, growth_basis=None):
        """A tier's threshold as the reader says it: a base (_format_base),
        or a growth rebate's growth in percent ("10.00 % growth")."""
        if (growth_basis or self.growth_basis) not in (False, "none"):
            return env._(
                "%(percent)s %% growth",
                percent=formatLang(env, threshold, digits=2),
            )
        return self._format_base(env, threshold, basis)

    def _format_rate(self, env, rate, basis=None, amount_type=None):
        """What a tier pays as the reader says it: its rate in percent or per
        unit, or a lump-sum tier's fixed amount (``basis`` and
        ``amount_type``: the agreement's, or those a simulation priced)."""
        if (amount_type or self.tier_amount_type) == "fixed":
            return formatLang(env, rate, currency_obj=self.currency_id)
        if (basis or self.basis) == "amount":
            return f"{formatLang(env, rate)} %"
        return env._(
            "%(amount)s per unit",
            amount=formatLang(env, rate, currency_obj=self.currency_id),
        )

    def _get_nudged_user(self):
        """Who is nudged: the agreement's salesperson, else the customer's."""
        self.ensure_one()
        return (
            self.user_id
            or self.commercial_partner_id.user_id
            or self.env.ref("base.user_admin")
        )

    def _describe_near_tier(self, threshold, base, rate, start, end, user):
        """The to-do's text, in the salesperson's language: "Customer X is
        800.00 from 5.00 % (period ...)"."""
        self.ensure_one()
        env = self.with_context(lang=user.lang or self.env.lang).env
        return env._(
            "%(customer)s is %(missing)s short of the %(rate)s tier (from "
            "%(threshold)s; period %(start)s - %(end)s)",
            customer=self.commercial_partner_id.display_name,
            missing=self._format_base(env, threshold - base),
            rate=self._format_rate(env, rate),
            threshold=self._format_base(env, threshold),
            start=format_date(env, start),
            end=format_date(env, end),
        )

    def _get_portal_progress(self, date):
        """Where the customer stands on ``date`` in the tier period holding
        it: its base so far, the tier reached, the rebate so far, the next
        threshold and how much more reaches it, and a forecast of the
        period's rebate at the current run rate.

        Once the agreement has ended (``date`` past its end) or is closed,
        its last period instead, with its final figures (``is_final``): its
        forecast is its figure (no pace extrapolates an ended period), no
        next tier is left to reach, and ``penalty`` is what it owes for
        falling short of the commitment (0.0 while a period runs).

        Computed from the source documents, as the close would count them
        today (the engine's queries, as superuser: the caller checked the
        customer may read the agreement).

        :return: a dict, or None when ``date`` is before the agreement
        """
        self.ensure_one()
        agreement = self.sudo()
        terms = agreement._get_terms()
        if date < terms.date_start:
            return None
        start, end = agreement._get_portal_period(terms, date)
        terms = agreement._get_portal_period_terms(terms, start, end, date)
        is_final = date > end or agreement.state == "closed"
        base = agreement._get_portal_base(terms, start, end if is_final else date, date)
        tiers = agreement._get_tier_pairs()
        reached = agreement._get_period_rebate(base, tiers, terms)
        tier = tiers[reached.tier_index] if reached.tier_index is not None else None
        next_tier = None
        if not is_final:
            next_tier = agreement._get_portal_next_tier(tiers, terms, base)
        return {
            **agreement._get_portal_progress_labels(base, tier, next_tier),
            **agreement._get_portal_growth(base, tiers, terms, is_final),
            "date_from": start,
            "date_to": end,
            "is_final": is_final,
            "base": base,
            "rebate": reached.amount,
            "tier": tier,
            "next_threshold": next_tier[0] if next_tier else None,
            "next_rate": next_tier[1] if next_tier else None,
            "to_next": next_tier[0] - base if next_tier else None,
            **agreement._get_portal_outlook(
                terms, tiers, base, reached, (start, end), date, is_final
            ),
        }

    def _get_portal_period_terms(self, terms, start, end, date):
        """The terms of the tier period (``start``, ``end``) the portal shows:
        a growth rebate's with its prior base (_get_period_terms)."""
        self.ensure_one()
        period = (self.id, start, end)
        return self._get_period_terms([period], {self.id: terms}, date)[period[:2]]

    def _get_portal_next_tier(self, tiers, terms, base):
        """The (threshold, rate) above ``base`` the customer reaches next, its
        threshold as a base (a growth rebate's over its prior base)."""
        self.ensure_one()
        return self._get_next_tier(self._get_reachable_tiers(tiers, terms), base)

    def _get_portal_outlook(self, terms, tiers, base, reached, period, date, is_final):
        """What the tier period ``period`` (start, end) comes to: while it
        runs, its ``base`` on ``date`` extrapolated to the whole period at the
        current run rate, and the rebate of that base; once final
        (``is_final``), its figures (``reached``: its PeriodRebate) and the
        penalty it owes for falling short of the commitment."""
        self.ensure_one()
        start, end = period
        days = (end - start).days + 1
        elapsed = days if is_final else (date - start).days + 1
        forecast_base = base if is_final else base * days / elapsed
        return {
            "forecast_base": forecast_base,
            "forecast_rebate": reached.amount
            if is_final
            else self._get_period_rebate(forecast_base, tiers, terms).amount,
            "penalty": self._get_penalty(terms, base) if is_final else 0.0,
            "elapsed_days": elapsed,
            "days": days,
        }

    def _get_portal_period(self, terms, date):
        """The tier period (start, end) the portal shows on ``date``: the one
        holding it; the agreement's last once it has ended or is closed."""
        self.ensure_one()
        if date > terms.date_end or self.state == "closed":
            date = terms.date_end
        return self._find_period(terms.date_start, terms.date_end, terms.months, date)

    def _get_portal_base(self, terms, start, date_to, date):
        """The base of the tier period from ``start`` to ``date_to``, payments
        counted as of ``date`` (the engine's period bases)."""
        self.ensure_one()
        bases = self.env["rebate.line.query"]._get_period_bases(
            [(self.id, start, date_to)], {self.id: terms}, date=date
        )
        return bases.get((self.id, start), 0.0)

    def _get_portal_progress_labels(self, base, tier, next_tier):
        """The progress's figures as the customer reads them (amounts in the
        currency, quantities in units, rates in percent or per unit)."""
        self.ensure_one()
        env = self.env
        labels = {
            "base_label": self._format_base(env, base),
            "tier_label": self._format_rate(env, tier[1]) if tier else "",
            "to_next_label": "",
            "next_threshold_label": "",
            "next_rate_label": "",
        }
        if next_tier:
            labels.update(
                to_next_label=self._format_base(env, next_tier[0] - base),
                next_threshold_label=self._format_base(env, next_tier[0]),
                next_rate_label=self._format_rate(env, next_tier[1]),
            )
        return labels

    def _get_portal_growth(self, base, tiers, terms, is_final):
        """A growth rebate's progress as the customer reads it: the base a
        year earlier, the growth so far, and how many points of growth the
        next tier is away ("You are 7.00 % above last year; 18.00 points to
        the 3.00 % tier."); empty values for other agreements."""
        self.ensure_one()
        percent = self._get_growth_percent(base, terms)
        growth = {
            "base_prior": getattr(terms, "prior_base", None),
            "growth_percent": percent,
            "growth_label": "",
        }
        if getattr(terms, "growth_basis", "none") == "none":
            return growth
        env = self.env
        if percent is None:
            growth["growth_label"] = env._(
                "No sales in the same period last year: there is no growth to "
                "measure, and no growth rebate."
            )
            return growth
        if percent >= 0:
            said = env._(
                "You are %(percent)s %% above last year (%(prior)s).",
                percent=formatLang(env, percent, digits=2),
                prior=self._format_base(env, terms.prior_base),
            )
        else:
            said = env._(
                "You are %(percent)s %% below last year (%(prior)s).",
                percent=formatLang(env, -percent, digits=2),
                prior=self._format_base(env, terms.prior_base),
            )
        next_tier = None if is_final else self._get_next_tier(tiers, percent)
        if next_tier:
            said += " " + env._(
                "%(points)s points of growth to the %(rate)s tier.",
                points=formatLang(env, next_tier[0] - percent, digits=2),
                rate=self._format_rate(env, next_tier[1]),
            )
        growth["growth_label"] = said
        return growth

    def _get_portal_penalty_clause(self):
        """The penalty clause as the customer reads it in the terms, in the
        env's language: what a period short of the commitment costs; "" when
        the agreement has no penalty."""
        self.ensure_one()
        env = self.env
        if self.penalty_type == "fixed":
            return env._(
                "%(amount)s for a period short of the commitment, deducted from "
                "its rebate (any excess is invoiced)",
                amount=formatLang(
                    env, self.penalty_value, currency_obj=self.currency_id
                ),
            )
        if self.penalty_type == "shortfall_percent":
            # (no f-string inside the call: the term extractor skips the
            # file's terms on one)
            percent = f"{formatLang(env, self.penalty_value)} %"
            return env._(
                "%(percent)s of what a period falls short of the commitment, "
                "deducted from its rebate (any excess is invoiced)",
                percent=percent,
            )
        return ""

    def _get_portal_settlement_notes(self, settlements):
        """{settlement id: [(label, amount)]}: how each of ``settlements`` (of
        this agreement) comes to its rebate, as the customer reads it on the
        portal, in the env's language; [] when its rebate is plain.

        An interim part: the rebate on the base of its tier period to date
        (that base in the label) and, less, what was settled before in the
        tier period. Then a penalty for falling short of the commitment and
        the late documents of periods settled before (two different things),
        each on its own line. The amounts add up to the settlement's rebate."""
        self.ensure_one()
        terms = self.sudo()._get_terms()
        return {
            settlement.id: self._get_portal_settlement_lines(settlement, terms)
            for settlement in settlements
        }

    def _get_portal_settlement_lines(self, settlement, terms):
        """[(label, amount)] of one settlement (_get_portal_settlement_notes)."""
        env = self.env
        currency = settlement.currency_id
        penalty = not currency.is_zero(settlement.penalty_total)
        late = not currency.is_zero(settlement.adjustment_total)
        # the rebate the tiers gave this settlement, before penalty and late
        # documents (for an interim part: less what was settled before)
        earned = currency.round(
            settlement.rebate_total
            - settlement.adjustment_total
            + settlement.penalty_total
        )
        lines = []
        if settlement.is_interim and not settlement.is_adjustment:
            lines += self._get_portal_interim_lines(settlement, terms, earned)
        elif not settlement.is_adjustment and (penalty or late):
            lines.append(
                (env._("Rebate on the base"), self._format_amount(env, earned))
            )
        if penalty:
            lines.append(self._get_portal_penalty_line(settlement, terms))
        if late:
            lines.append(
                (
                    env._("Late documents of periods settled before"),
                    self._format_amount(env, settlement.adjustment_total),
                )
            )
        return lines

    def _get_portal_interim_lines(self, settlement, terms, earned):
        """An interim part's lines: the rebate on the base of its tier period
        to date, and what was settled before in that tier period."""
        env = self.env
        start = self._find_period(
            terms.date_start, terms.date_end, terms.months, settlement.date_to
        )[0]
        return [
            (
                env._(
                    "Rebate on the base of the period to date, %(base)s "
                    "(%(start)s - %(end)s)",
                    base=self._format_base(env, settlement.base_cumulative),
                    start=format_date(env, start),
                    end=format_date(env, settlement.date_to),
                ),
                self._format_amount(env, earned + settlement.rebate_previous),
            ),
            (
                env._("Less settled before in the period"),
                self._format_amount(env, -settlement.rebate_previous),
            ),
        ]

    def _get_portal_penalty_line(self, settlement, terms):
        """The penalty's line: what was counted against what was committed."""
        env = self.env
        return (
            env._(
                "Penalty for the commitment shortfall (%(base)s counted, "
                "%(commitment)s committed)",
                base=self._format_base(env, settlement.base_cumulative),
                commitment=self._format_base(env, terms.commitment_base),
            ),
            self._format_amount(env, -settlement.penalty_total),
        )

    def _format_amount(self, env, amount):
        # (nothing settled before reads 0.00, never -0.00)
        return formatLang(env, amount or 0.0, currency_obj=self.currency_id)
