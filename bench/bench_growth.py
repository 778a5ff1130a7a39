# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The bench's growth rebates (issue #30): copies of the bench's own
agreements with tiers on the growth over the same quarter a year earlier,
closed and checked against the independent SQL recomputation
(bench_stages.expected_bases, a year back for the prior bases)."""

import time
from decimal import ROUND_HALF_UP, Decimal

from bench_common import CENT, CLOSE_DATE, YEAR
from bench_stages import expected_bases, report_check

from odoo import Command

# Growth tiers of the copies: (threshold in % of growth, rate or amount).
RATE_TIERS = ((-10.0, 1.0), (0.0, 2.0), (10.0, 3.0))
INCREASE_TIERS = ((0.0, 2.0), (10.0, 3.0))
LUMP_SUM_TIERS = ((0.0, 500.0), (10.0, 1500.0))
# (growth basis, tiers, lump sums) of each copy, in turn
GROWTH_TERMS = (
    ("total", RATE_TIERS, False),
    ("increase", INCREASE_TIERS, False),
    ("total", LUMP_SUM_TIERS, True),
)


def move_half_a_year_back(env, customer_ids):
    """Give the customers a year earlier: one in two of their 2025
    documents dated a year back (by SQL, in the caller's savepoint), so
    that each quarter has a base and a prior base to grow from."""
    env.cr.execute(
        """
        WITH moved AS (
            UPDATE account_move
               SET invoice_date = invoice_date - interval '1 year',
                   date = date - interval '1 year'
             WHERE commercial_partner_id = ANY(%s)
               AND move_type IN ('out_invoice', 'out_refund')
               AND state = 'posted'
               AND id %% 2 = 0
         RETURNING id, date)
        UPDATE account_move_line l SET date = moved.date
          FROM moved WHERE l.move_id = moved.id
        """,
        [customer_ids],
    )
    env.invalidate_all(flush=False)


def expected_growth_rebate(base, prior, basis, tiers, lump_sums):
    """The growth rebate of ``base`` over ``prior`` in Decimals: the
    highest tier whose growth ``base`` reaches (base * 100 >= prior * (100
    + threshold)), on the whole base or the increase, or its lump sum;
    nothing without a prior base."""
    if prior <= 0:
        return Decimal(0)
    reached = None
    for threshold, value in tiers:
        if base * 100 >= prior * (100 + Decimal(str(threshold))):
            reached = Decimal(str(value))
    if reached is None:
        return Decimal(0)
    if lump_sums:
        return reached.quantize(CENT, ROUND_HALF_UP)
    on = base if basis == "total" else base - prior
    return (on * reached / 100).quantize(CENT, ROUND_HALF_UP)


def check_growth(env, agreement_ids, results, count=21):
    """``count`` growth rebates copied from the bench's agreements (same
    customers and products; on the whole base, on the increase, lump sums
    in turn), half their customers' documents moved a year back, closed at
    the year's end in a savepoint rolled back; each settlement's base, prior
    base and rebate against the independent recomputation."""
    started = time.perf_counter()
    savepoint = env.cr.savepoint(flush=True)
    mismatches = []
    checked = 0
    close_s = 0.0
    try:
        sources = env["rebate.agreement"].browse(agreement_ids[:count])
        move_half_a_year_back(env, sources.commercial_partner_id.ids)
        copies = env["rebate.agreement"]
        terms = {}
        for index, source in enumerate(sources):
            basis, tiers, lump_sums = GROWTH_TERMS[index % len(GROWTH_TERMS)]
            copy = source.copy(
                {
                    "name": f"{source.name} (growth, {basis})",
                    "growth_basis": basis,
                    "tier_ids": [
                        Command.create(
                            {
                                "threshold": threshold,
                                "amount_type": "fixed",
                                "fixed_amount": value,
                            }
                            if lump_sums
                            else {"threshold": threshold, "rate": value}
                        )
                        for threshold, value in tiers
                    ],
                }
            )
            copies |= copy
            terms[copy.id] = (basis, tiers, lump_sums)
        copies.action_activate()
        close_started = time.perf_counter()
        settlements = env["rebate.settlement"].close_periods(
            CLOSE_DATE, agreements=copies
        )
        close_s = time.perf_counter() - close_started
        env.cr.flush()
        bases = expected_bases(env, copies.ids)
        priors = expected_bases(env, copies.ids, years_back=1)
        if len(settlements) != 4 * len(copies):
            mismatches.append(
                f"{len(settlements)} settlements for {len(copies)} agreements"
            )
        for settlement in settlements:
            ag = settlement.agreement_id.id
            key = (ag, settlement.date_from)
            base = bases.get(key, Decimal(0))
            prior = priors.get(key, Decimal(0))
            expected = (
                base,
                prior,
                expected_growth_rebate(base, prior, *terms[ag]),
            )
            got = tuple(
                Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)
                for value in (
                    settlement.base_total,
                    settlement.base_prior,
                    settlement.rebate_total,
                )
            )
            checked += 1
            if got != expected:
                mismatches.append(
                    f"{settlement.name} (agreement {ag}, {settlement.date_from}, "
                    f"{terms[ag][0]}): base, prior, rebate {got}, expected {expected}"
                )
        paying = len(settlements.filtered("rebate_total"))
    finally:
        savepoint.close(rollback=True)
        env.invalidate_all(flush=False)
    return report_check(
        results,
        "growth",
        "check: growth rebates vs SQL recomputation",
        started,
        f"{checked} settlements of {count} growth rebates ({YEAR - 1} and {YEAR}"
        f" sales; close {close_s:.3f} s), {checked and paying} paying",
        checked,
        mismatches,
        close_s=close_s,
    )


def growth_supported(env):
    """Whether the module has growth rebates (issue #30)."""
    return "growth_basis" in env["rebate.agreement"]._fields
