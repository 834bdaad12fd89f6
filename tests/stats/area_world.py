"""A district for the street and district administrators' figures, written through the ledger's services, and the
direct count over the service records that every figure of those tests is checked against.

The shared world's district gets a second street and a street with nothing in it; side A's street gets a second
community and a community with nothing in it. Four organs: side A's and side B's serve across both streets, a third
has a member registered in the district but no service (it is listed with zeros among the organs serving there), a
fourth serves only outside the district (never listed). Approved services include a corrected one, a confirmed wish
and a service recorded without a grid; a pending, a rejected and a last-year service must not count. Two services are
shared by members of both organs: an activity (its residents on the activity) and a manual occasion, whose residents
each organ, community, street and the district count once (docs/statistics.md, "Residents served").
"""

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from apps.activities.models import Activity, ActivityStatus, SignUp, SignUpStatus
from apps.ledger import services as ledger
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.ledger.points import service_points
from tests import factories as f
from tests.activities.conftest import ActivityFactory

LOCAL = ZoneInfo("Asia/Shanghai")
YEAR = 2025


class Area:
    def __init__(self, world):
        self.world = world
        self.district = world.street.district
        self.street_a = world.street
        self.street_b = f.StreetFactory(district=self.district, name="东湖街道")
        self.street_empty = f.StreetFactory(district=self.district, name="西岭街道")
        self.c1, self.g1 = world.community, world.grid
        self.c2 = f.CommunityFactory(street=self.street_a, name="桂苑社区")
        self.g2 = f.GridFactory(community=self.c2)
        self.c_empty = f.CommunityFactory(street=self.street_a, name="安宁社区")
        self.c3 = f.CommunityFactory(street=self.street_b, name="湖滨社区")
        self.g3 = f.GridFactory(community=self.c3)
        self.outside = world.other_community  # another district

        self.organ_a, self.organ_b = world.organ, world.other_organ
        self.organ_idle = f.OrganFactory(name="区档案馆")
        self.organ_away = f.OrganFactory(name="区气象局")
        self.a1 = world.member
        self.a2 = f.MemberFactory(branch=world.branch)
        self.b1 = world.other_member
        self.b2 = f.MemberFactory(branch=world.other_branch)
        self.idle = f.MemberFactory(branch=f.BranchFactory(organ=self.organ_idle))
        self.away = f.MemberFactory(branch=f.BranchFactory(organ=self.organ_away))
        for member, grid in ((self.a1, self.g1), (self.a2, self.g2), (self.b1, self.g3), (self.idle, self.g1)):
            f.RegistrationFactory(member=member, grid=grid)
        f.RegistrationFactory(member=self.away, grid=world.other_grid)

        corrected = self.record(self.a1, self.c1, self.g1, 3, 120, residents=2)
        ledger.record_amend(
            record=corrected, actor=world.superuser, credited_minutes=90, residents_served=1, reason="补录签退时间"
        )
        self.record(self.a1, self.c2, self.g2, 4, 60, residents=1, source=ServiceSource.WISH, source_id=7001)
        self.record(self.a2, self.c2, None, 5, 45)
        self.record(self.a2, self.c3, self.g3, 6, 200, residents=3)
        self.record(self.b1, self.c1, self.g1, 7, 90, residents=1)  # ties with a1's corrected service
        self.record(self.b1, self.c3, self.g3, 8, 30)
        self.record(self.b2, self.c1, self.g1, 9, 61, residents=4)
        self.record(self.away, self.outside, world.other_grid, 9, 300)
        self.record(self.a1, self.c1, self.g1, 10, 500, status=RecordStatus.PENDING)
        rejected = self.record(self.b2, self.c3, self.g3, 10, 400, status=RecordStatus.PENDING)
        ledger.record_reject(record=rejected, actor=world.superuser, reason="时长与签到记录不符")
        self.record(self.a1, self.c1, self.g1, 11, 590, year=YEAR - 1)
        self.activity = self.attend(self.c1, self.g1, 2, [(self.a2, 30), (self.b2, 30)], residents=12)
        self.occasion = self.together(self.c3, self.g3, 3, [self.a2, self.b1], 40, residents=5)

    def record(self, member, community, grid, month, minutes, *, residents=0, status=RecordStatus.APPROVED, **extra):
        start = datetime(extra.pop("year", YEAR), month, 12, 9, 0, tzinfo=LOCAL)
        return ledger.record_create(
            member=member,
            community=community,
            grid=grid,
            source=extra.pop("source", ServiceSource.MANUAL),
            source_id=extra.pop("source_id", None),
            category=ServiceCategory.CARE_VISIT,
            content="入户走访困难群众",
            started_at=start,
            ended_at=start + timedelta(hours=10),
            credited_minutes=minutes,
            residents_served=residents,
            status=status,
            decided_by=self.world.superuser if status == RecordStatus.APPROVED else None,
        )

    def attend(self, community, grid, month, attendances, *, residents):
        """A finished activity with `residents` entered on it, and each member's approved attendance record (which
        carries none)."""
        start = datetime(YEAR, month, 20, 9, 0, tzinfo=LOCAL)
        activity = ActivityFactory(
            community=community,
            grid=grid,
            created_by=self.world.superuser,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            status=ActivityStatus.FINISHED,
            residents_served=residents,
        )
        for member, minutes in attendances:
            signup = SignUp.objects.create(
                activity=activity,
                member=member,
                status=SignUpStatus.CONFIRMED,
                signed_up_at=start - timedelta(days=2),
                starts_at=start,
                ends_at=activity.ends_at,
            )
            ledger.record_create(
                member=member,
                community=community,
                grid=grid,
                source=ServiceSource.ACTIVITY,
                source_id=signup.pk,
                category=activity.category,
                content=activity.title,
                started_at=start,
                ended_at=activity.ends_at,
                credited_minutes=minutes,
                status=RecordStatus.APPROVED,
                decided_by=self.world.superuser,
            )
        return activity

    def together(self, community, grid, month, members, minutes, *, residents):
        """A manual entry for several members together (one occasion, the residents entered once), approved."""
        start = datetime(YEAR, month, 25, 14, 0, tzinfo=LOCAL)
        records = ledger.record_create_manual_group(
            actor=self.world.superuser,
            members=members,
            community=community,
            grid=grid,
            category=ServiceCategory.POLICY_TALK,
            content="集中开展政策宣讲",
            started_at=start,
            ended_at=start + timedelta(hours=2),
            credited_minutes=minutes,
            residents_served=residents,
            reason="线下服务补录",
        )
        for record in records:
            ledger.record_approve(record=record, actor=self.world.superuser)
        return records[0].occasion


