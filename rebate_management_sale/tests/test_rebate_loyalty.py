# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from io import BytesIO
from xmlrpc.client import Fault

from freezegun import freeze_time
from openpyxl import load_workbook

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.rebate_management.tests.common import RebateHttpMixin

from .common import RebateSaleCommon


class RebateLoyaltyCommon(RebateSaleCommon):
    """A loyalty program that earns nothing on orders (its points come from
    rebates only), with a reward of 1 point = 1 unit, at most 500 per
    order; a coupon program worth its points (a discount per point)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Program = cls.env["loyalty.program"]
        cls.points_program = Program.create(
            {
                "name": "Rebate Points",
                "program_type": "loyalty",
                "trigger": "auto",
                "applies_on": "both",
                "rule_ids": [Command.clear()],
                "reward_ids": cls._per_point_reward(discount_max_amount=500.0),
            }
        )
        cls.coupon_program = Program.create(
            {
                "name": "Rebate Coupons",
                "program_type": "coupons",
                "trigger": "with_code",
                "applies_on": "current",
                "rule_ids": [Command.clear()],
                "reward_ids": cls._per_point_reward(),
                "communication_plan_ids": [
                    Command.clear(),
                    Command.create(
                        {
                            "trigger": "create",
                            "mail_template_id": cls.env.ref(
                                "loyalty.mail_template_loyalty_card"
                            ).id,
                        }
                    ),
                ],
            }
        )
        cls.no_tax = cls.env["account.tax"]

    @classmethod
    def _per_point_reward(cls, **vals):
        """A program's rewards: one discount of 1 a point on the order."""
        return [
            Command.clear(),
            Command.create(
                {
                    "reward_type": "discount",
                    "discount_mode": "per_point",
                    "discount": 1.0,
                    "required_points": 1.0,
                    "discount_applicability": "order",
                    **vals,
                }
            ),
        ]

    @classmethod
    def _settle_loyalty(cls, program, payout_method="points", **vals):
        """An agreement of cls.customer paid in ``payout_method`` on
        ``program``, 12,345.60 invoiced in Q1 2025 at 10 %: a rebate of
        1,234.56, settled and paid out on 10 April 2025. The settlement."""
        agreement = cls._create_agreement(
            [(0.0, 10.0)],
            payout_method=payout_method,
            loyalty_program_id=program.id,
            **vals,
        )
        cls._create_invoice([(cls.product_x, 1, 12345.60)], date="2025-02-10")
        with freeze_time("2025-04-10"):
            return cls._settle(agreement, "2025-03-31")

    def _card(self, program):
        return self.env["loyalty.card"].search(
            [("program_id", "=", program.id), ("partner_id", "=", self.customer.id)]
        )

    def _statement_texts(self, settlement):
        sheet = load_workbook(BytesIO(settlement._get_statement_xlsx())).active
        return [cell.value for row in sheet.iter_rows() for cell in row if cell.value]


