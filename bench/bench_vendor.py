# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The vendor case (issue #27): suppliers, a year of their bills, vendor
agreements on purchases and on sell-through, the cost of posting a vendor
bill, and a close of the year checked against an independent SQL
recomputation (see rebate_bench.py and README.md, "Vendor rebates").

It runs in a transaction of its own, after the measured stages and rolled
back, on the bench's data as generated (the customers' agreements still
active): the timed stages never see its suppliers, bills or agreements.
"""

import gc
import random
import statistics
import time
from contextlib import contextmanager
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from bench_common import (
    CENT,
    CLOSE_DATE,
    QUIET,
    YEAR,
    YEAR_END,
    YEAR_START,
    Measure,
    MethodTimer,
    log,
    median,
)
from bench_generate import (
    BenchData,
    duplicate_moves,
    invoice_vals,
    make_lines,
    random_date,
)
from bench_stages import (
    POSTING_HOOK,
    compare_settlements,
    expected_settlements,
    expected_tiers,
    retroactive_rebate,
)

import odoo
from odoo import Command, api

# (invoice, refund) move types of a vendor bill
PURCHASE_TYPES = ("in_invoice", "in_refund")
VENDOR_REF = "BENCH-V%05d"
VENDOR_AGREEMENT_NAME = "Bench Vendor Rebate %03d %s"
# suppliers: the first PURCHASE_AGREEMENTS have agreements on their
# purchases, the others none (their bills are posted for comparison)
VENDORS = 8
PURCHASE_AGREEMENTS = 6
# sell-through agreements: (supplier, share of the products as a list, or
# the name of a Bench category)
SELL_THROUGH = ((0, 0.05), (1, 0.1), (2, "Drinks"))
SAMPLE_BILLS = 40
# what the company pays for a product, as a share of its list price
COST_SHARE = 0.6
CUSTOMER_TYPES = ("out_invoice", "out_refund")
QUARTERS = [date(YEAR, month, 1) for month in (1, 4, 7, 10)]
BASES = {"purchases": "purchases", "sell_through": "sell-through"}
POSTING_KINDS = {
    "with": "post vendor bill, agreement applies",
    "none": "post vendor bill, no agreement for its supplier",
    "off": "post vendor bill, bills kept from the line query",
}


def vendor_supported(env):
    """Whether the module has vendor rebates (issue #27)."""
    fields = env["rebate.agreement"]._fields
    return "rebate_type" in fields and "vendor_basis" in fields


def bill_vals(partner_id, invoice_date, lines, journal_id, refund=False):
    """A vendor bill's values (invoice_vals of the purchase move types)."""
    return invoice_vals(
        partner_id, invoice_date, lines, journal_id, refund, PURCHASE_TYPES
    )


class VendorData:
    """The suppliers, their purchase journal and the products' costs."""

    def __init__(self, env, data):
        self.data = data
        vendors = env["res.partner"].create(
            [
                {
                    "name": f"Bench Vendor {i:05d}",
                    "ref": VENDOR_REF % i,
                    "is_company": True,
                    "supplier_rank": 1,
                }
                for i in range(VENDORS)
            ]
        )
        self.vendor_ids = vendors.ids
        self.with_agreement_ids = vendors.ids[:PURCHASE_AGREEMENTS]
        self.without_agreement_ids = vendors.ids[PURCHASE_AGREEMENTS:]
        Journal = env["account.journal"]
        self.journal_id = Journal.search(
            [*Journal._check_company_domain(env.company), ("type", "=", "purchase")],
            limit=1,
        ).id
        if not self.journal_id:
            raise RuntimeError("no purchase journal in the bench's company")
        self.costs = {
            pid: round(price * COST_SHARE, 2) for pid, price in data.prices.items()
        }

    def random_bill(self, rng, settings, partner_id, refund=False):
        return bill_vals(
            partner_id,
            random_date(rng),
            make_lines(rng, self.data.product_ids, self.costs, settings.lines, refund),
            self.journal_id,
            refund,
        )


def bill_count(settings):
    """The generated bills: one per 50 customer documents (200 at the
    default size, 4,000 lines), the ORM's sample included."""
    return max(SAMPLE_BILLS, settings.invoices // 50)


def generate_bills(env, settings, vendors, rng):
    """Post SAMPLE_BILLS bills of the suppliers through the ORM (one in ten a
    refund), copy them in SQL for other suppliers and dates up to
    bill_count(settings) (bench_generate.duplicate_moves), then number them
    by month as Odoo numbers bills. :return: the bills' ids"""
    Move = env["account.move"].with_context(**QUIET)
    sample = Move.create(
        [
            vendors.random_bill(
                rng, settings, rng.choice(vendors.vendor_ids), refund=k % 10 == 9
            )
            for k in range(SAMPLE_BILLS)
        ]
    )
    sample.action_post()
    suppliers = SimpleNamespace(customer_ids=vendors.vendor_ids, contact_of={})
    env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM account_move")
    last_id = env.cr.fetchone()[0]
    duplicate_moves(env, rng, suppliers, sample.ids, bill_count(settings) - len(sample))
    env.cr.execute(
        "SELECT id FROM account_move WHERE id = ANY(%s) OR id > %s ORDER BY id",
        [sample.ids, last_id],
    )
    bill_ids = [row[0] for row in env.cr.fetchall()]
    renumber_bills(env, bill_ids)
    env.invalidate_all()
    return bill_ids


def renumber_bills(env, bill_ids):
    """Bills are numbered by month (BILL/2025/03/0001): a copy keeps its
    template's month in its number, and Odoo numbers the next bill of a
    month from the last one dated in it, so a copy dated in another month
    would make it reuse a number. Every bill is numbered again in its own
    month, by date (through temporary names, the names being unique)."""
    cr = env.cr
    cr.execute(
        "UPDATE account_move SET name = name || '#' || id WHERE id = ANY(%s)",
        [bill_ids],
    )
    cr.execute(
        r"""
        WITH prefixed AS (
            SELECT id, journal_id, date,
                   regexp_replace(sequence_prefix, '\d{4}/\d{2}/$',
                                  to_char(date, 'YYYY/MM/')) AS prefix
              FROM account_move WHERE id = ANY(%s)
        ), numbered AS (
            SELECT id, prefix, row_number() OVER (
                       PARTITION BY journal_id, prefix ORDER BY date, id) AS seq
              FROM prefixed
        )
        UPDATE account_move m
           SET name = n.prefix || lpad(n.seq::text, 4, '0'),
               sequence_prefix = n.prefix, sequence_number = n.seq,
               payment_reference = CASE WHEN m.payment_reference IS NOT NULL
                   THEN n.prefix || lpad(n.seq::text, 4, '0') END
          FROM numbered n
         WHERE n.id = m.id
        """,
        [bill_ids],
    )
    cr.execute(
        """UPDATE account_move_line l SET move_name = m.name
             FROM account_move m WHERE m.id = l.move_id AND m.id = ANY(%s)""",
        [bill_ids],
    )


def check_bills(env, bill_ids):
    """The generated bills balance, their untaxed amounts are those of their
    product lines, and their names are unique; fail otherwise.
    :return: (bills, refunds, product lines)"""
    cr = env.cr
    cr.execute(
        """
        SELECT COUNT(*) FILTER (WHERE NOT ok), COUNT(*),
               COUNT(*) FILTER (WHERE move_type = 'in_refund'), SUM(lines)::int,
               COUNT(DISTINCT (journal_id, name))
          FROM (
            SELECT m.id, m.move_type, m.journal_id, m.name,
                   COUNT(*) FILTER (WHERE l.display_type = 'product') AS lines,
                   SUM(l.debit) = SUM(l.credit) AND SUM(l.balance) = 0
                   AND m.state = 'posted'
                   AND -COALESCE(SUM(l.balance) FILTER (
                        WHERE l.display_type = 'product'), 0)
                       = m.amount_untaxed_signed AS ok
              FROM account_move m JOIN account_move_line l ON l.move_id = m.id
             WHERE m.id = ANY(%s)
          GROUP BY m.id
          ) bills
        """,
        [bill_ids],
    )
    wrong, bills, refunds, lines, names = cr.fetchone()
    if wrong or bills != len(bill_ids) or names != bills:
        raise RuntimeError(
            f"generated bills inconsistent: {wrong} of {bills} wrong, "
            f"{names} distinct names"
        )
    return bills, refunds, lines


def _tiers(rng, base):
    """Three retroactive tiers around ``base``, the quarter's expected base."""
    return [
        Command.create({"threshold": threshold, "rate": rate})
        for threshold, rate in (
            (0.0, 1.0),
            (round(base * rng.uniform(0.6, 0.9), -1) or 10.0, 2.0),
            (round(base * rng.uniform(1.1, 1.6), -1) or 20.0, 3.0),
        )
    ]


def create_vendor_agreements(env, settings, vendors, rng):
    """Quarterly retroactive vendor agreements of the year: one on the
    purchases of each supplier of vendors.with_agreement_ids, and every
    other one of them a second on a quarter of the products; the
    sell-through agreements of SELL_THROUGH (a product list or a category,
    over every customer's invoices)."""
    data = vendors.data
    mean_cost = statistics.mean(vendors.costs.values())
    line_value = 5.5 * mean_cost
    purchases = bill_count(settings) / VENDORS / 4 * settings.lines * line_value
    sales = settings.invoices / 4 * settings.lines * 5.5 * (line_value / COST_SHARE)
    common = {
        "rebate_type": "vendor",
        "date_start": YEAR_START,
        "date_end": YEAR_END,
        "period": "quarter",
        "basis": "amount",
        "tier_mode": "retroactive",
    }
    vals_list = []
    for k, vendor in enumerate(vendors.with_agreement_ids):
        vals_list.append(
            {
                **common,
                "name": VENDOR_AGREEMENT_NAME % (k, "purchases"),
                "partner_id": vendor,
                "vendor_basis": "purchases",
                "tier_ids": _tiers(rng, purchases),
            }
        )
        if k % 2:
            products = rng.sample(data.product_ids, max(1, len(data.product_ids) // 4))
            vals_list.append(
                {
                    **common,
                    "name": VENDOR_AGREEMENT_NAME % (k, "purchases, products"),
                    "partner_id": vendor,
                    "vendor_basis": "purchases",
                    "product_ids": [Command.set(products)],
                    "tier_ids": _tiers(rng, purchases / 4),
                }
            )
    for k, (index, scope) in enumerate(SELL_THROUGH):
        if isinstance(scope, str):
            category = env["product.category"].search(
                [("name", "=", scope), ("parent_id.name", "=", "Bench")]
            )
            scope_vals = {"product_categ_ids": [Command.set(category.ids)]}
            share = 0.25
        else:
            count = max(1, round(len(data.product_ids) * scope))
            scope_vals = {
                "product_ids": [Command.set(rng.sample(data.product_ids, count))]
            }
            share = count / len(data.product_ids)
        vals_list.append(
            {
                **common,
                **scope_vals,
                "name": VENDOR_AGREEMENT_NAME % (k, "sell-through"),
                "partner_id": vendors.vendor_ids[index],
                "vendor_basis": "sell_through",
                "tier_ids": _tiers(rng, sales * share),
            }
        )
    return env["rebate.agreement"].create(vals_list)


# ---------------------------------------------------------------------------
# The independent recomputation

# Vendor agreements' lines, written apart from the module's queries: the
# product lines of posted documents, not a rebate document nor a reversal
# of one; on purchases the supplier's bills and vendor refunds (through
# res_partner), whose line balance is the untaxed amount in the company's
# currency, positive on a bill and negative on a refund; on sell-through
# every customer's invoices and refunds, whose balance has the opposite
# sign. The product scope: a product list, or categories and their
# subcategories by parent_path.
VENDOR_BASES = """
    WITH agreements AS (
        SELECT a.id, a.company_id, a.date_start, a.date_end, a.vendor_basis,
               sp.commercial_partner_id AS supplier,
               EXISTS (SELECT 1 FROM rebate_agreement_product_rel r
                        WHERE r.agreement_id = a.id)
            OR EXISTS (SELECT 1 FROM rebate_agreement_product_category_rel c
                        WHERE c.agreement_id = a.id) AS scoped
          FROM rebate_agreement a
          JOIN res_partner sp ON sp.id = a.partner_id
         WHERE a.id = ANY(%(ids)s)
    ),
    doc_lines AS (
        SELECT m.company_id, m.invoice_date, m.move_type, l.product_id,
               t.categ_id, p.commercial_partner_id AS partner, l.balance
          FROM account_move_line l
          JOIN account_move m ON m.id = l.move_id
          JOIN res_partner p ON p.id = m.partner_id
          JOIN product_product pr ON pr.id = l.product_id
          JOIN product_template t ON t.id = pr.product_tmpl_id
         WHERE m.state = 'posted'
           AND m.move_type IN ('in_invoice', 'in_refund', 'out_invoice', 'out_refund')
           AND m.rebate_settlement_id IS NULL
           AND (m.reversed_entry_id IS NULL OR NOT EXISTS (
                SELECT 1 FROM account_move r
                 WHERE r.id = m.reversed_entry_id
                   AND r.rebate_settlement_id IS NOT NULL))
           AND l.display_type = 'product'
    )
    SELECT a.id, date_trunc('quarter', d.invoice_date)::date,
           SUM(CASE WHEN a.vendor_basis = 'sell_through' THEN -d.balance
                    ELSE d.balance END)
      FROM agreements a
      JOIN doc_lines d ON d.company_id = a.company_id
                      AND d.invoice_date BETWEEN a.date_start AND a.date_end
     WHERE CASE WHEN a.vendor_basis = 'sell_through'
                THEN d.move_type IN ('out_invoice', 'out_refund')
                ELSE d.move_type IN ('in_invoice', 'in_refund')
                     AND d.partner = a.supplier
           END
       AND (NOT a.scoped
            OR EXISTS (SELECT 1 FROM rebate_agreement_product_rel r
                        WHERE r.agreement_id = a.id AND r.product_id = d.product_id)
            OR EXISTS (SELECT 1 FROM rebate_agreement_product_category_rel c
                         JOIN product_category top ON top.id = c.categ_id
                         JOIN product_category below
                           ON below.parent_path LIKE top.parent_path || '%%'
                        WHERE c.agreement_id = a.id AND below.id = d.categ_id))
  GROUP BY 1, 2
"""


def expected_vendor_settlements(env, agreement_ids):
    """{(agreement id, quarter start): (base, rebate)} of the vendor
    agreements, from VENDOR_BASES and the retroactive tier in Python."""
    env.cr.execute(VENDOR_BASES, {"ids": agreement_ids})
    bases = {
        (ag, quarter): Decimal(total).quantize(CENT, ROUND_HALF_UP)
        for ag, quarter, total in env.cr.fetchall()
    }
    tiers = expected_tiers(env, agreement_ids)
    expected = {}
    for ag in agreement_ids:
        for quarter in QUARTERS:
            base = bases.get((ag, quarter), Decimal(0))
            expected[ag, quarter] = (base, retroactive_rebate(base, tiers[ag]))
    return expected


# ---------------------------------------------------------------------------
# Posting


@contextmanager
def bills_kept_out(env):
    """Posting as before vendor rebates: the posting hook's pre-filter
    (rebate.line.query._filter_counted_moves) lets customer documents
    through only, so that a bill reaches no line query. On the registry's
    class, for as long as the block runs."""
    cls = type(env["rebate.line.query"])
    own = "_filter_counted_moves" in cls.__dict__
    original = cls._filter_counted_moves

    def customer_documents_only(self, moves):
        return original(self, moves).filtered(
            lambda move: move.move_type in CUSTOMER_TYPES
        )

    cls._filter_counted_moves = customer_documents_only
    try:
        yield
    finally:
        if own:
            cls._filter_counted_moves = original
        else:
            del cls._filter_counted_moves


def measure_bill_posting(env, settings, vendors, rng):
    """Triplets of identical bills (same lines and date), one of a supplier
    with a vendor agreement on its purchases, one of a supplier with none,
    and one of the latter posted with bills kept from the line query (as
    before vendor rebates), posted one by one in turn, each from an empty
    record cache as a request would. :return: the samples per kind (time,
    queries, hook time) and the accruals of the bills of each kind"""
    Move = env["account.move"]
    kinds = tuple(POSTING_KINDS)
    samples = {kind: {"times": [], "queries": [], "hook": []} for kind in kinds}
    measures = {kind: Measure(settings, POSTING_KINDS[kind]) for kind in kinds}
    posted = {kind: [] for kind in kinds}
    hook_key = ".".join(POSTING_HOOK)

    def triplet(index):
        vals = vendors.random_bill(rng, settings, None)
        partners = {
            "with": vendors.with_agreement_ids[index % PURCHASE_AGREEMENTS],
            "none": vendors.without_agreement_ids[
                index % len(vendors.without_agreement_ids)
            ],
        }
        partners["off"] = partners["none"]
        moves = Move.create([{**vals, "partner_id": partners[kind]} for kind in kinds])
        return list(zip(kinds, moves, strict=True))

    def post(kind, move, timer, counted):
        measure = measures[kind]
        env.cr.flush()
        env.invalidate_all()
        wall, queries, hook = measure.wall, measure.queries, timer.seconds[hook_key]
        if kind == "off":
            with bills_kept_out(env), measure.run(env):
                move.action_post()
        else:
            with measure.run(env):
                move.action_post()
        if counted:
            samples[kind]["times"].append(measure.wall - wall)
            samples[kind]["queries"].append(measure.queries - queries)
            samples[kind]["hook"].append(timer.seconds[hook_key] - hook)
            posted[kind].append(move.id)

    with MethodTimer(env, [POSTING_HOOK]) as timer:
        for kind, move in triplet(10**6):  # a warm-up, not counted
            post(kind, move, timer, False)
        for index in range(settings.post):
            moves = triplet(index)
            shift = index % len(moves)
            for kind, move in moves[shift:] + moves[:shift]:
                post(kind, move, timer, True)
    env.cr.execute(
        "SELECT move_id, COUNT(*) FROM rebate_accrual"
        " WHERE move_id = ANY(%s) GROUP BY move_id",
        [[move_id for ids in posted.values() for move_id in ids]],
    )
    accrued = dict(env.cr.fetchall())
    accruals = {kind: [accrued.get(m, 0) for m in posted[kind]] for kind in kinds}
    if settings.profile:
        for measure in measures.values():
            log(measure.report_profile(top=10))
    return samples, accruals


def report_bill_posting(results, samples, accruals):
    """The rows of the bills' posting: per kind, and what vendor rebates
    add to a bill with and without an agreement (medians, and paired: the
    bills of a triplet are posted one after the other)."""
    summary = {}
    for kind, label in POSTING_KINDS.items():
        times, queries = samples[kind]["times"], samples[kind]["queries"]
        hook = median(samples[kind]["hook"])
        summary[kind] = {
            "bills": len(times),
            "median_s": median(times),
            "mean_s": statistics.mean(times),
            "queries_per_bill": statistics.mean(queries),
            "queries_min": min(queries),
            "queries_max": max(queries),
            "hook_median_s": hook,
            "accruals_per_bill": statistics.mean(accruals[kind]),
        }
        results.row(
            label,
            sum(times),
            sum(queries),
            f"{median(times) * 1000:.1f} ms/bill (median; mean "
            f"{statistics.mean(times) * 1000:.1f}), "
            f"{statistics.mean(queries):.1f} q/bill; hook {hook * 1000:.1f} ms; "
            f"{statistics.mean(accruals[kind]):.0f} accruals/bill",
            **summary[kind],
        )
    off = samples["off"]["times"]
    base = median(off)
    for kind in ("none", "with"):
        times = samples[kind]["times"]
        paired = median([t - o for t, o in zip(times, off, strict=True)])
        summary[kind]["overhead_pct"] = (median(times) - base) / base * 100
        summary[kind]["paired_overhead_pct"] = paired / base * 100
        summary[kind]["extra_queries"] = (
            summary[kind]["queries_per_bill"] - summary["off"]["queries_per_bill"]
        )
    results.row(
        "vendor bill posting vs bills kept from the line query",
        None,
        None,
        "; ".join(
            f"{label}: {summary[kind]['overhead_pct']:+.1f} % (paired "
            f"{summary[kind]['paired_overhead_pct']:+.1f} %), "
            f"{summary[kind]['extra_queries']:+.1f} q/bill"
            for kind, label in (("none", "no agreement"), ("with", "agreement"))
        ),
        overheads={
            kind: {
                key: summary[kind][key]
                for key in ("overhead_pct", "paired_overhead_pct", "extra_queries")
            }
            for kind in ("none", "with")
        },
    )
    return summary


# ---------------------------------------------------------------------------
# The case


def _close(env, settings, agreements=None):
    """close_periods at the year's end (of ``agreements``, else of every
    active agreement, as the bench's close stage does), timed."""
    env.cr.flush()
    env.invalidate_all()
    gc.collect()
    measure = Measure(
        settings, "vendor: close_periods, " + ("vendor" if agreements else "all")
    )
    with measure.run(env):
        settlements = env["rebate.settlement"].close_periods(
            CLOSE_DATE, agreements=agreements
        )
    if settings.profile:
        log(measure.report_profile(top=10))
    return measure, settlements


def _user_env(env):
    """The administrator (a rebate manager and accountant) activates and
    closes, as in the measured stages."""
    admin = env.ref("base.user_admin")
    allowed = admin.has_group(
        "rebate_management.group_rebate_manager"
    ) and admin.has_group("rebate_management.group_rebate_accountant")
    return env(user=admin.id, su=False) if allowed else env


def run_vendor_case(env, settings, figures):
    """The case's steps, in the caller's transaction; ``figures`` collects
    what the results report."""
    rng = random.Random(settings.seed + 27)
    user_env = _user_env(env)
    data = BenchData(env)
    started = time.perf_counter()
    vendors = VendorData(env, data)
    bill_ids = generate_bills(env, settings, vendors, rng)
    figures["bills"] = check_bills(env, bill_ids)
    env.cr.execute("ANALYZE account_move")
    env.cr.execute("ANALYZE account_move_line")
    agreements = create_vendor_agreements(env, settings, vendors, rng)
    env.flush_all()
    figures["generate_s"] = time.perf_counter() - started
    log(
        f"vendor case: {figures['bills'][0]} bills ({figures['bills'][1]} "
        f"refunds, {figures['bills'][2]} lines) of {VENDORS} suppliers; "
        f"activating {len(agreements)} vendor agreements"
    )
    by_basis = {
        basis: agreements.filtered(lambda a, b=basis: a.vendor_basis == b)
        for basis in BASES
    }
    figures["by_basis"] = {basis: len(group) for basis, group in by_basis.items()}
    figures["activate"] = {}
    for basis, group in by_basis.items():
        activate = Measure(settings, f"vendor: activate, {basis}")
        with activate.run(env):
            group.with_env(user_env).action_activate()
        figures["activate"][basis] = activate
    log(f"vendor case: posting {settings.post} bills of each kind")
    figures["posting"] = measure_bill_posting(user_env, settings, vendors, rng)
    figures["close_alone"] = {}
    for basis, group in by_basis.items():
        log(f"vendor case: closing the agreements on {BASES[basis]} alone")
        savepoint = env.cr.savepoint(flush=True)
        figures["close_alone"][basis] = _close(user_env, settings, group.ids)
        savepoint.close(rollback=True)
        env.invalidate_all(flush=False)
    log("vendor case: closing every agreement at the year's end")
    measure, settlements = _close(user_env, settings)
    figures["close_all"] = (measure, settlements)
    settlements = settlements.with_env(env)
    started = time.perf_counter()
    vendor_settlements = settlements.filtered(lambda s: s.agreement_id in agreements)
    figures["vendor_check"] = compare_settlements(
        env,
        vendor_settlements,
        expected_vendor_settlements(env, agreements.ids),
    )
    figures["customer_check"] = compare_settlements(
        env,
        settlements - vendor_settlements,
        expected_settlements(env, data.agreement_ids),
    )
    figures["check_s"] = time.perf_counter() - started


def check_vendor(registry, settings, results):
    """The vendor case, in a transaction of its own rolled back."""
    figures = {}
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        try:
            if not vendor_supported(env):
                results.row(
                    "check: vendor settlements vs SQL recomputation",
                    None,
                    None,
                    "skipped: the module has no vendor rebates (issue #27)",
                )
                return None
            run_vendor_case(env, settings, figures)
        finally:
            cr.rollback()
    return report_vendor(results, figures)


def report_vendor(results, figures):
    """The vendor case's rows, checks and verdict."""
    bills, refunds, lines = figures["bills"]
    kinds = figures["by_basis"]
    results.row(
        "vendor: suppliers, bills and agreements (not timed)",
        figures["generate_s"],
        None,
        f"{VENDORS} suppliers, {bills} bills ({refunds} refunds, {lines} lines), "
        f"{SAMPLE_BILLS} through the ORM; {kinds['purchases']} agreements on "
        f"purchases, {kinds['sell_through']} on sell-through",
    )
    for basis, activate in figures["activate"].items():
        results.row(
            f"vendor: activate the agreements on {BASES[basis]}",
            activate.wall,
            activate.queries,
            f"{kinds[basis]} agreements (their accruals built)",
        )
    posting = report_bill_posting(results, *figures["posting"])
    for basis, (close, alone) in figures["close_alone"].items():
        results.row(
            f"vendor: close_periods, the agreements on {BASES[basis]} alone "
            "(rolled back)",
            close.wall,
            close.queries,
            f"{len(alone)} settlements of {kinds[basis]} agreements",
        )
    close_all, settlements = figures["close_all"]
    stage = results.doc["stages"].get("close_periods(2025-12-31)") or {}
    customer_close = stage.get("wall_s")
    results.row(
        "vendor: close_periods(2025-12-31), every agreement",
        close_all.wall,
        close_all.queries,
        f"{len(settlements)} settlements"
        + (
            f"; x{close_all.wall / customer_close:.2f} the customers' close "
            f"of stage 2 ({customer_close:.3f} s, {stage.get('queries')} q)"
            if customer_close
            else ""
        ),
        settlements=len(settlements),
        customer_close_s=customer_close,
    )
    checked, mismatches, accrual_mismatches = figures["vendor_check"]
    c_checked, c_mismatches, c_accruals = figures["customer_check"]
    ok = not (mismatches or accrual_mismatches or c_mismatches or c_accruals)
    results.row(
        "check: vendor settlements vs SQL recomputation",
        figures["check_s"],
        None,
        f"{checked - len(mismatches)} of {checked} equal, accruals "
        f"{checked - len(accrual_mismatches)}/{checked} add up; customers' "
        f"in the same close {c_checked - len(c_mismatches)} of {c_checked} equal",
        "0 mismatches",
        ok,
        mismatches=(mismatches + c_mismatches)[:50],
        accrual_mismatches=(accrual_mismatches + c_accruals)[:50],
    )
    results.doc["checks"]["vendor"] = {
        "suppliers": VENDORS,
        "bills": bills,
        "refunds": refunds,
        "bill_lines": lines,
        "agreements": kinds,
        "checked": checked,
        "mismatches": len(mismatches),
        "accrual_mismatches": len(accrual_mismatches),
        "customer_checked": c_checked,
        "customer_mismatches": len(c_mismatches),
        "customer_accrual_mismatches": len(c_accruals),
        "posting": posting,
        "activate_s": {b: m.wall for b, m in figures["activate"].items()},
        "close_alone_s": {b: m.wall for b, (m, _s) in figures["close_alone"].items()},
        "close_all_s": close_all.wall,
    }
    if not ok:
        results.failed = True
        print("\nFIRST VENDOR MISMATCHES:", *mismatches[:20], sep="\n  ")
        print(*accrual_mismatches[:10], *c_mismatches[:10], *c_accruals[:10])
    return ok
