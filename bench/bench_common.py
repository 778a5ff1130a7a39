# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The benchmark's settings, constants, timers and results table (see
rebate_bench.py)."""

import cProfile
import functools
import io
import os
import platform
import pstats
import re
import statistics
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime, timezone
from decimal import Decimal

import odoo
from odoo import sql_db

# v2: every generated document carries the chatter note of its posting
GENERATOR = "v2"
YEAR = 2025
YEAR_START = date(YEAR, 1, 1)
YEAR_END = date(YEAR, 12, 31)
CLOSE_DATE = "2025-12-31"
CUSTOMER_REF = "BENCH-C%05d"
CONTACT_REF = "BENCH-I%05d"
PRODUCT_CODE = "BENCH-P%05d"
AGREEMENT_NAME = "Bench Rebate %05d"
STATE_KEY = "rebate_bench.state"
GENERATION_KEY = "rebate_bench.generation"
QUIET = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
CENT = Decimal("0.01")


def log(message):
    stamp = datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


class Settings:
    """Sizes and switches, from the BENCH_* environment variables."""

    def __init__(self):
        def number(name, default):
            return int(os.environ.get(f"BENCH_{name}", default))

        self.customers = number("CUSTOMERS", 1000)
        self.products = number("PRODUCTS", 200)
        self.agreements = number("AGREEMENTS", 1200)
        self.invoices = number("INVOICES", 10000)
        self.lines = number("LINES", 20)
        self.sample = min(number("SAMPLE", 200), self.invoices)
        self.post = number("POST", 100)
        self.rounds = max(1, min(number("ROUNDS", 5), self.post))
        self.seed = number("SEED", 2025)
        self.profile = os.environ.get("BENCH_PROFILE", "0") == "1"
        self.lines_check = os.environ.get("BENCH_LINES_CHECK", "1") == "1"
        self.recompute = os.environ.get("BENCH_RECOMPUTE", "0") == "1"
        # the overlap case (issue #26), after the measured stages
        self.overlap = os.environ.get("BENCH_OVERLAP", "0") == "1"
        # the vendor case (issue #27), after the measured stages
        self.vendor = os.environ.get("BENCH_VENDOR", "0") == "1"
        # the load stage (issue #31, part 7), after the others: a server with
        # workers on a copy of the database, clients posting over XML-RPC
        self.load = os.environ.get("BENCH_LOAD", "0") == "1"
        self.load_seconds = number("LOAD_SECONDS", 20)
        self.load_clients = number("LOAD_CLIENTS", 8)
        self.load_workers = number("LOAD_WORKERS", 4)
        self.load_port = number("LOAD_PORT", 18269)
        self.load_keep = os.environ.get("BENCH_LOAD_KEEP", "0") == "1"
        # 0: every settlement gets its credit note; N: the first N only
        self.credit_notes = number("CREDIT_NOTES", 0)
        self.json_path = os.environ.get("BENCH_JSON", "bench-results.json")
        self.profile_dir = os.environ.get(
            "BENCH_PROFILE_DIR", "/tmp/rebate_bench_profiles"
        )
        self.signature = (
            f"{GENERATOR} customers={self.customers} products={self.products}"
            f" agreements={self.agreements} invoices={self.invoices}"
            f" lines={self.lines} sample={number('SAMPLE', 200)} seed={self.seed}"
        )
        given = os.environ.get("BENCH_SIGNATURE")
        if given and given != self.signature:
            sys.exit(
                f"error: signature mismatch between scripts/bench.sh ({given}) "
                f"and bench/rebate_bench.py ({self.signature})"
            )
        if self.customers < 10:
            sys.exit("error: BENCH_CUSTOMERS must be at least 10")
        if (
            self.sample < 1
            or self.lines < 1
            or self.products < 1
            or self.agreements < 1
        ):
            sys.exit(
                "error: BENCH_SAMPLE, BENCH_LINES, BENCH_PRODUCTS and "
                "BENCH_AGREEMENTS must be positive"
            )

    def as_dict(self):
        return {
            key: getattr(self, key)
            for key in (
                "customers",
                "products",
                "agreements",
                "invoices",
                "lines",
                "sample",
                "post",
                "rounds",
                "seed",
                "lines_check",
                "credit_notes",
                "overlap",
                "vendor",
                "load",
                "load_seconds",
                "load_clients",
                "load_workers",
            )
        }


# ---------------------------------------------------------------------------
# Measuring


class QueryShapes:
    """Counts and times the SQL queries by shape while ``active`` (profile mode)."""

    def __init__(self):
        self.active = None

    def install(self):
        original = sql_db.Cursor.execute
        shapes = self

        def execute(cursor, query, params=None, log_exceptions=True):
            if shapes.active is None:
                return original(cursor, query, params, log_exceptions)
            start = time.perf_counter()
            try:
                return original(cursor, query, params, log_exceptions)
            finally:
                entry = shapes.active.setdefault(shape_of(query), [0, 0.0])
                entry[0] += 1
                entry[1] += time.perf_counter() - start

        sql_db.Cursor.execute = execute


SHAPES = QueryShapes()
_NUMBERS = re.compile(r"\b\d+\b")
_STRINGS = re.compile(r"'[^']*'")
_SPACES = re.compile(r"\s+")


def shape_of(query):
    text = getattr(query, "code", query)
    text = (text if isinstance(text, str) else str(text))[:400]
    text = _SPACES.sub(" ", _STRINGS.sub("?", _NUMBERS.sub("N", text))).strip()
    return text[:110]


class Measure:
    """Wall time, CPU time and SQL queries of a block (flushes and precommit
    hooks at both ends, as a request's commit would run them)."""

    def __init__(self, settings, name, shapes=False):
        self.settings = settings
        self.name = name
        self.wall = self.cpu = 0.0
        self.queries = 0
        self.profiler = cProfile.Profile() if settings.profile else None
        self.shapes = {} if settings.profile or shapes else None

    @contextmanager
    def run(self, env):
        env.cr.flush()
        queries = env.cr.sql_log_count
        cpu = time.process_time()
        start = time.perf_counter()
        SHAPES.active = self.shapes
        if self.profiler:
            self.profiler.enable()
        try:
            yield self
            env.cr.flush()
        finally:
            if self.profiler:
                self.profiler.disable()
            SHAPES.active = None
            self.wall += time.perf_counter() - start
            self.cpu += time.process_time() - cpu
            self.queries += env.cr.sql_log_count - queries

    def report_profile(self, top=14):
        """Write the profile of the stage; return a short text for the log."""
        if not self.profiler:
            return ""
        os.makedirs(self.settings.profile_dir, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "_", self.name.lower()).strip("_")
        path = os.path.join(self.settings.profile_dir, slug)
        self.profiler.dump_stats(path + ".prof")
        out = io.StringIO()
        stats = pstats.Stats(self.profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(40)
        out.write("\n--- by own time\n")
        stats.sort_stats("tottime").print_stats(25)
        out.write("\n--- SQL by shape (count, seconds)\n")
        for shape, (count, seconds) in sorted(
            self.shapes.items(), key=lambda item: -item[1][0]
        ):
            out.write(f"{count:8d} {seconds:8.3f}s  {shape}\n")
        with open(path + ".txt", "w", encoding="utf-8") as handle:
            handle.write(out.getvalue())
        lines = [f"profile of '{self.name}': {path}.txt / .prof; top SQL shapes:"]
        for shape, (count, seconds) in sorted(
            self.shapes.items(), key=lambda item: -item[1][0]
        )[:top]:
            lines.append(f"    {count:7d} q {seconds:7.3f}s  {shape[:100]}")
        return "\n".join(lines)


class MethodTimer:
    """Times the calls of model methods, wrapped on their registry classes
    for as long as the timer is active (``with MethodTimer(...)``)."""

    def __init__(self, env, targets):
        self.env = env
        self.targets = targets
        self.seconds = defaultdict(float)
        self.calls = defaultdict(int)
        self._patched = []

    def __enter__(self):
        for model, method in self.targets:
            cls = type(self.env[model])
            original = getattr(cls, method, None)
            if original is None:
                continue
            self._patched.append((cls, method, method in cls.__dict__, original))
            setattr(cls, method, self._wrap(original, f"{model}.{method}"))
        return self

    def __exit__(self, *exc):
        for cls, method, own, original in reversed(self._patched):
            if own:
                setattr(cls, method, original)
            else:
                delattr(cls, method)
        self._patched.clear()

    def _wrap(self, original, key):
        timer = self

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timer.seconds[key] += time.perf_counter() - start
                timer.calls[key] += 1

        return wrapper


class Results:
    """The rows of the final table and the JSON document."""

    def __init__(self, settings, database):
        self.settings = settings
        self.rows = []
        self.doc = {
            "benchmark": "rebate_management",
            "database": database,
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "params": settings.as_dict(),
            "machine": {
                "cpus": os.cpu_count(),
                "load_average": os.getloadavg(),
                "python": platform.python_version(),
                "odoo": odoo.release.version,
            },
            "code": os.environ.get("BENCH_CODE", "unknown"),
            "stages": {},
            "targets": {},
            "checks": {},
            "notes": [],
        }
        self.failed = False
        self.breakdowns = []

    def row(
        self, stage, wall=None, queries=None, per_unit="", target="", met=None, **data
    ):
        self.rows.append((stage, wall, queries, per_unit, target, met))
        self.doc["stages"][stage] = {
            "wall_s": wall,
            "queries": queries,
            "per_unit": per_unit,
            "target": target or None,
            "met": met,
            **data,
        }

    def target(self, name, met, **data):
        self.doc["targets"][name] = {"met": met, **data}

    def breakdown(self, title, steps):
        """Time spent in given methods during a stage (they may nest)."""
        self.doc.setdefault("breakdowns", {})[title] = steps
        self.breakdowns.append((title, steps))

    def note(self, text):
        self.doc["notes"].append(text)
        log(text)

    def table(self):
        head = ("stage", "wall s", "queries", "per unit", "target", "met?")
        body = []
        for stage, wall, queries, per_unit, target, met in self.rows:
            body.append(
                (
                    stage,
                    "" if wall is None else f"{wall:.3f}",
                    "" if queries is None else str(queries),
                    per_unit,
                    target,
                    "" if met is None else ("yes" if met else "NO"),
                )
            )
        widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
        aligns = "<>><<<"

        def fmt(cells):
            return "  ".join(
                f"{cell:{align}{width}}"
                for cell, align, width in zip(cells, aligns, widths, strict=True)
            ).rstrip()

        rule = "  ".join("-" * w for w in widths)
        return "\n".join([fmt(head), rule, *(fmt(r) for r in body)])


def median(values):
    return statistics.median(values) if values else 0.0


# ---------------------------------------------------------------------------
# Data generation


def get_param(env, key):
    return env["ir.config_parameter"].sudo().get_param(key)


def set_param(env, key, value):
    env["ir.config_parameter"].sudo().set_param(key, value)