@tagged("post_install", "-at_install")
class TestRebatePoints(RebateLoyaltyCommon):
    """Points (积分), the README's example: 1,234.56 at 1 point per unit is
    1,234 points; a reward of 1 point = 1 unit, at most 500, on an order of
    3,000 takes 500 off and leaves 734 points."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.settlement = cls._settle_loyalty(cls.points_program)
        cls.agreement = cls.settlement.agreement_id

    def test_points_added_with_a_history_row(self):
        settlement = self.settlement
        self.assertAlmostEqual(settlement.rebate_total, 1234.56)
        self.assertEqual(settlement.state, "done")
        self.assertFalse(settlement.document_id)  # the card is the record
        self.assertEqual(settlement.loyalty_points, 1234.0)
        card = self._card(self.points_program)
        self.assertEqual(len(card), 1)
        self.assertRecordValues(card, [{"points": 1234.0, "rebate_funded": True}])
        self.assertRecordValues(
            card.history_ids,
            [
                {
                    "description": f"Rebate {settlement.name}",
                    "issued": 1234.0,
                    "used": 0.0,
                    "order_model": "rebate.settlement",
                    "order_id": settlement.id,
                }
            ],
        )
        self.assertIn(
            "Added to your loyalty card: 1234 points", self._statement_texts(settlement)
        )

    def test_one_payout_one_card_per_customer(self):
        """Two settlements of a customer without a card, paid out in one
        call: one card made, both rows of history, the points added up."""
        agreements = self.env["rebate.agreement"]
        for rate in (1.0, 2.0):
            agreements |= self._create_agreement(
                [(0.0, rate)],
                name=f"Points {rate:g} %",
                partner_id=self.other_customer.id,
                payout_method="points",
                loyalty_program_id=self.points_program.id,
            )
        self._create_invoice(
            [(self.product_x, 1, 1000.0)],
            date="2025-02-10",
            partner=self.other_customer,
        )
        with freeze_time("2025-04-10"):
            settlements = self.env["rebate.settlement"].close_periods(
                "2025-03-31", agreements=agreements
            )
            settlements.action_approve()
            settlements.action_create_credit_note()
        card = self.env["loyalty.card"].search(
            [("partner_id", "=", self.other_customer.id)]
        )
        self.assertEqual(len(card), 1)
        self.assertEqual(card.points, 30.0)
        self.assertEqual(sorted(card.history_ids.mapped("issued")), [10.0, 20.0])
        self.assertEqual(sorted(settlements.mapped("loyalty_points")), [10.0, 20.0])

    def test_points_per_unit_of_the_program(self):
        """A program earning 0.5 point per unit spent: 617 points (617.28
        rounded down), added to the same card."""
        self.points_program.rule_ids = [
            Command.create({"reward_point_mode": "money", "reward_point_amount": 0.5})
        ]
        self.assertEqual(self.agreement._get_points_per_unit(), 0.5)
        self.assertEqual(self.agreement._get_rebate_points(1234.56), 617.0)
        self.assertEqual(self.agreement._get_rebate_points(-0.4), -0.0)

    @freeze_time("2025-05-05")
    def test_worked_example_spent_on_an_order(self):
        """500 off an order of 3,000, 734 points left; the invoice's discount
        counts toward no rebate base: Q2 accrues 10 % of the 3,000."""
        card = self._card(self.points_program)
        order = self._create_order([(self.product_z, 30, 100.0, self.no_tax)])
        status = order._apply_program_reward(self.points_program.reward_ids, card)
        self.assertEqual(status, {})
        reward = order.order_line.filtered("reward_id")
        self.assertAlmostEqual(sum(reward.mapped("price_subtotal")), -500.0)
        self.assertAlmostEqual(order.amount_total, 2500.0)
        # the quotation's outlook counts the goods, not the points' discount
        outlook = order._get_rebate_outlook()
        self.assertAlmostEqual(outlook[0]["added"], 3000.0)
        self.assertAlmostEqual(outlook[0]["rebate_after"], 300.0)
        order.action_confirm()
        self.assertEqual(card.points, 734.0)
        invoice = order._create_invoices()
        invoice.action_post()
        discount = invoice.invoice_line_ids.filtered("is_rebate_deduction")
        self.assertRecordValues(
            discount,
            [
                {
                    "rebate_deduction_kind": "loyalty",
                    "price_subtotal": -500.0,
                    "account_id": reward.product_id._get_product_accounts()[
                        "income"
                    ].id,
                }
            ],
        )
        self.assertAlmostEqual(invoice.amount_total, 2500.0)
        self.assertAccrued(self.agreement, 300.0, period_start="2025-04-01")
        # the balance ledger is not touched by a loyalty discount
        self.assertFalse(self.env["rebate.balance.debit"].search([]))

    def test_claw_back_taken_from_the_points(self):
        """Q1's sales refunded in Q2: a claw-back of 1,234.56, worth more
        than the card's 1,234 points: all of them are taken back and the
        0.56 left is invoiced, with the rebate product's tax."""
        self._create_invoice(
            [(self.product_x, 1, 12345.60)], date="2025-05-05", move_type="out_refund"
        )
        with freeze_time("2026-01-10"):
            negative = self.env["rebate.settlement"].close_periods(
                "2025-06-30", agreements=self.agreement
            )
            self.assertAlmostEqual(negative.rebate_total, -1234.56)
            negative.action_approve()
            negative.action_create_credit_note()
        card = self._card(self.points_program)
        self.assertEqual(card.points, 0.0)
        self.assertEqual(negative.loyalty_points, -1234.0)
        self.assertRecordValues(
            card.history_ids.filtered(lambda h: h.order_id == negative.id),
            [{"issued": 0.0, "used": 1234.0, "order_model": "rebate.settlement"}],
        )
        invoice = negative.document_id
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.state, "posted")
        self.assertAlmostEqual(invoice.amount_untaxed, 0.56)
        self.assertAlmostEqual(invoice.amount_total, 0.64)  # 15 % of 0.56
        self.assertIn(
            f"Taken back from your loyalty points: 1234 points; invoiced: "
            f"$\xa00.64 ({invoice.name})",
            self._statement_texts(negative),
        )

    def test_claw_back_covered_by_the_points(self):
        """A claw-back of 123.46 (a tenth of Q1 refunded): the card holds
        it, nothing is invoiced."""
        self._create_invoice(
            [(self.product_x, 1, 1234.60)], date="2025-05-05", move_type="out_refund"
        )
        with freeze_time("2026-01-10"):
            negative = self.env["rebate.settlement"].close_periods(
                "2025-06-30", agreements=self.agreement
            )
            self.assertAlmostEqual(negative.rebate_total, -123.46)
            negative.action_approve()
            negative.action_create_credit_note()
        self.assertEqual(negative.state, "done")
        self.assertFalse(negative.document_id)
        self.assertAlmostEqual(self._card(self.points_program).points, 1110.54)

    def test_program_required_and_of_the_right_type(self):
        with self.assertRaisesText(
            ValidationError, "choose a program of type Loyalty Cards"
        ):
            self._create_agreement([(0.0, 1.0)], payout_method="points")
        with self.assertRaisesText(
            ValidationError, "choose a program of type Loyalty Cards"
        ):
            self.agreement.loyalty_program_id = self.coupon_program
        other = self.env["loyalty.program"].create(
            {
                "name": "Other Company Points",
                "program_type": "loyalty",
                "company_id": self.setup_other_company(name="Points Co 2")[
                    "company"
                ].id,
            }
        )
        with self.assertRaises(ValidationError):
            self.agreement.loyalty_program_id = other
        self.assertEqual(self.agreement.loyalty_program_id, self.points_program)


