"""Statistics reads (the figures of docs/statistics.md): a node's figures for a period, breakdowns, rankings, star
levels, the member and branch tables, and the zero-service and unregistered lists. Sums come from the roll-up
tables; what cannot be summed (distinct members, distinct services, residents served, wishes, registrations) is
counted directly.
"""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, DateField, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from apps.activities.models import Activity, ActivityStatus, SignUp
from apps.core.figures import hours_of, rate_of, ratio_of
from apps.households.models import HouseholdPairing
from apps.households.selectors import households_paired, households_visited
from apps.ledger.models import LONE_SOURCES, ServiceCategory, ServiceSource
from apps.orgs.models import Member, MemberAffiliation, Organ, PartyOrg, PartyOrgKind
from apps.orgs.selectors import affiliation_spans
from apps.places.models import Community, Grid, Street
from apps.registrations.models import Evaluation, Registration, RegistrationStatus
from apps.residents.models import RequestStatus, ResidentRequest
from apps.stats import errors
from apps.stats.counting import residents_by, residents_of, with_minutes_q
from apps.stats.counting import service_records as _service_records
from apps.stats.models import (
    MEASURES,
    CommunityDayTotal,
    MemberDayTotal,
    OrganDayTotal,
    StarRule,
    StarSubject,
    TeamDayTotal,
)
from apps.stats.nodes import Level, Node, registered_q
from apps.wishes.models import ClaimStatus, WishClaim, WishStatus

RANKING_METRICS = ("hours", "points", "person_times")
_SUMS = {measure: Sum(measure, default=0) for measure in MEASURES}
# What every row of sums shows: the roll-ups' measures and the residents served (counted once per service).
FIGURES = (*MEASURES, "residents_served")


def _days(period):
    return Q(day__gte=period.first_day, day__lte=period.last_day)


def annual_hour_target():
    return getattr(settings, "ANNUAL_HOUR_TARGET", 50)


def target_minutes(period):
    """The hour target for the period: the annual target pro-rated by the share of a year the period covers."""
    return round(annual_hour_target() * 60 * period.year_share())


# --- sums -------------------------------------------------------------------------------------------------------


def _totals(node, period):
    """The summed measures of the node in the period, from the smallest roll-up table that answers it."""
    if node.level == Level.CITY:
        rows = OrganDayTotal.objects.filter(_days(period))
    elif node.level == Level.ORGAN:
        rows = OrganDayTotal.objects.filter(_days(period), organ_id=node.pk)
    elif node.level in (Level.DISTRICT, Level.STREET, Level.COMMUNITY):
        rows = CommunityDayTotal.objects.filter(_days(period), node.service_q())
    elif node.level == Level.TEAM:
        rows = TeamDayTotal.objects.filter(_days(period), team_id=node.pk)
    else:
        rows = MemberDayTotal.objects.filter(_days(period), node.service_q(grid="grid_key"))
    return rows.aggregate(**_SUMS)


def _member_day_rows(node, period):
    """Per member and day: a team's from its own table, every other node's from the member table."""
    if node.level == Level.TEAM:
        return TeamDayTotal.objects.filter(_days(period), team_id=node.pk)
    return MemberDayTotal.objects.filter(_days(period), node.service_q(grid="grid_key"))


def _with_hours(figures):
    return {**figures, "hours": hours_of(figures["minutes"])}


# --- distinct counts --------------------------------------------------------------------------------------------


# Distinct wishes behind wish records (a wish credits each member who served it once, with the wish as source).
_WISHES_SOLVED = Count("source_id", filter=Q(source=ServiceSource.WISH), distinct=True)


