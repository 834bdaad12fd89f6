"""Fixtures of the statistics tests: a small two-organ city and a seeded random workload written through the ledger.

The workload goes through the ledger's services only (record_create, record_create_manual,
record_create_manual_group, record_approve, record_reject, record_amend) and apps.orgs.services.member_move, in the
order a real city would write it: services are entered some days after they happened, decided and corrected later
still, and members move on their move day. An activity's residents are on the activity (its records carry none).
"""

import heapq
import itertools
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from apps.accounts.models import Role
from apps.activities.models import SignUp, SignUpStatus
from apps.core.errors import DomainError
from apps.ledger import services as ledger
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceSource
from apps.ledger.selectors import record_effective
from apps.ledger.self_services import record_of, self_service_register
from apps.orgs.models import PartyOrgKind
from apps.orgs.services import member_move, party_org_create
from tests import factories as f
from tests.activities.conftest import ActivityFactory

LOCAL = ZoneInfo("Asia/Shanghai")
# The workload's eighteen months.
FIRST_DAY = date(2023, 7, 1)
LAST_DAY = date(2024, 12, 31)
JOINED_ON = date(2023, 1, 1)  # every member's affiliation history starts before the first service
POINTS_PER_HOUR = 10
POINTS_PER_WISH = 5

# Few names for many members, so that rankings have ties to order by name, then id.
NAMES = ("王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴霞", "王芳", "张伟")


@pytest.fixture
def points_rule(settings):
    """The points rule the tests compute by hand: 10 points an hour, floored per service; 5 per confirmed wish."""
    settings.POINTS_PER_HOUR = POINTS_PER_HOUR
    settings.POINTS_PER_CONFIRMED_WISH = POINTS_PER_WISH


def local(day, hour=9, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL)


class City:
    """One district, two streets, four communities (one without grids), two organs each with a committee → general
    branch → two branches plus a branch directly under the committee, twenty members, staff in every community."""

    def __init__(self):
        self.district = f.DistrictFactory()
        self.streets = [f.StreetFactory(district=self.district) for _ in range(2)]
        self.communities = [f.CommunityFactory(street=street) for street in self.streets for _ in range(2)]
        self.grids = []
        for community, count in zip(self.communities, (2, 2, 1, 0), strict=True):
            self.grids += [f.GridFactory(community=community) for _ in range(count)]
        self.staff = {}
        for community in self.communities:
            user = f.UserFactory(name=f"{community.name}干部")
            f.RoleFactory(user=user, role=Role.COMMUNITY_STAFF, community=community)
            self.staff[community.pk] = user

        self.organs = [f.OrganFactory() for _ in range(2)]
        self.committees, self.general_branches, self.branches = [], [], []
        for organ in self.organs:
            committee = f.committee_of(organ)
            general = party_org_create(
                organ=organ, parent=committee, kind=PartyOrgKind.GENERAL_BRANCH, name=f"{organ.name}党总支"
            )
            self.committees.append(committee)
            self.general_branches.append(general)
            for n, parent in enumerate((general, general, committee), start=1):
                self.branches.append(
                    party_org_create(
                        organ=organ, parent=parent, kind=PartyOrgKind.BRANCH, name=f"{organ.name}第{n}支部"
                    )
                )
        self.members = [
            f.MemberFactory(
                branch=self.branches[n % len(self.branches)],
                joined_on=JOINED_ON,
                user=f.UserFactory(name=NAMES[n % len(NAMES)]),
            )
            for n in range(20)
        ]

    def grids_of(self, community):
        return [grid for grid in self.grids if grid.community_id == community.pk]


@pytest.fixture
def city(db, points_rule):
    return City()


@dataclass
class Move:
    member: object
    old_branch: object
    new_branch: object
    on: date


@dataclass
class Workload:
    moves: list
    created: int = 0  # ledger rows written (originals and amendments)


