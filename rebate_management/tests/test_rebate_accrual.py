# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import Command, fields
from odoo.tests import Form, tagged

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateAccrual(RebateCommon):
    """Accrual at posting: R(base after) - R(base before) per posted document."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.retro_tiers = [(1000.0, 2.0), (5000.0, 5.0)]

    def _move_accrual(self, agreement, move):
        return sum(
            agreement.accrual_ids.filtered(lambda a: a.move_id == move).mapped("amount")
        )

    def test_retroactive_catch_up_and_refund(self):
        agreement = self._create_agreement(self.retro_tiers, tier_mode="retroactive")
        inv_a = self._create_invoice([(self.product_x, 8, 100.0)], date="2025-01-10")
        self.assertEqual(len(agreement.accrual_ids), 1)
        accrual = agreement.accrual_ids
        self.assertRecordValues(
            accrual,
            [
                {
                    "move_id": inv_a.id,
                    "move_line_id": inv_a.invoice_line_ids.id,
                    "partner_id": self.customer.id,
                    "product_id": self.product_x.id,
                    "base": 800.0,
                    "amount": 0.0,
                    "settlement_id": False,
                }
            ],
        )
        self.assertEqual(str(accrual.period_start), "2025-01-01")
        self.assertEqual(str(accrual.period_end), "2025-03-31")

        # crossing the first threshold: the whole base at 2 %
        inv_b = self._create_invoice([(self.product_x, 4, 100.0)], date="2025-01-20")
        self.assertEqual(self._move_accrual(agreement, inv_b), 24.0)
        # exactly on the second threshold: 5,000 x 5 % = 250, catch-up 226
        inv_c = self._create_invoice([(self.product_x, 38, 100.0)], date="2025-02-01")
        self.assertEqual(self._move_accrual(agreement, inv_c), 226.0)
        # a refund of 100 falls back below: 4,900 x 2 % = 98, accrual -152
        refund = self._create_invoice(
            [(self.product_x, 1, 100.0)], date="2025-02-15", move_type="out_refund"
        )
        refund_accrual = agreement.accrual_ids.filtered(lambda a: a.move_id == refund)
        self.assertEqual(refund_accrual.base, -100.0)
        self.assertEqual(refund_accrual.amount, -152.0)
        self.assertAccrued(agreement, 98.0)
        self.assertEqual(agreement.accrued_amount, 98.0)
        self.assertEqual(agreement.invoice_count, 4)
        self.assertEqual(inv_c.rebate_accrual_ids.amount, 226.0)

    def test_periods_are_separate(self):
        agreement = self._create_agreement(self.retro_tiers, tier_mode="retroactive")
        self._create_invoice([(self.product_x, 8, 100.0)], date="2025-03-31")
        inv_q2 = self._create_invoice([(self.product_x, 8, 100.0)], date="2025-04-01")
        # 800 in each quarter: neither reaches 1,000
        self.assertAccrued(agreement, 0.0)
        self.assertEqual(str(inv_q2.rebate_accrual_ids.period_start), "2025-04-01")
        self.assertEqual(str(inv_q2.rebate_accrual_ids.period_end), "2025-06-30")

    def test_stepped_split_over_lines(self):
        agreement = self._create_agreement(
            [(0.0, 10.0), (100.0, 20.0), (300.0, 30.0)], tier_mode="stepped"
        )
        invoice = self._create_invoice(
            [(self.product_x, 30, 100.0), (self.product_y, 16, 50.0)]
        )
        line_x, line_y = invoice.invoice_line_ids
        accruals = invoice.rebate_accrual_ids
        self.assertEqual(sum(accruals.mapped("amount")), 1100.0)
        # spread in proportion to the lines' bases: 3,000 / 3,800 and 800 / 3,800
        self.assertEqual(
            accruals.filtered(lambda a: a.move_line_id == line_x).amount, 868.42
        )
        self.assertEqual(
            accruals.filtered(lambda a: a.move_line_id == line_y).amount, 231.58
        )
        self.assertEqual(agreement.accrual_count, 2)

    def test_quantity_basis_in_product_unit(self):
        agreement = self._create_agreement([(0.0, 0.5)], basis="quantity")
        invoice = self._create_invoice(
            [(self.product_x, 2, 1200.0, self.uom_dozen), (self.product_y, 6, 50.0)]
        )
        accruals = invoice.rebate_accrual_ids
        # 2 dozen = 24 units of product X, plus 6 units of Y; 0.5 per unit
        self.assertEqual(sorted(accruals.mapped("base")), [6.0, 24.0])
        self.assertAccrued(agreement, 15.0)

    def test_product_scope(self):
        products = self._create_agreement(
            [(0.0, 10.0)],
            name="Products",
            product_ids=[Command.set(self.product_x.ids)],
        )
        categories = self._create_agreement(
            [(0.0, 10.0)],
            name="Categories",
            product_categ_ids=[Command.set(self.categ_parent.ids)],
            excluded_product_ids=[Command.set(self.product_y.ids)],
        )
        everything = self._create_agreement([(0.0, 10.0)], name="All products")
        self._create_invoice(
            [
                (self.product_x, 1, 100.0),
                (self.product_y, 1, 50.0),
                (self.product_z, 1, 10.0),
            ]
        )
        self.assertEqual(products.accrual_ids.product_id, self.product_x)
        # product X is in a child category of the agreement's category; Y is
        # excluded; Z is in another category
        self.assertEqual(categories.accrual_ids.product_id, self.product_x)
        self.assertAccrued(categories, 10.0)
        self.assertEqual(
            everything.accrual_ids.product_id,
            self.product_x + self.product_y + self.product_z,
        )
        self.assertAccrued(everything, 16.0)
        # Posting joins the scope; the period close and a rebuild hash it:
        # the same lines count either way.
        agreements = products + categories + everything
        quarter = (fields.Date.to_date("2025-01-01"), fields.Date.to_date("2025-03-31"))
        self.assertEqual(
            self.env["rebate.line.query"]._get_period_bases(
                [(a.id, *quarter) for a in agreements]
            ),
            {
                (products.id, quarter[0]): 100.0,
                (categories.id, quarter[0]): 100.0,
                (everything.id, quarter[0]): 160.0,
            },
        )
        accrued = {a: sorted(a.accrual_ids.mapped("base")) for a in agreements}
        agreements.action_recompute_accruals()
        for agreement in agreements:
            self.assertEqual(
                sorted(agreement.accrual_ids.mapped("base")), accrued[agreement]
            )

    def test_child_contact_counts_other_customer_does_not(self):
        agreement = self._create_agreement([(0.0, 2.0)])
        self._create_invoice(
            [(self.product_x, 10, 100.0)], partner=self.customer_contact
        )
        self._create_invoice([(self.product_x, 10, 100.0)], partner=self.other_customer)
        self.assertEqual(agreement.accrual_ids.partner_id, self.customer_contact)
        self.assertAccrued(agreement, 20.0)

    def test_outside_dates_and_drafts_do_not_count(self):
        agreement = self._create_agreement([(0.0, 2.0)])
        self._create_invoice([(self.product_x, 10, 100.0)], date="2024-12-31")
        self._create_invoice([(self.product_x, 10, 100.0)], date="2026-01-01")
        self._create_invoice([(self.product_x, 10, 100.0)], post=False)
        self.assertFalse(agreement.accrual_ids)

    def test_foreign_currency_converted_at_invoice_date(self):
        eur = self.setup_other_currency(
            "EUR", rates=[("2025-01-01", 2.0), ("2025-03-01", 4.0)]
        )
        agreement = self._create_agreement([(0.0, 2.0)])
        jan = self._create_invoice(
            [(self.product_x, 10, 100.0)], currency=eur, date="2025-01-15"
        )
        mar = self._create_invoice(
            [(self.product_x, 10, 100.0)], currency=eur, date="2025-03-15"
        )
        # 1,000 EUR at 2 EUR per USD is 500 USD; at 4 it is 250 USD
        self.assertEqual(jan.rebate_accrual_ids.base, 500.0)
        self.assertEqual(jan.rebate_accrual_ids.amount, 10.0)
        self.assertEqual(mar.rebate_accrual_ids.base, 250.0)
        self.assertEqual(mar.rebate_accrual_ids.amount, 5.0)
        self.assertEqual(
            agreement.accrual_ids.currency_id, self.env.company.currency_id
        )

    def test_reset_to_draft_and_cancel_take_effect_back(self):
        agreement = self._create_agreement(self.retro_tiers, tier_mode="retroactive")
        inv_a = self._create_invoice([(self.product_x, 8, 100.0)], date="2025-01-10")
        inv_b = self._create_invoice([(self.product_x, 4, 100.0)], date="2025-01-20")
        self.assertAccrued(agreement, 24.0)

        inv_a.button_draft()
        self.assertFalse(inv_a.rebate_accrual_ids)
        # 400 left: below the first threshold, the period owes nothing
        self.assertAccrued(agreement, 0.0)
        self.assertEqual(inv_b.rebate_accrual_ids.base, 400.0)

        inv_a.action_post()
        self.assertAccrued(agreement, 24.0)
        self.assertEqual(self._move_accrual(agreement, inv_a), 24.0)

        inv_b.button_cancel()
        self.assertEqual(inv_b.state, "cancel")
        self.assertFalse(inv_b.rebate_accrual_ids)
        self.assertAccrued(agreement, 0.0)

    def test_batch_posting_equals_one_by_one(self):
        batch = self._create_agreement(
            self.retro_tiers, tier_mode="retroactive", name="Batch"
        )
        single = self._create_agreement(
            self.retro_tiers,
            tier_mode="retroactive",
            name="One by one",
            partner_id=self.other_customer.id,
        )
        amounts = [(800.0, "2025-02-01"), (400.0, "2025-02-02"), (3800.0, "2025-02-03")]
        batch_moves = self.env["account.move"]
        for amount, date in amounts:
            batch_moves |= self._create_invoice(
                [(self.product_x, 1, amount)], date=date, post=False
            )
        batch_moves.action_post()
        single_moves = [
            self._create_invoice(
                [(self.product_x, 1, amount)], date=date, partner=self.other_customer
            )
            for amount, date in amounts
        ]
        self.assertEqual(
            [self._move_accrual(batch, move) for move in batch_moves],
            [self._move_accrual(single, move) for move in single_moves],
        )
        self.assertEqual(
            [self._move_accrual(batch, move) for move in batch_moves], [0, 24, 226]
        )

    def test_activation_and_recompute_accrue_history(self):
        moves = [
            self._create_invoice([(self.product_x, 8, 100.0)], date="2025-01-10"),
            self._create_invoice([(self.product_x, 4, 100.0)], date="2025-01-20"),
            self._create_invoice(
                [(self.product_x, 1, 100.0)], date="2025-04-15", move_type="out_refund"
            ),
        ]
        agreement = self._create_agreement(self.retro_tiers, tier_mode="retroactive")
        expected = [0.0, 24.0, 0.0]
        self.assertEqual([self._move_accrual(agreement, m) for m in moves], expected)
        self.assertEqual(len(agreement.accrual_ids), 3)

        agreement.accrual_ids.sudo().unlink()
        agreement.action_recompute_accruals()
        self.assertEqual([self._move_accrual(agreement, m) for m in moves], expected)
        self.assertEqual(
            sorted(agreement.accrual_ids.mapped("base")), [-100.0, 400.0, 800.0]
        )
        # rebuilding twice gives the same rows, not twice as many
        agreement.action_recompute_accruals()
        self.assertEqual(len(agreement.accrual_ids), 3)

    def test_draft_agreement_does_not_accrue(self):
        agreement = self._create_agreement([(0.0, 2.0)], activate=False)
        self._create_invoice([(self.product_x, 10, 100.0)])
        self.assertFalse(agreement.accrual_ids)

    def test_second_company_ignored(self):
        agreement = self._create_agreement([(0.0, 2.0)])
        company_2 = self.setup_other_company(name="Rebate Company 2")["company"]
        invoice = self._create_invoice([(self.product_x, 10, 100.0)], company=company_2)
        self.assertEqual(invoice.company_id, company_2)
        self.assertFalse(invoice.rebate_accrual_ids)
        self.assertFalse(agreement.accrual_ids)

    def test_invoice_through_the_form(self):
        agreement = self._create_agreement([(0.0, 3.0)])
        move_form = Form(
            self.env["account.move"].with_context(default_move_type="out_invoice")
        )
        move_form.partner_id = self.customer
        move_form.invoice_date = "2025-05-05"
        with move_form.invoice_line_ids.new() as line:
            line.product_id = self.product_x
            line.quantity = 3
        invoice = move_form.save()
        invoice.action_post()
        self.assertEqual(invoice.rebate_accrual_ids.base, 300.0)
        self.assertAccrued(agreement, 9.0, period_start="2025-04-01")


@tagged("post_install", "-at_install")
class TestRebatePostingCost(RebateCommon):
    """The queries the module adds to posting do not grow with the invoice's
    lines, nor with the agreements that do not apply to it.

    Core posting itself costs the same for 1 or 20 lines too, but its count
    wobbles by a query as ORM caches warm up, so the module's share is counted
    on its own: the queries run by the accrual hook during a real posting,
    after core's pending writes are flushed.
    """

    def test_query_count(self):
        no_agreement, _move = self._post_and_count(self.other_customer, 20)
        # one query finds that nothing applies
        self.assertEqual(no_agreement, 1)

        for rate in (1.0, 2.0, 3.0, 4.0, 5.0):
            self._create_agreement([(0.0, rate)], name=f"{rate} %")
        # the first accrual ever created fills ORM caches (field defaults)
        self._post_and_count(self.customer, 1)
        one_line, inv_1 = self._post_and_count(self.customer, 1)
        twenty_lines, inv_20 = self._post_and_count(self.customer, 20)
        self.assertEqual(len(inv_1.rebate_accrual_ids), 5)
        self.assertEqual(len(inv_20.rebate_accrual_ids), 100)
        self.assertAlmostEqual(sum(inv_20.rebate_accrual_ids.mapped("amount")), 328.5)
        self.assertEqual(
            one_line, twenty_lines, "accruing 20 lines costs the queries of 1 line"
        )
        # at most 5 more queries than posting with no applicable agreement
        self.assertLessEqual(twenty_lines - no_agreement, 5)

        # agreements that do not apply (other customers', or restricted to
        # other products) cost nothing
        for i in range(5):
            self._create_agreement(
                [(0.0, 1.0)],
                name=f"Other {i}",
                partner_id=self.other_customer.id,
                product_ids=[Command.set(self.product_y.ids)],
            )
        not_applying, inv = self._post_and_count(self.other_customer, 20)
        self.assertFalse(inv.rebate_accrual_ids)
        self.assertEqual(not_applying, no_agreement)
