# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from io import BytesIO

from openpyxl import load_workbook

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged

from .common import RebateCommon, RebateHttpMixin


class VendorRebateCommon(RebateCommon):
    """A supplier, a 13 % purchase tax on the vendor rebate product, and
    the helpers of the vendor rebate tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.vendor = Partner.create(
            {"name": "Maker Industries", "is_company": True, "supplier_rank": 1}
        )
        cls.purchase_journal = cls.company_data["default_journal_purchase"]
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.vat13 = cls.env["account.tax"].create(
            {
                "name": "Input VAT 13%",
                "amount": 13.0,
                "amount_type": "percent",
                "type_tax_use": "purchase",
            }
        )
        cls.vendor_rebate_product = cls.env.ref(
            "rebate_management.product_vendor_rebate"
        )
        cls.vendor_rebate_product.supplier_taxes_id = cls.vat13

    @classmethod
    def _create_vendor_agreement(cls, tiers=None, activate=True, **vals):
        """Retroactive 2 % from 500,000 a quarter on the Rebate Goods
        category, with cls.vendor (the worked example)."""
        vals.setdefault("partner_id", cls.vendor.id)
        vals.setdefault("product_categ_ids", [Command.set(cls.categ_parent.ids)])
        agreement = cls.env["rebate.agreement"].create(
            {
                "name": vals.pop("name", "Maker volume rebate"),
                "rebate_type": "vendor",
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
                "period": "quarter",
                "basis": "amount",
                "tier_mode": "retroactive",
                "tier_ids": [
                    Command.create({"threshold": threshold, "rate": rate})
                    for threshold, rate in (tiers or [(500000.0, 2.0)])
                ],
                **vals,
            }
        )
        if activate:
            agreement.action_activate()
        return agreement

    @classmethod
    def _bill(cls, amount, date="2025-02-10", move_type="in_invoice", product=None):
        """A posted vendor bill (or refund) of cls.vendor, untaxed ``amount``
        of one line (Product X unless ``product``), due on its date."""
        bill = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": cls.vendor.id,
                "invoice_date": date,
                "invoice_date_due": date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": (product or cls.product_x).id,
                            "quantity": 1.0,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        bill.action_post()
        return bill


@tagged("post_install", "-at_install")
class TestRebateVendor(VendorRebateCommon):
    """Vendor rebates (issue #27), the README's example: retroactive 2 % from
    500,000 a quarter; Q1 bills of 600,000 untaxed -> 12,000; the vendor
    refund 12,000 + 13 % VAT 1,560 = 13,560; offset against an open bill of
    20,000 -> 6,440 left to pay on it."""

    def test_worked_example(self):
        agreement = self._create_vendor_agreement(payout_method="offset")
        # the company's vendor rebate journal, a purchase journal secured by hash
        self.assertRecordValues(
            agreement.journal_id,
            [
                {
                    "type": "purchase",
                    "is_rebate_journal": True,
                    "restrict_mode_hash_table": True,
                }
            ],
        )
        self.assertEqual(agreement.rebate_product_id, self.vendor_rebate_product)
        # an open bill of 20,000 (another category: it does not count), due first
        open_bill = self._bill(20000.0, "2025-01-05", product=self.product_z)
        self._bill(400000.0)
        self.assertAccrued(agreement, 0.0)
        self._bill(200000.0, "2025-03-10")
        self.assertAccrued(agreement, 12000.0)
        q1 = self._close("2025-03-31", agreement)
        self.assertRecordValues(
            q1,
            [
                {
                    "partner_id": self.vendor.id,
                    "rebate_type": "vendor",
                    "base_total": 600000.0,
                    "rebate_total": 12000.0,
                }
            ],
        )
        self._approve_and_pay(q1)
        self.assertRecordValues(
            q1.document_id,
            [
                {
                    "move_type": "in_refund",
                    "partner_id": self.vendor.id,
                    "journal_id": agreement.journal_id.id,
                    "amount_untaxed": 12000.0,
                    "amount_tax": 1560.0,
                    "amount_total": 13560.0,
                    "state": "posted",
                    "payment_state": "paid",
                }
            ],
        )
        self.assertEqual(q1.document_id.invoice_line_ids.tax_ids, self.vat13)
        self.assertEqual(open_bill.amount_residual, 6440.0)
        # the rebate's own refund never counts
        self.assertAccrued(agreement, 12000.0)
        # the effect measures the purchases, in the vendors' own report
        agreement.action_refresh_effect()
        self.assertEqual(agreement.effect_sales, 600000.0)
        self.assertEqual(agreement.effect_rebate, 12000.0)
        action = self.env["rebate.agreement"]._action_open_effect("vendor")
        self.assertIn("('rebate_type', '=', 'vendor')", action["domain"])
        # the claim is mailed to the supplier with the claim attached
        claim = q1.message_ids.filtered(
            lambda m: m.subject == f"Rebate claim {q1.name}"
        )
        self.assertEqual(claim.partner_ids, self.vendor)
        self.assertIn("we record it as a refund from you", claim.body)
        rows = [
            [cell.value for cell in row if cell.value is not None]
            for row in load_workbook(
                BytesIO(q1._get_statement_xlsx())
            ).active.iter_rows()
        ]
        self.assertEqual(rows[0], [f"Rebate claim {q1.name}"])
        self.assertEqual(
            self.env["rebate.statement.xlsx"]._get_filename(q1),
            f"Rebate claim {q1.name.replace('/', '-')}.xlsx",
        )
        self.assertIn(["Supplier", "Maker Industries"], rows)
        self.assertIn([f"Vendor refund: {q1.document_id.name}"], rows)

    def test_bank_receipt(self):
        agreement = self._create_vendor_agreement(
            payout_method="bank", payout_journal_id=self.bank_journal.id
        )
        self._bill(600000.0)
        q1 = self._approve_and_pay(self._close("2025-03-31", agreement))
        self.assertRecordValues(
            q1.payout_payment_id,
            [
                {
                    "payment_type": "inbound",
                    "partner_type": "supplier",
                    "partner_id": self.vendor.id,
                    "amount": 13560.0,
                }
            ],
        )
        self.assertEqual(q1.document_id.payment_state, "paid")

    def test_claw_back_is_a_vendor_bill(self):
        """Q1 paid (12,000); a refund of 200,000 of February posted after:
        R(400,000) - R(600,000) = -12,000, carried into Q2, which has no
        bills: a vendor bill of 12,000 + 1,560."""
        agreement = self._create_vendor_agreement()
        self._bill(600000.0)
        self._approve_and_pay(self._close("2025-03-31", agreement))
        self._bill(200000.0, "2025-02-20", move_type="in_refund")
        q2 = self._close("2025-06-30", agreement)
        self.assertRecordValues(
            q2, [{"adjustment_total": -12000.0, "rebate_total": -12000.0}]
        )
        self._approve_and_pay(q2)
        self.assertRecordValues(
            q2.document_id,
            [
                {
                    "move_type": "in_invoice",
                    "partner_id": self.vendor.id,
                    "amount_untaxed": 12000.0,
                    "amount_total": 13560.0,
                }
            ],
        )

    def test_directions_never_mix(self):
        """A partner both customer and supplier, a customer and a vendor
        agreement over the same dates: each counts its own documents only,
        an exclusive one of them does not take the other's lines."""
        self.vendor.customer_rank = 1
        vendor_agreement = self._create_vendor_agreement(
            tiers=[(0.0, 2.0)], exclusive=True, priority=1
        )
        customer_agreement = self._create_agreement(
            [(0.0, 1.0)], partner_id=self.vendor.id
        )
        self._bill(10000.0)
        self._create_invoice([(self.product_x, 1, 5000.0)], partner=self.vendor)
        self.assertAccrued(vendor_agreement, 200.0)
        self.assertAccrued(customer_agreement, 50.0)
        # the forms do not say they overlap: different payers
        self.assertFalse(vendor_agreement.overlap_agreement_ids)
        self.assertFalse(customer_agreement.overlap_agreement_ids)
        settlements = self._close("2025-03-31", vendor_agreement | customer_agreement)
        self.assertEqual(
            {s.agreement_id: s.base_total for s in settlements},
            {vendor_agreement: 10000.0, customer_agreement: 5000.0},
        )
        # a customer's grade counts its sales, not what it sold the company
        sales = self.env["rebate.grade"]._read_trailing_sales(
            fields.Date.to_date("2025-12-31"), self.env.company.ids
        )
        self.assertEqual(sales[self.env.company.id][self.vendor.id], (5000.0, 1))

    def test_payment_condition_on_the_bills(self):
        """Paid: a bill counts by the share of it paid by the close. Flat 2 %;
        a bill of 100,000 (113,000 with tax) half paid: 50,000 counts."""
        agreement = self._create_vendor_agreement(
            tiers=[(0.0, 2.0)], payment_condition="paid"
        )
        bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": self.vendor.id,
                "invoice_date": "2025-02-10",
                "invoice_date_due": "2025-02-10",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_x.id,
                            "quantity": 1.0,
                            "price_unit": 100000.0,
                            "tax_ids": [Command.set(self.vat13.ids)],
                        }
                    )
                ],
            }
        )
        bill.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=bill.ids
        ).create({"amount": 56500.0, "payment_date": "2025-03-01"})._create_payments()
        q1 = self._close("2025-03-31", agreement)
        self.assertRecordValues(
            q1,
            [
                {
                    "base_total": 50000.0,
                    "base_forfeited": 50000.0,
                    "rebate_total": 1000.0,
                }
            ],
        )

    def test_sell_through_against_purchases(self):
        """Sell-through, flat 3 % on Product X: what the company sold of it,
        whoever the customer (10,000 and 5,000, less a refund of 1,000),
        not Product Z, not the bills; a purchases agreement (flat 2 %) of
        the same supplier on the same product counts the bills (8,000)."""
        sell_through = self._create_vendor_agreement(
            tiers=[(0.0, 3.0)],
            name="Maker sell-through",
            vendor_basis="sell_through",
            product_categ_ids=[Command.clear()],
            product_ids=[Command.set(self.product_x.ids)],
        )
        purchases = self._create_vendor_agreement(
            tiers=[(0.0, 2.0)],
            product_categ_ids=[Command.clear()],
            product_ids=[Command.set(self.product_x.ids)],
        )
        self._create_invoice([(self.product_x, 1, 10000.0)])
        self._create_invoice(
            [(self.product_x, 1, 5000.0), (self.product_z, 1, 2000.0)],
            partner=self.other_customer,
        )
        self._create_invoice(
            [(self.product_x, 1, 1000.0)], move_type="out_refund", date="2025-03-01"
        )
        self._bill(8000.0)
        self.assertAccrued(sell_through, 420.0)
        self.assertAccrued(purchases, 160.0)
        # a customer agreement of the same customer still counts its lines
        customer_agreement = self._create_agreement([(0.0, 1.0)])
        self.assertAccrued(customer_agreement, 90.0)
        self.assertFalse(sell_through.overlap_agreement_ids)
        settlements = self._close("2025-03-31", sell_through | purchases)
        self.assertEqual(
            {s.agreement_id: (s.base_total, s.rebate_total) for s in settlements},
            {sell_through: (14000.0, 420.0), purchases: (8000.0, 160.0)},
        )
        q1 = self._approve_and_pay(
            settlements.filtered(lambda s: s.agreement_id == sell_through)
        )
        self.assertRecordValues(
            q1.document_id,
            [
                {
                    "move_type": "in_refund",
                    "partner_id": self.vendor.id,
                    "amount_untaxed": 420.0,
                    "amount_total": 474.6,
                }
            ],
        )

    # Bad input

    def test_refused(self):
        customer_only = self.env["res.partner"].create(
            {"name": "Only Buys", "is_company": True, "customer_rank": 1}
        )
        supplier_only = self.env["res.partner"].create(
            {"name": "Only Sells", "is_company": True, "supplier_rank": 1}
        )
        with self.assertRaisesText(ValidationError, "is not a supplier"):
            self._create_vendor_agreement(partner_id=customer_only.id, activate=False)
        with self.assertRaisesText(ValidationError, "is a supplier only"):
            self._create_agreement([(0.0, 1.0)], partner_id=supplier_only.id)
        with self.assertRaisesText(ValidationError, "grades, templates and buying"):
            self._create_vendor_agreement(
                activate=False,
                member_ids=[Command.create({"partner_id": self.other_customer.id})],
            )
        with self.assertRaisesText(ValidationError, "pays on sell-through"):
            self._create_vendor_agreement(
                activate=False,
                vendor_basis="sell_through",
                product_categ_ids=[Command.clear()],
            )
        agreement = self._create_vendor_agreement()
        with self.assertRaisesText(UserError, "locked"):
            agreement.rebate_type = "customer"
        with self.assertRaisesText(ValidationError, "Purchase journal"):
            agreement._rebate_workflow().journal_id = self.sale_journal


