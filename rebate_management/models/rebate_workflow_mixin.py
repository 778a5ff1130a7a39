# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models
from odoo.exceptions import UserError

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
