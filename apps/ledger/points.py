"""The points rule: points are derived from approved service records by configurable rates, never stored by hand.

Each approved service earns floor(its effective minutes / 60 × POINTS_PER_HOUR), plus POINTS_PER_CONFIRMED_WISH if
a confirmed wish wrote it; a service of 0 effective minutes is no service and earns nothing (docs/statistics.md,
"Zero minutes"). A member's or a node's points are the sum over their services. Applying the rule per
service (not to a period's total minutes) makes points add up: a branch's points are exactly the sum of its
members', a year's the sum of its days'.

The rule exists twice on purpose, once for Python values and once as a database expression over a record queryset
annotated with `effective_minutes`; tests check that both agree.
"""

from django.conf import settings
from django.db.models import Case, ExpressionWrapper, F, IntegerField, Value, When


def points_per_hour():
    return getattr(settings, "POINTS_PER_HOUR", 10)


def points_per_confirmed_wish():
    return getattr(settings, "POINTS_PER_CONFIRMED_WISH", 5)


def service_points(*, minutes, is_wish):
    """The points of one approved service whose effective minutes are `minutes` (never negative)."""
    if minutes <= 0:
        return 0
    return minutes * points_per_hour() // 60 + (points_per_confirmed_wish() if is_wish else 0)


def service_points_expression(minutes="effective_minutes"):
    """The same rule per original record; integer division floors because effective minutes are never negative."""
    from apps.ledger.models import ServiceSource

    bonus = Case(When(source=ServiceSource.WISH, then=Value(points_per_confirmed_wish())), default=Value(0))
    earned = ExpressionWrapper(F(minutes) * Value(points_per_hour()) / Value(60) + bonus, output_field=IntegerField())
    return Case(When(**{f"{minutes}__lte": 0}, then=Value(0)), default=earned, output_field=IntegerField())
