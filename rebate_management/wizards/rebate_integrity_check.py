# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command, api, fields, models

from ..tools import wizard_action


class RebateIntegrityCheck(models.TransientModel):
    """Rebate Integrity Check: recompute the chains of secured settlements
    of the user's companies (rebate.settlement._check_hash_integrity) and
    show, per company, the first and last settlements secured and those
    whose figures no longer match."""

    _name = "rebate.integrity.check"
    _description = "Rebate Integrity Check"

    line_ids = fields.One2many(
        "rebate.integrity.check.line", "check_id", string="Companies", readonly=True
    )
    is_done = fields.Boolean(readonly=True)
    is_intact = fields.Boolean(
        compute="_compute_is_intact",
        help="No settlement of the companies checked was altered.",
    )

    @api.depends("line_ids.corrupted_settlement_ids")
    def _compute_is_intact(self):
        for check in self:
            check.is_intact = not check.line_ids.corrupted_settlement_ids

    def action_check(self):
        self.ensure_one()
        reports = self.env["rebate.settlement"]._get_integrity_report()
        self.write(
            {
                "is_done": True,
                "line_ids": [Command.clear()]
                + [
                    Command.create(self._prepare_line_vals(report))
                    for report in reports
                ],
            }
        )
        return wizard_action(self.env._("Rebate Integrity Check"), self._name, {}) | {
            "res_id": self.id
        }

    def _prepare_line_vals(self, report):
        """The values of the result line of one company's ``report`` (see
        rebate.settlement._get_integrity_report)."""
        names = dict(
            self.env["rebate.settlement"]
            .sudo()
            .browse(report["corrupted_ids"])
            .mapped(lambda s: (s.id, s.name))
        )
        return {
            "company_id": report["company_id"],
            "first_settlement_id": report["first_id"],
            "last_settlement_id": report["last_id"],
            "secured_count": report["count"],
            "corrupted_settlement_ids": [Command.set(report["corrupted_ids"])],
            "details": "\n".join(
                f"{names[sid]}: {problem}"
                for sid in report["corrupted_ids"]
                for problem in report["problems"][sid]
            ),
        }
