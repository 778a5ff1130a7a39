# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools import notification_action, soft_reload_action, to_date


class RebateGrade(models.Model):
    """A customer grade (A, B, C...): what a customer bought in the trailing
    twelve months puts it in the first grade, by sequence, whose conditions it
    meets. Each grade can have its own agreement templates."""

    _name = "rebate.grade"
    _description = "Rebate Customer Grade"
    _order = "company_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    min_sales = fields.Monetary(
        string="Minimum Sales",
        currency_field="currency_id",
        help="Untaxed sales of the trailing twelve months, refunds deducted, in "
        "the company's currency; rebate credit notes and claw-back invoices do "
        "not count.",
    )
    min_invoice_count = fields.Integer(
        string="Minimum Invoices",
        help="Posted customer invoices in the trailing twelve months (refunds "
        "are not purchases). 0: no condition.",
    )
    partner_count = fields.Integer(string="Customers", compute="_compute_partner_count")

    def _compute_partner_count(self):
        for grade in self:
            grade.partner_count = (
                self.env["res.partner"]
                .with_company(grade.company_id)
                .search_count([("rebate_grade_id", "=", grade.id)])
            )

    @api.constrains("name")
    def _check_name(self):
        if any(not (grade.name or "").strip() for grade in self):
            raise ValidationError(self.env._("A customer grade needs a name."))

    @api.constrains("name", "company_id", "active")
    def _check_name_unique(self):
        """One active grade of a name per company, whatever its case and
        surrounding spaces: customers and templates are told apart by it."""
        grades = self.filtered(
            lambda grade: grade.active and (grade.name or "").strip()
        )
        if not grades:
            return
        named = defaultdict(lambda: self.browse())
        for grade in self.sudo().search([("company_id", "in", grades.company_id.ids)]):
            named[grade.company_id, grade._get_name_key()] |= grade
        for grade in grades:
            others = named[grade.company_id, grade._get_name_key()] - grade
            if others:
                raise ValidationError(
                    self.env._(
                        "Company %(company)s already has a grade named "
                        "%(name)s: give each grade its own name.",
                        company=grade.company_id.display_name,
                        name=others[0].name,
                    )
                )

    def _get_name_key(self):
        """The name as grades are told apart: trimmed, case-insensitive."""
        self.ensure_one()
        return (self.name or "").strip().casefold()

    @api.constrains("min_sales", "min_invoice_count")
    def _check_minimums(self):
        for grade in self:
            if grade.min_sales < 0 or grade.min_invoice_count < 0:
                raise ValidationError(
                    self.env._(
                        "The minimum sales and invoices of grade %(name)s cannot "
                        "be negative.",
                        name=grade.name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_template_grade(self):
        templates = (
            self.env["rebate.agreement"]
            .sudo()
            .with_context(active_test=False)
            .search([("is_template", "=", True), ("grade_id", "in", self.ids)])
        )
        if templates:
            raise UserError(
                self.env._(
                    "Grade %(grade)s has agreement templates (%(templates)s): "
                    "archive it, or give the templates another grade first.",
                    grade=templates[0].grade_id.display_name,
                    templates=", ".join(templates.mapped("display_name")),
                )
            )

    def action_assign_grades(self):
        """Grade the customers now (the button of the grade list)."""
        self.env["rebate.agreement"]._check_rebate_group(
            "group_rebate_manager", self.env._("assign customer grades")
        )
        changed = self.sudo()._assign_grades(fields.Date.context_today(self))
        return notification_action(
            self.env._("Customer Grades"),
            self.env._("%(count)s customer(s) changed grade.", count=len(changed)),
            next_action=soft_reload_action(),
        )

    @api.model
    def _cron_assign_grades(self):
        self.sudo()._assign_grades(fields.Date.context_today(self))

    @api.model
    def _assign_grades(self, date):
        """Grade the customers of every company with grades on what they
        bought in the twelve months ending on ``date``: each customer with a
        posted customer invoice in them gets the first grade, by sequence,
        whose conditions it meets; the others get none. The changes are
        tracked in the customers' chatter.

        A fixed number of queries whatever the number of customers: one
        GROUP BY for the sales, one search per company for the current
        grades, one write per company and grade changed to.

        :return: the customers whose grade changed
        """
        date = to_date(self.env, date)
        # every company's grades, whoever grades (the cron, a manager)
        grades = self.sudo().search([], order="company_id, sequence, id")
        by_company = defaultdict(list)
        for grade in grades:
            by_company[grade.company_id].append(grade)
        sales = self._read_trailing_sales(date, [company.id for company in by_company])
        changed = self.env["res.partner"]
        for company, company_grades in by_company.items():
            changed |= self._assign_company_grades(
                company, company_grades, sales.get(company.id, {})
            )
        return changed

    @api.model
    def _assign_company_grades(self, company, grades, sales):
        """Write the grades of ``company``'s customers from their ``sales``
        ({partner id: (amount, invoice count)}); return those changed."""
        # every company's customers, whoever grades (the cron, a manager):
        # the notes are still theirs
        Partner = (
            self.env["res.partner"].sudo().with_company(company)._rebate_workflow()
        )
        current = {
            partner.id: partner.rebate_grade_id.id
            for partner in Partner.search([("rebate_grade_id", "!=", False)])
        }
        targets = defaultdict(list)
        for partner_id in set(current) | set(sales):
            amount, count = sales.get(partner_id, (0.0, 0))
            grade = self._get_grade_for(grades, amount, count) if count else None
            grade_id = grade.id if grade else False
            if current.get(partner_id, False) != grade_id:
                targets[grade_id].append(partner_id)
        changed = Partner.browse()
        for grade_id, partner_ids in targets.items():
            partners = Partner.browse(partner_ids)
            partners._bulk_write_tracked({"rebate_grade_id": grade_id})
            changed |= partners
        return changed

    @api.model
    def _get_grade_for(self, grades, amount, count):
        """The first of ``grades`` (by sequence) whose conditions sales of
        ``amount`` in ``count`` invoices meet, or None."""
        for grade in grades:
            reached = grade.currency_id.compare_amounts(amount, grade.min_sales) >= 0
            if reached and count >= grade.min_invoice_count:
                return grade
        return None

    @api.model
    def _read_trailing_sales(self, date, company_ids):
        """{company id: {customer id: (untaxed sales, invoice count)}} of the
        twelve months ending on ``date``: the lines that count for rebates
        (rebate.line.query._get_counted_condition: the rebate's own
        documents and their reversals never do), in the company's currency,
        by commercial entity. Only customers with an invoice in them."""
        if not company_ids:
            return {}
        self.env.flush_all()
        Lines = self.env["rebate.line.query"]
        rows = self.env.execute_query(
            SQL(
                """
                SELECT am.company_id, am.commercial_partner_id,
                       SUM(%(amount)s),
                       COUNT(DISTINCT am.id) FILTER (WHERE am.move_type IN %(sales)s)
                  FROM account_move am
                  JOIN account_move_line aml ON aml.move_id = am.id
                 WHERE %(counted)s
                   AND am.move_type IN %(customer_types)s
                   AND am.company_id = ANY(%(companies)s)
                   AND am.invoice_date > %(first)s AND am.invoice_date <= %(last)s
              GROUP BY am.company_id, am.commercial_partner_id
                HAVING COUNT(*) FILTER (WHERE am.move_type IN %(sales)s) > 0
                """,
                amount=Lines._get_line_company_amount(),
                sales=tuple(Lines._get_invoice_move_types()),
                counted=Lines._get_counted_condition(),
                customer_types=Lines._get_agreement_move_types()["customer"],
                companies=company_ids,
                first=date - relativedelta(months=12),
                last=date,
            )
        )
        sales = defaultdict(dict)
        for company_id, partner_id, amount, count in rows:
            sales[company_id][partner_id] = (float(amount or 0.0), count)
        return sales
