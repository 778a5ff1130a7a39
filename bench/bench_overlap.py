# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The overlap case (issue #26): agreements that match the same invoice lines,
one exclusive and a pair in a stacking group, closed and checked against an
independent SQL recomputation of who counts each line (see rebate_bench.py
and README.md, "Overlapping agreements").

It runs in a transaction of its own, after the measured stages and rolled
back, on the bench's data as generated: the timed stages never see its
agreements, and the bench's own agreements are still active when it starts.
"""

import random
import time
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from bench_common import CENT, CLOSE_DATE, YEAR, YEAR_END, YEAR_START, Measure, log
from bench_generate import BenchData
from bench_stages import compare_settlements, expected_tiers, retroactive_rebate

import odoo
from odoo import Command, api

OVERLAP_NAME = "Bench Overlap %05d %s"
GROUP_NAME = "Bench Overlap Group"
# the exclusive agreement of every other customer runs from April to
# September only: outside those dates its lines go back to the others
EXCLUSIVE_FROM = date(YEAR, 4, 1)
EXCLUSIVE_TO = date(YEAR, 9, 30)


def overlap_supported(env):
    """Whether the module has the precedence rule (issue #26)."""
    fields = env["rebate.agreement"]._fields
    return all(
        name in fields for name in ("exclusive", "priority", "stacking_group_id")
    )


def overlap_customers(data):
    """A third of the customers (every third one, with or without agreements
    of their own): about a third of the invoices."""
    return [c for i, c in enumerate(data.customer_ids) if i % 3 == 0]


def create_overlap_agreements(env, settings, data, customers):
    """Three agreements per customer of ``customers``, on top of its own:

    - X, exclusive, a list of a quarter of the products, priority 20 (an
      exclusive agreement takes its lines whatever the priorities); every
      other customer's X runs from April to September only;
    - G1, in the stacking group, the categories Food and Hardware (Tools, a
      subcategory of Hardware, included): three quarters of the products;
    - G2, in the group, every product.

    G1 comes first in the group (priority 5 against 10) for every other
    customer, G2 first (5 against 10) for the others, so that G1 then counts
    nothing. The customer's own agreements (no group, not exclusive) stack
    with the group's first but yield to X."""
    rng = random.Random(settings.seed + 26)
    group = env["rebate.stacking.group"].create({"name": GROUP_NAME})
    categories = env["product.category"].search(
        [("name", "in", ("Food", "Hardware")), ("parent_id.name", "=", "Bench")]
    )
    if len(categories) != 2:
        raise RuntimeError(
            "the bench's product categories Food and Hardware are missing"
        )
    journal_id = data.journal_id
    mean_price = sum(data.prices.values()) / len(data.prices)
    quarter_base = (
        settings.invoices / settings.customers / 4 * settings.lines * 5.5 * mean_price
    )

    def tiers(share):
        base = quarter_base * share
        return [
            Command.create({"threshold": 0.0, "rate": 1.0}),
            Command.create(
                {
                    "threshold": round(base * rng.uniform(0.5, 0.9), -1) or 10.0,
                    "rate": 2.0,
                }
            ),
            Command.create(
                {
                    "threshold": round(base * rng.uniform(1.1, 1.5), -1) or 20.0,
                    "rate": 3.5,
                }
            ),
        ]

    vals_list = []
    for k, customer in enumerate(customers):
        common = {
            "partner_id": customer,
            "period": "quarter",
            "basis": "amount",
            "tier_mode": "retroactive",
            "journal_id": journal_id,
            "date_start": YEAR_START,
            "date_end": YEAR_END,
        }
        products = rng.sample(data.product_ids, max(1, len(data.product_ids) // 4))
        g1_first = k % 2 == 0
        vals_list += [
            {
                **common,
                "name": OVERLAP_NAME % (k, "X"),
                "exclusive": True,
                "priority": 20,
                "date_start": EXCLUSIVE_FROM if k % 2 else YEAR_START,
                "date_end": EXCLUSIVE_TO if k % 2 else YEAR_END,
                "product_ids": [Command.set(products)],
                "tier_ids": tiers(0.25),
            },
            {
                **common,
                "name": OVERLAP_NAME % (k, "G1"),
                "stacking_group_id": group.id,
                "priority": 5 if g1_first else 10,
                "product_categ_ids": [Command.set(categories.ids)],
                "tier_ids": tiers(0.5),
            },
            {
                **common,
                "name": OVERLAP_NAME % (k, "G2"),
                "stacking_group_id": group.id,
                "priority": 10 if g1_first else 5,
                "tier_ids": tiers(0.5),
            },
        ]
    return env["rebate.agreement"].create(vals_list)


def expected_overlap_bases(env, agreement_ids):
    """{(agreement id, quarter start): base} of ``agreement_ids``, recomputed
    in SQL with the precedence rule written out independently of the
    module, line by line and rank by rank rather than pair by pair:

    - every (agreement, line) match: active or closed agreements of the
      line's commercial entity (through res_partner) and company, the line
      dated within the agreement's dates, the product in its scope (its
      products, or a category of it or below it by parent_path, minus its
      exclusions), of a posted customer document that is no rebate credit
      note nor a reversal of one;
    - a line some exclusive agreement matches counts for the first of its
      exclusive agreements by (priority, start, id) only;
    - any other line counts, in each stacking group, for the group's first
      matching agreement by (priority, start, id) only, and for every
      agreement of no group."""
    cr = env.cr
    cr.execute(
        """
        WITH doc_lines AS (
            SELECT l.id AS line_id, cp.id AS customer, m.company_id,
                   m.invoice_date, l.product_id, t.categ_id,
                   CASE WHEN m.move_type = 'out_refund' THEN -l.price_subtotal
                        ELSE l.price_subtotal END AS amount
              FROM account_move_line l
              JOIN account_move m ON m.id = l.move_id
              JOIN res_partner p ON p.id = m.partner_id
              JOIN res_partner cp ON cp.id = p.commercial_partner_id
              JOIN product_product pr ON pr.id = l.product_id
              JOIN product_template t ON t.id = pr.product_tmpl_id
             WHERE m.state = 'posted'
               AND m.move_type IN ('out_invoice', 'out_refund')
               AND m.rebate_settlement_id IS NULL
               AND (m.reversed_entry_id IS NULL OR NOT EXISTS (
                    SELECT 1 FROM account_move r
                     WHERE r.id = m.reversed_entry_id
                       AND r.rebate_settlement_id IS NOT NULL))
               AND l.display_type = 'product'
        ),
        customers AS (
            SELECT DISTINCT ap.commercial_partner_id AS customer
              FROM rebate_agreement a
              JOIN res_partner ap ON ap.id = a.partner_id
             WHERE a.id = ANY(%(ids)s)
        ),
        in_force AS (
            SELECT a.id, ap.commercial_partner_id AS customer, a.company_id,
                   a.date_start, a.date_end, a.priority, a.exclusive,
                   a.stacking_group_id,
                   EXISTS (SELECT 1 FROM rebate_agreement_product_rel r
                            WHERE r.agreement_id = a.id)
                OR EXISTS (SELECT 1 FROM rebate_agreement_product_category_rel c
                            WHERE c.agreement_id = a.id) AS scoped
              FROM rebate_agreement a
              JOIN res_partner ap ON ap.id = a.partner_id
             WHERE a.state IN ('active', 'closed')
               AND ap.commercial_partner_id IN (SELECT customer FROM customers)
        ),
        matches AS (
            SELECT a.id AS agreement_id, a.priority, a.date_start,
                   a.exclusive IS TRUE AS exclusive, a.stacking_group_id,
                   d.line_id, d.invoice_date, d.amount
              FROM in_force a
              JOIN doc_lines d ON d.customer = a.customer
                              AND d.company_id = a.company_id
                              AND d.invoice_date BETWEEN a.date_start AND a.date_end
             WHERE NOT EXISTS (SELECT 1 FROM rebate_agreement_excluded_product_rel x
                                WHERE x.agreement_id = a.id
                                  AND x.product_id = d.product_id)
               AND (NOT a.scoped
                    OR EXISTS (SELECT 1 FROM rebate_agreement_product_rel r
                                WHERE r.agreement_id = a.id
                                  AND r.product_id = d.product_id)
                    OR EXISTS (SELECT 1
                                 FROM rebate_agreement_product_category_rel c
                                 JOIN product_category top ON top.id = c.categ_id
                                 JOIN product_category below
                                   ON below.parent_path LIKE top.parent_path || '%%'
                                WHERE c.agreement_id = a.id
                                  AND below.id = d.categ_id))
        ),
        ranked AS (
            SELECT m.*,
                   bool_or(m.exclusive) OVER (PARTITION BY m.line_id) AS taken,
                   row_number() OVER (
                       PARTITION BY m.line_id, m.exclusive
                       ORDER BY m.priority, m.date_start, m.agreement_id
                   ) AS exclusive_rank,
                   row_number() OVER (
                       PARTITION BY m.line_id, m.stacking_group_id
                       ORDER BY m.priority, m.date_start, m.agreement_id
                   ) AS group_rank
              FROM matches m
        )
        SELECT agreement_id, date_trunc('quarter', invoice_date)::date,
               COALESCE(SUM(amount) FILTER (WHERE counts), 0),
               COUNT(*) FILTER (WHERE counts), SUM(amount)
          FROM (
            SELECT r.*,
                   CASE WHEN taken THEN exclusive AND exclusive_rank = 1
                        ELSE stacking_group_id IS NULL OR group_rank = 1
                   END AS counts
              FROM ranked r
             WHERE agreement_id = ANY(%(ids)s)
          ) decided
      GROUP BY 1, 2
        """,
        {"ids": agreement_ids},
    )
    bases, lines, stacked = {}, {}, {}
    for ag, quarter, total, count, every in cr.fetchall():
        bases[ag, quarter] = Decimal(total).quantize(CENT, ROUND_HALF_UP)
        stacked[ag, quarter] = Decimal(every).quantize(CENT, ROUND_HALF_UP)
        lines[ag, quarter] = count
    return bases, lines, stacked


def expected_overlap_settlements(env, agreements):
    """{(agreement id, quarter start): (base, rebate)} for every quarter of
    ``agreements`` (their dates are whole quarters of the year)."""
    bases, lines, stacked = expected_overlap_bases(env, agreements.ids)
    tiers = expected_tiers(env, agreements.ids)
    expected = {}
    for agreement in agreements:
        for month in (1, 4, 7, 10):
            quarter = date(YEAR, month, 1)
            if not agreement.date_start <= quarter <= agreement.date_end:
                continue
            base = bases.get((agreement.id, quarter), Decimal(0))
            expected[agreement.id, quarter] = (
                base,
                retroactive_rebate(base, tiers[agreement.id]),
            )
    # how many periods the rule changes: their base if every agreement
    # stacked (no precedence) differs from the expected one
    changed = sum(
        1
        for key, (base, _rebate) in expected.items()
        if stacked.get(key, Decimal(0)) != base
    )
    return expected, lines, changed


def compare_overlap(env, settlements, agreements):
    """Mismatches of ``settlements`` against the recomputation, and of their
    accruals against their rebates; the number of matched lines counted."""
    expected, lines, changed = expected_overlap_settlements(env, agreements)
    compared, mismatches, accrual_mismatches = compare_settlements(
        env, settlements, expected
    )
    return compared, mismatches, accrual_mismatches, expected, lines, changed


def _describe(agreements, expected, lines):
    """Settlements and counted lines by kind of agreement (the customers'
    own, X, G1, G2), and how many of each kind's periods are empty."""
    kinds = defaultdict(lambda: [0, 0, 0])
    kind_of = {}
    for agreement in agreements:
        kind_of[agreement.id] = (
            agreement.name.rsplit(" ", 1)[-1]
            if agreement.name.startswith("Bench Overlap")
            else "own"
        )
    for (ag, quarter), (base, _rebate) in expected.items():
        entry = kinds[kind_of[ag]]
        entry[0] += 1
        entry[1] += lines.get((ag, quarter), 0)
        entry[2] += base == 0
    return {
        kind: {"settlements": n, "lines_counted": counted, "empty_periods": empty}
        for kind, (n, counted, empty) in sorted(kinds.items())
    }


def check_overlap(registry, settings, results):
    """The overlap case, in a transaction of its own rolled back: create the
    agreements of a third of the customers, activate them (the accruals of
    the customers' own agreements are rebuilt), close every agreement of
    those customers at the year's end and compare each settlement with the
    recomputation. Activation and close are timed, for information."""
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        try:
            if not overlap_supported(env):
                results.row(
                    "check: overlap case vs SQL recomputation",
                    None,
                    None,
                    "skipped: the module has no precedence rule (issue #26)",
                )
                return None
            data = BenchData(env)
            # the administrator (a rebate manager and accountant) activates
            # and closes, as in the measured stages
            admin = env.ref("base.user_admin")
            allowed = admin.has_group(
                "rebate_management.group_rebate_manager"
            ) and admin.has_group("rebate_management.group_rebate_accountant")
            user_env = env(user=admin.id, su=False) if allowed else env
            customers = overlap_customers(data)
            started = time.perf_counter()
            created = create_overlap_agreements(env, settings, data, customers)
            env.flush_all()
            create_s = time.perf_counter() - started
            activate = Measure(settings, "overlap: activate")
            with activate.run(env):
                created.with_env(user_env).action_activate()
            agreements = env["rebate.agreement"].search(
                [
                    ("commercial_partner_id", "in", customers),
                    ("state", "=", "active"),
                ]
            )
            own = agreements - created
            cr.execute(
                """SELECT COUNT(*) FILTER (WHERE p.commercial_partner_id = ANY(%s)),
                          COUNT(*)
                     FROM account_move m JOIN res_partner p ON p.id = m.partner_id
                    WHERE m.move_type IN ('out_invoice', 'out_refund')
                      AND m.state = 'posted' AND m.invoice_date IS NOT NULL""",
                [customers],
            )
            their_docs, all_docs = cr.fetchone()
            log(
                f"overlap case: {len(customers)} customers ({their_docs} of "
                f"{all_docs} documents), {len(created)} agreements added to "
                f"their {len(own)}; closing them"
            )
            close = Measure(settings, "overlap: close")
            with close.run(env):
                settlements = user_env["rebate.settlement"].close_periods(
                    CLOSE_DATE, agreements=agreements.ids
                )
            settlements = settlements.with_env(env)
            started = time.perf_counter()
            (
                checked,
                mismatches,
                accrual_mismatches,
                expected,
                lines,
                changed,
            ) = compare_overlap(env, settlements, agreements)
            check_s = time.perf_counter() - started
            kinds = _describe(agreements, expected, lines)
        finally:
            cr.rollback()
    ok = not mismatches and not accrual_mismatches
    results.row(
        "overlap: create agreements (3 per customer)",
        create_s,
        None,
        f"{len(created)} agreements for {len(customers)} customers "
        f"({their_docs}/{all_docs} documents)",
    )
    results.row(
        "overlap: activate them (own agreements rebuilt)",
        activate.wall,
        activate.queries,
        f"{len(created)} + {len(own)} agreements",
    )
    results.row(
        "overlap: close_periods of those customers",
        close.wall,
        close.queries,
        f"{len(settlements)} settlements of {len(agreements)} agreements",
    )
    results.row(
        "check: overlap case vs SQL recomputation",
        check_s,
        None,
        f"{checked} settlements ({changed} changed by the rule), "
        f"{len(mismatches)} mismatches; accruals: "
        f"{checked - len(accrual_mismatches)}/{checked} add up",
        "0 mismatches",
        ok,
        mismatches=mismatches[:50],
        accrual_mismatches=accrual_mismatches[:50],
        kinds=kinds,
    )
    results.doc["checks"]["overlap"] = {
        "customers": len(customers),
        "documents": their_docs,
        "agreements_added": len(created),
        "own_agreements": len(own),
        "checked": checked,
        "expected": len(expected),
        "changed_by_precedence": changed,
        "mismatches": len(mismatches),
        "accrual_mismatches": len(accrual_mismatches),
        "kinds": kinds,
    }
    log(
        "overlap case, by kind (settlements, lines counted, empty periods): "
        + "; ".join(
            f"{kind} {v['settlements']}, {v['lines_counted']}, {v['empty_periods']}"
            for kind, v in kinds.items()
        )
    )
    if not ok:
        results.failed = True
        print("\nFIRST OVERLAP MISMATCHES:", *mismatches[:20], sep="\n  ")
        print(*accrual_mismatches[:20], sep="\n  ")
    return ok