@tagged("post_install", "-at_install")
class TestRebateVendorRoles(VendorRebateCommon, HttpCase, RebateHttpMixin):
    """Vendor agreements are for sales managers and accountants: salespeople
    neither see nor create them, on any path; portal users never see them."""

    def test_salesperson_and_portal_never_see_them(self):
        self._create_role_users("vnd")
        self.vendor.user_id = self.salesperson
        agreement = self._create_vendor_agreement()
        self._bill(600000.0)
        q1 = self._close("2025-03-31", agreement)
        Agreement = self.env["rebate.agreement"]
        self.assertFalse(
            Agreement.with_user(self.salesperson).search([("id", "=", agreement.id)])
        )
        with self.assertRaises(AccessError):
            agreement.with_user(self.salesperson).read(["name"])
        with self.assertRaises(AccessError):
            q1.with_user(self.salesperson).read(["rebate_total"])
        with self.assertRaises(AccessError):
            Agreement.with_user(self.salesperson).create(
                {
                    "name": "Mine",
                    "rebate_type": "vendor",
                    "partner_id": self.vendor.id,
                    "date_start": "2025-01-01",
                    "date_end": "2025-12-31",
                }
            )
        self.assertCallFails(
            "rebate.agreement",
            self.salesperson,
            "rebate.agreement",
            "read",
            [agreement.id],
            ["name"],
        )
        self.assertCallFails(
            "rebate.agreement",
            self.salesperson,
            "rebate.agreement",
            "create",
            {
                "name": "Mine",
                "rebate_type": "vendor",
                "partner_id": self.vendor.id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
            },
        )
        # managers and accountants do
        self.assertEqual(
            self._call(
                self.manager, "rebate.agreement", "read", [agreement.id], ["name"]
            )[0]["name"],
            "Maker volume rebate",
        )
        self.assertEqual(q1.with_user(self.accountant).rebate_total, 12000.0)
        contact = self.env["res.partner"].create(
            {"name": "Maker portal", "parent_id": self.vendor.id}
        )
        portal = self._create_portal_user("vnd_portal", contact)
        with self.assertRaises(AccessError):
            agreement.with_user(portal).read(["name"])
        self.authenticate("vnd_portal", "vnd_portal-pass")
        self.assertEqual(
            self.url_open(
                f"/my/rebates/{agreement.id}", allow_redirects=False
            ).status_code,
            403,
        )
