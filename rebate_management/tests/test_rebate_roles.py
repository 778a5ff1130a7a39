# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from contextlib import contextmanager, suppress

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import RebateCommon

OK = "ok"
ACCESS = AccessError
REFUSED = UserError

ROLES = ("salesperson", "manager", "accountant", "other_company", "portal")

# What each role may do, operation by operation, on every rebate model:
# OK, or the exception it meets. The records are the salesperson's customer's
# (a draft, an active agreement and its settlement) in the first company.
# (operation, salesperson, manager, accountant, other company, portal)
TABLE = [
    # rebate.agreement
    # another company's manager proposes in their own company
    ("agreement: create", OK, OK, ACCESS, OK, ACCESS),
    # a portal user reads its own company's agreements once approved (#17)
    ("agreement: read", OK, OK, OK, ACCESS, OK),
    ("agreement: read a draft", OK, OK, OK, ACCESS, ACCESS),
    ("agreement: write name of a draft", OK, OK, ACCESS, ACCESS, ACCESS),
    ("agreement: write terms of a draft", OK, OK, ACCESS, ACCESS, ACCESS),
    ("agreement: write name of an active", ACCESS, OK, ACCESS, ACCESS, ACCESS),
    ("agreement: write terms of an active", ACCESS, REFUSED, ACCESS, ACCESS, ACCESS),
    ("agreement: write state", REFUSED, REFUSED, ACCESS, ACCESS, ACCESS),
    ("agreement: write approver", REFUSED, REFUSED, ACCESS, ACCESS, ACCESS),
    ("agreement: unlink a draft", ACCESS, OK, ACCESS, ACCESS, ACCESS),
    ("agreement: submit", OK, OK, ACCESS, ACCESS, ACCESS),
    ("agreement: activate", ACCESS, OK, ACCESS, ACCESS, ACCESS),
    ("agreement: cancel", ACCESS, OK, ACCESS, ACCESS, ACCESS),
    ("agreement: amend", ACCESS, OK, ACCESS, ACCESS, ACCESS),
    ("agreement: recompute accruals", ACCESS, ACCESS, OK, ACCESS, ACCESS),
    ("agreement: close ended periods", ACCESS, ACCESS, OK, ACCESS, ACCESS),
    # rebate.agreement.tier
    ("tier: create on a draft", OK, OK, ACCESS, ACCESS, ACCESS),
    ("tier: read", OK, OK, OK, ACCESS, OK),
    ("tier: write on a draft", OK, OK, ACCESS, ACCESS, ACCESS),
    ("tier: write on an active", ACCESS, REFUSED, ACCESS, ACCESS, ACCESS),
    ("tier: unlink on a draft", OK, OK, ACCESS, ACCESS, ACCESS),
    # rebate.accrual: written by the engine only
    ("accrual: read", OK, OK, OK, ACCESS, ACCESS),
    ("accrual: create", ACCESS, ACCESS, ACCESS, ACCESS, ACCESS),
    ("accrual: write", ACCESS, ACCESS, ACCESS, ACCESS, ACCESS),
    ("accrual: unlink", ACCESS, ACCESS, ACCESS, ACCESS, ACCESS),
    # rebate.settlement
    ("settlement: read", OK, OK, OK, ACCESS, ACCESS),
    ("settlement: create", ACCESS, ACCESS, REFUSED, REFUSED, ACCESS),
    ("settlement: write amounts", ACCESS, ACCESS, REFUSED, ACCESS, ACCESS),
    ("settlement: write state", ACCESS, ACCESS, REFUSED, ACCESS, ACCESS),
    ("settlement: unlink a draft", ACCESS, ACCESS, OK, ACCESS, ACCESS),
    # another company's accountant closes their own company's periods
    ("settlement: close periods", ACCESS, ACCESS, OK, OK, ACCESS),
    ("settlement: recompute", ACCESS, ACCESS, OK, ACCESS, ACCESS),
    ("settlement: approve", ACCESS, ACCESS, OK, ACCESS, ACCESS),
    ("settlement: create credit note", ACCESS, ACCESS, OK, ACCESS, ACCESS),
    ("settlement: cancel", ACCESS, ACCESS, OK, ACCESS, ACCESS),
    ("settlement: statement", OK, OK, OK, ACCESS, ACCESS),
    # rebate.analysis
    ("analysis: read", OK, OK, OK, ACCESS, ACCESS),
]


