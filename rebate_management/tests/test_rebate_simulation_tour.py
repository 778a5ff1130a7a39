# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import RebateCommon, RebateHttpMixin
from .test_rebate_simulation import QUARTERS, TIERS


@tagged("post_install", "-at_install")
class TestRebateSimulationTour(
    RebateHttpMixin, RebateCommon, AccountTestInvoicingHttpCommon
):
    """In a real browser: a salesperson simulates a draft's terms and submits
    it; the manager sees the figures the salesperson saw and approves
    (issue #28). Screenshots: simulation_submitted, simulation_approved."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.product_x | cls.rebate_product).taxes_id = False
        # passwords equal to the logins: start_tour logs in that way
        cls.salesperson = cls._create_user(
            "sim_tour_sales",
            "base.group_user,rebate_management.group_rebate_user",
            name="Sky Salesperson",
        )
        cls.manager = cls._create_user(
            "sim_tour_manager",
            "base.group_user,rebate_management.group_rebate_manager",
            name="Sam Manager",
        )
        cls.customer.user_id = cls.salesperson
        for date, amount in QUARTERS:
            cls._create_invoice([(cls.product_x, 1, amount)], date=date)
        cls.draft = (
            cls.env["rebate.agreement"]
            .with_user(cls.salesperson)
            .create(
                {
                    "name": "Simulated Terms",
                    "partner_id": cls.customer.id,
                    "date_start": "2025-01-01",
                    "date_end": "2025-12-31",
                    "period": "quarter",
                    "tier_mode": "retroactive",
                    "tier_ids": [
                        Command.create({"threshold": threshold, "rate": rate})
                        for threshold, rate in TIERS
                    ],
                }
            )
        )

    def test_simulated_submitted_and_approved(self):
        self._require_browser()
        url = f"/odoo/action-rebate_management.rebate_agreement_action/{self.draft.id}"
        self._tour(
            url,
            "rebate_salesperson_simulation_tour",
            "sim_tour_sales",
            "simulation_submitted",
        )
        self.draft.invalidate_recordset()
        self.assertEqual(self.draft.state, "to_approve")
        self.assertEqual(self.draft.simulation["rebate"], 5850.0)
        self._tour(
            url,
            "rebate_manager_simulation_tour",
            "sim_tour_manager",
            "simulation_approved",
        )
        self.draft.invalidate_recordset()
        self.assertEqual(self.draft.state, "active")
        self.assertEqual(self.draft.approved_by_id, self.manager)
