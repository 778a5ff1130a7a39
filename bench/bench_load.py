# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The load stage (issue #31, part 7; scripts/bench.sh --load): a real Odoo
server with several workers on a copy of the bench database, and eight
XML-RPC clients posting invoices, first for a fixed time without the close,
then while the close settles the year's first three quarters (three calls of
close_periods over XML-RPC, one per quarter). Reported: postings per second
in both, the serialization failures and retries the server logged, then every
posted invoice's accruals and every settlement against the bench's SQL
recomputation (after a last close of the fourth quarter, rolled back), and
the chain of secured settlements.

The clients post invoices dated in the fourth quarter, which the close does
not settle: the settlements of the first three must equal the recomputation
whatever the postings, and the fourth's (closed after) must count every
posted invoice. They post to customers with an agreement, so that each
posting marks an agreement the close marks too (rebate.accrual
._lock_agreements): they wait for each other, and whichever comes second is
retried by Odoo (odoo.service.model.retrying).

The copy is committed into, then dropped (BENCH_LOAD_KEEP=1 keeps it).
"""

import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
import xmlrpc.client
from collections import Counter
from datetime import date, timedelta

import psycopg2
from bench_common import CLOSE_DATE, YEAR, log, median
from bench_generate import BenchData, invoice_vals, make_lines
from bench_stages import check_settlements, report_check

import odoo
from odoo import api, sql_db
from odoo.modules.registry import Registry
from odoo.tools import config

QUARTER_ENDS = (f"{YEAR}-03-31", f"{YEAR}-06-30", f"{YEAR}-09-30")
Q4_START = date(YEAR, 10, 1)
PASSWORD = "bench-load"
# what Odoo's retry logs (odoo.service.model, at INFO) for each failed try,
# and when it gives up
RETRY_LINE = re.compile(
    r"odoo\.service\.model: (SERIALIZATION_FAILURE|LOCK_NOT_AVAILABLE|"
    r"DEADLOCK_DETECTED), (\d+) tries left"
)
GAVE_UP = "maximum number of tries reached"
# the statement that failed, as odoo.sql_db logs it (at ERROR)
BAD_QUERY = re.compile(r"odoo\.sql_db: bad query: (b?[\"'].*?)\nERROR: (.*)")


def stage_load(database, settings, results):
    """The load stage on a copy of ``database`` (see the module's
    docstring); its figures in the results under "load"."""
    copy = f"{database}_load"
    log(f"load stage: copying {database} to {copy}")
    copy_database(database, copy)
    try:
        setup = prepare_copy(copy, settings)
        logfile = f"{config['data_dir']}/{copy}-server.log"
        server = start_server(copy, settings, logfile)
        try:
            figures = run_phases(copy, settings, setup, logfile)
        finally:
            server.terminate()
            server.wait(timeout=60)
        report_load(results, settings, figures)
        check_load(copy, setup, figures, results)
    finally:
        if not settings.load_keep:
            drop_database(copy)


# The copy


def _maintenance(database):
    """An autocommit connection to the server's maintenance database."""
    _name, params = sql_db.connection_info_for(database)
    connection = psycopg2.connect(**dict(params, database="postgres"))
    connection.autocommit = True
    return connection


