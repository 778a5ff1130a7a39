# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The rebate's arithmetic: periods, tiers, rounding and splitting.

Plain Python on plain values (dates, floats, (threshold, rate) pairs): no
ORM, no database. The models call these through overridable methods
(``rebate.agreement._get_period_rebate`` and its tier modes
``_rebate_<mode>``, ``_cut_periods``, ``_find_period``), which is where
another module changes a rule; these
functions are what the rules are made of, and are tested on their own
(``tests/test_rebate_maths.py``).
"""

import calendar
from datetime import timedelta

from odoo.tools.float_utils import float_round

# A base reaches a threshold when it is at most half a millionth below it:
# float_compare at 6 digits, written out because it runs once per period of
# a close, thousands of times.
TIER_TOLERANCE = 5e-7


def add_months(date, months):
    """``date + relativedelta(months=months)``: the day is kept, or the last
    day of the month when that month is shorter."""
    year, month = divmod(date.month - 1 + months, 12)
    year += date.year
    return date.replace(
        year=year,
        month=month + 1,
        day=min(date.day, calendar.monthrange(year, month + 1)[1]),
    )


def period_of(date_start, date_end, months, date):
    """The period (start, end) holding ``date`` of an agreement valid from
    date_start to date_end whose periods last ``months`` months."""
    elapsed = (date.year - date_start.year) * 12 + date.month - date_start.month
    index = max(elapsed // months, 0)
    period_start = add_months(date_start, index * months)
    if period_start > date:
        index -= 1
        period_start = add_months(date_start, index * months)
    period_end = add_months(date_start, (index + 1) * months) - timedelta(days=1)
    return period_start, min(period_end, date_end)


def periods_until(date_start, date_end, months, date_to=None):
    """The periods of such an agreement, in order, ending on or before date_to:
    period n starts ``n * months`` months after date_start (see period_of)."""
    periods = []
    start = date_start
    index = 0
    while start <= date_end:
        index += 1
        end = min(add_months(date_start, index * months) - timedelta(days=1), date_end)
        if date_to and end > date_to:
            break
        periods.append((start, end))
        start = end + timedelta(days=1)
    return periods


def prior_year_window(date_from, date_to):
    """The same dates a year earlier: the start's day kept (or its month's
    last day when shorter), and an end on its month's last day stays on
    its month's last day (to 28 February 2029 gives to 29 February 2028)."""
    end = add_months(date_to, -12)
    if (date_to + timedelta(days=1)).month != date_to.month:
        end = end.replace(day=calendar.monthrange(end.year, end.month)[1])
    return add_months(date_from, -12), end


def growth_tiers(prior, tiers):
    """Growth tiers ((growth percent, value) pairs) as the bases that reach
    them, over a ``prior`` base: a threshold of t % is prior * (1 + t / 100).
    No prior base (none, or not above zero): no growth to measure, no tier."""
    if not prior or prior <= 0:
        return []
    return [(prior + prior * threshold / 100.0, value) for threshold, value in tiers]


def growth_percent(base, prior):
    """The growth of ``base`` over ``prior`` in percent, or None without a
    prior base (none, or not above zero)."""
    if not prior or prior <= 0:
        return None
    return (base - prior) / prior * 100.0


def round_base(base, basis, rounding):
    """A period's base rounded: to 6 digits on the quantity basis, else to
    the currency's ``rounding`` (e.g. 0.01)."""
    if basis == "quantity":
        return round(base, 6)
    return float_round(base, precision_rounding=rounding)


def reached_tier_index(base, tiers):
    """Index of the highest of ``tiers`` ((threshold, rate) pairs in threshold
    order) whose threshold ``base`` reached, or None."""
    reached = None
    for index, (threshold, _rate) in enumerate(tiers):
        if threshold - base < TIER_TOLERANCE:
            reached = index
        else:
            break
    return reached


# The tier modes. Each takes the period's base, the (threshold, rate) tiers
# in threshold order and ``factor`` (what turns a rate into a fraction: 0.01
# for percentages) and returns (rebate unrounded, index of the tier applied
# or None).


def flat_rebate(base, tiers, factor):
    """The whole base at the one tier's rate, whatever the base."""
    if not tiers:
        return 0.0, None
    return base * tiers[0][1] * factor, 0


def retroactive_rebate(base, tiers, factor):
    """The whole base at the rate of the highest tier reached."""
    index = reached_tier_index(base, tiers)
    if index is None:
        return 0.0, None
    return base * tiers[index][1] * factor, index


def stepped_rebate(base, tiers, factor):
    """Each slice of the base at the rate of its own tier; the tier applied
    is the highest the base reached."""
    rebate = 0.0
    uppers = [threshold for threshold, _rate in tiers[1:]] + [float("inf")]
    for (threshold, rate), upper in zip(tiers, uppers, strict=True):
        if base - threshold < TIER_TOLERANCE:
            break
        rebate += (min(base, upper) - threshold) * rate * factor
    return rebate, reached_tier_index(base, tiers)


# Lump-sum tiers: the same (threshold, amount) pairs, each tier paying a
# fixed amount once its threshold is reached (rebate, index of the tier
# applied or None).


def fixed_flat_rebate(base, tiers):
    """The one tier's amount, once the base reaches its threshold."""
    if not tiers or reached_tier_index(base, tiers[:1]) is None:
        return 0.0, None
    return tiers[0][1], 0


def fixed_retroactive_rebate(base, tiers):
    """The amount of the highest tier reached."""
    index = reached_tier_index(base, tiers)
    if index is None:
        return 0.0, None
    return tiers[index][1], index


def fixed_stepped_rebate(base, tiers):
    """The amounts of every tier reached, added up."""
    index = reached_tier_index(base, tiers)
    if index is None:
        return 0.0, None
    return sum(amount for _threshold, amount in tiers[: index + 1]), index


def split_amount(total, weights, rounding):
    """Split ``total`` over ``weights`` proportionally, each part rounded to
    ``rounding``; the rounding remainder goes to the heaviest weight."""
    if not weights:
        return []

    def round_(amount):
        return float_round(amount, precision_rounding=rounding)

    weight_sum = sum(weights)
    if not round_(total):
        return [0.0] * len(weights)
    if not weight_sum:
        amounts = [0.0] * len(weights)
        amounts[0] = total
        return amounts
    amounts = [round_(total * w / weight_sum) for w in weights]
    heaviest = max(range(len(weights)), key=lambda i: abs(weights[i]))
    amounts[heaviest] = round_(amounts[heaviest] + total - sum(amounts))
    return amounts
