# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Activating N new drafts in one call, each of its own customer, rolled
back: the time per agreement, for comparing sizes and commits
(bench/README.md). Run in an Odoo shell, N in the environment:

    N=1200 odoo-bin shell -d DB --addons-path=... < bench/activate_time.py
"""

import os
import time

admin_env = env(user=env.ref("base.user_admin"))  # noqa: F821
count = int(os.environ["N"])
partners = admin_env["res.partner"].create(
    [{"name": f"Scale {index}"} for index in range(count)]
)
drafts = admin_env["rebate.agreement"].create(
    [
        {
            "name": partner.name,
            "partner_id": partner.id,
            "date_start": "2025-01-01",
            "date_end": "2025-12-31",
            "period": "quarter",
            "tier_ids": [(0, 0, {"threshold": 0, "rate": 2})],
        }
        for partner in partners
    ]
)
admin_env.flush_all()
started = time.perf_counter()
drafts.action_activate()
admin_env.flush_all()
wall = time.perf_counter() - started
print("ACTIVATE", count, f"{wall:.2f}s", f"{wall / count * 1000:.1f} ms each")
admin_env.cr.rollback()
