"""Errors of the statistics app: stable codes and the translated messages tests reuse."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Invalid, NotFound

PERIOD_INVALID = _("Choose one period: a year (optionally with a quarter or a month), a day, or a start and an end.")
PERIOD_REVERSED = _("The end of the period cannot be before its start.")
PERIOD_TOO_LONG = _("A period can be at most ten years long.")
LEVEL_INVALID = _("Choose a valid level: city, organ, party_org, member, district, street, community or grid.")
NODE_NOT_FOUND = _("No such organization or place, or it is outside what you may see.")
RANKING_INVALID = _(
    "This ranking is not available here: rank members within an organ or a Party organization, "
    "branches within an organ, organs within the city, streets within a district, communities within a street or "
    "a district, and the organs serving in a place."
)
METRIC_INVALID = _("Rank by hours, points or person_times.")
BREAKDOWN_INVALID = _("This breakdown is not available for this level.")


def period_invalid(message=PERIOD_INVALID):
    return Invalid("period_invalid", message)


def node_not_found():
    return NotFound("stats_node_not_found", NODE_NOT_FOUND)
