# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The year-end close alone, five times, each in a savepoint rolled back,
alternated with the SQL floor (bench_stages.FLOOR_QUERY, as stage 4 runs
it): their wall times, the close's queries, the medians and the ratio, for
comparing two commits on copies of one bench database (bench/README.md).
Run in an Odoo shell, from any worktree's code (the script is read from
stdin, the floor query from this file's directory, BENCH_DIR):

    BENCH_DIR=bench odoo-bin shell -d DB --addons-path=... < bench/close_time.py

The close is timed as the bench's Measure times it: flushed, and its
precommit hooks (tracking) run, before the clock stops. RUNS sets how many
runs (5).
"""

import gc
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.abspath(os.environ.get("BENCH_DIR", "bench")))
from bench_common import YEAR_END, YEAR_START  # noqa: E402
from bench_stages import FLOOR_QUERY  # noqa: E402

# ``env`` is the Odoo shell's
admin_env = env(user=env.ref("base.user_admin"))  # noqa: F821
Settlement = admin_env["rebate.settlement"]
cr = admin_env.cr
floor_params = [admin_env.company.id, YEAR_START, YEAR_END]
cr.execute(FLOOR_QUERY, floor_params)  # warm-up
walls, floors, queries = [], [], []
count = 0
for _run in range(int(os.environ.get("RUNS", "5"))):
    savepoint = cr.savepoint(flush=True)
    admin_env.invalidate_all()
    gc.collect()
    before = cr.sql_log_count
    started = time.perf_counter()
    count = len(Settlement.close_periods("2025-12-31"))
    cr.flush()
    walls.append(time.perf_counter() - started)
    queries.append(cr.sql_log_count - before)
    savepoint.close(rollback=True)
    admin_env.invalidate_all(flush=False)
    started = time.perf_counter()
    cr.execute(FLOOR_QUERY, floor_params)
    cr.fetchall()
    floors.append(time.perf_counter() - started)
close, floor = statistics.median(walls), statistics.median(floors)
print(
    "CLOSE",
    count,
    " ".join(f"{wall:.3f}" for wall in walls),
    "median",
    f"{close:.3f}",
    "queries",
    " ".join(map(str, queries)),
)
print(
    "FLOOR",
    " ".join(f"{wall:.3f}" for wall in floors),
    "median",
    f"{floor:.3f}",
    "ratio",
    f"{close / floor:.2f}",
    "(runs",
    " ".join(f"{w / f:.1f}" for w, f in zip(walls, floors, strict=True)) + ")",
)
