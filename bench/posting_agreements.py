# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Posting when several agreements apply to every invoice (issue #31, part
3): the bench's posting stage (pairs of identical invoices, one for a customer
whose invoices three agreements count, one for a customer with none,
interleaved) on customers given two more agreements each: a quarterly volume
rebate on all products, a category promotion (the products' category) and a
growth bonus (on the whole base), besides the one they have. Everything runs
in a savepoint rolled back. Run in an Odoo shell from the repository root:

    BENCH_POST=60 odoo-bin shell -d DB --addons-path=... < bench/posting_agreements.py
"""

import os
import sys

sys.path.insert(0, os.path.join(os.getcwd(), "bench"))

from bench_common import Results, Settings, log  # noqa: E402
from bench_generate import BenchData  # noqa: E402
from bench_stages import stage_posting  # noqa: E402

from odoo import Command  # noqa: E402

EXTRA = int(os.environ.get("BENCH_EXTRA_AGREEMENTS", "2"))
CUSTOMERS = 30


def extra_agreements(env, data, customers):
    """Two more agreements for each of ``customers``, all counting every line
    of their invoices (no stacking group, not exclusive: all stack)."""
    products = env["product.product"].browse(data.product_ids)
    categories = products.categ_id
    journal = env["account.journal"].browse(data.journal_id)
    kinds = [
        {"period": "quarter", "tier_mode": "retroactive"},
        {"period": "year", "tier_mode": "flat", "product_categ_ids": categories.ids},
        {"period": "year", "tier_mode": "retroactive", "growth_basis": "whole"},
    ]
    vals_list = []
    for customer in customers:
        for k in range(EXTRA):
            kind = dict(kinds[k % len(kinds)])
            categ_ids = kind.pop("product_categ_ids", None)
            growth = kind.get("growth_basis")
            vals = {
                "name": f"Bench Extra {customer}-{k}",
                "partner_id": customer,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
                "basis": "amount",
                "journal_id": journal.id,
                "tier_ids": [
                    Command.create({"threshold": -50.0 if growth else 0.0, "rate": 1.0})
                ],
                **kind,
            }
            if kind["tier_mode"] != "flat":
                vals["tier_ids"].append(
                    Command.create(
                        {"threshold": 10.0 if growth else 5000.0, "rate": 2.0}
                    )
                )
            if categ_ids is not None:
                vals["product_categ_ids"] = [Command.set(categ_ids)]
            vals_list.append(vals)
    agreements = env["rebate.agreement"].create(vals_list)
    agreements.action_activate()
    return agreements


def single_agreement_customers(env, data):
    """The customers with one agreement, on all products: with the two
    added, three agreements count every line of their invoices."""
    env.cr.execute(
        """SELECT commercial_partner_id FROM rebate_agreement
            WHERE state = 'active' GROUP BY commercial_partner_id
           HAVING COUNT(*) = 1"""
    )
    single = {row[0] for row in env.cr.fetchall()}
    return [c for c in data.with_agreement_ids if c in single]


admin_env = env(user=env.ref("base.user_admin"))  # noqa: F821
settings = Settings()
data = BenchData(admin_env)
results = Results(settings, admin_env.cr.dbname)
savepoint = admin_env.cr.savepoint(flush=True)
try:
    data.with_agreement_ids = single_agreement_customers(admin_env, data)[:CUSTOMERS]
    if EXTRA:
        extra = extra_agreements(admin_env, data, data.with_agreement_ids)
        log(f"{len(extra)} extra agreements on {CUSTOMERS} customers")
    admin_env.cr.flush()
    stage_posting(admin_env, settings, data, results)
    for stage, _wall, _queries, per_unit, _target, _met in results.rows:
        print("ROW", stage, "|", per_unit)
    for _title, steps in results.breakdowns:
        for key, step in steps.items():
            print("STEP", key, f"{step['seconds']:.3f} s", step["calls"])
finally:
    savepoint.close(rollback=True)
