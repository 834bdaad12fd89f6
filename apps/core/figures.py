"""Figures as people read them: hours from integer minutes, rates and averages from counts, each computed in decimal
and rounded once, half up (docs/statistics.md). Binary floating point would show 391.65 h as 391.6 and 391.75 h as
391.8; every page, API answer, export and certificate takes its hours and rates from here instead.
"""

from decimal import ROUND_HALF_UP, Decimal

HOUR_PLACES = 1
RATE_PLACES = 4


def ratio_of(part, whole, places):
    """part / whole as a Decimal rounded half up to `places` decimals; None when `whole` is 0."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def hours_of(minutes):
    """Integer minutes as hours, one decimal, half up: 23,499 → 391.7, 23,505 → 391.8, 3 → 0.1, 2 → 0.0."""
    return ratio_of(int(minutes or 0), 60, HOUR_PLACES)


def rate_of(part, whole):
    """A share as a fraction with four decimals, half up (0.1235 for 12.35 %); None when `whole` is 0."""
    return ratio_of(part, whole, RATE_PLACES)


def percent_of(rate):
    """A rate of rate_of as a percentage with one decimal, half up (0.1235 → 12.4), as pages and Excel show it."""
    return (Decimal(rate) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