def copy_database(database, copy):
    """``copy``, a fresh copy of ``database`` (its filestore too): this
    process's connections to it closed first, a template must have none."""
    sql_db.close_db(database)
    connection = _maintenance(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{copy}"')
            for attempt in range(10):
                try:
                    cursor.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{database}"')
                    break
                except psycopg2.errors.ObjectInUse:
                    if attempt == 9:
                        raise
                    time.sleep(3)
    finally:
        connection.close()
    source = config.filestore(database)
    shutil.rmtree(config.filestore(copy), ignore_errors=True)
    if os.path.isdir(source):
        shutil.copytree(source, config.filestore(copy))


def drop_database(copy):
    sql_db.close_db(copy)
    Registry.delete(copy)
    connection = _maintenance(copy)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{copy}"')
    finally:
        connection.close()
    shutil.rmtree(config.filestore(copy), ignore_errors=True)


def prepare_copy(copy, settings):
    """In the copy: a sales journal per client (the numbering of one
    journal would already make them wait for each other) and a known
    password for the admin (a rebate accountant in the bench's data). The
    customers, products and prices the clients use."""
    registry = Registry(copy)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        data = BenchData(env)
        Journal = env["account.journal"]
        journal_ids = []
        for index in range(settings.load_clients):
            code = f"LD{index}"
            journal = Journal.search([("code", "=", code)]) or Journal.create(
                {"name": f"Load Sales {index}", "code": code, "type": "sale"}
            )
            journal_ids.append(journal.id)
        admin = env.ref("base.user_admin")
        admin.password = PASSWORD
        setup = {
            "login": admin.login,
            "customer_ids": data.with_agreement_ids,
            "product_ids": data.product_ids,
            "prices": data.prices,
            "journal_ids": journal_ids,
            "agreement_ids": data.agreement_ids,
        }
    sql_db.close_db(copy)
    Registry.delete(copy)
    return setup


# The server


def start_server(copy, settings, logfile):
    """Odoo on the copy with ``settings.load_workers`` workers and no cron
    worker (the scheduled close would settle the whole year), logging Odoo's
    retries; returned once it answers."""
    command = [
        sys.executable,
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "load_server.py"),
        f"--addons-path={config['addons_path']}",
        f"--data-dir={config['data_dir']}",
        f"--db_host={config['db_host']}",
        f"--db_port={config['db_port']}",
        f"--db_user={config['db_user']}",
        f"--db_password={config['db_password']}",
        f"--database={copy}",
        f"--db-filter=^{copy}$",
        f"--workers={settings.load_workers}",
        "--max-cron-threads=0",
        "--http-interface=127.0.0.1",
        f"--http-port={settings.load_port}",
        "--limit-time-real=600",
        "--limit-time-cpu=600",
        f"--logfile={logfile}",
        "--log-level=warn",
        "--log-handler=odoo.service.model:INFO",
    ]
    open(logfile, "w").close()
    server = subprocess.Popen(command)
    proxy = xmlrpc.client.ServerProxy(f"{_url(settings)}/xmlrpc/2/common")
    for _attempt in range(120):
        try:
            proxy.version()
            return server
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(f"the load server died: see {logfile}") from None
            time.sleep(1)
    server.terminate()
    raise RuntimeError(f"the load server does not answer: see {logfile}")


def _url(settings):
    return f"http://127.0.0.1:{settings.load_port}"


# The clients


class Client:
    """One XML-RPC client posting invoices, one after the other, until told
    to stop: each a create then an action_post (timed)."""

    def __init__(self, index, copy, settings, setup, uid):
        self.index, self.copy, self.settings, self.setup = index, copy, settings, setup
        self.uid = uid
        self.rng = random.Random(settings.seed + 100 + index)
        self.proxy = xmlrpc.client.ServerProxy(
            f"{_url(settings)}/xmlrpc/2/object", allow_none=True
        )
        # (end time, seconds) of each posting; ids posted; faults
        self.posted, self.move_ids, self.faults = [], [], []

    def call(self, model, method, *args):
        return self.proxy.execute_kw(
            self.copy, self.uid, PASSWORD, model, method, list(args)
        )

    def post_one(self):
        setup = self.setup
        vals = invoice_vals(
            self.rng.choice(setup["customer_ids"]),
            (Q4_START + timedelta(days=self.rng.randrange(92))).isoformat(),
            make_lines(
                self.rng, setup["product_ids"], setup["prices"], self.settings.lines
            ),
            setup["journal_ids"][self.index],
        )
        # (XML-RPC marshals no enum: Command.CREATE as the number it is)
        vals["invoice_line_ids"] = [
            (0, 0, line_vals) for _command, _id, line_vals in vals["invoice_line_ids"]
        ]
        try:
            move_id = self.call("account.move", "create", vals)
            started = time.perf_counter()
            self.call("account.move", "action_post", [move_id])
        except xmlrpc.client.Fault as fault:
            self.faults.append(fault.faultString[-300:])
            return
        ended = time.perf_counter()
        self.posted.append((ended, ended - started))
        self.move_ids.append(move_id)

    def run(self, stop):
        while not stop.is_set():
            self.post_one()