def _random_day(rng, first=FIRST_DAY, last=LAST_DAY):
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _random_start(rng, day):
    """A local start time, now and then just after midnight or late in the evening (the service then ends on the
    next day, but counts on the day it started)."""
    hour, minute = rng.choice(((0, 5), (8, 0), (9, 30), (14, 0), (19, 0), (23, 30)))
    return local(day, hour, minute)


class _Writer:
    """Plays a workload in time order: a queue of (when, priority, seq, action) events, where actions schedule the
    later ones (a decision after an entry, a correction after an approval)."""

    def __init__(self, city, rng, workload):
        self.city, self.rng, self.workload = city, rng, workload
        self.events, self.seq = [], itertools.count()

    def at(self, when, action, *args, priority=1):
        heapq.heappush(self.events, (when, priority, next(self.seq), partial(action, *args)))

    def play(self):
        while self.events:
            *_, action = heapq.heappop(self.events)
            action()

    def staff(self, community_id):
        return self.city.staff[community_id]

    # --- the writes ---
    def move(self, move):
        member_move(member=move.member, branch=move.new_branch, on=move.on)

    def confirm_wish(self, group, wish_id, community, grid, started, span, minutes, residents):
        """A confirmed wish: an approved record for each member who served it, the residents on the first only."""
        for position, member in enumerate(group):
            record = ledger.record_create(
                member=member,
                community=community,
                grid=grid,
                source=ServiceSource.WISH,
                source_id=wish_id,
                category=ServiceCategory.ELDERLY,
                content="为独居老人送米面油",
                started_at=started,
                ended_at=started + timedelta(minutes=span),
                credited_minutes=minutes,
                residents_served=residents if position == 0 else 0,
                status=RecordStatus.APPROVED,
                decided_by=self.staff(community.pk),
            )
            self.workload.created += 1
            self.amend_later(record)

    def record_attendance(self, signup, minutes):
        """One member's attendance of an activity: a pending record with no residents (they are the activity's)."""
        activity = signup.activity
        record = ledger.record_create(
            member=signup.member,
            community=activity.community,
            grid=activity.grid,
            source=ServiceSource.ACTIVITY,
            source_id=signup.pk,
            category=activity.category,
            content=activity.title,
            started_at=activity.starts_at,
            ended_at=activity.ends_at,
            credited_minutes=minutes,
            residents_served=0,
        )
        self.workload.created += 1
        retry = (self.record_attendance, signup, self.rng.randrange(minutes + 1))
        self.decide_later(record, retry=retry)

    def enter_manual(self, member, community, grid, started, span, minutes, residents):
        record = ledger.record_create_manual(
            actor=self.staff(community.pk),
            member=member,
            community=community,
            grid=grid,
            # Every category in turn (not drawn from the generator, so the workload stays the one its seed makes).
            category=ServiceCategory.values[self.workload.created % len(ServiceCategory.values)],
            content="入户走访困难群众",
            started_at=started,
            ended_at=started + timedelta(minutes=span),
            credited_minutes=minutes,
            residents_served=residents,
            reason="线下服务补录",
        )
        self.workload.created += 1
        self.decide_later(record)

    def register_self(self, member, community, grid, started, span, minutes, residents):
        """A service the member registers themself (the whole span credited until decided); where its rules refuse
        it (it overlaps another of the member's services), staff enter it by hand instead."""
        try:
            self_service = self_service_register(
                actor=member.user,
                community=community,
                grid=grid,
                place="小区楼道",
                category=ServiceCategory.CARE_VISIT,
                content="看望独居老人",
                started_at=started,
                ended_at=started + timedelta(minutes=span),
                residents_served=residents,
                now=started + timedelta(minutes=span, hours=1),
            )
        except DomainError:
            self.enter_manual(member, community, grid, started, span, minutes, residents)
            return
        self.workload.created += 1
        self.decide_later(record_of(self_service))

    def enter_group(self, members, community, grid, started, span, minutes, residents):
        """Several members who served together offline: one occasion, a pending record each, each decided alone."""
        records = ledger.record_create_manual_group(
            actor=self.staff(community.pk),
            members=members,
            community=community,
            grid=grid,
            category=ServiceCategory.POLICY_TALK,
            content="集中开展政策宣讲",
            started_at=started,
            ended_at=started + timedelta(minutes=span),
            credited_minutes=minutes,
            residents_served=residents,
            reason="线下服务补录",
        )
        self.workload.created += len(records)
        for record in records:
            self.decide_later(record)

    def decide_later(self, record, *, retry=None):
        """Approve (mostly), reject or leave pending, some days later; a rejected attendance is sometimes recorded
        again (a rejected record does not block a corrected one)."""
        outcome = self.rng.choices(("approve", "reject", "pending"), weights=(75, 15, 10))[0]
        if outcome != "pending":
            when = record.ended_at + timedelta(days=self.rng.randrange(21, 40))
            self.at(when, self.decide, record, outcome, retry)

    def decide(self, record, outcome, retry):
        staff = self.staff(record.community_id)
        if outcome == "approve":
            self.amend_later(ledger.record_approve(record=record, actor=staff))
        else:
            ledger.record_reject(record=record, actor=staff, reason="时长与签到记录不符")
            if retry is not None and self.rng.random() < 0.5:
                self.at(record.ended_at + timedelta(days=41), *retry)

    def amend_later(self, record):
        if self.rng.random() < 0.25:
            for n in range(self.rng.choice((1, 1, 2))):
                self.at(record.ended_at + timedelta(days=self.rng.randrange(45, 90), hours=n), self.amend, record)

    def amend(self, record):
        """A correction of minutes and residents; of minutes only for an activity's record (its residents are the
        activity's, record_amend refuses to give a record any)."""
        span = int((record.ended_at - record.started_at).total_seconds() // 60)
        current = record_effective(record)
        minutes, residents = self.rng.randrange(span + 1), self.rng.randrange(8)
        if record.source == ServiceSource.ACTIVITY:
            residents = current.residents_served
            if minutes == current.minutes:
                minutes = (minutes + 1) % (span + 1)
        elif (minutes, residents) == tuple(current):
            residents += 1
        ledger.record_amend(
            record=record,
            actor=self.staff(record.community_id),
            credited_minutes=minutes,
            residents_served=residents,
            reason="补录签退时间",
        )
        self.workload.created += 1


def _plan_moves(city, rng):
    """Two members change organ and one changes branch within its organ, each on a random day of the workload."""
    by_branch = {b.pk: b for b in city.branches}
    first_organ, second_organ = city.organs
    organ_0 = [m for m in city.members if m.organ_id == first_organ.pk]
    organ_1 = [m for m in city.members if m.organ_id == second_organ.pk]
    branches_0 = [b for b in city.branches if b.organ_id == first_organ.pk]
    branches_1 = [b for b in city.branches if b.organ_id == second_organ.pk]
    mover_a, mover_b = rng.choice(organ_0), rng.choice(organ_1)
    mover_c = rng.choice([m for m in organ_0 if m != mover_a])
    return [
        Move(
            mover_a,
            by_branch[mover_a.branch_id],
            rng.choice(branches_1),
            _random_day(rng, date(2023, 11, 1), date(2024, 6, 30)),
        ),
        Move(
            mover_b,
            by_branch[mover_b.branch_id],
            rng.choice(branches_0),
            _random_day(rng, date(2024, 2, 1), date(2024, 9, 30)),
        ),
        Move(
            mover_c,
            by_branch[mover_c.branch_id],
            rng.choice([b for b in branches_0 if b.pk != mover_c.branch_id]),
            _random_day(rng, date(2023, 9, 1), date(2024, 9, 1)),
        ),
    ]


def run_workload(city, rng, *, services=110):
    """Write a random but reproducible workload into the ledger, in time order; returns what it did (the moves).

    Kinds of service: confirmed wishes (approved at creation, sometimes by two members: one wish, two records),
    activities (real sign-ups, several members each, the residents on the activity; records pending, then approved,
    rejected or left pending; a rejected one is sometimes recorded again), manual entries by staff (pending, then
    decided), some for two or three members together (one occasion, often across organs). About a quarter of
    approved services are corrected once or twice. Services are entered up to twenty days after they happened, so
    some services before a move are entered after it.
    """
    workload = Workload(moves=_plan_moves(city, rng))
    writer = _Writer(city, rng, workload)
    for move in workload.moves:
        writer.at(local(move.on, 0, 0), writer.move, move, priority=0)
    # The movers serve more often, so that each has services on both sides of the move.
    pool = city.members + [move.member for move in workload.moves] * 4
    wish_ids = itertools.count(1)
    activity, participants = None, set()
    for _ in range(services):
        started = _random_start(rng, _random_day(rng))
        entered = started + timedelta(days=rng.randrange(0, 20), hours=3)
        span = rng.choice((60, 90, 120, 180))
        minutes = min(span, rng.choice((0, 45, 50, 55, 60, 61, 89, 90, rng.randrange(span + 1))))
        residents = rng.randrange(6)
        community = rng.choice(city.communities)
        grids = city.grids_of(community)
        grid = rng.choice(grids) if grids and rng.random() < 0.8 else None
        member = rng.choice(pool)
        kind = rng.choices(("wish", "activity", "manual"), weights=(35, 40, 25))[0]
        if kind == "wish":
            group = [member]
            if rng.random() < 0.3:
                group.append(rng.choice([m for m in city.members if m != member]))
            args = (group, next(wish_ids), community, grid, started, span, minutes, residents)
            writer.at(entered, writer.confirm_wish, *args)
        elif kind == "activity":
            # Several members (of either organ) attend one activity; each attendance is one record.
            if activity is None or member.pk in participants or rng.random() < 0.4:
                activity = ActivityFactory(
                    community=community,
                    grid=grid,
                    created_by=writer.staff(community.pk),
                    starts_at=started,
                    ends_at=started + timedelta(minutes=span),
                    organizer_party_org=rng.choice(city.branches),
                    # The activity's one figure, as its staff would enter it (the records carry none).
                    residents_served=residents,
                )
                participants = set()
            participants.add(member.pk)
            signup = SignUp.objects.create(
                activity=activity,
                member=member,
                status=SignUpStatus.CONFIRMED,
                signed_up_at=activity.starts_at - timedelta(days=2),
                starts_at=activity.starts_at,
                ends_at=activity.ends_at,
            )
            credited = min(minutes, int((activity.ends_at - activity.starts_at).total_seconds() // 60))
            writer.at(max(entered, activity.ends_at), writer.record_attendance, signup, credited)
        elif rng.random() < 0.35:
            group = [member, *rng.sample([m for m in city.members if m != member], rng.choice((1, 2)))]
            writer.at(entered, writer.enter_group, group, community, grid, started, span, minutes, residents)
        else:
            # Every third lone service is one the member registers themself (no draw: the seed's workload stays).
            enter = writer.register_self if writer.workload.created % 3 == 0 else writer.enter_manual
            writer.at(entered, enter, member, community, grid, started, span, minutes, residents)
    writer.play()
    return workload


@pytest.fixture
def workload(city):
    """The workload of one fixed seed, for tests that need a realistic ledger rather than a property over many."""
    return run_workload(city, random.Random(20240601), services=60)


def hours_half_up(minutes):
    """The hours rule of docs/statistics.md worked out in integers, independently of apps.core.figures: tenths of an
    hour are minutes / 6, rounded half up."""
    return Decimal((minutes + 3) // 6).scaleb(-1)
