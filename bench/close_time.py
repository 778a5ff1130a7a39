# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The year-end close alone, five times, each in a savepoint rolled back:
its wall times and their median, for comparing two commits on copies of one
bench database (bench/README.md). Run in an Odoo shell:

    odoo-bin shell -d DB --addons-path=... < bench/close_time.py
"""

import statistics
import time

# ``env`` is the Odoo shell's
admin_env = env(user=env.ref("base.user_admin"))  # noqa: F821
Settlement = admin_env["rebate.settlement"]
walls = []
count = 0
for _run in range(5):
    savepoint = admin_env.cr.savepoint(flush=True)
    started = time.perf_counter()
    count = len(Settlement.close_periods("2025-12-31"))
    walls.append(time.perf_counter() - started)
    savepoint.close(rollback=True)
    admin_env.invalidate_all(flush=False)
print(
    "CLOSE",
    count,
    " ".join(f"{wall:.3f}" for wall in walls),
    "median",
    f"{statistics.median(walls):.3f}",
)
