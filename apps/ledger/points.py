"""The points rule: points are derived from approved service records by configurable rates, never stored by hand.

points = floor(approved effective minutes / 60 × POINTS_PER_HOUR) + POINTS_PER_CONFIRMED_WISH × approved wish services

The rule exists twice on purpose, once for Python values and once as a database expression (so that rankings can
order by points in one query); tests check that both agree.
"""

from django.conf import settings
from django.db.models import ExpressionWrapper, F, IntegerField, Value


def points_per_hour():
    return getattr(settings, "POINTS_PER_HOUR", 10)


def points_per_confirmed_wish():
    return getattr(settings, "POINTS_PER_CONFIRMED_WISH", 5)


def points_from(*, minutes, wish_services):
    """Points for a total of approved minutes and a number of approved wish services (both non-negative)."""
    return minutes * points_per_hour() // 60 + points_per_confirmed_wish() * wish_services


def points_expression(minutes="minutes", wish_services="wish_services"):
    """The same rule over two annotations; integer division floors because the totals are never negative."""
    return ExpressionWrapper(
        F(minutes) * Value(points_per_hour()) / Value(60) + Value(points_per_confirmed_wish()) * F(wish_services),
        output_field=IntegerField(),
    )
