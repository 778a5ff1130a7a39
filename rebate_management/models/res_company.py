# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    rebate_four_eyes = fields.Boolean(
        string="Rebate Four-Eyes Approval",
        help="Whoever created or last recomputed a rebate settlement cannot "
        "approve it.",
    )
    rebate_credit_hold_days = fields.Integer(
        help="While a customer has invoices open more than this many days past "
        "their due date, its rebates are neither approved nor paid out, unless "
        "a sales manager releases the hold. 0: no credit hold.",
    )

    rebate_near_tier_percent = fields.Float(
        string="Rebate Near-Tier Percent",
        default=10.0,
        help="A salesperson gets a to-do when a customer's base of the current "
        "period is within this percent below its next tier. 0: no nudges.",
    )

    rebate_alert_surge_days = fields.Integer(
        string="Surge Alert Days",
        default=10,
        help="Alert on a settlement whose period's last days (this many) make "
        "most of its base and lift it a tier. 0: off.",
    )
    rebate_alert_surge_percent = fields.Float(
        string="Surge Alert Percent",
        default=50.0,
        help="The share of the base, in percent, those last days must make "
        "(e.g. 50). 0: off.",
    )
    rebate_alert_return_days = fields.Integer(
        string="Returns Alert Days",
        default=30,
        help="Alert on a settlement when refunds dated within this many days "
        "after its period would have put its base in a lower tier. 0: off.",
    )
    rebate_alert_cost_percent = fields.Float(
        string="Cost Alert Percent",
        help="Alert on a settlement whose rebate exceeds this percent of the "
        "period's sales (e.g. 5 for 5 %). 0: off.",
    )

    @api.constrains(
        "rebate_alert_surge_days",
        "rebate_alert_surge_percent",
        "rebate_alert_return_days",
        "rebate_alert_cost_percent",
    )
    def _check_rebate_alerts(self):
        for company in self:
            if (
                company.rebate_alert_surge_days < 0
                or company.rebate_alert_return_days < 0
                or not 0.0 <= company.rebate_alert_surge_percent <= 100.0
                or company.rebate_alert_cost_percent < 0
            ):
                raise ValidationError(
                    self.env._(
                        "The rebate alert thresholds cannot be negative, and the "
                        "surge percent is at most 100."
                    )
                )

    @api.constrains("rebate_credit_hold_days")
    def _check_rebate_credit_hold_days(self):
        for company in self:
            if company.rebate_credit_hold_days < 0:
                raise ValidationError(
                    self.env._("The rebate credit hold days cannot be negative.")
                )

    @api.constrains("rebate_near_tier_percent")
    def _check_rebate_near_tier_percent(self):
        for company in self:
            if not 0.0 <= company.rebate_near_tier_percent <= 100.0:
                raise ValidationError(
                    self.env._("The near-tier percent must be between 0 and 100.")
                )

    def _get_rebate_mail_sender(self):
        """(author, email from) of the mails the rebates send customers
        (statements, near-tier nudges): the company and its address, else the
        database's default sender; never the user who clicked, whose address
        may be missing. An empty address: the mail cannot be sent."""
        self.ensure_one()
        company = self.sudo()
        email_from = company.email_formatted or (
            self.env["ir.mail_server"].sudo()._get_default_from_address()
        )
        return company.partner_id, email_from

    # The rebate journals

    def _get_rebate_journal(self, journal_type="sale"):
        """The journal of the rebate documents of ``journal_type`` (sale:
        customer credit notes; purchase: vendor refunds) for this company:
        the module's own, created the first time it is needed beside the
        company's first journal of that type, with Odoo's "Secure Posted
        Entries with Hash" on. Without any journal of that type (no chart of
        accounts yet): none."""
        self.ensure_one()
        Journal = self.env["account.journal"].sudo()
        domain = [*Journal._check_company_domain(self), ("type", "=", journal_type)]
        journal = Journal.search([*domain, ("is_rebate_journal", "=", True)], limit=1)
        if journal:
            return journal
        template = Journal.search(domain, limit=1)
        if not template:
            return template
        company = template.company_id
        return Journal.create(company._prepare_rebate_journal_vals(template))

    def _prepare_rebate_journal_vals(self, template):
        """The values of the rebate journal created beside ``template`` (the
        company's first journal of its type)."""
        self.ensure_one()
        sale = template.type == "sale"
        return {
            "name": self.env._("Customer Rebates")
            if sale
            else self.env._("Vendor Rebates"),
            "code": self._get_free_journal_code("RBT" if sale else "VRBT"),
            "type": template.type,
            "company_id": self.id,
            "default_account_id": template.default_account_id.id,
            "restrict_mode_hash_table": True,
            "is_rebate_journal": True,
        }

    def _get_free_journal_code(self, prefix):
        """``prefix``, or ``prefix`` and a digit, not yet a journal code of
        this company."""
        self.ensure_one()
        taken = set(
            self.env["account.journal"]
            .sudo()
            .search([("company_id", "=", self.id)])
            .mapped("code")
        )
        candidates = [prefix] + [f"{prefix[:4]}{index}" for index in range(1, 10)]
        return next((code for code in candidates if code not in taken), prefix)
