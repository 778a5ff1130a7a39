# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of rebate_management at scale; run it through scripts/bench.sh.

The command line is Odoo's (addons path, database server, ``-d`` database);
the sizes and switches come from BENCH_* environment variables (see
scripts/bench.sh). The generated data is committed once and reused; every
measurement runs in one transaction that is rolled back at the end, so each
run measures the same data.
"""

import json
import os
import sys
import time
from datetime import datetime, timezone

import psycopg2
from bench_common import (
    GENERATION_KEY,
    SHAPES,
    STATE_KEY,
    Measure,
    Results,
    Settings,
    get_param,
    log,
)
from bench_generate import (
    BenchData,
    check_moves,
    generate,
)
from bench_growth import check_growth, growth_supported
from bench_load import stage_load
from bench_overlap import check_overlap
from bench_stages import (
    check_interim,
    check_settlements,
    stage_close,
    stage_credit_notes,
    stage_floor,
    stage_oca,
    stage_posting,
)
from bench_vendor import check_vendor

import odoo
from odoo import api, sql_db
from odoo.modules.registry import Registry
from odoo.tools import config

VACUUMED = [
    "account_move",
    "account_move_line",
    "rebate_accrual",
    "rebate_settlement",
    "rebate_agreement",
    "mail_message",
    "mail_tracking_value",
    "mail_followers",
]


def vacuum(database, tables):
    """VACUUM ANALYZE, on a connection of its own (it cannot run in a
    transaction): what a rolled-back run left behind is not scanned again."""
    _name, params = sql_db.connection_info_for(database)
    connection = psycopg2.connect(**params)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}")
    finally:
        connection.close()


def retime_recompute(registry, settings, generation):
    """Time action_recompute_accruals() again, in a transaction of its own that
    is rolled back, then vacuum what it left behind."""
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        try:
            data = BenchData(env)
            measure = Measure(settings, "recompute accruals")
            agreements = env["rebate.agreement"].browse(data.agreement_ids)
            with measure.run(env):
                agreements.action_recompute_accruals()
            cr.execute("SELECT COUNT(*) FROM rebate_accrual")
            generation["recompute"] = {
                "wall_s": measure.wall,
                "cpu_s": measure.cpu,
                "queries": measure.queries,
                "accruals": cr.fetchone()[0],
                "this_run": True,
            }
            if settings.profile:
                log(measure.report_profile())
        finally:
            cr.rollback()
    vacuum(registry.db_name, ["rebate_accrual"])


def measure_all(registry, settings, results, generation):
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        try:
            data = BenchData(env)
            if not data.with_agreement_ids or not data.without_agreement_ids:
                raise RuntimeError(
                    "the data lacks customers with or without agreements"
                )
            started = time.perf_counter()
            consistency = check_moves(env, settings)
            results.row(
                "check: generated invoices consistent",
                time.perf_counter() - started,
                None,
                f"{consistency['documents']} docs ({consistency['refunds']} refunds), "
                f"{consistency['product_lines']} product lines; all balance",
                "",
                True,
                **consistency,
            )
            admin = env.ref("base.user_admin")
            accountant = admin.has_group("rebate_management.group_rebate_accountant")
            user_env = env(user=admin.id, su=False) if accountant else env
            results.doc["actor"] = admin.login if accountant else "superuser"

            rec = generation.get("recompute")
            if rec:
                suffix = "" if rec.get("this_run") else " [generation run]"
                results.row(
                    "recompute accruals (all agreements)" + suffix,
                    rec["wall_s"],
                    rec["queries"],
                    f"{rec['accruals']} accruals, "
                    f"{rec['wall_s'] / max(rec['accruals'], 1) * 1e6:.0f} us each",
                    accruals=rec["accruals"],
                )

            log(
                f"stage 1: posting {settings.post} + {settings.post} invoices "
                f"in {settings.rounds} rounds"
            )
            stage_posting(user_env, settings, data, results)
            log("stage 4: SQL floor")
            floor = stage_floor(env, results)
            log("stage 2: close_periods")
            settlements = stage_close(user_env, settings, results, floor)
            log("checking every settlement against the SQL recomputation")
            check_settlements(env, settlements, data.agreement_ids, results)
            log("checking interim settlements on copies of 20 agreements")
            check_interim(user_env, data.agreement_ids, results)
            if growth_supported(user_env):
                log("checking growth rebates on copies of 21 agreements")
                check_growth(user_env, data.agreement_ids, results)
            log("stage 3: approval and credit notes")
            stage_credit_notes(
                user_env, settings, settlements.with_env(user_env), results
            )
            log("stage 5: OCA agreement_rebate")
            stage_oca(env, settings, data, results)
        finally:
            cr.rollback()


def main():
    settings = Settings()
    config.parse_config(sys.argv[1:])
    database = config["db_name"]
    if isinstance(database, list):
        database = database[0]
    database = database or os.environ.get("BENCH_DB")
    SHAPES.install()
    registry = Registry(database)
    results = Results(settings, database)

    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        state = get_param(env, STATE_KEY)
        stored = get_param(env, GENERATION_KEY)
    if state == f"ready {settings.signature}":
        log(f"reusing the data of {database} ({settings.signature})")
        generation = json.loads(stored or "{}")
        results.doc["reused"] = True
    elif state:
        sys.exit(
            f"error: {database} holds other benchmark data ({state}); "
            "rebuild it with scripts/bench.sh --reset"
        )
    else:
        generation = generate(registry, settings, results)
        results.doc["reused"] = False
    results.doc["generation"] = generation
    if not results.doc["reused"]:
        sample = generation["sample"]
        results.row(
            "generation: sample invoices via ORM",
            sample["wall_s"],
            sample["queries"],
            f"{sample['count']} docs, "
            f"{sample['wall_s'] / sample['count'] * 1000:.0f} ms each",
        )
        dup = generation["duplication"]
        results.row(
            "generation: SQL duplication",
            dup["wall_s"],
            None,
            f"{dup['moves']} moves, {dup['lines']} lines",
        )

    started = time.perf_counter()
    vacuum(database, VACUUMED)
    elapsed = time.perf_counter() - started
    log(f"VACUUM ANALYZE of the tables a run writes: {elapsed:.1f} s")
    if settings.recompute:
        log("timing action_recompute_accruals() again (rolled back)")
        retime_recompute(registry, settings, generation)
    measure_all(registry, settings, results, generation)
    if settings.overlap:
        log("overlap case (issue #26), in a transaction of its own")
        check_overlap(registry, settings, results)
    if settings.vendor:
        log("vendor case (issue #27), in a transaction of its own")
        check_vendor(registry, settings, results)
    if settings.load:
        log("load stage (issue #31): a server with workers on a copy of the database")
        stage_load(database, settings, results)

    results.doc["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results.doc["machine"]["load_average_end"] = os.getloadavg()
    results.doc["failed"] = results.failed
    with open(settings.json_path, "w", encoding="utf-8") as handle:
        json.dump(results.doc, handle, indent=2, default=str)
    print()
    print(
        f"rebate_management benchmark on {database}: {settings.customers} customers, "
        f"{settings.agreements} agreements, {settings.invoices} invoices x "
        f"{settings.lines} lines ({settings.products} products); "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus"
    )
    print(results.table())
    print()
    for title, steps in results.breakdowns:
        print(f"time inside methods: {title}")
        for key, value in sorted(steps.items(), key=lambda item: -item[1]["seconds"]):
            print(
                f"  {value['seconds']:9.3f} s  {value['calls']:6d} calls  {key[:100]}"
            )
    print()
    for name, target in results.doc["targets"].items():
        print(f"target {'met   ' if target['met'] else 'MISSED'}  {name}")
    print(f"\nresults written to {settings.json_path}")
    if results.failed:
        print("FAILED: settlements disagree with the recomputation", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
