# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date


class RebateAgreementMember(models.Model):
    """A customer of a buying group's agreement besides its head (the
    agreement's customer): its invoice lines count, pooled with the head's
    and the other members', while it is a member (``date_from`` to
    ``date_to``, open when empty). A term of the agreement: locked once it
    is approved, changed by amendment."""

    _name = "rebate.agreement.member"
    _description = "Rebate Buying Group Member"
    _order = "agreement_id, partner_id, date_from, id"
    _check_company_auto = True

    agreement_id = fields.Many2one(
        "rebate.agreement", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="agreement_id.company_id", store=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Member",
        required=True,
        index=True,
        check_company=True,
        domain="[('is_company', '=', True)]",
        help="A customer (commercial entity) whose invoices count in the "
        "group's base.",
    )
    date_from = fields.Date(
        string="Member From",
        help="First day its invoices count; empty: from the agreement's start.",
    )
    date_to = fields.Date(
        string="Member Until",
        help="Last day its invoices count; empty: to the agreement's end.",
    )

    @api.constrains("partner_id", "agreement_id")
    def _check_member_partner(self):
        for member in self:
            agreement = member.agreement_id
            if member.partner_id.commercial_partner_id != member.partner_id:
                raise ValidationError(
                    self.env._(
                        "A member of %(agreement)s must be a customer's "
                        "company, not one of its contacts (%(member)s).",
                        agreement=agreement.name,
                        member=member.partner_id.display_name,
                    )
                )
            if member.partner_id == agreement.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "%(member)s signs %(agreement)s as the group's head: its "
                        "invoices count already, it cannot also be a member.",
                        agreement=agreement.name,
                        member=member.partner_id.display_name,
                    )
                )

    @api.constrains("partner_id", "date_from", "date_to")
    def _check_member_dates(self):
        for member in self:
            first, last = member._get_span()
            if first > last:
                raise ValidationError(
                    self.env._(
                        "The membership of %(member)s in %(agreement)s ends before "
                        "it starts.",
                        agreement=member.agreement_id.name,
                        member=member.partner_id.display_name,
                    )
                )
            clash = member.agreement_id.member_ids.filtered(
                lambda other, m=member: other != m
                and other.partner_id == m.partner_id
                and other._get_span()[0] <= m._get_span()[1]
                and m._get_span()[0] <= other._get_span()[1]
            )
            if clash:
                raise ValidationError(
                    self.env._(
                        "%(member)s is a member of %(agreement)s twice over the "
                        "same dates: one membership per customer and date.",
                        agreement=member.agreement_id.name,
                        member=member.partner_id.display_name,
                    )
                )

    def init(self):
        # An empty table never analyzed is planned as a few thousand rows:
        # the engine's line queries join it (the agreements' customers) and
        # would change their plans for nothing. Analyzed, it is planned as
        # what it holds; autovacuum keeps that up once groups are made.
        self.env.cr.execute("ANALYZE rebate_agreement_member")

    def _get_span(self):
        """(first day, last day) of the membership, open ends made dates."""
        self.ensure_one()
        return (self.date_from or date.min, self.date_to or date.max)

    def _is_member_on(self, day):
        """Whether the membership holds on ``day``."""
        self.ensure_one()
        first, last = self._get_span()
        return first <= day <= last

    # A member is a term of its agreement (as a tier is), said in its chatter

    @api.model_create_multi
    def create(self, vals_list):
        members = super().create(vals_list)
        members.agreement_id._prepare_terms_change()
        members._log_members(self.env._("Member added"))
        return members

    def write(self, vals):
        self.check_access("write")
        self.agreement_id._prepare_terms_change()
        if vals.get("agreement_id"):
            self.agreement_id.browse(vals["agreement_id"])._prepare_terms_change()
        res = super().write(vals)
        self._log_members(self.env._("Member changed"))
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_locked(self):
        self.agreement_id._prepare_terms_change()

    def unlink(self):
        self._log_members(self.env._("Member removed"))
        return super().unlink()

    def _log_members(self, what):
        """Note ``what`` happened to these members in their agreements'
        chatter, with each membership as it reads."""
        for member in self:
            member.agreement_id._message_log(
                body=self.env._(
                    "%(what)s: %(member)s", what=what, member=member._describe()
                )
            )

    def _describe(self):
        """The membership as a reader says it: the customer and its dates."""
        self.ensure_one()
        name = self.partner_id.display_name
        if not (self.date_from or self.date_to):
            return name
        return self.env._(
            "%(member)s, %(date_from)s - %(date_to)s",
            member=name,
            date_from=format_date(self.env, self.date_from) if self.date_from else "…",
            date_to=format_date(self.env, self.date_to) if self.date_to else "…",
        )
