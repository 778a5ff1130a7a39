# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError

from ..tools import log_notes, write_tracked

# The key the workflow methods put in the context to write their fields. It is
# an object, not a string or a flag: a context sent over RPC is JSON and
# cannot hold it, so no client can pass it.
WORKFLOW_KEY = object()


class RebateWorkflowMixin(models.AbstractModel):
    """Fields that only the workflow may set (state, approver, amounts...).

    A model lists them in ``_get_rebate_workflow_fields``; its ``create`` and
    ``write`` call ``_check_rebate_workflow_vals``, which refuses them unless the
    call comes from a workflow method through ``_rebate_workflow()``. The rule holds
    for every user, administrators and ``sudo()`` included, whichever way the
    write comes (form, import, RPC).
    """

    _name = "rebate.workflow.mixin"
    _description = "Rebate Workflow Guard"

    def _get_rebate_workflow_fields(self):
        """Names of the fields that only workflow methods set."""
        return set()

    def _rebate_workflow(self):
        """These records, allowed to write their workflow fields. For the
        workflow methods of this module and of the modules extending it."""
        return self.with_context(rebate_workflow=WORKFLOW_KEY)

    # The chatter of the workflow's writes. Odoo's own tracking and notes,
    # but for batches (a period close or a grading: thousands of records;
    # approving or paying out hundreds of settlements at once), where Odoo
    # writes one message at a time: 1.6 s for the 4,800 first notes of the
    # default bench's close, against 0.12 s in bulk. Those call the two
    # _bulk_* methods, which write the rows Odoo would (tests compare them);
    # a module preferring Odoo's way overrides them.

    def _write_workflow(self, vals):
        """Write ``vals`` as the workflow, tracked: through Odoo's tracking
        for a few records, in bulk from _get_bulk_chatter_size() records on
        (approving 500 settlements at once costs 0.65 s more through Odoo's
        tracking than in bulk on the default bench)."""
        if len(self) >= self._get_bulk_chatter_size():
            self._bulk_write_tracked(vals)
        else:
            self._rebate_workflow().write(vals)

    @api.model
    def _get_bulk_chatter_size(self):
        """From how many records on a workflow write's chatter is written in
        bulk (_write_workflow)."""
        return 50

    def _bulk_write_tracked(self, vals):
        """Write ``vals`` as the workflow on a batch of thousands, with the
        notes and tracking values Odoo's tracking would log, in bulk."""
        write_tracked(self._rebate_workflow(), vals)

    def _bulk_log_notes(self, bodies):
        """Log a note on each of a batch of thousands (``bodies``: {id: plain
        text}), the rows _message_log_batch would write, in bulk."""
        log_notes(self, bodies)

    def _log_notes(self, bodies):
        """Log a note on each of these records (``bodies``: {id: plain text}),
        through Odoo's _message_log_batch."""
        self._message_log_batch(
            bodies={
                record_id: Markup("<p>%s</p>") % body
                for record_id, body in bodies.items()
            }
        )

    def _is_rebate_workflow(self):
        return self.env.context.get("rebate_workflow") is WORKFLOW_KEY

    def _check_rebate_workflow_vals(self, vals_list, create=False):
        """Refuse ``vals_list`` if it sets a workflow field outside the workflow.

        :param create: the values of new records, which may carry a workflow
            field at its default or empty (a form sends its status bar's
            initial state, for one)
        """
        if self._is_rebate_workflow():
            return
        guarded = self._get_rebate_workflow_fields()
        forged = sorted(
            {
                fname
                for vals in vals_list
                for fname in guarded.intersection(vals)
                if not (create and self._is_rebate_initial_value(fname, vals[fname]))
            }
        )
        if forged:
            # who may not write at all hears so first
            if self:
                self.check_access("write")
            else:
                self.check_access("create")
            raise UserError(self._get_rebate_workflow_error(forged))

    def _get_rebate_workflow_error(self, fnames):
        """The message refusing a direct write of the workflow fields
        ``fnames``: a model may say how its fields are set instead."""
        labels = ", ".join(
            self._fields[fname]._description_string(self.env) for fname in fnames
        )
        return self.env._(
            "%(fields)s of %(model)s can only be set by its workflow "
            "actions (approve, activate, cancel...), not written directly.",
            fields=labels,
            model=self._description,
        )

    def _is_rebate_initial_value(self, fname, value):
        field = self._fields[fname]
        default = field.default(self) if field.default else False
        return not value or value == default
