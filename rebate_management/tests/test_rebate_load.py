# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Under load (issue #31, part 7): the close runs while eight clients post
invoices, each a real transaction in its own thread and cursor, retried on a
serialization failure by Odoo's own retry (odoo.service.model.retrying, what
an RPC request gets).

These tests commit: they work on customers of their own in the main company
and leave their documents cancelled behind them.
"""

import functools
import threading

from odoo import Command
from odoo.service.model import retrying
from odoo.tests import BaseCase, tagged
from odoo.tools import mute_logger

from .common import RebateTransactionsMixin

CLIENTS = 8


@tagged("post_install", "-at_install")
class TestRebateLoad(RebateTransactionsMixin, BaseCase):
    def setUp(self):
        super().setUp()
        self.agreement_ids, self.customer_ids, self.invoice_ids = [], [], []
        with self.registry.cursor() as cr:
            env = self._env(cr)
            company = env.ref("base.main_company")
            product = env["product.product"].create(
                {"name": "Load Widget", "lst_price": 100.0, "taxes_id": False}
            )
            for index in range(CLIENTS):
                customer = env["res.partner"].create(
                    {"name": f"Load Customer {index}", "is_company": True}
                )
                # a journal per client: the numbering of one journal would
                # already make them wait for each other
                journal = env["account.journal"].search(
                    [("code", "=", f"LD{index}"), ("company_id", "=", company.id)]
                ) or env["account.journal"].create(
                    {
                        "name": f"Load Sales {index}",
                        "code": f"LD{index}",
                        "type": "sale",
                        "company_id": company.id,
                    }
                )
                agreement = env["rebate.agreement"].create(
                    {
                        "name": f"Load {index}",
                        "partner_id": customer.id,
                        "company_id": company.id,
                        "date_start": "2024-01-01",
                        "date_end": "2024-12-31",
                        "period": "quarter",
                        "tier_ids": [Command.create({"threshold": 0.0, "rate": 2.0})],
                    }
                )
                agreement.action_activate()
                # the first quarter, posted: what the close settles
                self._invoice(env, customer, journal, product, 1000.0 * (index + 1))
                env.flush_all()
                # the second quarter's, posted by the clients during the close
                draft = self._invoice(
                    env, customer, journal, product, 500.0, "2024-05-10", post=False
                )
                self.agreement_ids.append(agreement.id)
                self.customer_ids.append(customer.id)
                self.invoice_ids.append(draft.id)
        self.addCleanup(self._cleanup)

    @staticmethod
    def _invoice(env, customer, journal, product, amount, date="2024-02-10", post=True):
        move = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "journal_id": journal.id,
                "invoice_date": date,
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": product.id, "quantity": 1, "price_unit": amount}
                    )
                ],
            }
        )
        if post:
            move.action_post()
        return move

    def _cleanup(self):
        self._cancel_committed(self.agreement_ids, self.customer_ids)

    def test_postings_during_the_close(self):
        started = threading.Event()
        closed = {}

        def close(env):
            started.set()

            def settle():
                closed["ids"] = (
                    env["rebate.settlement"]
                    .close_periods("2024-03-31", agreements=self.agreement_ids)
                    .ids
                )

            retrying(settle, env)
            env.cr.commit()

        def client(invoice_id, env):
            started.wait(timeout=10)
            retrying(lambda: env["account.move"].browse(invoice_id).action_post(), env)
            env.cr.commit()

        # (a posting that waited for the close fails to serialize: muted
        # here, once for all threads, and retried)
        with mute_logger("odoo.sql_db"):
            self._run_in_threads(
                close,
                *(
                    functools.partial(client, invoice_id)
                    for invoice_id in self.invoice_ids
                ),
            )

        with self.registry.cursor() as cr:
            env = self._env(cr)
            settlements = env["rebate.settlement"].browse(closed["ids"])
            # Q1 settled once per agreement, 2 % of what was invoiced in it
            self.assertEqual(
                sorted(
                    settlements.mapped(lambda s: (s.agreement_id.id, s.rebate_total))
                ),
                sorted(
                    (ag_id, 20.0 * (index + 1))
                    for index, ag_id in enumerate(self.agreement_ids)
                ),
            )
            # every client's invoice posted, its accrual there: 2 % of 500
            invoices = env["account.move"].browse(self.invoice_ids)
            self.assertEqual(set(invoices.mapped("state")), {"posted"})
            self.assertEqual(
                invoices.mapped(lambda m: sum(m.rebate_accrual_ids.mapped("amount"))),
                [10.0] * CLIENTS,
            )
            # and a recompute finds the settlements as they are
            for settlement in settlements:
                values, _adjustments = settlement._fresh_totals()[settlement]
                self.assertEqual(values["rebate_total"], settlement.rebate_total)
