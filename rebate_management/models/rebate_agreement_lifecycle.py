# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
# One concern of the model, in a file of its own (docs/layout.md).
# pylint: disable=consider-merging-classes-inherited

from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from ..tools import group_users, integrator_api, returns_records, to_date

APPROVAL_ACTIVITY = "rebate_management.mail_activity_type_agreement_approval"


class RebateAgreementLifecycle(models.Model):
    """The life of a rebate agreement (``rebate.agreement``):
    proposed (draft, to approve), approved (active), amended by a new version
    from a date, cancelled, closed once its last period is settled; who may
    take each step, and which terms lock once it is approved."""

    _inherit = "rebate.agreement"

    @api.model
    def _get_term_fields(self):
        """The terms of an agreement: locked once it is approved, changed by
        amendment. An addon adding a term extends this set."""
        return {
            "partner_id",
            "currency_id",
            "date_start",
            "date_end",
            "period",
            "settlement_period",
            "payment_condition",
            "payment_grace_days",
            "basis",
            "tier_mode",
            "growth_basis",
            "tier_ids",
            "product_ids",
            "product_categ_ids",
            "excluded_product_ids",
            "is_template",
            "commitment_base",
            "penalty_type",
            "penalty_value",
            "min_invoice_count",
            "priority",
            "stacking_group_id",
            "exclusive",
        }

    @api.model
    def _get_editable_states(self):
        """States in which the terms may still be edited."""
        return ("draft", "to_approve")

    # Steps

    @integrator_api
    def action_submit(self):
        """A salesperson proposes a draft agreement for approval."""
        self._check_not_template()
        for agreement in self:
            if agreement.state != "draft":
                raise UserError(
                    self.env._(
                        "Only draft agreements can be submitted (%(name)s is not).",
                        name=agreement.name,
                    )
                )
            agreement._check_complete()
        self._rebate_workflow().write({"state": "to_approve"})
        self._schedule_approval()
        return True

    @integrator_api
    def action_activate(self):
        """A manager approves the agreement: it starts accruing at once,
        posted invoices inside its dates included."""
        self._check_rebate_group(
            "group_rebate_manager", self.env._("activate agreements")
        )
        self._check_not_template()
        for agreement in self:
            if agreement.state not in self._get_editable_states():
                raise UserError(
                    self.env._(
                        "Only draft agreements or agreements to approve can be "
                        "activated (%(name)s is not).",
                        name=agreement.name,
                    )
                )
            agreement._check_complete()
        # the agreements whose lines these now share or take: what they
        # settled stays theirs, what they accrued is rebuilt
        neighbours = self._get_precedence_neighbours()
        settled = neighbours._get_settled_lines()
        self._rebate_workflow().write(
            {
                "state": "active",
                "approved_by_id": self.env.user.id,
                "approved_date": fields.Datetime.now(),
            }
        )
        neighbours._check_settled_lines_kept(settled)
        self.activity_feedback([APPROVAL_ACTIVITY])
        self._log_overlaps()
        self._rebuild_accruals()
        self._rebuild_neighbours(neighbours)
        return True

    def action_draft(self):
        """Back to draft: a cancelled agreement, or one sent back for changes."""
        if any(a.state not in ("cancelled", "to_approve") for a in self):
            raise UserError(
                self.env._(
                    "Only cancelled agreements or agreements to approve can be "
                    "reset to draft."
                )
            )
        if any(a.state == "cancelled" for a in self):
            self._check_rebate_group(
                "group_rebate_manager", self.env._("reopen agreements")
            )
        self._rebate_workflow().write({"state": "draft"})
        self.activity_unlink([APPROVAL_ACTIVITY])
        return True

    @returns_records
    @integrator_api
    def action_amend(self, date):
        """End this active agreement the day before ``date`` and return a new
        draft version, with the same terms, starting on ``date``."""
        self.ensure_one()
        self._check_rebate_group("group_rebate_manager", self.env._("amend agreements"))
        date = to_date(self.env, date)
        self._check_amendable(date)
        new_version = self._rebate_workflow().copy(self._prepare_amendment_vals(date))
        neighbours = self._get_precedence_neighbours()
        self._rebate_workflow().date_end = date - relativedelta(days=1)
        self._rebuild_accruals()
        self._rebuild_neighbours(neighbours)
        self._message_log(
            body=self.env._(
                "Amended from %(date)s by version %(version)s.",
                date=format_date(self.env, date),
                version=new_version.version,
            )
        )
        return new_version.with_env(self.env)

    def _check_amendable(self, date):
        """An amendment from ``date`` ends an active agreement within its
        dates, after what is settled of it."""
        self.ensure_one()
        if self.state != "active":
            raise UserError(
                self.env._(
                    "Only active agreements can be amended (%(name)s is not).",
                    name=self.name,
                )
            )
        if not self.date_start < date <= self.date_end:
            raise UserError(
                self.env._(
                    "An amendment of %(name)s must start after %(start)s and no "
                    "later than %(end)s.",
                    name=self.name,
                    start=self.date_start,
                    end=self.date_end,
                )
            )
        settled = self.settlement_ids.filtered(
            lambda s: s.state != "cancelled" and s.date_to >= date
        )
        if settled:
            raise UserError(
                self.env._(
                    "Agreement %(name)s is already settled up to %(date)s; an "
                    "amendment can only start after that.",
                    name=self.name,
                    date=max(settled.mapped("date_to")),
                )
            )

    def _prepare_amendment_vals(self, date):
        """The values the new version of an amended agreement is copied with:
        its dates from ``date`` to the agreement's end, and its version."""
        self.ensure_one()
        return {
            "date_start": date,
            "date_end": self.date_end,
            "version": self.version + 1,
            "previous_version_id": self.id,
        }

    @integrator_api
    def action_cancel(self):
        self._check_rebate_group(
            "group_rebate_manager", self.env._("cancel agreements")
        )
        locked = self.settlement_ids.filtered(lambda s: s.state in ("approved", "done"))
        # the agreements these took lines from count them again
        neighbours = self._get_precedence_neighbours()
        self._check_taken_lines_not_paid(neighbours)
        self.accrual_ids.filtered(
            lambda a: a.settlement_id not in locked
        ).sudo().unlink()
        self.settlement_ids.filtered(
            lambda s: s.state == "draft"
        ).sudo()._rebate_workflow().write({"state": "cancelled"})
        self._rebate_workflow().write({"state": "cancelled"})
        self.activity_unlink([APPROVAL_ACTIVITY])
        self._rebuild_neighbours(neighbours)
        return True

    def _schedule_approval(self):
        """A to-do for each sales manager who may approve these submitted
        agreements (the managers of its company, but the one who submitted
        it), as Odoo's apps schedule approvals. (Shown in their activities,
        not mailed: submitting never depends on the submitter's email
        address.)"""
        for agreement in self.with_context(mail_activity_quick_update=True):
            for manager in agreement._get_approvers():
                agreement.activity_schedule(
                    APPROVAL_ACTIVITY,
                    user_id=manager.id,
                    note=self.env._(
                        "%(user)s submitted %(name)s for %(customer)s for approval.",
                        user=self.env.user.name,
                        name=agreement.name,
                        customer=agreement.partner_id.display_name,
                    ),
                )

    def _get_approvers(self):
        """The users who approve this agreement: the active sales managers of
        its company, but the one submitting it (unless no other)."""
        self.ensure_one()
        managers = group_users(
            self.env.ref("rebate_management.group_rebate_manager").sudo()
        ).filtered(
            lambda user: user.active
            and not user.share
            and self.company_id in user.company_ids
        )
        return (managers - self.env.user) or managers

    def _close(self):
        """Close these agreements, their last period settled. A year-end
        close ends thousands at once: see _bulk_write_tracked."""
        self._bulk_write_tracked({"state": "closed"})
        return True

    def _log_overlaps(self):
        """Note in the chatter the agreements this one overlaps when it starts:
        the same invoice lines accrue on each."""
        overlapping = self._get_overlapping()
        bodies = {
            agreement.id: self.env._(
                "Activated; it overlaps other agreements of the customer. "
                "%(agreements)s",
                agreements=" ".join(agreement.overlap_summary.splitlines()),
            )
            for agreement in self
            if overlapping[agreement]
        }
        if bodies:
            # one insert for all of them
            self.browse(bodies)._message_log_batch(bodies=bodies)

    def _get_overlapping(self, states=("to_approve", "active")):
        """{agreement: the agreements in ``states`` it overlaps}, with one
        search for all, each agreement compared with the candidates sharing
        one of its customers only (_index_by_customer): linear in the
        agreements, not in their square."""
        dated = self.filtered(
            lambda a: a.commercial_partner_id and a.date_start and a.date_end
        )
        customers = {agreement: agreement._get_group_customers() for agreement in dated}
        everyone = self.env["res.partner"].union(*customers.values())
        candidates = self.search(
            [
                "|",
                ("commercial_partner_id", "in", everyone.ids),
                ("member_ids.partner_id", "in", everyone.ids),
                ("state", "in", states),
            ]
        )
        by_customer = candidates._index_by_customer()
        # (in the search's order)
        position = {other_id: index for index, other_id in enumerate(candidates.ids)}
        overlapping = {}
        for agreement in self:
            near = {
                other
                for partner_id in customers.get(agreement, self.browse()).ids
                for other in by_customer.get(partner_id, ())
            }
            overlapping[agreement] = self.browse(
                other.id
                for other in sorted(near, key=lambda other: position[other.id])
                if agreement._overlaps(other)
            )
        return overlapping

    def _index_by_customer(self):
        """{customer id: [agreements of these whose lines it may count]}."""
        index = defaultdict(list)
        for agreement in self:
            for partner_id in agreement._get_group_customers().ids:
                index[partner_id].append(agreement)
        return index

    def _overlaps(self, other):
        """Whether ``other``, sharing a customer with this agreement, may
        count the same lines: another agreement of the same direction and
        company, over common dates and products."""
        self.ensure_one()
        return (
            other.id != self._origin.id
            and other.rebate_type == self.rebate_type
            and other.vendor_basis == self.vendor_basis
            and other.company_id == self.company_id
            and other.date_start <= self.date_end
            and other.date_end >= self.date_start
            and self._scope_overlaps(other)
        )

    def _scope_overlaps(self, other):
        """Whether a product may count for both ``self`` and ``other``."""
        if not self.has_product_scope or not other.has_product_scope:
            return True
        if self.product_ids & other.product_ids:
            return True

        def covers(categories, products_or_categories):
            paths = [categ.parent_path for categ in categories]
            return any(
                (record.parent_path or "").startswith(tuple(paths))
                for record in products_or_categories
            )

        return bool(
            covers(self.product_categ_ids, other.product_categ_ids)
            or covers(other.product_categ_ids, self.product_categ_ids)
            or covers(self.product_categ_ids, other.product_ids.categ_id)
            or covers(other.product_categ_ids, self.product_ids.categ_id)
        )

    def _get_all_versions(self):
        self.ensure_one()
        first = self
        while first.previous_version_id:
            first = first.previous_version_id
        versions = first
        while versions[-1:].next_version_ids:
            versions |= versions[-1:].next_version_ids
        return versions

    # Checks

    @api.model
    def _check_rebate_group(self, group, action):
        """Raise AccessError unless the user has the rebate group ``group``."""
        if self.env.su or self.env.user.has_group(f"rebate_management.{group}"):
            return
        group_name = self.env.ref(f"rebate_management.{group}").sudo().full_name
        raise AccessError(
            self.env._(
                "Only users of group %(group)s may %(action)s.",
                group=group_name,
                action=action,
            )
        )

    @api.model
    def _check_own_customers(self, partner_ids):
        """Salespeople propose agreements for their own customers only: those
        whose salesperson they are (on the contact or its commercial entity).
        Sales managers propose them for any customer."""
        if self.env.su or self.env.user.has_group(
            "rebate_management.group_rebate_manager"
        ):
            return
        for partner in self.env["res.partner"].browse(partner_ids):
            if (
                self.env.user
                not in partner.user_id | partner.commercial_partner_id.user_id
            ):
                salesperson = partner.commercial_partner_id.user_id or partner.user_id
                raise AccessError(
                    self.env._(
                        "You can only propose rebate agreements for your own "
                        "customers; the salesperson of %(customer)s is %(user)s.",
                        customer=partner.display_name,
                        user=salesperson.name,
                    )
                    if salesperson
                    else self.env._(
                        "You can only propose rebate agreements for your own "
                        "customers; %(customer)s has no salesperson. Ask a sales "
                        "manager.",
                        customer=partner.display_name,
                    )
                )

    def _prepare_terms_change(self):
        """The terms of these agreements are about to change (a term field,
        a tier, a buying group's member): refused once they are locked. The
        one step every path that changes terms takes; a concern that keeps
        what it worked out from the old terms forgets it here (super())."""
        self._check_terms_editable()

    def _check_terms_editable(self):
        if self._is_rebate_workflow():
            # an amendment ends the agreement at a date
            return
        locked = self.filtered(lambda a: a.state not in self._get_editable_states())
        if locked:
            raise UserError(
                self.env._(
                    "The terms of agreement %(name)s are locked since it was "
                    "approved. Amend it to change them from a given date.",
                    name=locked[0].name,
                )
            )

    def _check_complete(self):
        """What an agreement needs before it is submitted or activated: the
        journal of its documents, its tiers, its rebate and penalty
        products."""
        self.ensure_one()
        if not self.journal_id:
            raise UserError(
                self.env._(
                    "Rebate agreement %(name)s has no credit note journal: choose "
                    "the journal its documents are issued in.",
                    name=self.name,
                )
            )
        self._check_journal()
        self._check_complete_tiers()
        self._check_complete_products()

    def _check_complete_tiers(self):
        """At least one tier, as its tier mode wants them."""
        self.ensure_one()
        if not self.tier_ids:
            raise UserError(
                self.env._(
                    "Rebate agreement %(name)s has no tier: add its rate first.",
                    name=self.name,
                )
            )
        if self.tier_mode == "retroactive":
            self._check_retroactive_rates()
        if self.tier_mode == "flat" and len(self.tier_ids) != 1:
            raise UserError(
                self.env._(
                    "A flat agreement has exactly one tier; %(name)s has %(count)s.",
                    name=self.name,
                    count=len(self.tier_ids),
                )
            )

    def _check_retroactive_rates(self):
        """Retroactive tiers pay the whole volume at the tier reached: their
        rates must not fall as the volume rises."""
        self.ensure_one()
        tiers = self.tier_ids.sorted("threshold")
        falling = [
            (low, high)
            for low, high in zip(tiers, tiers[1:], strict=False)
            if high._get_tier_value() < low._get_tier_value()
        ]
        if falling:
            low, high = falling[0]
            raise UserError(
                self.env._(
                    "The retroactive rates of %(name)s fall as the volume rises "
                    "(%(low)s, then %(high)s): the whole volume is paid at the "
                    "tier reached, so a customer buying more would earn less. "
                    "Correct the tiers.",
                    name=self.name,
                    low=low._describe(),
                    high=high._describe(),
                )
            )

    def _check_complete_products(self):
        """The products its documents are written with: the rebate product,
        and the penalty product when it has a penalty."""
        self.ensure_one()
        if not self.rebate_product_id:
            raise UserError(
                self.env._(
                    "Set the rebate product of agreement %(name)s: its credit notes "
                    "need one.",
                    name=self.name,
                )
            )
        if self.penalty_type != "none" and not self.penalty_product_id:
            raise UserError(
                self.env._(
                    "Set the penalty product of agreement %(name)s: its penalties "
                    "need one.",
                    name=self.name,
                )
            )
