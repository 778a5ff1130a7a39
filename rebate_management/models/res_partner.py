# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import wizard_action, xml_action

# The key the partner merge puts in the context so that its writes leave the
# grade alone: an object, which a context sent over RPC cannot hold.
KEEP_GRADE_KEY = object()


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "rebate.workflow.mixin"]

    rebate_grade_id = fields.Many2one(
        "rebate.grade",
        company_dependent=True,
        tracking=True,
        readonly=True,
        help="Set each month from the customer's sales of the trailing twelve "
        "months (Rebates > Configuration > Customer Grades), or by a sales "
        "manager with a reason (Set Rebate Grade).",
    )
    rebate_agreement_count = fields.Integer(
        string="Rebate Agreements", compute="_compute_rebate_agreement_count"
    )

    rebate_accrued_this_year = fields.Monetary(
        compute="_compute_rebate_this_year",
        currency_field="rebate_currency_id",
    )
    rebate_settled_this_year = fields.Monetary(
        compute="_compute_rebate_this_year",
        currency_field="rebate_currency_id",
    )
    rebate_currency_id = fields.Many2one(
        "res.currency", compute="_compute_rebate_this_year"
    )

    def _compute_rebate_this_year(self):
        """Rebate accrued on this year's invoices and paid out by credit notes
        for periods ending this year (company currency agreements): the
        customer's rebates, not what it owes as a supplier."""
        today = fields.Date.context_today(self)
        company = self.env.company
        groups = self.env["rebate.analysis"]._read_group(
            [
                ("agreement_id.rebate_type", "=", "customer"),
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", company.id),
                ("date", ">=", today.replace(month=1, day=1)),
                ("date", "<=", today.replace(month=12, day=31)),
            ],
            ["partner_id"],
            ["rebate_accrued:sum", "rebate_settled:sum"],
        )
        totals = {partner: (accrued, settled) for partner, accrued, settled in groups}
        for partner in self:
            accrued, settled = totals.get(partner.commercial_partner_id, (0.0, 0.0))
            partner.rebate_accrued_this_year = accrued
            partner.rebate_settled_this_year = settled
            partner.rebate_currency_id = company.currency_id

    def _compute_rebate_agreement_count(self):
        commercial = self.commercial_partner_id
        counts = dict(
            self.env["rebate.agreement"]._read_group(
                [
                    ("commercial_partner_id", "in", commercial.ids),
                    ("rebate_type", "=", "customer"),
                ],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.rebate_agreement_count = counts.get(
                partner.commercial_partner_id, 0
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_rebate_workflow_vals(vals_list, create=True)
        return super().create(vals_list)

    def write(self, vals):
        if self.env.context.get("rebate_keep_grade") is KEEP_GRADE_KEY:
            vals = {
                fname: value
                for fname, value in vals.items()
                if fname != "rebate_grade_id"
            }
        self._check_rebate_workflow_vals([vals])
        return super().write(vals)

    def _get_rebate_workflow_fields(self):
        # the grade decides which template terms a customer gets: set by the
        # grading, or by a sales manager with a reason
        return super()._get_rebate_workflow_fields() | {"rebate_grade_id"}

    def _get_rebate_workflow_error(self, fnames):
        if set(fnames) != {"rebate_grade_id"}:
            return super()._get_rebate_workflow_error(fnames)
        return self.env._(
            "The rebate grade of a customer is set by the grading (every month, "
            "or Assign Grades Now), or by a sales manager with a reason (Set "
            "Rebate Grade on the customer); it is not written directly."
        )

    def _keep_rebate_grade(self):
        """These partners, whose writes leave their rebate grade as it is: for
        the partner merge, which writes every field of the merged partners on
        the one kept after merging their company-dependent values itself."""
        return self.with_context(rebate_keep_grade=KEEP_GRADE_KEY)

    def action_view_rebate_agreements(self):
        self.ensure_one()
        customer = self.commercial_partner_id
        return xml_action(
            self.env,
            "rebate_management.rebate_agreement_action",
            [
                ("commercial_partner_id", "=", customer.id),
                ("rebate_type", "=", "customer"),
            ],
            {"default_partner_id": customer.id},
        )

    def action_view_rebate_analysis(self):
        self.ensure_one()
        return xml_action(
            self.env,
            "rebate_management.rebate_analysis_action",
            [
                ("partner_id", "=", self.commercial_partner_id.id),
                ("agreement_id.rebate_type", "=", "customer"),
            ],
            {"search_default_this_year": 1},
        )

    def action_open_rebate_grade_wizard(self):
        self.ensure_one()
        self._check_rebate_grade_manager()
        return wizard_action(
            self.env._("Set Rebate Grade"),
            "rebate.grade.set",
            {"default_partner_id": self.id},
        )

    def action_set_rebate_grade(self, grade_id, reason):
        """A sales manager sets the rebate grade of this customer by hand, in
        the current company, with a reason: logged in the customer's chatter
        with the old and the new grade. The next grading grades the customer
        again on its sales.

        :param grade_id: a grade of the current company, or False for none
        """
        self.ensure_one()
        self._check_rebate_grade_manager()
        self.check_access("read")
        partner = self.with_company(self.env.company)
        grade = self.env["rebate.grade"].browse(grade_id or [])
        reason = (reason or "").strip()
        partner._check_rebate_grade_change(grade, reason)
        old_grade = partner.rebate_grade_id
        # a sales manager may lack the right to edit contacts: the grade is
        # theirs to set all the same, and the chatter says who did and why
        partner.sudo()._rebate_workflow().with_context(tracking_disable=True).write(
            {"rebate_grade_id": grade.id}
        )
        partner._log_rebate_grade_change(old_grade, reason)
        return True

    def _check_rebate_grade_manager(self):
        self.env["rebate.agreement"]._check_rebate_group(
            "group_rebate_manager", self.env._("set customer grades by hand")
        )

    def _check_rebate_grade_change(self, grade, reason):
        """Refuse to give this customer ``grade`` by hand for ``reason``."""
        self.ensure_one()
        if self.commercial_partner_id != self:
            raise UserError(
                self.env._(
                    "Grades are given to customers, not to their contacts: set "
                    "the grade of %(customer)s instead of %(contact)s.",
                    customer=self.commercial_partner_id.display_name,
                    contact=self.display_name,
                )
            )
        if grade and not grade.active:
            raise UserError(
                self.env._("Grade %(grade)s is archived.", grade=grade.display_name)
            )
        if grade and grade.company_id != self.env.company:
            raise UserError(
                self.env._(
                    "Grade %(grade)s is a grade of %(grade_company)s, not of "
                    "%(company)s.",
                    grade=grade.display_name,
                    grade_company=grade.company_id.display_name,
                    company=self.env.company.display_name,
                )
            )
        if grade == self.rebate_grade_id:
            raise UserError(
                self.env._(
                    "%(customer)s already has this rebate grade (%(grade)s).",
                    customer=self.display_name,
                    grade=grade.display_name or self.env._("none"),
                )
            )
        if not reason:
            raise UserError(
                self.env._(
                    "Say why the rebate grade of %(customer)s is set by hand.",
                    customer=self.display_name,
                )
            )

    def _log_rebate_grade_change(self, old_grade, reason):
        """Log the grade set by hand in the chatter: the reason, and the old
        and new grade as tracked values."""
        self.ensure_one()
        tracked = self.fields_get(
            ["rebate_grade_id"], attributes=("string", "type", "selection")
        )
        _changed, tracking_value_ids = self._mail_track(
            tracked, {"rebate_grade_id": old_grade}
        )
        self._message_log(
            body=self.env._("Rebate grade set by hand: %(reason)s", reason=reason),
            tracking_value_ids=tracking_value_ids,
        )