def _in_window(clients, start, end):
    """[seconds] of the postings that ended between ``start`` and ``end``."""
    return [
        seconds
        for client in clients
        for ended, seconds in client.posted
        if start <= ended <= end
    ]


def run_phases(copy, settings, setup, logfile):
    """Warm-up, then the clients alone for ``settings.load_seconds``, then
    while the close settles the first three quarters: each phase's window,
    postings, their times, and Odoo's retries in the server's log."""
    common = xmlrpc.client.ServerProxy(f"{_url(settings)}/xmlrpc/2/common")
    uid = common.authenticate(copy, setup["login"], PASSWORD, {})
    clients = [
        Client(index, copy, settings, setup, uid)
        for index in range(settings.load_clients)
    ]
    log(f"load stage: warming the {settings.load_workers} workers up")
    start = time.perf_counter()
    _run_clients(clients, lambda stop: time.sleep(5) or stop.set())
    figures = {"warm-up": _phase_figures(clients, start, time.perf_counter(), logfile)}
    log(f"load stage: {len(clients)} clients for {settings.load_seconds} s")
    start, log_start = time.perf_counter(), _log_size(logfile)
    _run_clients(clients, lambda stop: time.sleep(settings.load_seconds) or stop.set())
    figures["without close"] = _phase_figures(
        clients, start, time.perf_counter(), logfile, log_start
    )
    log(f"load stage: {len(clients)} clients while the close runs")
    closer = Client(len(clients), copy, settings, setup, uid)
    close = {"calls": []}
    start, log_start = time.perf_counter(), _log_size(logfile)
    _run_clients(clients, lambda stop: _close(closer, close, stop))
    figures["with close"] = _phase_figures(
        clients, start, time.perf_counter(), logfile, log_start
    )
    figures["with close"]["close"] = close
    figures["move_ids"] = [mid for client in clients for mid in client.move_ids]
    figures["faults"] = [fault for client in clients for fault in client.faults]
    return figures


def _run_clients(clients, driver):
    """Run every client in a thread of its own until ``driver(stop)``
    (in this thread) sets ``stop``."""
    stop = threading.Event()
    threads = [threading.Thread(target=c.run, args=(stop,)) for c in clients]
    for thread in threads:
        thread.start()
    try:
        driver(stop)
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def _close(closer, close, stop):
    """The close of the first three quarters, one XML-RPC call each, timed;
    then ``stop``."""
    try:
        for quarter_end in QUARTER_ENDS:
            started = time.perf_counter()
            try:
                ids = closer.call("rebate.settlement", "close_periods", quarter_end)
            except xmlrpc.client.Fault as fault:
                close["calls"].append({"date": quarter_end, "fault": fault.faultString})
                continue
            close["calls"].append(
                {
                    "date": quarter_end,
                    "settlements": len(ids),
                    "seconds": time.perf_counter() - started,
                }
            )
    finally:
        stop.set()


def _log_size(logfile):
    with open(logfile, "rb") as handle:
        return handle.seek(0, 2)


def _phase_figures(clients, start, end, logfile, log_start=0):
    """A phase's window, postings, their median time, and what the server
    logged of Odoo's retries meanwhile."""
    seconds = _in_window(clients, start, end)
    with open(logfile, "rb") as handle:
        handle.seek(log_start)
        text = handle.read().decode("utf-8", "replace")
    retries = Counter(match[0] for match in RETRY_LINE.findall(text))
    return {
        "seconds": end - start,
        "postings": len(seconds),
        "per_second": len(seconds) / (end - start) if end > start else 0.0,
        "median_post_s": median(seconds),
        "retries": dict(retries),
        "failed_statements": dict(
            Counter(_who_failed(query) for query, _error in BAD_QUERY.findall(text))
        ),
        "gave_up": text.count(GAVE_UP),
    }


