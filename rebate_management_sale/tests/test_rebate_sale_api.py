# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import re

from odoo.tests import TransactionCase, tagged

from odoo.addons.rebate_management.tests.common import read_api_doc
from odoo.addons.rebate_management.tools import is_integrator_api

# `model.method(` of the models this addon extends, in docs/api.md
DOCUMENTED_CALL = re.compile(r"`(sale\.order|res\.partner)\.([a-z_]+)\(")


@tagged("post_install", "-at_install")
class TestRebateSaleApi(TransactionCase):
    """The calls docs/api.md documents for this addon are marked for
    integrators (their XML-RPC tests: test_rebate_balance_roles,
    test_rebate_goods)."""

    def test_documented_calls_are_marked(self):
        calls = set(DOCUMENTED_CALL.findall(read_api_doc()))
        self.assertEqual(
            calls,
            {
                ("sale.order", "action_apply_rebate_balance"),
                ("sale.order", "action_apply_goods_rebate"),
            },
        )
        for model, method in sorted(calls):
            with self.subTest(f"{model}.{method}"):
                self.assertTrue(is_integrator_api(self.env[model], method))