class _Rollback(Exception):
    pass


@tagged("post_install", "-at_install")
class TestRebateRoles(RebateCommon):
    """Each rebate role, a user of another company and a portal user, against
    every operation of every rebate model: the table above, run as them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        user = cls._create_rebate_user
        cls.users = {
            "salesperson": user("role_sales", "group_rebate_user"),
            "manager": user("role_manager", "group_rebate_manager"),
            "accountant": user("role_acc", "group_rebate_accountant"),
        }
        cls.users["other_company"] = cls._create_other_company_user(
            "Roles Company 2", "role_c2", "group_rebate_manager"
        )[1]
        cls.users["other_company"].groups_id = [
            Command.link(cls.env.ref("rebate_management.group_rebate_accountant").id)
        ]
        cls.users["portal"] = cls._create_portal_user(
            "role_portal", cls.customer_contact
        )
        cls.customer.user_id = cls.users["salesperson"]
        cls.draft = cls._create_agreement([(0.0, 1.0)], name="Draft", activate=False)
        cls.active = cls._create_agreement([(0.0, 2.0)], name="Active")
        cls._create_invoice([(cls.product_x, 10, 100.0)], date="2025-02-01")
        cls.settlement = cls.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=cls.active
        )
        cls.operations = {
            "agreement: create": lambda env: env["rebate.agreement"].create(
                {
                    "name": "New",
                    "partner_id": cls.customer.id,
                    "date_start": "2025-01-01",
                    "date_end": "2025-12-31",
                }
            ),
            "agreement: read": lambda env: cls._read(env, cls.active),
            "agreement: read a draft": lambda env: cls._read(env, cls.draft),
            "agreement: write name of a draft": cls._writes(
                cls.draft, {"name": "Renamed"}
            ),
            "agreement: write terms of a draft": cls._writes(
                cls.draft, {"date_end": "2025-06-30"}
            ),
            "agreement: write name of an active": cls._writes(
                cls.active, {"name": "Renamed"}
            ),
            "agreement: write terms of an active": cls._writes(
                cls.active, {"date_end": "2025-06-30"}
            ),
            "agreement: write state": cls._writes(cls.draft, {"state": "active"}),
            "agreement: write approver": lambda env: cls.draft.with_env(env).write(
                {"approved_by_id": env.uid}
            ),
            "agreement: unlink a draft": cls._runs(cls.draft, "unlink"),
            "agreement: submit": cls._runs(cls.draft, "action_submit"),
            "agreement: activate": cls._runs(cls.draft, "action_activate"),
            "agreement: cancel": cls._runs(cls.active, "action_cancel"),
            "agreement: amend": cls._runs(cls.active, "action_amend", "2025-07-01"),
            "agreement: recompute accruals": cls._runs(
                cls.active, "action_recompute_accruals"
            ),
            "agreement: close ended periods": cls._runs(
                cls.active, "action_close_periods"
            ),
            "tier: create on a draft": lambda env: env["rebate.agreement.tier"].create(
                {"agreement_id": cls.draft.id, "threshold": 50.0, "rate": 2.0}
            ),
            "tier: read": lambda env: cls._read(env, cls.active.tier_ids),
            "tier: write on a draft": cls._writes(cls.draft.tier_ids, {"rate": 3.0}),
            "tier: write on an active": cls._writes(cls.active.tier_ids, {"rate": 3.0}),
            "tier: unlink on a draft": cls._runs(cls.draft.tier_ids, "unlink"),
            "accrual: read": lambda env: cls._read(env, cls.active.accrual_ids),
            "accrual: create": lambda env: env["rebate.accrual"].create(
                {
                    "agreement_id": cls.active.id,
                    "move_id": cls.active.accrual_ids.move_id.id,
                    "move_line_id": cls.active.accrual_ids.move_line_id.id,
                    "company_id": cls.env.company.id,
                    "currency_id": cls.env.company.currency_id.id,
                    "amount": 1000.0,
                }
            ),
            "accrual: write": cls._writes(cls.active.accrual_ids, {"amount": 1000.0}),
            "accrual: unlink": cls._runs(cls.active.accrual_ids, "unlink"),
            "settlement: read": lambda env: cls._read(env, cls.settlement),
            "settlement: create": lambda env: env["rebate.settlement"].create(
                {
                    "agreement_id": cls.active.id,
                    "partner_id": cls.customer.id,
                    "company_id": cls.env.company.id,
                    "currency_id": cls.env.company.currency_id.id,
                    "date_from": "2025-04-01",
                    "date_to": "2025-06-30",
                    "rebate_total": 1000.0,
                }
            ),
            "settlement: write amounts": cls._writes(
                cls.settlement, {"rebate_total": 1000.0}
            ),
            "settlement: write state": cls._writes(
                cls.settlement, {"state": "approved"}
            ),
            "settlement: unlink a draft": cls._runs(cls.settlement, "unlink"),
            "settlement: close periods": lambda env: env[
                "rebate.settlement"
            ].close_periods("2025-06-30"),
            "settlement: recompute": cls._runs(cls.settlement, "action_recompute"),
            "settlement: approve": cls._runs(cls.settlement, "action_approve"),
            "settlement: create credit note": lambda env: cls._credit(env),
            "settlement: cancel": cls._runs(cls.settlement, "action_cancel"),
            "settlement: statement": cls._runs(cls.settlement, "_get_statement_xlsx"),
            "analysis: read": lambda env: cls._read(
                env,
                env["rebate.analysis"]
                .sudo()
                .search([("agreement_id", "=", cls.active.id)])
                .with_env(env),
            ),
        }

    @classmethod
    def _writes(cls, records, vals):
        """The operation that writes ``vals`` (a copy each time) on
        ``records``."""
        return lambda env: records.with_env(env).write(dict(vals))

    @classmethod
    def _runs(cls, records, method, *args):
        """The operation that calls ``method`` of ``records``."""
        return lambda env: getattr(records.with_env(env), method)(*args)

    @classmethod
    def _read(cls, env, records):
        assert records, "nothing to read"
        return records.with_env(env).read(["display_name"])

    @classmethod
    def _credit(cls, env):
        cls.settlement.action_approve()
        return cls.settlement.with_env(env).action_create_credit_note()

    @contextmanager
    def _rolled_back(self):
        """Run an operation and forget it: each cell of the table starts from
        the same records."""
        try:
            with suppress(_Rollback), self.env.cr.savepoint():
                yield
                self.env.flush_all()
                raise _Rollback()
        finally:
            self.env.invalidate_all()

    def test_table_covers_every_operation(self):
        self.assertEqual({row[0] for row in TABLE}, set(self.operations))
        for model in (
            "rebate.agreement",
            "rebate.agreement.tier",
            "rebate.accrual",
            "rebate.settlement",
            "rebate.analysis",
        ):
            prefix = self.env[model]._description.split()[-1].lower()
            self.assertTrue(
                any(row[0].startswith(prefix) for row in TABLE), f"{model}: {prefix}"
            )

    @freeze_time("2025-07-05")
    def test_role_operation_table(self):
        for operation, *expected in TABLE:
            for role, outcome in zip(ROLES, expected, strict=True):
                with self.subTest(operation=operation, role=role):
                    env = self.env(user=self.users[role], context={})
                    with self._rolled_back():
                        if outcome is OK:
                            self.operations[operation](env)
                        else:
                            with self.assertRaises(outcome):
                                self.operations[operation](env)

    def test_refusals_name_the_rule(self):
        """What each refusal says, as the role that meets it reads it."""
        env = self.env(user=self.users["salesperson"])
        with self.assertRaisesText(AccessError, "activate agreements"):
            self.draft.with_env(env).action_activate()
        with self.assertRaisesText(UserError, "can only be set by its workflow"):
            self.draft.with_env(env).write({"state": "active"})
        env = self.env(user=self.users["manager"])
        with self.assertRaisesText(UserError, "locked since it was approved"):
            self.active.with_env(env).write({"date_end": "2025-06-30"})
        env = self.env(user=self.users["accountant"])
        with self.assertRaisesText(UserError, "created by closing the periods"):
            self.operations["settlement: create"](env)
        with self.assertRaisesText(ValidationError, "at most 100"):
            self.draft.tier_ids.write({"rate": 101.0})
