# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..tools import COPY_MIN_ROWS
from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateSettlement(RebateCommon):
    """Period close: settlements computed from the source documents, approved,
    turned into credit notes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Settlement = cls.env["rebate.settlement"]
        cls.agreement = cls._create_agreement(
            [(1000.0, 2.0), (5000.0, 5.0)], tier_mode="retroactive", name="Quarterly"
        )
        # Q1: 3,000 + 2,500 - 500 refund = 5,000 -> 5 % = 250
        cls._create_invoice([(cls.product_x, 30, 100.0)], date="2025-02-10")
        cls._create_invoice([(cls.product_y, 50, 50.0)], date="2025-03-15")
        cls._create_invoice(
            [(cls.product_x, 5, 100.0)], date="2025-03-20", move_type="out_refund"
        )
        # Q2: 1,200 -> 2 % = 24
        cls._create_invoice([(cls.product_x, 12, 100.0)], date="2025-05-05")

    @freeze_time("2025-07-05")
    def test_close_two_quarters_and_credit_notes(self):
        self.assertEqual(self.Settlement.close_periods("2025-03-30"), self.Settlement)
        settlements = self.Settlement.close_periods("2025-06-30").sorted("date_from")
        self.assertRecordValues(
            settlements,
            [
                {
                    "agreement_id": self.agreement.id,
                    "partner_id": self.customer.id,
                    "company_id": self.env.company.id,
                    "currency_id": self.env.company.currency_id.id,
                    "base_total": 5000.0,
                    "rebate_total": 250.0,
                    "accrued_total": 250.0,
                    "state": "draft",
                    "document_id": False,
                },
                {
                    "agreement_id": self.agreement.id,
                    "partner_id": self.customer.id,
                    "company_id": self.env.company.id,
                    "currency_id": self.env.company.currency_id.id,
                    "base_total": 1200.0,
                    "rebate_total": 24.0,
                    "accrued_total": 24.0,
                    "state": "draft",
                    "document_id": False,
                },
            ],
        )
        q1, q2 = settlements
        self.assertEqual(
            [str(q1.date_from), str(q1.date_to)], ["2025-01-01", "2025-03-31"]
        )
        self.assertEqual(
            [str(q2.date_from), str(q2.date_to)], ["2025-04-01", "2025-06-30"]
        )
        self.assertTrue(q1.name.startswith("RBS/2025/"))
        self.assertNotEqual(q1.name, q2.name)
        self.assertEqual(len(q1.accrual_ids), 3)
        self.assertEqual(q2.accrual_ids.move_id.invoice_date.isoformat(), "2025-05-05")
        self.assertEqual(self.agreement.state, "active")

        # a second close creates nothing
        self.assertEqual(self.Settlement.close_periods("2025-06-30"), self.Settlement)
        self.assertEqual(self.agreement.settlement_count, 2)

        settlements.action_approve()
        self.assertEqual(settlements.mapped("state"), ["approved", "approved"])
        settlements.action_create_credit_note()
        self.assertEqual(settlements.mapped("state"), ["done", "done"])

        credit_note = q1.document_id
        tax = self.tax_sale_a
        self.assertRecordValues(
            credit_note,
            [
                {
                    "move_type": "out_refund",
                    "state": "posted",
                    "partner_id": self.customer.id,
                    "journal_id": self.sale_journal.id,
                    "currency_id": self.env.company.currency_id.id,
                    "rebate_settlement_id": q1.id,
                    "rebate_agreement_id": self.agreement.id,
                    "amount_untaxed": 250.0,
                    "amount_tax": 250.0 * tax.amount / 100,
                    "invoice_origin": q1.name,
                }
            ],
        )
        self.assertEqual(str(credit_note.invoice_date), "2025-07-05")
        line = credit_note.invoice_line_ids
        self.assertRecordValues(
            line,
            [
                {
                    "product_id": self.rebate_product.id,
                    "quantity": 1.0,
                    "price_unit": 250.0,
                    "price_subtotal": 250.0,
                    "account_id": self.rebate_product.property_account_income_id.id,
                    "tax_ids": tax.ids,
                }
            ],
        )
        self.assertEqual(q2.document_id.amount_untaxed, 24.0)

        # the credit note (dated in Q3) never counts in the rebate base
        self.assertFalse(credit_note.rebate_accrual_ids)
        self._create_invoice([(self.product_x, 10, 100.0)], date="2025-08-01")
        with freeze_time("2025-10-05"):
            q3 = self.Settlement.close_periods("2025-09-30")
        self.assertEqual(q3.base_total, 1000.0)
        self.assertEqual(q3.rebate_total, 20.0)

    @freeze_time("2025-07-05")
    def test_credit_note_fiscal_position(self):
        customer = self.env["res.partner"].create(
            {
                "name": "Customer With Fiscal Position",
                "is_company": True,
                "property_account_position_id": self.fiscal_pos_a.id,
            }
        )
        agreement = self._create_agreement([(0.0, 10.0)], partner_id=customer.id)
        self._create_invoice([(self.product_x, 10, 100.0)], partner=customer)
        settlement = self.Settlement.close_periods("2025-03-31", agreements=agreement)
        settlement.action_approve()
        settlement.action_create_credit_note()
        line = settlement.document_id.invoice_line_ids
        # the rebate product's tax and income account, mapped by the position
        self.assertEqual(line.tax_ids, self.tax_sale_b)
        self.assertEqual(line.account_id, self.product_b.property_account_income_id)
        self.assertEqual(settlement.document_id.amount_untaxed, 100.0)

    def test_zero_settlement_done_without_document_and_agreement_closes(self):
        agreement = self._create_agreement(
            [(1000.0, 2.0)],
            tier_mode="retroactive",
            period="half_year",
            partner_id=self.other_customer.id,
        )
        self._create_invoice([(self.product_x, 5, 100.0)], partner=self.other_customer)
        settlements = self.Settlement.close_periods("2025-12-31", agreements=agreement)
        self.assertRecordValues(
            settlements.sorted("date_from"),
            [
                {
                    "base_total": 500.0,
                    "rebate_total": 0.0,
                    "state": "done",
                    "document_id": False,
                },
                {
                    "base_total": 0.0,
                    "rebate_total": 0.0,
                    "state": "done",
                    "document_id": False,
                },
            ],
        )
        self.assertEqual(agreement.state, "closed")
        # a closed agreement is not closed again; a document posted late into
        # its settled dates (issue #14) accrues, and the next close settles
        # it by an adjustment: R(500 + 5,000) - R(500)
        self.assertFalse(
            self.Settlement.close_periods("2026-06-30", agreements=agreement)
        )
        late = self._create_invoice(
            [(self.product_x, 50, 100.0)], partner=self.other_customer
        )
        self.assertEqual(len(agreement.accrual_ids), 2)
        self.assertEqual(
            late.rebate_accrual_ids.late_settlement_id,
            settlements.sorted("date_from")[0],
        )
        adjustment = self.Settlement.close_periods("2026-06-30", agreements=agreement)
        self.assertRecordValues(
            adjustment,
            [{"is_adjustment": True, "base_total": 5000.0, "rebate_total": 110.0}],
        )
        self.assertEqual(agreement.state, "closed")

    def test_late_invoice_requires_recompute(self):
        q1 = self.Settlement.close_periods("2025-03-31", agreements=self.agreement)
        self.assertEqual(q1.rebate_total, 250.0)
        late = self._create_invoice([(self.product_x, 10, 100.0)], date="2025-03-31")
        # the late accrual joins the draft settlement of its period
        self.assertEqual(late.rebate_accrual_ids.settlement_id, q1)
        with self.assertRaisesText(UserError, "Recompute"):
            q1.action_approve()
        q1.action_recompute()
        self.assertEqual(q1.base_total, 6000.0)
        self.assertEqual(q1.rebate_total, 300.0)
        self.assertEqual(q1.accrued_total, 300.0)
        q1.action_approve()
        self.assertEqual(q1.state, "approved")

    def test_accruals_belong_to_the_settlement_of_their_period(self):
        Accrual = self.env["rebate.accrual"]
        mine = [("agreement_id", "=", self.agreement.id)]
        q1 = self.Settlement.close_periods("2025-03-31", agreements=self.agreement)
        q1_accruals = Accrual.search([*mine, ("period_start", "=", "2025-01-01")])
        q2_accruals = Accrual.search([*mine, ("period_start", "=", "2025-04-01")])
        self.assertEqual((len(q1_accruals), len(q2_accruals)), (3, 1))
        self.assertEqual(q1.accrual_ids, q1_accruals)
        self.assertEqual(q1_accruals.settlement_id, q1)
        self.assertFalse(q2_accruals.settlement_id)
        for domain, expected in [
            ([("settlement_id", "=", q1.id)], q1_accruals),
            ([("settlement_id", "in", q1.ids)], q1_accruals),
            ([("settlement_id", "=", False)], q2_accruals),
            ([("settlement_id", "!=", False)], q1_accruals),
            ([("settlement_id", "not in", q1.ids)], q2_accruals),
            ([("settlement_id", "in", [q1.id, False])], q1_accruals + q2_accruals),
            ([("settlement_id.state", "=", "draft")], q1_accruals),
            ([("settlement_id.state", "=", "approved")], Accrual),
            ([("settlement_id", "ilike", q1.name)], q1_accruals),
        ]:
            with self.subTest(domain=domain):
                self.assertEqual(Accrual.search([*mine, *domain]), expected)
        q1.action_approve()
        # an invoice posted late into the approved period shows where it
        # belongs; the approved amounts stay as they were
        late = self._create_invoice([(self.product_x, 10, 100.0)], date="2025-03-31")
        self.assertEqual(late.rebate_accrual_ids.settlement_id, q1)
        # a late document (issue #14): carried by a later settlement, not
        # listed with what q1 settled
        self.assertEqual(late.rebate_accrual_ids.late_settlement_id, q1)
        self.assertEqual(q1.accrual_ids, q1_accruals)
        self.assertEqual((q1.rebate_total, q1.accrued_total), (250.0, 250.0))
        self.assertEqual(late.rebate_accrual_ids.amount, 50.0)

    def _close_and_count(self, count):
        """Queries of a close that settles the year of ``count`` new yearly
        agreements of other_customer, and closes them."""
        agreements = self.env["rebate.agreement"]
        for index in range(count):
            agreements |= self._create_agreement(
                [(0.0, 1.0), (500.0, 2.0)],
                tier_mode="retroactive",
                period="year",
                name=f"Yearly {index}",
                partner_id=self.other_customer.id,
            )
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        settlements = self.Settlement.close_periods("2025-12-31", agreements=agreements)
        self.env.flush_all()
        queries = self.env.cr.sql_log_count - before
        self.assertEqual(len(settlements), count)
        self.assertEqual(set(settlements.mapped("rebate_total")), {16.0})
        self.assertEqual(set(agreements.mapped("state")), {"closed"})
        return queries

    def test_close_query_count(self):
        # 800 reaches the second tier of every agreement: 2 % = 16
        self._create_invoice(
            [(self.product_x, 3, 100.0), (self.product_y, 10, 50.0)],
            partner=self.other_customer,
        )
        self._close_and_count(1)  # warms the ORM caches
        two = self._close_and_count(2)
        six = self._close_and_count(6)
        self.assertEqual(two, six, "closing 6 agreements costs the queries of 2")

    def test_bulk_create_skips_periods_settled_meanwhile(self):
        """A close large enough to be copied (COPY) that meets a period a
        concurrent close settled meanwhile creates all the others, once."""
        settled = self.Settlement.close_periods("2025-03-31", agreements=self.agreement)
        start = fields.Date.to_date("2025-01-01")
        vals_list = [
            {
                "agreement_id": self.agreement.id,
                "partner_id": self.customer.id,
                "company_id": self.env.company.id,
                "currency_id": self.agreement.currency_id.id,
                "date_from": start + timedelta(days=index),
                "date_to": start + timedelta(days=index),
                "base_total": float(index),
                "rebate_total": 1.0,
                "accrued_total": 0.0,
                "state": "draft",
            }
            for index in range(COPY_MIN_ROWS + 1)
        ]
        created = self.Settlement._create_once(vals_list)
        self.assertEqual(len(created), COPY_MIN_ROWS)
        self.assertNotIn(settled.id, created)
        self.assertEqual(settled.base_total, 5000.0)
        self.assertEqual(
            sorted(self.Settlement.browse(created).mapped("base_total")),
            [float(index) for index in range(1, COPY_MIN_ROWS + 1)],
        )
        self.assertEqual(
            self.Settlement.search_count(
                [("agreement_id", "=", self.agreement.id), ("date_from", "=", start)]
            ),
            1,
        )

    def test_cancelled_settlement_lets_go_of_its_accruals(self):
        q1 = self.Settlement.close_periods("2025-03-31", agreements=self.agreement)
        accruals = q1.accrual_ids
        q1.action_cancel()
        self.assertFalse(accruals.settlement_id)
        self.assertEqual(
            self.env["rebate.accrual"].search(
                [
                    ("agreement_id", "=", self.agreement.id),
                    ("settlement_id", "=", False),
                ]
            ),
            self.agreement.accrual_ids,
        )

    def test_settled_invoice_cannot_be_reset(self):
        q1 = self.Settlement.close_periods("2025-03-31", agreements=self.agreement)
        q1.action_approve()
        invoice = q1.accrual_ids.move_id.sorted("invoice_date")[0]
        with self.assertRaisesText(UserError, q1.name):
            invoice.button_draft()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(len(q1.accrual_ids), 3)

    def test_cancel_and_reclose(self):
        q1 = self.Settlement.close_periods("2025-03-31", agreements=self.agreement)
        q1.action_cancel()
        self.assertEqual(q1.state, "cancelled")
        self.assertFalse(q1.accrual_ids)
        with self.assertRaisesText(UserError, "only draft settlements can be approved"):
            q1.action_approve()
        again = self.Settlement.close_periods("2025-03-31", agreements=self.agreement)
        self.assertNotEqual(again, q1)
        self.assertEqual(again.rebate_total, 250.0)
        self.assertEqual(len(again.accrual_ids), 3)

    def test_credit_note_needs_approval(self):
        q1 = self.Settlement.close_periods("2025-03-31", agreements=self.agreement)
        with self.assertRaisesText(UserError, "must be approved"):
            q1.action_create_credit_note()
        self.assertFalse(q1.document_id)

    @freeze_time("2025-07-05")
    def test_done_settlement_cannot_be_cancelled(self):
        q1 = self.Settlement.close_periods("2025-03-31", agreements=self.agreement)
        q1.action_approve()
        q1.action_create_credit_note()
        with self.assertRaises(UserError):
            q1.action_cancel()
        self.assertEqual(q1.state, "done")

    def test_server_action_and_cron(self):
        with freeze_time("2025-04-02"):
            self.agreement.action_close_periods()
            self.assertEqual(self.agreement.settlement_count, 1)
            self.env.ref(
                "rebate_management.ir_cron_rebate_close_periods"
            ).method_direct_trigger()
        self.assertEqual(self.agreement.settlement_count, 1)
        with freeze_time("2025-07-01"):
            self.env["rebate.settlement"]._cron_close_periods()
        self.assertEqual(self.agreement.settlement_count, 2)
