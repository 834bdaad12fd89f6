"""The figures of a place's parts and of the organs serving in it, for street and district administrators: the
streets of a district, the communities of a street or of a district, the grids of a community, and the organs whose
members served in the place (docs/statistics.md, "Rankings").

A place counts the services done in it (Node.service_q), so a part's figures are the services done in that part, and
an organ's figures "in the area" are the records of that organ (the organ of the time of service) done in a
community (or grid) of the place. Every row carries the summed measures, the members who served (distinct) and the
members registered there now. Each list is three grouped queries whatever the number of places, organs or members:
the places (or organ names), the sums and members who served from MemberDayTotal (the one roll-up keyed by organ,
community and grid together), and the confirmed registrations.
"""

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from apps.orgs.models import Organ
from apps.places.models import Community, Grid, Street
from apps.registrations.models import Registration, RegistrationStatus
from apps.stats.counting import residents_by
from apps.stats.models import MemberDayTotal
from apps.stats.nodes import Level
from apps.stats.selectors import _SUMS, FIGURES, _days, _with_hours

# The parts each place is divided into (its breakdown table): the streets of a district, the communities of a street,
# the grids of a community.
PARTS = {Level.DISTRICT: Level.STREET, Level.STREET: Level.COMMUNITY, Level.COMMUNITY: Level.GRID}

# The rankings each place offers, the first being the one its dashboard opens on.
PLACE_RANKINGS = {
    Level.DISTRICT: ("streets", "communities", "organs"),
    Level.STREET: ("communities", "organs"),
    Level.COMMUNITY: ("organs",),
    Level.GRID: ("organs",),
}
RANKED_PLACES = {"streets": Level.STREET, "communities": Level.COMMUNITY}

# Per kind of part: its column on MemberDayTotal, its column on Registration, and the levels it lies within.
_COLUMNS = {
    Level.STREET: ("community__street_id", "community__street_id", (Level.DISTRICT,)),
    Level.COMMUNITY: ("community_id", "community_id", (Level.DISTRICT, Level.STREET)),
    Level.GRID: ("grid_key", "grid_id", (Level.COMMUNITY,)),
}
_EMPTY = {**dict.fromkeys(FIGURES, 0), "members_served": 0}
# The same columns on the ledger, where residents served are counted (once per service and part): a record without a
# grid has grid_id None where the roll-up has grid_key 0.
_LEDGER_COLUMNS = {"grid_key": "grid_id"}


def _sums(node, period, column):
    """{value of `column`: measures, residents served and members who served} of the services done in the node in
    the period."""
    rows = (
        MemberDayTotal.objects.filter(_days(period), node.service_q(grid="grid_key"))
        .order_by()
        .values(column)
        # members_served first: once the sums are annotated, "person_times" names the sum, not the column.
        .annotate(members_served=Count("member_id", distinct=True, filter=Q(person_times__gt=0)))
        .annotate(**_SUMS)
    )
    found = {row[column]: {**row, "residents_served": 0} for row in rows}
    for key, residents in residents_by(node, period, _LEDGER_COLUMNS.get(column, column)).items():
        part = (key or 0) if column == "grid_key" else key
        found.setdefault(part, dict(_EMPTY))["residents_served"] = residents
    return found


def _registered(node, column):
    """{value of `column`: members} of the node's members now (active, with a confirmed registration in it)."""
    rows = (
        Registration.objects.filter(node.place_q(), status=RegistrationStatus.CONFIRMED, member__is_active=True)
        .order_by()
        .values(column)
        .annotate(members=Count("member_id", distinct=True))
    )
    return {row[column]: row["members"] for row in rows}


def _places(node, level):
    """The places of `level` inside the node, in the tree's order."""
    if level == Level.STREET:
        return list(Street.objects.filter(district_id=node.pk).order_by("code"))
    if level == Level.COMMUNITY:
        within = Q(street_id=node.pk) if node.level == Level.STREET else Q(street__district_id=node.pk)
        return list(Community.objects.filter(within).select_related("street").order_by("street__code", "code"))
    return list(Grid.objects.filter(community_id=node.pk).order_by("code"))


def _row(pk, name, sums, members, **extra):
    sums = sums or _EMPTY
    return _with_hours(
        {
            "id": pk,
            "name": name,
            **extra,
            "members": members,
            "members_served": sums["members_served"],
            **{measure: sums[measure] for measure in FIGURES},
        }
    )


def has_parts(node, level):
    return level in _COLUMNS and node.level in _COLUMNS[level][2]


def place_rows(*, node, period, level):
    """One row per place of `level` inside the node (streets of a district, communities of a street or of a district,
    grids of a community), zeros included, in the tree's order; communities of a district name their street. A
    community's services recorded without a grid, and its members registered without one, get a "no grid" row (id
    None), so that the rows add up to the community."""
    if not has_parts(node, level):
        raise ValueError(f"{node.level} has no parts of level {level}")
    column, registration_column, _within = _COLUMNS[level]
    places = _places(node, level)
    found = _sums(node, period, column)
    registered = _registered(node, registration_column)
    rows = []
    for place in places:
        extra = {"level": level}
        if level == Level.COMMUNITY and node.level == Level.DISTRICT:
            extra.update(street_id=place.street_id, street=place.street.name)
        rows.append(_row(place.pk, place.name, found.get(place.pk), registered.get(place.pk, 0), **extra))
    if level == Level.GRID and (found.get(0) or registered.get(None)):
        rows.append(_row(None, _("No grid"), found.get(0), registered.get(None, 0), level=level))
    return rows


def organ_rows(*, node, period):
    """The organs serving in the place: every organ with an approved service done there in the period or with members
    registered there now, with the figures of its records done there, its members who served there and its members
    registered there. Listed by name (the ranking orders them)."""
    found = _sums(node, period, "organ_id")
    registered = _registered(node, "member__organ_id")
    serving = {pk for pk, sums in found.items() if any(sums[measure] for measure in FIGURES)}
    ids = serving | {pk for pk, members in registered.items() if members}
    organs = Organ.objects.filter(pk__in=ids).order_by("name").values_list("pk", "name") if ids else []
    return [_row(pk, name, found.get(pk), registered.get(pk, 0)) for pk, name in organs]
