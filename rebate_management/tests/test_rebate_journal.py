# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.tests import tagged

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateJournal(RebateCommon):
    """The rebate journal (issue #28): created with Odoo's "Secure Posted
    Entries with Hash" on, the default of new agreements; its documents are
    secured when posted and undone by their reversal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.product_x | cls.rebate_product).taxes_id = False
        cls.supplier = cls.env["res.partner"].create(
            {"name": "Rebate Supplier", "is_company": True, "supplier_rank": 1}
        )

    def _agreement(self, **vals):
        agreement = self.env["rebate.agreement"].create(
            {
                "name": vals.pop("name", "Default journal"),
                "partner_id": self.customer.id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
                "period": "quarter",
                "rebate_product_id": self.rebate_product.id,
                "tier_ids": [Command.create({"threshold": 0.0, "rate": 2.0})],
                **vals,
            }
        )
        return agreement

    def test_new_agreements_default_to_a_secured_rebate_journal(self):
        first, second = self._agreement(), self._agreement(name="Second")
        journal = first.journal_id
        self.assertRecordValues(
            journal,
            [
                {
                    "name": "Customer Rebates",
                    "type": "sale",
                    "is_rebate_journal": True,
                    "restrict_mode_hash_table": True,
                    "company_id": self.env.company.id,
                    "default_account_id": self.sale_journal.default_account_id.id,
                }
            ],
        )
        self.assertEqual(second.journal_id, journal)  # created once
        vendor = self._agreement(
            name="Vendor",
            rebate_type="vendor",
            partner_id=self.supplier.id,
            product_ids=[Command.set(self.product_x.ids)],
        )
        self.assertRecordValues(
            vendor.journal_id,
            [
                {
                    "name": "Vendor Rebates",
                    "type": "purchase",
                    "restrict_mode_hash_table": True,
                }
            ],
        )
        # another journal stays the agreement's choice
        chosen = self._agreement(name="Chosen", journal_id=self.sale_journal.id)
        self.assertEqual(chosen.journal_id, self.sale_journal)

    def test_its_documents_are_secured_and_reversed(self):
        agreement = self._agreement()
        agreement.action_activate()
        self._create_invoice([(self.product_x, 10, 100.0)], date="2025-02-10")
        settlement = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=agreement
        )
        settlement.action_approve()
        settlement.action_create_credit_note()
        credit_note = settlement.document_id
        self.assertEqual(credit_note.journal_id, agreement.journal_id)
        self.assertEqual(
            (credit_note.state, credit_note.amount_total), ("posted", 20.0)
        )
        self.assertTrue(credit_note.inalterable_hash)
        self.assertTrue(settlement.inalterable_hash)
        # undone by its reversal, never by a reset to draft
        reversal = credit_note._reverse_moves(cancel=True)
        self.assertRecordValues(
            reversal, [{"reversed_entry_id": credit_note.id, "state": "posted"}]
        )
        self.assertTrue(reversal.inalterable_hash)
