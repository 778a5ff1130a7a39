# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import logging
import os
import pathlib
import sys
import threading
from contextlib import contextmanager
from unittest.mock import patch
from xmlrpc.client import Fault

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import AccessError
from odoo.modules.registry import Registry
from odoo.tests import get_db_name, new_test_user, tagged
from odoo.tests.common import ChromeBrowser, _find_executable
from odoo.tools import config, mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
def read_api_doc():
    """The text of the repository's docs/api.md: beside the addon in a
    checkout, or under the working directory (the repository's root) when
    the addon runs from its installed wheel, which does not ship it."""
    for root in (pathlib.Path(__file__).resolve().parents[2], pathlib.Path.cwd()):
        path = root / "docs" / "api.md"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise AssertionError(
        "docs/api.md not found beside the addon nor under the working "
        "directory: run the tests from the repository's root"
    )


class RebateCommon(AccountTestInvoicingCommon):
    """Customers, products and helpers shared by the rebate tests.

    ``cls.env`` is an accounting manager of an independent company with the
    generic chart of accounts (see AccountTestInvoicingCommon); it is also made
    a rebate manager so it can activate agreements.
    """

    # the date _sell and _sell_to give an invoice by default
    sale_date = "2025-02-10"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id = [
            Command.link(cls.env.ref("rebate_management.group_rebate_manager").id)
        ]
        # the address rebate statements are mailed from
        cls.env.company.email = "rebates@company.example.com"
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create({"name": "Rebate Customer", "is_company": True})
        cls.customer_contact = Partner.create(
            {"name": "Invoice Desk", "parent_id": cls.customer.id, "type": "invoice"}
        )
        cls.other_customer = Partner.create(
            {"name": "Other Customer", "is_company": True}
        )

        Category = cls.env["product.category"]
        cls.categ_parent = Category.create({"name": "Rebate Goods"})
        cls.categ_child = Category.create(
            {"name": "Rebate Goods / Small", "parent_id": cls.categ_parent.id}
        )
        cls.categ_other = Category.create({"name": "Not Rebated"})
        cls.product_x = cls._create_product(
            name="Product X", lst_price=100.0, categ_id=cls.categ_child.id
        )
        cls.product_y = cls._create_product(
            name="Product Y", lst_price=50.0, categ_id=cls.categ_parent.id
        )
        cls.product_z = cls._create_product(
            name="Product Z", lst_price=10.0, categ_id=cls.categ_other.id
        )
        cls.rebate_product = cls._create_product(
            name="Rebate", type="service", lst_price=0.0, default_code="RBT"
        )
        cls.sale_journal = cls.company_data["default_journal_sale"]

    @classmethod
    def _create_user(cls, login, groups, company=None, **vals):
        """A user of ``company`` (the test company by default) and of it only,
        with ``groups`` (XML ids, comma separated) and ``vals``; without a
        password in ``vals``, new_test_user's: the login (padded to 8)."""
        company = company or cls.env.company
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
            **vals,
        )

    @classmethod
    def _create_rebate_user(cls, login, group, company=None, groups="base.group_user"):
        """An internal user of ``company`` (the test company by default) with
        the rebate group ``group`` (e.g. "group_rebate_user") on top of
        ``groups``; password ``<login>-pass``."""
        return cls._create_user(
            login,
            f"{groups},rebate_management.{group}",
            company=company,
            password=f"{login}-pass",
        )

    @classmethod
    def _create_role_users(cls, prefix):
        """cls.salesperson (the customer's salesperson), cls.manager and
        cls.accountant, one a rebate role, logins ``<prefix>_sales``,
        ``<prefix>_manager`` and ``<prefix>_acc``."""
        user = cls._create_rebate_user
        cls.salesperson = user(f"{prefix}_sales", "group_rebate_user")
        cls.manager = user(f"{prefix}_manager", "group_rebate_manager")
        cls.accountant = user(f"{prefix}_acc", "group_rebate_accountant")
        cls.customer.user_id = cls.salesperson

    @classmethod
    def _create_other_company_user(cls, company_name, login, group):
        """A second company, and a user of it alone with the rebate group
        ``group``: (company, user)."""
        company = cls.setup_other_company(name=company_name)["company"]
        return company, cls._create_rebate_user(login, group, company=company)

    @classmethod
    def _create_portal_user(cls, login, partner):
        """A portal user of ``partner``; password ``<login>-pass``."""
        return new_test_user(
            cls.env,
            login=login,
            password=f"{login}-pass",
            groups="base.group_portal",
            partner_id=partner.id,
        )

    @classmethod
    def _create_agreement(cls, tiers, activate=True, **vals):
        """An agreement of cls.customer for 2025, quarterly, on the amount basis."""
        agreement = cls.env["rebate.agreement"].create(
            {
                "name": vals.pop("name", "Agreement"),
                "partner_id": cls.customer.id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
                "period": "quarter",
                "basis": "amount",
                "tier_mode": "flat",
                "journal_id": cls.sale_journal.id,
                "rebate_product_id": cls.rebate_product.id,
                "tier_ids": [
                    Command.create({"threshold": threshold, "rate": rate})
                    for threshold, rate in tiers
                ],
                **vals,
            }
        )
        if activate:
            agreement.action_activate()
        return agreement

    @classmethod
    def _create_yearly_agreement(cls, **vals):
        """Tiers 0 -> 2 %, 100,000 -> 3 %, retroactive, measured on the year
        (issue #14's worked example); ``settlement_period="quarter"`` pays it
        every quarter."""
        return cls._create_agreement(
            [(0.0, 2.0), (100000.0, 3.0)],
            tier_mode="retroactive",
            period="year",
            **vals,
        )

    @classmethod
    def _create_invoice(
        cls,
        lines,
        date="2025-02-10",
        partner=None,
        move_type="out_invoice",
        post=True,
        currency=None,
        company=None,
    ):
        """A customer invoice (or refund) with lines (product, quantity, price[,
        unit of measure])."""
        company = company or cls.env.company
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": (partner or cls.customer).id,
                    "invoice_date": date,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": line[0].id,
                                "quantity": line[1],
                                "price_unit": line[2],
                                **(
                                    {"product_uom_id": line[3].id}
                                    if len(line) > 3
                                    else {}
                                ),
                            }
                        )
                        for line in lines
                    ],
                }
            )
        )
        if post:
            move.action_post()
        return move

    def _sell_to(self, partner, amount, date=None, move_type="out_invoice"):
        """A posted invoice (or refund, by ``move_type``) of one Product X at
        ``amount`` to ``partner``, dated ``date`` (by default the class's
        ``sale_date``)."""
        return self._create_invoice(
            [(self.product_x, 1, amount)],
            date=date or self.sale_date,
            partner=partner,
            move_type=move_type,
        )

    def _sell(self, amount, date=None, move_type="out_invoice"):
        """The same to cls.customer."""
        return self._sell_to(self.customer, amount, date, move_type)

    def _close(self, date="2025-03-31", agreements=None):
        """The settlements of the periods ended by ``date`` of ``agreements``
        (by default the class's ``agreement``), closed."""
        return self.env["rebate.settlement"].close_periods(
            date, agreements=agreements or self.agreement
        )

    def _approve_and_pay(self, settlement):
        """``settlement`` approved, and paid out by its document."""
        settlement.action_approve()
        settlement.action_create_credit_note()
        return settlement

    def _create_q1_settlement(self, rate=1.0):
        """A new agreement (flat ``rate`` %), 1,000 of Product X sold on
        2025-02-10, Q1 closed: its draft settlement."""
        agreement = self._create_agreement([(0.0, rate)])
        self._create_invoice([(self.product_x, 10, 100.0)])
        return self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=agreement
        )

    def assertAccrued(self, agreement, expected, period_start=None):
        """The accruals (of one period) add up to ``expected``."""
        accruals = agreement.accrual_ids
        if period_start:
            accruals = accruals.filtered(
                lambda a: a.period_start == fields.Date.to_date(period_start)
            )
        self.assertAlmostEqual(
            sum(accruals.mapped("amount")),
            expected,
            places=agreement.currency_id.decimal_places,
        )

    def assertAccessErrors(self, *calls):
        """Each of ``calls`` (callables without arguments) raises an
        AccessError, each rolled back to a savepoint of its own."""
        for number, call in enumerate(calls, 1):
            with self.subTest(call=number), self.assertRaises(AccessError):
                call()

    def _post_and_count(self, partner, line_count):
        """Post an invoice of ``partner`` with ``line_count`` lines of
        product X: the queries the accrual hook ran, and the invoice."""
        lines = [(self.product_x, 1, 100.0 + i) for i in range(line_count)]
        move = self._create_invoice(lines, partner=partner, post=False)
        Accrual = type(self.env["rebate.accrual"])
        accrue_moves = Accrual._accrue_moves
        counts = []

        def counting_accrue_moves(accrual, moves):
            accrual.env.flush_all()
            before = accrual.env.cr.sql_log_count
            result = accrue_moves(accrual, moves)
            accrual.env.flush_all()
            counts.append(accrual.env.cr.sql_log_count - before)
            return result

        self.env.invalidate_all()
        with patch.object(Accrual, "_accrue_moves", counting_accrue_moves):
            move.action_post()
        self.assertEqual(len(counts), 1, "posting calls the accrual hook once")
        return counts[0], move

    @contextmanager
    def assertRaisesText(self, exception, text):
        """Like assertRaises (rolled back to a savepoint, as a failed request
        would be), and the message says ``text``."""
        with self.assertRaises(exception) as capture:
            yield capture
        self.assertIn(text, str(capture.exception))

    def _run_scheduled_close(self, cron):
        """One call of the scheduled close as Odoo's scheduler makes it, with
        the context it gives the call: (done, remaining) it reported."""
        progress = self.env["ir.cron.progress"].create(
            {"cron_id": cron.id, "done": 0, "remaining": 0}
        )
        self.env["rebate.settlement"].with_context(
            ir_cron_progress_id=progress.id, cron_id=cron.id
        )._cron_close_periods()
        return progress.done, progress.remaining