def _service_counts(node, period):
    """Distinct services (服务次数) by kind: each activity, wish, manual entry or self-registered service once,
    however many of the node's members took part in it; a service whose records all come to 0 minutes is none. The
    wishes are the wishes solved (认领解决微心愿), the activities the activities taken part in (参与服务活动次数)."""
    records = _service_records(node, period)
    # A manual entry for several members together shares one `occasion`: one service.
    counts = records.aggregate(
        wishes=_WISHES_SOLVED,
        occasions=Count("occasion", filter=Q(source=ServiceSource.MANUAL), distinct=True),
        manual=Count("pk", filter=Q(source__in=LONE_SOURCES, occasion__isnull=True)),
    )
    signups = records.filter(source=ServiceSource.ACTIVITY).values("source_id")
    activities = SignUp.objects.filter(pk__in=signups).values("activity_id").distinct().count()
    return {"wishes": counts["wishes"], "manual": counts["occasions"] + counts["manual"], "activities": activities}


def service_counts(*, node, period):
    """The node's distinct services, wishes solved and activities taken part in, for the period (where a sum over
    the node's parts would count a service shared by two parts twice, e.g. an export's totals line)."""
    counts = _service_counts(node, period)
    return {
        "services": counts["wishes"] + counts["manual"] + counts["activities"],
        "wishes_solved": counts["wishes"],
        "activities_joined": counts["activities"],
    }


def _wishes(node, period):
    """Of the wishes claimed in the period by (or, at a place, in) the node: how many were claimed, fulfilled
    and confirmed (each wish once); the completion rate is confirmed / claimed."""
    start, end = period.bounds
    cohort = WishClaim.objects.filter(node.claim_q(), claimed_at__gte=start, claimed_at__lt=end).order_by()
    counts = cohort.aggregate(
        claimed=Count("wish_id", distinct=True),
        fulfilled=Count("wish_id", distinct=True, filter=Q(status=ClaimStatus.COMPLETED)),
        confirmed=Count(
            "wish_id", distinct=True, filter=Q(status=ClaimStatus.COMPLETED, wish__status=WishStatus.CONFIRMED)
        ),
    )
    return {
        "wishes_claimed": counts["claimed"],
        "wishes_fulfilled": counts["fulfilled"],
        "wishes_confirmed": counts["confirmed"],
        "wish_completion_rate": rate_of(counts["confirmed"], counts["claimed"]),
    }


def _activities_organized(node, period):
    """Activities the node's Party orgs organized (at a place: held there) that start in the period and were
    published and not cancelled (组织服务活动次数). None for a member."""
    q = node.activity_q()
    if q is None:
        return None
    start, end = period.bounds
    live = (ActivityStatus.OPEN, ActivityStatus.CLOSED, ActivityStatus.FINISHED)
    return Activity.objects.filter(q, status__in=live, starts_at__gte=start, starts_at__lt=end).count()


def _requests(node, period):
    """Residents' requests (居民点单) received at the place in the period, and of those how many were accepted (into a
    new wish or merged) and how many are done (their wish fulfilled or confirmed), as they stand now."""
    start, end = period.bounds
    cohort = ResidentRequest.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
    if node.level != Level.CITY:
        cohort = cohort.filter(node.place_q())
    accepted = Q(status__in=(RequestStatus.ACCEPTED, RequestStatus.MERGED))
    done = accepted & Q(wish__status__in=(WishStatus.FULFILLED, WishStatus.CONFIRMED))
    return cohort.aggregate(
        requests_received=Count("pk"),
        requests_accepted=Count("pk", filter=accepted),
        requests_done=Count("pk", filter=done),
    )