def _who_failed(query):
    """Whose statement failed: the lock of the agreements a posting accrues
    for (it reads the bases of its periods), of those a close settles (no
    period), or another."""
    if "UPDATE rebate_agreement" not in query:
        return "other: " + " ".join(query.split())[:60]
    return "posting" if "unnest(ARRAY['" in query else "close"


# Reporting and checking


def report_load(results, settings, figures):
    """The rows of the load stage: postings per second without and with the
    close, the close's calls, Odoo's retries."""
    results.doc["load"] = {
        key: value for key, value in figures.items() if key != "move_ids"
    }
    alone, during = figures["without close"], figures["with close"]
    for name, phase in (("without the close", alone), ("while the close runs", during)):
        retries = sum(phase["retries"].values())
        failed = ", ".join(
            f"{count} {who}" for who, count in phase["failed_statements"].items()
        )
        results.row(
            f"load: {settings.load_clients} clients posting, {name}",
            phase["seconds"],
            None,
            f"{phase['postings']} postings, {phase['per_second']:.2f}/s, median "
            f"{phase['median_post_s'] * 1000:.0f} ms; {retries} retries "
            f"({failed or 'none'}), {phase['gave_up']} given up",
        )
    calls = during["close"]["calls"]
    failed = [call for call in calls if "fault" in call]
    results.row(
        "load: close_periods over XML-RPC, three quarters, under load",
        sum(call.get("seconds", 0.0) for call in calls),
        None,
        f"{sum(call.get('settlements', 0) for call in calls)} settlements, "
        f"{len(failed)} calls failed",
        "no call fails",
        not failed,
    )
    if alone["per_second"]:
        ratio = during["per_second"] / alone["per_second"]
        log(f"load: postings per second with / without the close: x{ratio:.2f}")
        results.doc["load"]["ratio"] = ratio
    if failed or figures["faults"]:
        results.failed = True
        print("\nLOAD FAULTS:", *figures["faults"][:5], *failed[:3], sep="\n  ")


def check_load(copy, setup, figures, results):
    """On the copy, in a transaction rolled back: every posted invoice
    posted and accrued, the fourth quarter closed, then every settlement
    against the SQL recomputation and the chain of secured settlements."""
    registry = Registry(copy)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        try:
            _check_posted(env, figures["move_ids"], results)
            env["rebate.settlement"].close_periods(CLOSE_DATE)
            settlements = env["rebate.settlement"].search(
                [
                    ("agreement_id", "in", setup["agreement_ids"]),
                    ("state", "!=", "cancelled"),
                ]
            )
            check_settlements(
                env, settlements, setup["agreement_ids"], results, key="load"
            )
            _check_chain(env, results)
        finally:
            cr.rollback()
    sql_db.close_db(copy)
    Registry.delete(copy)


def _check_posted(env, move_ids, results):
    """Every invoice the clients posted is posted, with its accruals."""
    started = time.perf_counter()
    env.cr.execute(
        """SELECT m.id, m.state, COUNT(a.id)
             FROM account_move m
        LEFT JOIN rebate_accrual a ON a.move_id = m.id
            WHERE m.id = ANY(%s)
         GROUP BY m.id""",
        [move_ids],
    )
    rows = env.cr.fetchall()
    mismatches = [
        f"invoice {move_id}: {state}, {count} accruals"
        for move_id, state, count in rows
        if state != "posted" or not count
    ]
    mismatches += [f"{len(move_ids) - len(rows)} invoices not found"] * (
        len(rows) != len(move_ids)
    )
    report_check(
        results,
        "load_postings",
        "check (load): every posted invoice posted and accrued",
        started,
        f"{len(rows)} invoices posted by the clients",
        len(rows),
        mismatches,
    )


def _check_chain(env, results):
    """The chains of secured settlements verify."""
    started = time.perf_counter()
    reports = env["rebate.settlement"]._check_hash_integrity()
    mismatches = [
        f"company {report['company_id']}: {report['corrupted_ids'][:10]}"
        for report in reports
        if report["corrupted_ids"]
    ]
    report_check(
        results,
        "load_chain",
        "check (load): the chain of secured settlements",
        started,
        f"{len(reports)} companies",
        len(reports),
        mismatches,
    )