class RebateHttpMixin:
    """What the rebate tests over HTTP (with an HttpCase) share: XML-RPC
    calls as a test user, the browser a tour needs, and a tour that leaves
    a screenshot of its last screen."""

    def _readonly_cursors_enabled(self):
        """Whether the test's read-only cursors are read-only indeed (Odoo
        18 says it on the registry, Odoo 19 on the test class)."""
        enabled = getattr(self.registry, "test_readonly_enabled", None)
        if enabled is None:
            enabled = type(self)._registry_readonly_enabled
        return enabled

    def _call_as(self, user, password, model, method, *args, **kwargs):
        """``method`` of ``model`` called over XML-RPC as ``user``."""
        # a refused call is logged by the server as a warning: expected here;
        # Odoo 19 also warns at every call that XML-RPC is deprecated
        with mute_logger("odoo.http", "odoo.addons.rpc.controllers.xmlrpc"):
            return self.xmlrpc_object.execute_kw(
                self.env.cr.dbname, user.id, password, model, method, list(args), kwargs
            )

    def _call(self, user, model, method, *args, **kwargs):
        """The same, with a test user's password (its login, then "-pass")."""
        password = f"{user.login}-pass"
        return self._call_as(user, password, model, method, *args, **kwargs)

    def assertCallFails(self, text, user, model, method, *args, **kwargs):
        """The call (see _call) fails, and its fault says ``text``."""
        with self.assertRaises(Fault) as capture:
            self._call(user, model, method, *args, **kwargs)
        self.assertIn(text, capture.exception.faultString)

    def _require_browser(self):
        """Skip the test without Chromium, but in CI, which must have it."""
        try:
            _find_executable()
        except Exception:
            if os.environ.get("CI"):
                self.fail("Chromium is required in CI (scripts/setup.sh installs it)")
            self.skipTest("no Chromium: install Debian's chromium package")

    def _tour(self, url, tour, login, screenshot):
        """start_tour, then a screenshot of the last screen, as ``screenshot``
        .png in the screenshots directory."""
        directory = pathlib.Path(config["screenshots"])
        stop = ChromeBrowser.stop

        def stop_after_screenshot(browser):
            try:
                data = browser._websocket_request("Page.captureScreenshot", timeout=10)
                directory.mkdir(parents=True, exist_ok=True)
                (directory / f"{screenshot}.png").write_bytes(
                    base64.b64decode(data["data"])
                )
            except Exception as error:  # a missing picture fails no test
                _logger.info("no screenshot %s: %s", screenshot, error)
            stop(browser)

        with patch.object(ChromeBrowser, "stop", stop_after_screenshot):
            self.start_tour(url, tour, login=login)


