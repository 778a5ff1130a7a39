# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Two orders spending one rebate balance at once, each in its own thread
and transaction. The test commits: it works on a customer of its own in the
main company and leaves its orders cancelled behind it."""

import threading

from psycopg2.errors import SerializationFailure

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import BaseCase, tagged
from odoo.tools import mute_logger

from odoo.addons.rebate_management.tests.common import RebateTransactionsMixin


@tagged("post_install", "-at_install")
class TestRebateBalanceConcurrency(RebateTransactionsMixin, BaseCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            company = env.ref("base.main_company")
            self.company_id = company.id
            self.previous = {
                "rebate_balance_account_id": company.rebate_balance_account_id.id,
                "rebate_balance_cap_percent": company.rebate_balance_cap_percent,
                "rebate_balance_cap_amount": company.rebate_balance_cap_amount,
            }
            account = env["account.account"].search(
                [
                    ("code", "=", "RBBCC1"),
                    *env["account.account"]._check_company_domain(company),
                ]
            ) or env["account.account"].create(
                {
                    "name": "Concurrency Rebate Balances",
                    "code": "RBBCC1",
                    "account_type": "liability_current",
                    "company_ids": [Command.set(company.ids)],
                }
            )
            company.write(
                {
                    "rebate_balance_account_id": account.id,
                    "rebate_balance_cap_percent": 0.0,
                    "rebate_balance_cap_amount": 1500.0,
                }
            )
            journal = env["account.journal"].search(
                [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
            )
            product = env["product.product"].create(
                {"name": "Balance Widget", "lst_price": 1000.0, "taxes_id": False}
            )
            self.product_id = product.id
            customer = env["res.partner"].create(
                {"name": "Concurrent Balance Customer", "is_company": True}
            )
            self.customer_id = customer.id
            agreement = env["rebate.agreement"].create(
                {
                    "name": "Concurrent Balance",
                    "partner_id": customer.id,
                    "company_id": company.id,
                    "date_start": "2024-01-01",
                    "date_end": "2024-12-31",
                    "period": "quarter",
                    "tier_mode": "flat",
                    "journal_id": journal.id,
                    "payout_method": "balance",
                    "tier_ids": [Command.create({"threshold": 0.0, "rate": 10.0})],
                }
            )
            agreement.action_activate()
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "company_id": company.id,
                    "journal_id": journal.id,
                    "invoice_date": "2024-02-01",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "quantity": 20,
                                "price_unit": 1000.0,
                            }
                        )
                    ],
                }
            )
            invoice.action_post()
            settlement = env["rebate.settlement"].close_periods(
                "2024-03-31", agreements=agreement
            )
            settlement.action_approve()
            settlement.action_create_credit_note()
            self.credit_id = settlement.balance_credit_ids.id
            self.order_ids = [self._quotation(env).id, self._quotation(env).id]
        self.addCleanup(self._cleanup)

    def _quotation(self, env):
        order = env["sale.order"].create(
            {
                "partner_id": self.customer_id,
                "company_id": self.company_id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product_id,
                            "product_uom_qty": 2,
                            "price_unit": 1000.0,
                        }
                    )
                ],
            }
        )
        order.action_apply_rebate_balance()
        return order

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            env["sale.order"].browse(self.order_ids)._action_cancel()
            env["res.company"].browse(self.company_id).write(self.previous)

    def test_two_orders_never_overdraw_the_balance(self):
        """A balance of 2,000; two quotations of 2,000 each using 1,500 of it
        (the cap per order) are
        confirmed at once. The first holds it; the second waits, starts
        again on the committed balance (as Odoo retries a request), finds
        500 left and is refused."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            credit = env["rebate.balance.credit"].browse(self.credit_id)
            self.assertEqual(credit.amount_available, 2000.0)
            orders = env["sale.order"].browse(self.order_ids)
            self.assertEqual(orders.mapped("rebate_balance_amount"), [1500.0, 1500.0])

        first_reserved = threading.Event()
        second_started = threading.Event()
        outcome = {}

        def confirm_first(env):
            env["sale.order"].browse(self.order_ids[0]).action_confirm()
            env.flush_all()
            first_reserved.set()
            second_started.wait(timeout=10)
            threading.Event().wait(0.5)
            env.cr.commit()

        def confirm_second(env):
            first_reserved.wait(timeout=10)
            second_started.set()
            for attempt in range(1, 6):
                try:
                    with mute_logger("odoo.sql_db"):
                        env["sale.order"].browse(self.order_ids[1]).action_confirm()
                        env.flush_all()
                    env.cr.commit()
                    outcome["second"] = "confirmed"
                    return
                except SerializationFailure:
                    outcome.setdefault("retries", 0)
                    outcome["retries"] += 1
                    env.cr.rollback()
                    env.invalidate_all()
                except UserError as error:
                    env.cr.rollback()
                    outcome["second"] = str(error)
                    outcome["attempt"] = attempt
                    return

        self._run_in_threads(confirm_first, confirm_second)
        self.assertIn("less than the", outcome.get("second", ""))
        # it waited for the first one and started again on what it left
        self.assertEqual(outcome.get("retries"), 1)

        with self.registry.cursor() as cr:
            env = self._env(cr)
            orders = env["sale.order"].browse(self.order_ids)
            self.assertEqual(orders.mapped("state"), ["sale", "draft"])
            credit = env["rebate.balance.credit"].browse(self.credit_id)
            self.assertEqual(credit.amount_available, 500.0)
            self.assertEqual(
                credit.debit_ids.mapped("sale_order_id").ids, self.order_ids[:1]
            )
