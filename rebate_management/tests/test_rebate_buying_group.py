# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from io import BytesIO

from openpyxl import load_workbook

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import RebateCommon


class BuyingGroupCommon(RebateCommon):
    """Three member companies and the helpers of the buying group tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.member_a, cls.member_b, cls.member_c = (
            Partner.create({"name": f"Member {x}", "is_company": True}) for x in "ABC"
        )
        # the rebate product untaxed: a document's total is its share
        cls.rebate_product.taxes_id = False
        cls.bank_journal = cls.company_data["default_journal_bank"]

    def _create_group(self, members=None, activate=True, **vals):
        members = members or [
            {"partner_id": m.id} for m in (self.member_a, self.member_b, self.member_c)
        ]
        vals.setdefault("tier_mode", "retroactive")
        return self._create_agreement(
            vals.pop("tiers", [(50000.0, 2.0), (100000.0, 3.0)]),
            activate=activate,
            name=vals.pop("name", "Cooperative"),
            member_ids=[Command.create(m) for m in members],
            **vals,
        )

    def _sell_example(self, date="2025-02-10"):
        self._sell_to(self.member_a, 60000.0, date)
        self._sell_to(self.member_b, 30000.0, date)
        self._sell_to(self.member_c, 10000.0, date)

    def _shares(self, settlement):
        return {
            share.partner_id: (share.amount, share.amount_forfeited)
            for share in settlement.share_ids
        }

    def _statement_rows(self, settlement):
        sheet = load_workbook(BytesIO(settlement._get_statement_xlsx())).active
        return [
            [cell.value for cell in row if cell.value is not None]
            for row in sheet.iter_rows()
        ]


@tagged("post_install", "-at_install")
class TestRebateBuyingGroup(BuyingGroupCommon):
    """Buying groups (issue #26, part 2), the README's example: retroactive,
    2 % from 50,000, 3 % from 100,000, one quarter; members A 60,000, B
    30,000, C 10,000: pooled 100,000 -> 3,000, split A 1,800, B 900, C 300
    (each alone would have earned 1,200, 0 and 0)."""

    def test_pooled_base_reaches_the_tier_and_splits(self):
        group = self._create_group(group_payout="members")
        self._sell_example()
        # each posting accrues on the pooled base: 1,200 at 60,000, then 3,000
        self.assertAccrued(group, 3000.0)
        q1 = self._close("2025-03-31", group)
        self.assertRecordValues(
            q1,
            [
                {
                    "partner_id": self.customer.id,
                    "base_total": 100000.0,
                    "rebate_total": 3000.0,
                    "share_forfeited": 0.0,
                }
            ],
        )
        self.assertEqual(
            self._shares(q1),
            {
                self.member_a: (1800.0, 0.0),
                self.member_b: (900.0, 0.0),
                self.member_c: (300.0, 0.0),
            },
        )
        self.assertEqual(q1.share_ids.mapped("base"), [60000.0, 30000.0, 10000.0])
        self.assertEqual(q1.share_ids.mapped("base_percent"), [60.0, 30.0, 10.0])
        self._approve_and_pay(q1)
        self.assertEqual(q1.state, "done")
        self.assertFalse(q1.document_id)
        documents = q1.share_ids.document_id
        self.assertRecordValues(
            documents.sorted("amount_total", reverse=True),
            [
                {
                    "move_type": "out_refund",
                    "partner_id": partner.id,
                    "amount_total": amount,
                    "state": "posted",
                    "rebate_settlement_id": q1.id,
                }
                for partner, amount in (
                    (self.member_a, 1800.0),
                    (self.member_b, 900.0),
                    (self.member_c, 300.0),
                )
            ],
        )
        # the rebate's own documents never count
        self.assertAccrued(group, 3000.0)
        # the head is told the rebate is split, not credited to it
        statement = q1.message_ids.filtered(
            lambda m: m.subject and "statement" in m.subject
        )
        self.assertEqual(statement.partner_ids, self.customer)
        self.assertIn("split among the group's members", statement.body)
        self.assertIn(
            "Member added: Member A", "".join(group.message_ids.mapped("body"))
        )

    def test_each_alone_would_earn_less(self):
        alone = {}
        for member, amount in (
            (self.member_a, 60000.0),
            (self.member_b, 30000.0),
            (self.member_c, 10000.0),
        ):
            agreement = self._create_agreement(
                [(50000.0, 2.0), (100000.0, 3.0)],
                tier_mode="retroactive",
                partner_id=member.id,
            )
            self._sell_to(member, amount)
            alone[member] = self._close("2025-03-31", agreement).rebate_total
        self.assertEqual(
            alone, {self.member_a: 1200.0, self.member_b: 0.0, self.member_c: 0.0}
        )

    def test_member_min_base_forfeits_the_share(self):
        group = self._create_group(group_payout="members", member_min_base=15000.0)
        self._sell_example()
        q1 = self._close("2025-03-31", group)
        self.assertEqual(q1.rebate_total, 3000.0)
        self.assertEqual(q1.share_forfeited, 300.0)
        self.assertEqual(
            self._shares(q1),
            {
                self.member_a: (1800.0, 0.0),
                self.member_b: (900.0, 0.0),
                self.member_c: (0.0, 300.0),
            },
        )
        self._approve_and_pay(q1)
        self.assertEqual(
            q1.share_ids.document_id.partner_id, self.member_a | self.member_b
        )
        self.assertEqual(sum(q1.share_ids.document_id.mapped("amount_total")), 2700.0)
        # the statement shows every share, the forfeited one and the documents
        rows = self._statement_rows(q1)
        heading = rows.index(
            ["Split among the members, by their share of the group's base"]
        )
        self.assertEqual(
            [row[:7] for row in rows[heading + 2 : heading + 5]],
            [
                ["Member A", 60000.0, 60.0, 1800.0, 0.0, 0.0, 1800.0],
                ["Member B", 30000.0, 30.0, 900.0, 0.0, 0.0, 900.0],
                ["Member C", 10000.0, 10.0, 0.0, 0.0, 300.0, 0.0],
            ],
        )
        a_share = q1.share_ids.filtered(lambda s: s.partner_id == self.member_a)
        self.assertEqual(rows[heading + 2][7], a_share.document_id.name)
        self.assertIn(["Split among the members: a document per share (above)"], rows)
        # paid out, it is undone by reversing its documents, not cancelled
        with self.assertRaisesText(UserError, "reverse the document instead"):
            q1.action_cancel()
        self.assertEqual(q1.state, "done")

    def test_the_cent_goes_to_the_largest_share(self):
        # flat 1 %: three equal members of 33,333.33 -> 1,000.00 (999.9999)
        group = self._create_group(group_payout="members", tiers=[(0.0, 1.0)])
        for member in (self.member_a, self.member_b, self.member_c):
            self._sell_to(member, 33333.33)
        q1 = self._close("2025-03-31", group)
        self.assertEqual(q1.rebate_total, 1000.0)
        self.assertEqual(
            q1.share_ids.sorted("id").mapped("amount"), [333.34, 333.33, 333.33]
        )
        self.assertEqual(q1.share_ids.sorted("id").partner_id[0], self.member_a)

    def test_head_payout_pays_the_head(self):
        group = self._create_group()
        self._sell_to(self.customer, 10000.0)
        self._sell_example()
        q1 = self._close("2025-03-31", group)
        # 110,000 at 3 %; the head's own invoices count too
        self.assertEqual(q1.rebate_total, 3300.0)
        self.assertEqual(
            {s.partner_id: s.amount for s in q1.share_ids},
            {
                self.member_a: 1800.0,
                self.member_b: 900.0,
                self.customer: 300.0,
                self.member_c: 300.0,
            },
        )
        self.assertTrue(q1.share_ids.filtered("is_head").partner_id == self.customer)
        self._approve_and_pay(q1)
        self.assertRecordValues(
            q1.document_id,
            [{"partner_id": self.customer.id, "amount_total": 3300.0}],
        )
        self.assertFalse(q1.share_ids.document_id)

    def test_membership_dates(self):
        group = self._create_group(
            members=[
                {"partner_id": self.member_a.id},
                {"partner_id": self.member_c.id, "date_from": "2025-02-01"},
            ],
            tiers=[(0.0, 1.0)],
        )
        self._sell_to(self.member_c, 5000.0, "2025-01-20")  # not yet a member
        self._sell_to(self.member_c, 7000.0, "2025-02-10")
        self._sell_to(self.member_b, 9000.0)  # never a member
        self._sell_to(self.member_a, 1000.0)
        self.assertAccrued(group, 80.0)
        q1 = self._close("2025-03-31", group)
        self.assertEqual(q1.base_total, 8000.0)
        self.assertEqual(
            {s.partner_id: s.base for s in q1.share_ids},
            {self.member_c: 7000.0, self.member_a: 1000.0},
        )

    def test_interim_settlements_split_to_date(self):
        """Yearly tiers settled every quarter: Q1 A 60,000 -> 1,200, all A's;
        Q2 B 30,000 and C 10,000 -> 3,000 to date less 1,200: A 600, B 900,
        C 300."""
        group = self._create_group(
            group_payout="members", period="year", settlement_period="quarter"
        )
        self._sell_to(self.member_a, 60000.0)
        q1 = self._approve_and_pay(self._close("2025-03-31", group))
        self.assertEqual(self._shares(q1), {self.member_a: (1200.0, 0.0)})
        self._sell_to(self.member_b, 30000.0, "2025-05-10")
        self._sell_to(self.member_c, 10000.0, "2025-05-10")
        q2 = self._close("2025-06-30", group)
        self.assertRecordValues(
            q2, [{"base_cumulative": 100000.0, "rebate_previous": 1200.0}]
        )
        self.assertEqual(q2.rebate_total, 1800.0)
        self.assertEqual(
            self._shares(q2),
            {
                self.member_a: (600.0, 0.0),
                self.member_b: (900.0, 0.0),
                self.member_c: (300.0, 0.0),
            },
        )
        self.assertEqual(q2.share_ids.mapped("base"), [60000.0, 30000.0, 10000.0])
        # recomputing the draft writes the same shares
        q2.action_recompute()
        self.assertEqual(self._shares(q2)[self.member_a], (600.0, 0.0))

    def test_late_refund_of_a_member_is_its_own(self):
        """Q1 paid (1,800 / 900 / 300); B refunds 5,000 of February after:
        R(95,000) - R(100,000) = -1,100, carried into Q2 and B's alone."""
        group = self._create_group(group_payout="members")
        self._sell_example()
        self._approve_and_pay(self._close("2025-03-31", group))
        refund = self._sell_to(
            self.member_b, 5000.0, "2025-02-20", move_type="out_refund"
        )
        self.assertTrue(refund.rebate_accrual_ids.late_settlement_id)
        self._sell_example("2025-05-10")
        q2 = self._close("2025-06-30", group)
        self.assertRecordValues(
            q2, [{"adjustment_total": -1100.0, "rebate_total": 1900.0}]
        )
        self.assertEqual(
            {
                s.partner_id: (s.amount_period, s.amount_adjustment)
                for s in q2.share_ids
            },
            {
                self.member_a: (1800.0, 0.0),
                self.member_b: (900.0, -1100.0),
                self.member_c: (300.0, 0.0),
            },
        )
        self._approve_and_pay(q2)
        b_document = q2.share_ids.filtered(
            lambda s: s.partner_id == self.member_b
        ).document_id
        self.assertRecordValues(
            b_document, [{"move_type": "out_invoice", "amount_total": 200.0}]
        )

    def test_offset_pays_each_member_against_its_own_invoices(self):
        group = self._create_group(group_payout="members", payout_method="offset")
        self._sell_example()
        q1 = self._approve_and_pay(self._close("2025-03-31", group))
        for share in q1.share_ids:
            self.assertEqual(share.document_id.payment_state, "paid")
            invoices = (
                share.document_id.line_ids.matched_debit_ids.debit_move_id.move_id
            )
            self.assertEqual(invoices.partner_id, share.partner_id)

    def test_bank_pays_each_member(self):
        group = self._create_group(
            group_payout="members",
            payout_method="bank",
            payout_journal_id=self.bank_journal.id,
        )
        self._sell_example()
        q1 = self._approve_and_pay(self._close("2025-03-31", group))
        self.assertEqual(
            {
                s.partner_id: (
                    s.payout_payment_id.partner_id,
                    s.payout_payment_id.amount,
                )
                for s in q1.share_ids
            },
            {
                self.member_a: (self.member_a, 1800.0),
                self.member_b: (self.member_b, 900.0),
                self.member_c: (self.member_c, 300.0),
            },
        )

    def test_precedence_decides_a_members_lines(self):
        """B's own exclusive agreement takes B's lines from the group: 70,000
        pooled, 2 %."""
        group = self._create_group()
        own = self._create_agreement(
            [(0.0, 5.0)], name="B's own", partner_id=self.member_b.id, exclusive=True
        )
        self._sell_example()
        self.assertAccrued(own, 1500.0)
        self.assertAccrued(group, 1400.0)
        self.assertIn(own, group.overlap_agreement_ids)
        q1 = self._close("2025-03-31", group)
        self.assertEqual(q1.base_total, 70000.0)
        self.assertNotIn(self.member_b, q1.share_ids.partner_id)

    def test_activating_an_exclusive_group_rebuilds_a_members_own(self):
        """B's own agreement (flat 5 %) accrued on B's invoice; activating an
        exclusive group takes B's lines from it: rebuilt to 0, and said."""
        own = self._create_agreement(
            [(0.0, 5.0)], name="B's own", partner_id=self.member_b.id
        )
        self._sell_example()
        self.assertAccrued(own, 1500.0)
        group = self._create_group(activate=False, exclusive=True)
        group.action_activate()
        self.assertAccrued(own, 0.0)
        self.assertAccrued(group, 3000.0)
        self.assertIn(
            "Accruals and draft settlements recomputed",
            own.message_ids[0].body,
        )

    # Bad input

    def test_refused_members(self):
        group = self._create_group(activate=False)
        Member = self.env["rebate.agreement.member"]
        with self.assertRaisesText(ValidationError, "group's head"):
            Member.create({"agreement_id": group.id, "partner_id": self.customer.id})
        with self.assertRaisesText(ValidationError, "twice over the same dates"):
            Member.create(
                {
                    "agreement_id": group.id,
                    "partner_id": self.member_a.id,
                    "date_from": "2025-06-01",
                }
            )
        with self.assertRaisesText(ValidationError, "not one of its contacts"):
            Member.create(
                {"agreement_id": group.id, "partner_id": self.customer_contact.id}
            )
        with self.assertRaisesText(ValidationError, "ends before it starts"):
            Member.create(
                {
                    "agreement_id": group.id,
                    "partner_id": self.other_customer.id,
                    "date_from": "2025-06-01",
                    "date_to": "2025-05-01",
                }
            )
        with self.assertRaisesText(ValidationError, "cannot be negative"):
            group.member_min_base = -1.0
        foreign = self.env["res.partner"].create(
            {
                "name": "Foreign",
                "is_company": True,
                "company_id": self.setup_other_company(name="Elsewhere")["company"].id,
            }
        )
        with self.assertRaises(UserError):
            Member.create({"agreement_id": group.id, "partner_id": foreign.id})
        # consecutive memberships of one customer are fine
        Member.create(
            {
                "agreement_id": group.id,
                "partner_id": self.other_customer.id,
                "date_to": "2025-03-31",
            }
        )
        Member.create(
            {
                "agreement_id": group.id,
                "partner_id": self.other_customer.id,
                "date_from": "2025-04-01",
            }
        )
        self.assertEqual(len(group.member_ids), 5)

    def test_members_locked_once_active(self):
        group = self._create_group()
        with self.assertRaisesText(UserError, "locked"):
            group.member_ids[0].date_to = "2025-06-30"
        with self.assertRaisesText(UserError, "locked"):
            group.member_ids[0].unlink()
        with self.assertRaisesText(UserError, "locked"):
            group.write(
                {"member_ids": [Command.create({"partner_id": self.other_customer.id})]}
            )
        with self.assertRaisesText(UserError, "locked"):
            group.group_payout = "members"

    def test_amendment_changes_the_members(self):
        """Members are terms: an amendment from July carries them to a new
        draft version, where B leaves; B's July invoice then counts for
        nobody, A's for the new version."""
        group = self._create_group(tiers=[(0.0, 1.0)])
        version = group.action_amend("2025-07-01")
        self.assertEqual(
            version.member_ids.partner_id,
            self.member_a | self.member_b | self.member_c,
        )
        version.member_ids.filtered(lambda m: m.partner_id == self.member_b).unlink()
        version.action_activate()
        self._sell_to(self.member_b, 1000.0, "2025-07-10")
        self._sell_to(self.member_a, 2000.0, "2025-07-10")
        self.assertAccrued(version, 20.0)
        self.assertAccrued(group, 0.0)