class RebateTransactionsMixin:
    """Real transactions at once, each in its own thread and cursor, for the
    concurrency tests (with a BaseCase): they commit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, dict(DISABLED_MAIL_CONTEXT))

    def _cancel_committed(self, agreement_ids, partner_ids):
        """What a committing test leaves behind, cancelled in a transaction
        of its own: the settlements and the agreements ``agreement_ids``
        (their accruals deleted), and the posted documents of the customers
        ``partner_ids``."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            agreements = env["rebate.agreement"].browse(agreement_ids)
            agreements.settlement_ids._rebate_workflow().write({"state": "cancelled"})
            agreements.accrual_ids.unlink()
            agreements._rebate_workflow().write({"state": "cancelled"})
            env["account.move"].search(
                [("partner_id", "in", list(partner_ids)), ("state", "=", "posted")]
            ).button_cancel()

    def _run_in_threads(self, *targets):
        """Run each target(env) in a thread of its own, on a cursor of its
        own; fail on a hung transaction or an error a target let through."""
        errors = []

        def run(target):
            try:
                with self.registry.cursor() as cr:
                    target(self._env(cr))
            except Exception as exc:  # noqa: BLE001 - reported to the test
                errors.append(exc)

        # The test runner holds the registry class lock while it runs the
        # post-install tests, so another thread cannot look the registry up
        # by name, as an environment on a new cursor does (and Odoo 19's
        # postcommit hooks, on cursors of their own): hand it the registry.
        environments = sys.modules[api.Environment.__module__]
        threads = [threading.Thread(target=run, args=(target,)) for target in targets]
        with patch.object(environments, "Registry", lambda db_name: self.registry):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        self.assertFalse([t for t in threads if t.is_alive()], "a transaction hung")
        self.assertFalse(errors, errors)