def _paired_of_the_time(node, period):
    """Households paired at an organ or a Party organization: distinct households with a member's pairing open on a
    day of the period on which the member belonged to the node (the organ and branch of that day, as the ledger
    attributes a service), and at an organ with a pairing of one of its teams open in the period."""
    first, last = period.first_day, period.last_day
    if node.level == Level.ORGAN:
        now_q, then_q, teams_q = Q(member__organ_id=node.pk), Q(organ_id=node.pk), Q(team__organ_id=node.pk)

        def in_node(span):
            return span.organ_id == node.pk
    else:
        path = node.obj.path
        now_q, then_q, teams_q = Q(member__branch__path__startswith=path), Q(branch__path__startswith=path), Q()

        def in_node(span):
            return span.branch_path.startswith(path)

    # Members of the node now or at some time (their history says on which days) and, at an organ, its teams.
    ever = MemberAffiliation.objects.filter(then_q, member_id=OuterRef("member_id"))
    partners = Q(member__isnull=False) & (now_q | Q(Exists(ever)))
    if teams_q:
        partners |= teams_q
    pairings = list(
        HouseholdPairing.objects.filter(partners, started_on__lte=last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .values_list("household_id", "member_id", "started_on", "ended_on")
    )
    spans = affiliation_spans({member_id for _h, member_id, _s, _e in pairings if member_id is not None})
    return len(
        {
            household_id
            for household_id, member_id, started_on, ended_on in pairings
            if member_id is None  # a team's pairing (only asked for at an organ)
            or any(
                in_node(span) and span.overlaps(max(started_on, first), min(ended_on or last, last))
                for span in spans[member_id]
            )
        }
    )


def _households(node, period):
    """Households paired (结对户数): distinct households with a pairing of the node open on a day of the period; at
    an organ or a Party organization its members' pairings on the days they belonged to it (and at an organ its
    teams' pairings), at a member their own, at a team the team's, at a place where the household lives. Households
    visited (走访户数): distinct households with a visit that counts as a service of the node in the period."""
    first, last = period.first_day, period.last_day
    days = {"start": first, "end": last + timedelta(days=1)}
    level = node.level
    if level == Level.CITY:
        paired = households_paired(**days)
    elif node.is_geo:
        paired = households_paired(node.place_q(community="household__community", grid="household__grid"), **days)
    elif level == Level.TEAM:
        paired = households_paired(**days, team_ids=[node.pk])
    elif level == Level.MEMBER:
        paired = households_paired(**days, member_ids=[node.pk])
    else:
        paired = _paired_of_the_time(node, period)
    start, end = period.bounds
    # The visits that count as the node's services: attributed to it, with more than 0 minutes after amendments.
    visited = households_visited(node.service_q() & with_minutes_q(start, end), start=start, end=end)
    return {"households_paired": paired, "households_visited": visited}


# --- members ----------------------------------------------------------------------------------------------------


def member_minutes(node, period):
    """{member_id: minutes} of the services attributed to the node in the period, for members who served."""
    rows = _member_day_rows(node, period).values("member_id").annotate(minutes=Sum("minutes"), n=Sum("person_times"))
    return {row["member_id"]: row["minutes"] for row in rows if row["n"] > 0}


def node_metrics(*, node, period):
    """Every figure of docs/statistics.md for one node and period, in a dict (see docs/api.md for each)."""
    totals = _totals(node, period)
    members = node.members()
    member_ids = set(members.values_list("pk", flat=True))
    has_rate = node.is_org or node.level in (Level.CITY, Level.TEAM)
    registered = members.filter(registered_q()).count() if has_rate else None
    served = member_minutes(node, period)
    target = target_minutes(period)
    meeting_target = sum(1 for pk in member_ids if served.get(pk, 0) >= target)
    counts = service_counts(node=node, period=period)
    figures = {
        "members": len(member_ids),
        "registered_members": registered if registered is not None else len(member_ids),
        # At a place every member counted is registered there: a rate would say nothing.
        "registration_rate": rate_of(registered, len(member_ids)) if registered is not None else None,
        "services": counts["services"],
        "person_times": totals["person_times"],
        "members_served": len(served),
        "minutes": totals["minutes"],
        "hours": hours_of(totals["minutes"]),
        "residents_served": residents_of(node, period),
        "wish_services": totals["wish_services"],
        "points": totals["points"],
        **_wishes(node, period),
        "wishes_solved": counts["wishes_solved"],
        "activities_organized": _activities_organized(node, period),
        "activities_joined": counts["activities_joined"],
        "zero_service_members": sum(1 for pk in member_ids if pk not in served),
        "target_hours": hours_of(target),
        "below_target_members": len(member_ids) - meeting_target,
        "target_completion_rate": rate_of(meeting_target, len(member_ids)),
    }
    figures.update(_households(node, period))
    if node.level == Level.CITY or node.is_geo:
        figures.update(_requests(node, period))
    if node.level == Level.MEMBER:
        figures["stars"] = star_level(figures["points"], star_thresholds(period.year, StarSubject.MEMBER))
    elif node.level == Level.PARTY_ORG and node.obj.kind == PartyOrgKind.BRANCH:
        average = figures["points"] / figures["members"] if figures["members"] else 0
        figures["stars"] = star_level(average, star_thresholds(period.year, StarSubject.BRANCH))
    return figures


def node_metrics_cached(*, node, period):
    """node_metrics, kept STATS_CACHE_SECONDS in this process's cache (0: always computed). The figures are sums over
    a period; a minute's delay before an approval shows is the price of not recomputing them on every visit."""
    seconds = settings.STATS_CACHE_SECONDS
    if seconds <= 0:
        return node_metrics(node=node, period=period)
    key = f"stats:metrics:{node.level}:{node.pk}:{period.first_day.isoformat()}:{period.last_day.isoformat()}"
    return cache.get_or_set(key, lambda: node_metrics(node=node, period=period), seconds)


# --- star levels ------------------------------------------------------------------------------------------------


def _parse_thresholds(text):
    values = tuple(int(part) for part in str(text).split(","))
    if len(values) != 5 or any(b <= a for a, b in zip(values, values[1:], strict=False)) or values[0] <= 0:
        raise ValueError(f"star thresholds must be five ascending positive integers, not {text!r}")
    return values


def star_thresholds(year, subject):
    """The five point thresholds of the year for members or branches: the year's StarRule, else the setting."""
    rule = StarRule.objects.filter(year=year, subject=subject).first()
    if rule is not None:
        return rule.thresholds
    setting = "STAR_POINTS_MEMBER" if subject == StarSubject.MEMBER else "STAR_POINTS_BRANCH"
    default = "100,200,300,400,500" if subject == StarSubject.MEMBER else "50,100,150,200,300"
    return _parse_thresholds(getattr(settings, setting, default))


def star_level(points, thresholds):
    """0 to 5: how many thresholds the points reach."""
    return sum(1 for threshold in thresholds if points >= threshold)


# --- breakdowns -------------------------------------------------------------------------------------------------

BREAKDOWNS = ("month", "category", "source", "children")


def node_breakdown(*, node, period, by):
    """The node's sums split by month, by category of service (every ServiceCategory, whatever the source), by source
    (wishes, activities, manual entries), or by its children in its tree; each row carries the summed measures and
    hours (the category and source rows: person-times, minutes and hours)."""
    if by == "month":
        rows = (
            _member_day_rows(node, period)
            .annotate(month=TruncMonth("day"))
            .values("month")
            .annotate(**_SUMS)
            .order_by("month")
        )
        found = {row["month"]: row for row in rows}
        residents = residents_by(node, period, TruncMonth("started_at", output_field=DateField()))
        empty = dict.fromkeys(MEASURES, 0)
        return [
            _with_hours(
                {
                    "key": month.strftime("%Y-%m"),
                    **{m: found.get(month, empty)[m] for m in MEASURES},
                    "residents_served": residents.get(month, 0),
                }
            )
            for month in period.months()
        ]
    if by == "category":
        return _by_kind(node, period, "category", ServiceCategory)
    if by == "source":
        return _by_kind(node, period, "source", ServiceSource)
    if by == "children":
        return _by_children(node, period)
    raise errors.Invalid("breakdown_invalid", errors.BREAKDOWN_INVALID)


def _by_kind(node, period, column, choices):
    """Hours and person-times by a column of the ledger (`category` or `source`), one row per choice in its order,
    zeros included. Read from the ledger (the roll-ups do not keep either) in one grouped query over the services of
    the node's figures, so the rows add up to its person-times and minutes: services of 0 minutes count nothing."""
    from apps.ledger.selectors import with_effective

    originals = with_effective(_service_records(node, period))
    found = {
        row[column]: row
        for row in originals.values(column).annotate(minutes=Sum("effective_minutes"), person_times=Count("pk"))
    }
    empty = {"minutes": 0, "person_times": 0}
    return [
        {"key": choice.value, "label": str(choice.label), **_pick(found.get(choice.value, empty))} for choice in choices
    ]


def _pick(row):
    return {"minutes": row["minutes"], "person_times": row["person_times"], "hours": hours_of(row["minutes"])}


def children(node):
    """The node's children in its tree, as Nodes: organs of the city (organization view), top-level Party orgs
    of an organ, sub-orgs or members of a Party org; streets of a district, communities, grids; a team's members."""
    level, obj = node.level, node.obj
    if level == Level.CITY:
        return [Node(Level.ORGAN, organ) for organ in Organ.objects.order_by("name")]
    if level == Level.ORGAN:
        roots = PartyOrg.objects.filter(organ=obj, parent__isnull=True)
        return [Node(Level.PARTY_ORG, o) for o in PartyOrg.objects.filter(parent__in=roots).order_by("path")]
    if level == Level.PARTY_ORG:
        subs = list(PartyOrg.objects.filter(parent=obj).order_by("path"))
        if subs:
            return [Node(Level.PARTY_ORG, o) for o in subs]
        return [Node(Level.MEMBER, m) for m in Member.objects.filter(branch=obj).select_related("user").order_by("pk")]
    if level == Level.DISTRICT:
        return [Node(Level.STREET, s) for s in Street.objects.filter(district=obj).order_by("code")]
    if level == Level.STREET:
        return [Node(Level.COMMUNITY, c) for c in Community.objects.filter(street=obj).order_by("code")]
    if level == Level.COMMUNITY:
        return [Node(Level.GRID, g) for g in Grid.objects.filter(community=obj).order_by("code")]
    if level == Level.TEAM:
        return [Node(Level.MEMBER, m) for m in node.members().select_related("user").order_by("pk")]
    return []


def _by_children(node, period):
    """The sums of each child, grouped in one query where the children are a column of the roll-up."""
    kids = children(node)
    if kids:
        level = kids[0].level
    elif node.level in (Level.PARTY_ORG, Level.TEAM):
        level = Level.MEMBER  # a branch or team nobody belongs to now may still have services from members who left
    elif node.level == Level.COMMUNITY:
        level = Level.GRID  # a community without grids may still have services (recorded without a grid)
    else:
        return []
    days = _days(period)
    if level == Level.ORGAN:
        grouped = OrganDayTotal.objects.filter(days).values("organ_id").annotate(**_SUMS)
        found = {row["organ_id"]: row for row in grouped}
        residents = residents_by(node, period, "organ_id")
    elif level == Level.COMMUNITY:
        grouped = CommunityDayTotal.objects.filter(days, community__street_id=node.pk)
        found = {row["community_id"]: row for row in grouped.values("community_id").annotate(**_SUMS)}
        residents = residents_by(node, period, "community_id")
    elif level == Level.GRID:
        grouped = _member_day_rows(node, period).values("grid_key").annotate(**_SUMS)
        found = {row["grid_key"]: row for row in grouped}
        residents = {grid or 0: n for grid, n in residents_by(node, period, "grid_id").items()}
        if found.get(0):  # services recorded without a grid still add up to the community's figures
            kids = [*kids, Node(Level.GRID, None)]
    elif level == Level.MEMBER:
        grouped = _member_day_rows(node, period).values("member_id").annotate(**_SUMS)
        found = {row["member_id"]: row for row in grouped}
        residents = residents_by(node, period, "member_id")
        # A member who served for the branch in the period and has moved since keeps those services with the
        # branch (a record keeps the branch of the time of service): they are one of its children for the period,
        # or the rows would not add up.
        current = {kid.pk for kid in kids}
        left = Member.objects.filter(pk__in=set(found) - current).select_related("user").order_by("pk")
        kids = [*kids, *(Node(Level.MEMBER, member) for member in left)]
    else:  # Party orgs (subtrees) and streets: one aggregate each, there are few
        found = {kid.pk: _totals(kid, period) for kid in kids}
        if level == Level.STREET:
            residents = residents_by(node, period, "community__street_id")
        else:  # each record to the sub-organization whose subtree holds its branch
            subtree = [When(branch__path__startswith=kid.obj.path, then=Value(kid.pk)) for kid in kids]
            residents = residents_by(node, period, Case(*subtree, default=None, output_field=IntegerField()))
    empty = dict.fromkeys(MEASURES, 0)
    rows = []
    for kid in kids:
        if kid.obj is None:  # the community's services recorded without a grid
            key, name = 0, _("No grid")
        else:
            key, name = kid.pk, kid.name
        figures = {**found.get(key, empty), "residents_served": residents.get(key, 0)}
        rows.append(_with_hours({"level": kid.level, "id": kid.pk, "name": name, **{m: figures[m] for m in FIGURES}}))
    return rows


# --- rankings ---------------------------------------------------------------------------------------------------

RANKINGS = ("members", "branches", "organs", "communities", "streets")


def _ranked(rows, metric):
    """Competition ranking (1, 2, 2, 4) on the metric, highest first; rows that tie share a rank and are listed by
    name, then id, so the order never depends on the database."""
    rows.sort(key=lambda row: (-row[metric], row["name"], row["id"]))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row[metric] != previous:
            rank, previous = position, row[metric]
        row["rank"] = rank
    return rows


def ranking(*, node, period, of, metric):
    """Members within an organ or a Party org, branches within an organ (or a general branch), organs within the
    city; at a place (apps.stats.areas): streets within a district, communities within a street or a district, and
    the organs serving there; ranked by hours, points or person-times in the period. Everyone in the node is listed,
    zeros included (at a place: every street or community, and every organ that served there or has members
    registered there)."""
    from apps.stats import areas

    if metric not in RANKING_METRICS:
        raise errors.Invalid("metric_invalid", errors.METRIC_INVALID)
    sort_key = "minutes" if metric == "hours" else metric
    if node.is_geo:
        if of not in areas.PLACE_RANKINGS[node.level]:
            raise errors.Invalid("ranking_invalid", errors.RANKING_INVALID)
        if of == "organs":
            rows = areas.organ_rows(node=node, period=period)
        else:
            rows = areas.place_rows(node=node, period=period, level=areas.RANKED_PLACES[of])
        return _ranked(rows, sort_key)
    if of == "members" and node.level in (Level.ORGAN, Level.PARTY_ORG):
        rows = _member_rows_for_ranking(node, period)
        thresholds = star_thresholds(period.year, StarSubject.MEMBER)
        for row in rows:
            row["stars"] = star_level(row["points"], thresholds)
    elif of == "branches" and node.level in (Level.ORGAN, Level.PARTY_ORG):
        rows = branch_rows(node=node, period=period)
    elif of == "organs" and node.level == Level.CITY:
        rows = _organ_rows(node, period)
    else:
        raise errors.Invalid("ranking_invalid", errors.RANKING_INVALID)
    return _ranked(rows, sort_key)


def _member_rows_for_ranking(node, period):
    grouped = _member_day_rows(node, period).values("member_id").annotate(**_SUMS)
    found = {row["member_id"]: row for row in grouped}
    residents = residents_by(node, period, "member_id")
    ids = set(found) | set(node.members().values_list("pk", flat=True))
    members = Member.objects.filter(pk__in=ids).select_related("user", "branch")
    empty = dict.fromkeys(MEASURES, 0)
    return [
        _with_hours(
            {
                "id": m.pk,
                "name": m.user.name,
                "branch_id": m.branch_id,
                "branch": m.branch.name,
                **{k: found.get(m.pk, empty)[k] for k in MEASURES},
                "residents_served": residents.get(m.pk, 0),
            }
        )
        for m in members
    ]


def branch_rows(*, node, period):
    """Every branch (党支部) under an organ or Party org with its sums, member count, members served, wishes solved,
    activities organized and taken part in, average points per member and star level; the branch summary export
    and the branch ranking read this."""
    path_q = Q(organ_id=node.pk) if node.level == Level.ORGAN else Q(path__startswith=node.obj.path)
    branches = list(PartyOrg.objects.filter(path_q, kind=PartyOrgKind.BRANCH).order_by("path"))
    rows = (
        _member_day_rows(node, period)
        .values("branch_id")
        # members_served first: once the sums are annotated, "person_times" names the sum, not the column.
        .annotate(members_served=Count("member_id", distinct=True, filter=Q(person_times__gt=0)))
        .annotate(**_SUMS)
    )
    found = {row["branch_id"]: row for row in rows}
    members = dict(
        Member.objects.filter(is_active=True, branch__in=branches)
        .values("branch_id")
        .annotate(n=Count("pk"))
        .values_list("branch_id", "n")
    )
    registered = dict(
        Member.objects.filter(registered_q(), is_active=True, branch__in=branches)
        .values("branch_id")
        .annotate(n=Count("pk"))
        .values_list("branch_id", "n")
    )
    start, end = period.bounds
    organized = dict(
        Activity.objects.filter(
            organizer_party_org__in=branches,
            status__in=(ActivityStatus.OPEN, ActivityStatus.CLOSED, ActivityStatus.FINISHED),
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .values("organizer_party_org_id")
        .annotate(n=Count("pk"))
        .values_list("organizer_party_org_id", "n")
    )
    # Wishes solved and activities taken part in are distinct counts, which the roll-ups cannot give: one grouped
    # query over the same records as the node's own counts, each activity reached through its sign-up.
    activity = Subquery(SignUp.objects.filter(pk=OuterRef("source_id")).values("activity_id")[:1])
    distinct = {
        row["branch_id"]: row
        for row in _service_records(node, period)
        .values("branch_id")
        .annotate(
            wishes_solved=_WISHES_SOLVED,
            activities_joined=Count(activity, filter=Q(source=ServiceSource.ACTIVITY), distinct=True),
        )
    }
    residents = residents_by(node, period, "branch_id")
    thresholds = star_thresholds(period.year, StarSubject.BRANCH)
    empty = {**dict.fromkeys(MEASURES, 0), "members_served": 0}
    none = {"wishes_solved": 0, "activities_joined": 0}
    result = []
    for branch in branches:
        sums = found.get(branch.pk, empty)
        count = members.get(branch.pk, 0)
        average = sums["points"] / count if count else 0
        result.append(
            _with_hours(
                {
                    "id": branch.pk,
                    "name": branch.name,
                    "members": count,
                    "registered_members": registered.get(branch.pk, 0),
                    "registration_rate": rate_of(registered.get(branch.pk, 0), count),
                    "members_served": sums["members_served"],
                    "wishes_solved": distinct.get(branch.pk, none)["wishes_solved"],
                    "activities_organized": organized.get(branch.pk, 0),
                    "activities_joined": distinct.get(branch.pk, none)["activities_joined"],
                    "average_points": ratio_of(sums["points"], count, 1) if count else 0,
                    "stars": star_level(average, thresholds),
                    **{k: sums[k] for k in MEASURES},
                    "residents_served": residents.get(branch.pk, 0),
                }
            )
        )
    return result


def _organ_rows(node, period):
    grouped = OrganDayTotal.objects.filter(_days(period)).values("organ_id").annotate(**_SUMS)
    found = {row["organ_id"]: row for row in grouped}
    residents = residents_by(node, period, "organ_id")
    members = dict(
        Member.objects.filter(is_active=True).values("organ_id").annotate(n=Count("pk")).values_list("organ_id", "n")
    )
    empty = dict.fromkeys(MEASURES, 0)
    return [
        _with_hours(
            {
                "id": pk,
                "name": name,
                "members": members.get(pk, 0),
                **{k: found.get(pk, empty)[k] for k in MEASURES},
                "residents_served": residents.get(pk, 0),
            }
        )
        for pk, name in Organ.objects.values_list("pk", "name")
    ]


# --- member lists -----------------------------------------------------------------------------------------------


def member_table(*, node, period):
    """One row per member of the node (now, and anyone who served for it in the period and has left since: a
    record keeps the organ and branch of the time, so the rows add up to the node's figures) with their figures in the
    period as attributed to the node, their registration community, star level and community evaluations of the
    period's year; the year's member table export reads this. Sorted by branch, then name."""
    grouped = _member_day_rows(node, period).values("member_id").annotate(**_SUMS)
    found = {row["member_id"]: row for row in grouped if row["person_times"] > 0}
    served_elsewhere_now = set(found) - set(node.members().values_list("pk", flat=True))
    members = list(
        Member.objects.filter(Q(pk__in=node.members().values("pk")) | Q(pk__in=served_elsewhere_now))
        .select_related("user", "organ", "branch")
        .order_by("branch__path", "user__name", "pk")
    )
    ids = [m.pk for m in members]
    residents = residents_by(node, period, "member_id")
    communities = dict(
        Registration.objects.filter(member_id__in=ids, status=RegistrationStatus.CONFIRMED).values_list(
            "member_id", "community__name"
        )
    )
    evaluations = defaultdict(list)
    for evaluation in Evaluation.objects.filter(member_id__in=ids, year=period.year).select_related("community"):
        evaluations[evaluation.member_id].append(evaluation)
    thresholds = star_thresholds(period.year, StarSubject.MEMBER)
    target = target_minutes(period)
    empty = dict.fromkeys(MEASURES, 0)
    rows = []
    for m in members:
        sums = found.get(m.pk, empty)
        rows.append(
            _with_hours(
                {
                    "id": m.pk,
                    "name": m.user.name,
                    "organ": m.organ.name,
                    "branch_id": m.branch_id,
                    "branch": m.branch.name,
                    "registered": m.pk in communities,
                    "community": communities.get(m.pk, ""),
                    **{k: sums[k] for k in MEASURES},
                    "residents_served": residents.get(m.pk, 0),
                    "meets_target": sums["minutes"] >= target,
                    "stars": star_level(sums["points"], thresholds),
                    "evaluations": [
                        {"community": e.community.name, "grade": e.grade, "grade_label": str(e.get_grade_display())}
                        for e in evaluations.get(m.pk, [])
                    ],
                }
            )
        )
    return rows


def zero_service_members(*, node, period):
    """The node's members with no service attributed to the node in the period (零服务名单)."""
    served = _member_day_rows(node, period).filter(member_id=OuterRef("pk"), person_times__gt=0)
    return (
        node.members()
        .exclude(Exists(served))
        .select_related("user", "organ", "branch")
        .order_by("branch__path", "user__name", "pk")
    )


def unregistered_members(*, node):
    """The node's members without a confirmed registration with a residential community (未报到)."""
    return (
        node.members()
        .exclude(registered_q())
        .select_related("user", "organ", "branch")
        .order_by("branch__path", "user__name", "pk")
    )
