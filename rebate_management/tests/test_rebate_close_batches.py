# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields
from odoo.tests import tagged

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateCloseBatches(RebateCommon):
    """The scheduled close in batches (issue #31, part 1): one batch of
    agreements per call, the progress told to Odoo's scheduler, nothing
    lost or doubled when a batch fails."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "rebate_management.close_batch_size", "2"
        )
        cls.cron = cls.env.ref("rebate_management.ir_cron_rebate_close_periods")

    def _agreements(self, count):
        """``count`` flat 2 % agreements for 2025, each of its own customer
        with 1,000 invoiced in Q1."""
        partners = self.env["res.partner"].create(
            [{"name": f"Batch customer {index}"} for index in range(count)]
        )
        agreements = self.env["rebate.agreement"]
        for partner in partners:
            agreements |= self._create_agreement(
                [(0.0, 2.0)], name=partner.name, partner_id=partner.id
            )
            self._create_invoice([(self.product_x, 10, 100.0)], partner=partner)
        return agreements

    def _run(self):
        return self._run_scheduled_close(self.cron)

    def assertSettledOnce(self, agreements):
        """Each agreement's four quarters settled once, Q1 at 20.00."""
        for agreement in agreements:
            settlements = agreement.settlement_ids.sorted("date_from")
            self.assertEqual(len(settlements), 4, agreement.name)
            self.assertEqual(settlements[0].rebate_total, 20.0)
            self.assertEqual(settlements[1:].mapped("rebate_total"), [0.0] * 3)

    def test_one_batch_per_call_until_none_remains(self):
        # (the demo's agreements due today are settled too, first: lower ids)
        others = len(
            self.env["rebate.settlement"]._get_agreements_pending_close(
                fields.Date.context_today(self.env.user)
            )
        )
        agreements = self._agreements(5)
        reports = [self._run() for _call in range(5 + others)]
        left = 5 + others
        expected = []
        while left:
            done = min(2, left)
            left -= done
            expected.append((done, left))
        expected += [(0, 0)] * (len(reports) - len(expected))
        self.assertEqual(reports, expected)
        self.assertSettledOnce(agreements)

    def test_an_agreement_at_the_edge_of_a_batch(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "rebate_management.close_batch_size", "1"
        )
        agreements = self._agreements(2)
        reports = []
        while True:
            reports.append(self._run())
            if reports[-1][1] == 0:
                break
        self.assertEqual(reports[-2:], [(1, 1), (1, 0)])
        self.assertEqual(self._run(), (0, 0))
        self.assertSettledOnce(agreements)

    def test_a_failed_batch_loses_nothing_and_doubles_nothing(self):
        agreements = self._agreements(4)
        while agreements[0].state == "active" and not agreements[0].settlement_ids:
            self._run()
        # the next batch fails halfway (a crash, a time-out): rolled back
        with self.assertRaises(RuntimeError):
            with self.env.cr.savepoint():
                self._run()
                raise RuntimeError("the worker died")
        self.env.invalidate_all()
        while self._run() != (0, 0):
            pass
        self.assertSettledOnce(agreements)

    def test_a_closed_agreement_with_a_late_document_is_pending(self):
        """A closed agreement whose approved year gets a late refund is
        pending for the scheduled close, which settles the refund in an
        adjustment; a closed one without is not."""
        Settlement = self.env["rebate.settlement"]
        partners = self.env["res.partner"].create(
            [{"name": "Late customer"}, {"name": "Quiet customer"}]
        )
        agreements = self.env["rebate.agreement"]
        for partner in partners:
            agreements |= self._create_agreement(
                [(0.0, 2.0)], name=partner.name, partner_id=partner.id, period="year"
            )
            self._create_invoice([(self.product_x, 10, 100.0)], partner=partner)
        Settlement.close_periods("2025-12-31", agreements=agreements).action_approve()
        self.assertEqual(agreements.mapped("state"), ["closed", "closed"])
        late, quiet = agreements
        today = fields.Date.context_today(self.env.user)
        pending = Settlement._get_agreements_pending_close(today)
        self.assertFalse(set(agreements.ids) & set(pending))
        self._create_invoice(
            [(self.product_x, 5, 100.0)],
            partner=late.partner_id,
            move_type="out_refund",
            date="2025-11-15",
        )
        pending = Settlement._get_agreements_pending_close(today)
        self.assertIn(late.id, pending)
        self.assertNotIn(quiet.id, pending)
        while self._run() != (0, 0):
            pass
        # R(500) - R(1,000) at 2 %
        self.assertRecordValues(
            late.settlement_ids.filtered("is_adjustment"),
            [{"base_total": -500.0, "rebate_total": -10.0}],
        )
        self.assertFalse(quiet.settlement_ids.filtered("is_adjustment"))
        self.assertNotIn(late.id, Settlement._get_agreements_pending_close(today))

    def test_a_batch_size_that_is_not_a_number_falls_back(self):
        param = self.env["ir.config_parameter"].sudo()
        for value, size in (("abc", 500), ("0", 1), ("-3", 1), ("750", 750)):
            param.set_param("rebate_management.close_batch_size", value)
            self.assertEqual(
                self.env["rebate.settlement"]._get_close_batch_size(), size
            )
