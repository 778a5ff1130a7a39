# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The year-end close in a process of its own: its peak memory, in one call
and as the scheduler runs it, batch after batch (scripts/bench.sh
--batches, issue #31).

scripts/bench.sh runs it after the bench, on a copy of the bench database
that it makes and drops (the batches commit). The command line is Odoo's,
as for rebate_bench.py. This process loads the registry and does nothing
else, so its peak resident memory (RSS) is the close's:

1. ``close_periods("2025-12-31")`` in one call, as stage 2 runs it, rolled
   back: wall time, queries, peak RSS;
2. the scheduled close: the cron's server action called as Odoo's
   scheduler calls it (``ir.cron._add_progress``, then ``_callback``, which
   runs ``rebate.settlement._cron_close_periods``), each call committed,
   until its progress says none remains: each call's time, queries and
   peak RSS, and their sums;
3. every settlement of the bench's agreements after the last call against
   the SQL recomputation (bench_stages.check_settlements).

The results are added to the bench's JSON (BENCH_JSON) under
``close_process`` and printed. BENCH_CLOSE_BATCH_SIZE sets the batch size
(the system parameter rebate_management.close_batch_size, 500 by default)
in the copy.
"""

import gc
import json
import os
import sys
import time

from bench_common import (
    CLOSE_DATE,
    VACUUMED,
    Measure,
    PeakRSS,
    Results,
    Settings,
    log,
    vacuum,
)
from bench_generate import BenchData
from bench_stages import check_settlements

import odoo
from odoo import api
from odoo.modules.registry import Registry
from odoo.tools import config

CRON_XMLID = "rebate_management.ir_cron_rebate_close_periods"
MAX_CALLS = 1000


def measured(settings, env, name):
    """(Measure, PeakRSS) of a block, started from a collected heap."""
    env.invalidate_all()
    gc.collect()
    return Measure(settings, name), PeakRSS()


def close_once(registry, settings):
    """close_periods for the year in one call, as the bench's admin, rolled
    back."""
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        admin_env = env(user=env.ref("base.user_admin").id, su=False)
        try:
            measure, rss = measured(settings, env, "close_periods, one call")
            with rss.run(), measure.run(admin_env):
                count = len(admin_env["rebate.settlement"].close_periods(CLOSE_DATE))
        finally:
            cr.rollback()
    return {
        "settlements": count,
        "wall_s": measure.wall,
        "cpu_s": measure.cpu,
        "queries": measure.queries,
        "peak_rss_mb": rss.peak_mb,
        "rss_at_start_mb": rss.start_mb,
    }


def scheduled_call(registry, settings, number):
    """One call of the scheduled close, as ir.cron._run_job makes it: a
    progress record committed, the server action, a commit."""
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        job = env.ref(CRON_XMLID)
        env = api.Environment(
            cr, job.user_id.id, {"lastcall": job.lastcall, "cron_id": job.id}
        )
        cron = env["ir.cron"].browse(job.id)
        cron, progress = cron._add_progress(timed_out_counter=0)
        cr.commit()
        measure, rss = measured(settings, env, f"scheduled close, call {number}")
        with rss.run(), measure.run(env):
            cron._callback(job.cron_name, job.ir_actions_server_id.id)
            cr.commit()
        return {
            "done": progress.done,
            "remaining": progress.remaining,
            "wall_s": measure.wall,
            "cpu_s": measure.cpu,
            "queries": measure.queries,
            "peak_rss_mb": rss.peak_mb,
        }


def close_scheduled(registry, settings):
    """The scheduled close's calls until none remains."""
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        if os.environ.get("BENCH_CLOSE_BATCH_SIZE"):
            env["ir.config_parameter"].set_param(
                "rebate_management.close_batch_size",
                os.environ["BENCH_CLOSE_BATCH_SIZE"],
            )
        batch_size = env["rebate.settlement"]._get_close_batch_size()
    calls = []
    started = time.perf_counter()
    for number in range(1, MAX_CALLS + 1):
        call = scheduled_call(registry, settings, number)
        calls.append(call)
        log(
            f"scheduled close, call {number}: {call['done']} agreements, "
            f"{call['remaining']} remaining, {call['wall_s']:.2f} s, "
            f"{call['queries']} queries, peak RSS {call['peak_rss_mb']:.0f} MB"
        )
        if not call["remaining"]:
            break
    else:
        raise RuntimeError(
            f"the scheduled close still had work after {MAX_CALLS} calls"
        )
    return {
        "batch_size": batch_size,
        "calls": calls,
        "elapsed_s": time.perf_counter() - started,
        "wall_s": sum(call["wall_s"] for call in calls),
        "cpu_s": sum(call["cpu_s"] for call in calls),
        "queries": sum(call["queries"] for call in calls),
        "max_call_s": max(call["wall_s"] for call in calls),
        "peak_rss_mb": max(call["peak_rss_mb"] for call in calls),
    }


def check_scheduled(registry, results):
    """The settlements of the bench's agreements, after the last call, against
    the SQL recomputation."""
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        data = BenchData(env)
        settlements = env["rebate.settlement"].search(
            [("agreement_id", "in", data.agreement_ids)]
        )
        check_settlements(env, settlements, data.agreement_ids, results)
        return len(settlements)


def report(results, once, scheduled, settlements):
    results.row(
        "close_periods, one call, own process (rolled back)",
        once["wall_s"],
        once["queries"],
        f"{once['settlements']} settlements; peak RSS {once['peak_rss_mb']:.0f} MB "
        f"({once['rss_at_start_mb']:.0f} MB at start)",
        "<= 15 s, < 2 GB",
        once["wall_s"] <= 15 and once["peak_rss_mb"] < 2048,
    )
    calls = scheduled["calls"]
    results.row(
        "scheduled close, all calls (each committed)",
        scheduled["wall_s"],
        scheduled["queries"],
        f"{len(calls)} calls of {scheduled['batch_size']} agreements, "
        f"{settlements} settlements; longest call {scheduled['max_call_s']:.2f} s; "
        f"peak RSS {scheduled['peak_rss_mb']:.0f} MB",
        "<= 15 s, < 2 GB",
        scheduled["wall_s"] <= 15 and scheduled["peak_rss_mb"] < 2048,
    )


def save(settings, results, once, scheduled):
    """Add the figures to the bench's JSON (a document of their own when it
    is not there)."""
    path = settings.json_path
    doc = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    doc["close_process"] = {
        "database": results.doc["database"],
        "code": results.doc["code"],
        "one_call": once,
        "scheduled": scheduled,
        "stages": results.doc["stages"],
        "checks": results.doc["checks"],
        "failed": results.failed,
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, indent=2, default=str)


def main():
    settings = Settings()
    config.parse_config(sys.argv[1:])
    database = config["db_name"]
    if isinstance(database, list):
        database = database[0]
    registry = Registry(database)
    results = Results(settings, database)
    # what the bench's rolled-back closes left behind (dead rows of 40,000
    # settlements, their notes and agreements, times seven at --x10) doubled
    # each scheduled call's time when not vacuumed
    started = time.perf_counter()
    vacuum(database, VACUUMED)
    elapsed = time.perf_counter() - started
    log(f"VACUUM ANALYZE of the tables a close writes: {elapsed:.1f} s")
    log(f"close_periods in one call on {database}, rolled back")
    once = close_once(registry, settings)
    log(
        f"one call: {once['settlements']} settlements, {once['wall_s']:.2f} s, "
        f"{once['queries']} queries, peak RSS {once['peak_rss_mb']:.0f} MB"
    )
    log("the scheduled close, each call committed")
    scheduled = close_scheduled(registry, settings)
    log("checking every settlement against the SQL recomputation")
    settlements = check_scheduled(registry, results)
    report(results, once, scheduled, settlements)
    save(settings, results, once, scheduled)
    print()
    print(f"the close in a process of its own, on {database}")
    print(results.table())
    if results.failed:
        print("FAILED: settlements disagree with the recomputation", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