@tagged("post_install", "-at_install")
class TestRebateCoupon(RebateLoyaltyCommon):
    """A coupon (优惠券): a card of the agreement's coupon program worth the
    rebate, valid for the agreement's validity, mailed through the queue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.settlement = cls._settle_loyalty(
            cls.coupon_program, payout_method="coupon", balance_validity_months=6
        )

    def test_coupon_worth_the_rebate(self):
        settlement = self.settlement
        coupon = settlement.loyalty_card_ids
        self.assertEqual(settlement.state, "done")
        self.assertFalse(settlement.document_id)
        self.assertRecordValues(
            coupon,
            [
                {
                    "program_id": self.coupon_program.id,
                    "partner_id": self.customer.id,
                    "points": 1234.56,
                    "rebate_settlement_id": settlement.id,
                    "rebate_funded": True,
                }
            ],
        )
        self.assertEqual(str(coupon.expiration_date), "2025-10-09")
        self.assertRecordValues(
            coupon.history_ids,
            [{"issued": 1234.56, "order_model": "rebate.settlement"}],
        )
        self.assertIn(
            f"Given as coupon {coupon.code}, worth $\xa01,234.56, valid until "
            "10/09/2025",
            self._statement_texts(settlement),
        )

    def test_coupon_mailed_through_the_queue(self):
        coupon = self.settlement.loyalty_card_ids
        mail = self.env["mail.mail"].search(
            [("model", "=", "loyalty.card"), ("res_id", "=", coupon.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing")
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertEqual(mail.subject, f"Your rebate coupon {coupon.code}")
        self.assertIn("rebates@company.example.com", mail.email_from)
        self.assertIn(coupon.code, mail.body_html)
        self.assertIn("worth <strong>$\xa01,234.56</strong>", mail.body_html)
        self.assertIn("valid until 10/09/2025", mail.body_html)
        self.assertFalse(mail.attachment_ids)  # no PDF to render at payout

    def test_program_without_a_mail_still_mails(self):
        """The coupon mail is this addon's, whatever the program's plan (the
        program of setUpClass has one at creation: still one mail)."""
        self.coupon_program.communication_plan_ids = [Command.clear()]
        settlement = self._settle_loyalty(
            self.coupon_program, payout_method="coupon", name="Second"
        )
        coupon = settlement.loyalty_card_ids
        self.assertEqual(len(coupon), 1, (settlement.state, settlement.rebate_total))
        self.assertFalse(coupon.expiration_date)
        mail = self.env["mail.mail"].search(
            [("model", "=", "loyalty.card"), ("res_id", "=", coupon.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing")

    def test_gift_coupon_for_a_product(self):
        """A coupon program whose reward is a free product: one use of it."""
        self.coupon_program.reward_ids = [
            Command.clear(),
            Command.create(
                {
                    "reward_type": "product",
                    "reward_product_id": self.product_y.id,
                    "required_points": 1.0,
                }
            ),
        ]
        settlement = self._settle_loyalty(
            self.coupon_program, payout_method="coupon", name="Gift"
        )
        self.assertEqual(settlement.loyalty_card_ids.points, 1.0)

    def test_program_needs_a_reward_worth_an_amount(self):
        self.coupon_program.reward_ids = [
            Command.clear(),
            Command.create(
                {"reward_type": "discount", "discount_mode": "percent", "discount": 10}
            ),
        ]
        with self.assertRaisesText(ValidationError, "discount per point"):
            self._create_agreement(
                [(0.0, 1.0)],
                payout_method="coupon",
                loyalty_program_id=self.coupon_program.id,
            )
        with self.assertRaisesText(ValidationError, "type Coupons or Gift Card"):
            self._create_agreement(
                [(0.0, 1.0)],
                payout_method="coupon",
                loyalty_program_id=self.points_program.id,
            )


@tagged("post_install", "-at_install")
class TestRebateLoyaltyAccess(RebateLoyaltyCommon, HttpCase, RebateHttpMixin):
    """An accountant without Sales pays points and coupons out; nobody marks
    a card as funded by rebates by hand (a plain write or XML-RPC); the
    customer reads its own cards on /my/rebates, another customer none."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = cls._create_rebate_user("pts_acc", "group_rebate_accountant")
        cls.seller = new_test_user(
            cls.env,
            login="pts_seller",
            password="pts_seller-pass",
            groups="base.group_user,sales_team.group_sale_salesman,"
            "rebate_management.group_rebate_user",
        )
        cls._create_portal_user("pts_portal_own", cls.customer_contact)
        cls._create_portal_user("pts_portal_other", cls.other_customer)

    def _approved(self, program, payout_method, invoice=True):
        """An approved settlement of 1,234.56 of a new agreement on the
        customer's Q1 (with a new invoice of 12,345.60, or the one made)."""
        agreement = self._create_agreement(
            [(0.0, 10.0)], payout_method=payout_method, loyalty_program_id=program.id
        )
        if invoice:
            self._create_invoice([(self.product_x, 1, 12345.60)], date="2025-02-10")
        with freeze_time("2025-04-10"):
            settlement = self.env["rebate.settlement"].close_periods(
                "2025-03-31", agreements=agreement
            )
            settlement.action_approve()
        return settlement

    def test_accountant_without_sales_pays_out(self):
        points = self._approved(self.points_program, "points")
        coupon = self._approved(self.coupon_program, "coupon", invoice=False)
        with freeze_time("2025-04-10"):
            (points | coupon).with_user(self.accountant).action_create_credit_note()
        self.assertEqual(self._card(self.points_program).points, 1234.0)
        self.assertAlmostEqual(coupon.loyalty_card_ids.points, 1234.56)
        # the accountant reads what the settlements gave, history included
        card = coupon.with_user(self.accountant).loyalty_card_ids
        self.assertEqual(card.code, coupon.loyalty_card_ids.code)
        self.assertEqual(
            card.history_ids.read(["description"])[0]["description"],
            f"Rebate {coupon.name}",
        )

    def test_nobody_marks_a_card_by_hand(self):
        card = self.env["loyalty.card"].create(
            {"program_id": self.points_program.id, "partner_id": self.customer.id}
        )
        with self.assertRaisesText(UserError, "Only a rebate settlement's payout"):
            card.with_user(self.seller).write({"rebate_funded": True})
        with self.assertRaisesText(UserError, "Only a rebate settlement's payout"):
            card.write({"rebate_funded": True})  # an accounting manager either
        with self.assertRaises(Fault) as capture:
            self._call(
                self.seller, "loyalty.card", "write", [card.id], {"rebate_funded": True}
            )
        self.assertIn(
            "Only a rebate settlement's payout", capture.exception.faultString
        )
        self.assertFalse(card.rebate_funded)

    def _page(self, login):
        self.authenticate(login, f"{login}-pass")
        response = self.url_open("/my/rebates")
        self.assertEqual(response.status_code, 200)
        return response.text

    def test_customer_sees_its_points_and_coupons(self):
        points = self._approved(self.points_program, "points")
        coupon = self._approved(self.coupon_program, "coupon", invoice=False)
        with freeze_time("2025-04-10"):
            (points | coupon).action_create_credit_note()
        code = coupon.loyalty_card_ids.code
        page = self._page("pts_portal_own")
        self.assertIn("o_rebate_loyalty_cards", page)
        self.assertIn(code, page)
        self.assertIn(f"Rebate {points.name}", page)
        self.assertIn("1234", page)
        other = self._page("pts_portal_other")
        self.assertNotIn("o_rebate_loyalty_cards", other)
        self.assertNotIn(code, other)