def _service(record, activity_of):
    """Which service an original record is part of: its activity, its wish, its manual occasion, or itself."""
    if record.source == ServiceSource.ACTIVITY:
        return ("activity", activity_of[record.source_id])
    if record.source == ServiceSource.WISH:
        return ("wish", record.source_id)
    return ("occasion", record.occasion) if record.occasion else ("record", record.pk)


def _residents(service):
    """A service's residents, from all its approved records wherever and whenever they count: an activity's are on
    the activity; a wish's, an occasion's and a lone manual record's are on its records and their amendments."""
    kind, pk = service
    if kind == "activity":
        return Activity.objects.get(pk=pk).residents_served
    approved = ServiceRecord.objects.filter(status=RecordStatus.APPROVED)
    rows = {
        "wish": approved.filter(source=ServiceSource.WISH, source_id=pk),
        "occasion": approved.filter(Q(occasion=pk) | Q(amends__occasion=pk)),
        "record": approved.filter(Q(pk=pk) | Q(amends_id=pk)),
    }[kind]
    return sum(rows.values_list("residents_served", flat=True))


def direct_count(key, *, year=YEAR, **where):
    """{key(record): figures} straight from the approved service records started in the year (docs/statistics.md):
    person-times count the originals, minutes add the amendments' deltas, points apply the rule per service to its
    effective minutes, members who served are distinct; residents served are those of each service a key holds
    (more than 0 minutes), once per key. `where` filters the records."""
    records = list(
        ServiceRecord.objects.filter(status=RecordStatus.APPROVED, started_at__year=year, **where).select_related(
            "community"
        )
    )
    effective = defaultdict(int)
    for record in records:
        effective[record.amends_id or record.pk] += record.credited_minutes
    figures = defaultdict(
        lambda: {"person_times": 0, "minutes": 0, "residents_served": 0, "wish_services": 0, "points": 0, "who": set()}
    )
    for record in records:
        row = figures[key(record)]
        row["minutes"] += record.credited_minutes
        if record.amends_id is None:
            is_wish = record.source == ServiceSource.WISH
            row["person_times"] += 1
            row["wish_services"] += int(is_wish)
            row["points"] += service_points(minutes=effective[record.pk], is_wish=is_wish)
            row["who"].add(record.member_id)
    activity_of = dict(SignUp.objects.values_list("pk", "activity_id"))
    held = defaultdict(set)
    for record in records:
        if record.amends_id is None and effective[record.pk] > 0:
            held[key(record)].add(_service(record, activity_of))
    for k, services in held.items():
        figures[k]["residents_served"] = sum(_residents(service) for service in services)
    return {
        k: {**{name: v for name, v in row.items() if name != "who"}, "members_served": len(row["who"])}
        for k, row in figures.items()
    }


ZERO = {"person_times": 0, "minutes": 0, "residents_served": 0, "wish_services": 0, "points": 0, "members_served": 0}
FIGURES = tuple(ZERO)


def figures_of(row):
    return {name: row[name] for name in FIGURES}


def competition_ranks(rows, metric):
    """The ranks the rows should carry, worked out here: highest first, ties share a rank and the next skips."""
    values = sorted((row[metric] for row in rows), reverse=True)
    return [values.index(row[metric]) + 1 for row in rows]
