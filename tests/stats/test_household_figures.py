"""Households paired (结对户数) and households visited (走访户数) in the statistics (docs/statistics.md): at every node
and for periods around the edges of the year, equal to a direct count written here over the raw rows (pairings,
affiliations, visits and their service records), never through the selectors under test; on the API and the
dashboard.

The story, in 2025 unless said otherwise: two communities (A with two grids, B), an organ with two branches and
another organ. A member paired all year, one who moves to the other organ on 1 July (his pairing counts with the
organ and branch of each day), a team of the organ paired with a household the member also serves, pairings that
end on the first day of the year, start on its last, ended before it or after it, a household closed in August;
visits approved, pending, rejected, adjusted, corrected to 0 minutes, and on either side of New Year.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from apps.accounts.models import Role
from apps.households import services as households
from apps.households.models import Household, HouseholdPairing, HouseholdVisit
from apps.ledger import services as ledger
from apps.ledger.models import RecordStatus, ServiceRecord, ServiceSource
from apps.ledger.self_services import record_of
from apps.orgs.models import MemberAffiliation
from apps.orgs.services import member_move
from apps.stats.nodes import Level, Node
from apps.stats.periods import Period, year_period
from apps.stats.selectors import node_metrics
from apps.teams import services as teams
from apps.teams.models import TeamSpecialty
from tests import factories as f
from tests.conftest import client_for
from tests.households.conftest import register
from tests.web.test_dashboard_pages import tiles

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
YEAR = 2025
FIELDS = ("households_paired", "households_visited")
JOINED = date(2024, 1, 1)


def at(year, month, day, hour=9, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL)


def noon(day):
    return datetime(day.year, day.month, day.day, 12, tzinfo=LOCAL)


@dataclass
class Story:
    """What the test built (the nodes and the people who acted)."""

    world: object
    g2: object
    branch2: object
    staff_b: object
    mover: object
    chen: object
    colleague: object
    team: object


def household(world, community, grid, name, staff, consent_on):
    return households.household_create(
        actor=staff,
        community=community,
        grid=grid,
        head_name=name,
        address=f"{name}家",
        situation="elderly_alone",
        consent_on=consent_on,
        now=noon(consent_on),
    )


def pair(staff, home, started_on, *, member=None, team=None):
    return households.pairing_create(
        actor=staff, household=home, member=member, team=team, started_on=started_on, now=noon(started_on)
    )


def end(staff, pairing, day):
    return households.pairing_end(actor=staff, pairing=pairing, reason="结对调整", now=noon(day))


def visit(member, pairing, start, *, minutes=60, decide="approve", staff=None):
    """A visit registered by `member` two hours after it ended, then decided by the community's staff: "approve",
    "reject", None (left pending), ("adjust", minutes) or ("amend", minutes) (approved, corrected later)."""
    made = households.household_visit_register(
        actor=member.user,
        pairing=pairing,
        started_at=start,
        ended_at=start + timedelta(minutes=minutes),
        content="入户走访",
        now=start + timedelta(minutes=minutes + 120),
    )
    record = record_of(made.self_service)
    if decide == "approve":
        ledger.record_approve(record=record, actor=staff)
    elif decide == "reject":
        ledger.record_reject(record=record, actor=staff, reason="未见走访记录")
    elif isinstance(decide, tuple) and decide[0] == "adjust":
        ledger.record_adjust(record=record, actor=staff, credited_minutes=decide[1], residents_served=1, reason="核定")
    elif isinstance(decide, tuple) and decide[0] == "amend":
        ledger.record_approve(record=record, actor=staff)
        ledger.record_amend(record=record, actor=staff, credited_minutes=decide[1], residents_served=1, reason="更正")
    return made


@pytest.fixture
def story(world):
    staff_a = world.staff
    staff_b = f.UserFactory(name="B社区干部")
    f.RoleFactory(user=staff_b, role=Role.COMMUNITY_STAFF, community=world.other_community)
    g2 = f.GridFactory(community=world.community)
    branch2 = f.BranchFactory(organ=world.organ, name="第二党支部")
    a, b, g1, gb = world.community, world.other_community, world.grid, world.other_grid

    member, other = world.member, world.other_member
    MemberAffiliation.objects.filter(member__in=(member, other)).update(started_on=JOINED)
    mover = f.MemberFactory(branch=world.branch, joined_on=JOINED)
    chen = f.MemberFactory(branch=branch2, joined_on=JOINED)
    colleague = f.MemberFactory(branch=world.branch, joined_on=JOINED)
    register(member, a)
    register(mover, a)
    register(colleague, a)
    register(other, b)
    register(chen, b)

    # The organ's team (led by the member), which the colleague joins in February.
    team = teams.team_create(
        actor=None,
        organ=world.organ,
        name="助老服务队",
        specialty=TeamSpecialty.MEDICAL,
        leader=member,
        now=at(2025, 1, 10),
    )
    teams.team_apply(actor=colleague.user, team=team, now=at(2025, 2, 1))
    teams.team_accept(actor=member.user, team=team, member=colleague, now=at(2025, 2, 2))

    h1 = household(world, a, g1, "一号户", staff_a, date(2024, 5, 20))
    h2 = household(world, a, g1, "二号户", staff_a, date(2025, 1, 20))
    h3 = household(world, a, g2, "三号户", staff_a, date(2025, 2, 20))
    h4 = household(world, b, gb, "四号户", staff_b, date(2024, 2, 20))
    h5 = household(world, b, gb, "五号户", staff_b, date(2025, 12, 1))
    h6 = household(world, b, gb, "六号户", staff_b, date(2024, 10, 20))
    h7 = household(world, a, g1, "七号户", staff_a, date(2025, 3, 20))
    h8 = household(world, b, None, "八号户", staff_b, date(2025, 4, 1))
    h9 = household(world, b, gb, "九号户", staff_b, date(2025, 12, 20))

    # h1: the member, all year and before: one approved visit, one pending, one rejected.
    p1 = pair(staff_a, h1, date(2024, 6, 1), member=member)
    visit(member, p1, at(2025, 3, 10), staff=staff_a)
    visit(member, p1, at(2025, 5, 12), decide=None)
    visit(member, p1, at(2025, 6, 12), decide="reject", staff=staff_a)

    # h2: the mover, from February; he moves to the other organ on 1 July; a visit before and one after; ended in
    # October.
    p2 = pair(staff_a, h2, date(2025, 2, 1), member=mover)
    visit(mover, p2, at(2025, 4, 8), staff=staff_a)
    mover = member_move(
        member=mover, branch=world.other_branch, on=date(2025, 7, 1), reason="工作调动", actor=world.superuser
    )
    visit(mover, p2, at(2025, 9, 9), staff=staff_a)
    end(staff_a, p2, date(2025, 10, 15))

    # h3: the team from March and the member too (one household, two pairings); visits as the team: the colleague's
    # adjusted down (still a service), the member's corrected to 0 minutes (no service).
    p3 = pair(staff_a, h3, date(2025, 3, 1), team=team)
    pair(staff_a, h3, date(2025, 3, 2), member=member)
    visit(colleague, p3, at(2025, 5, 5), minutes=90, decide=("adjust", 45), staff=staff_a)
    visit(member, p3, at(2025, 5, 6), decide=("amend", 0), staff=staff_a)

    # h4: the other member, paired in 2024 and ended on New Year's Eve 2024; visited in 2024 only.
    p4 = pair(staff_b, h4, date(2024, 3, 1), member=other)
    visit(other, p4, at(2024, 11, 5), staff=staff_b)
    end(staff_b, p4, date(2024, 12, 31))

    # h5: paired on the last day of 2025; its visit in January 2026.
    p5 = pair(staff_b, h5, date(2025, 12, 31), member=other)
    visit(other, p5, at(2026, 1, 2), staff=staff_b)

    # h6: paired in 2024, ended on New Year's Day 2025 (open that day); visited at 23:30 on New Year's Eve 2024.
    p6 = pair(staff_b, h6, date(2024, 11, 1), member=other)
    visit(other, p6, at(2024, 12, 31, 23, 30), minutes=20, staff=staff_b)
    end(staff_b, p6, date(2025, 1, 1))

    # h7: the member from April; closed in August (its pairing ends that day); visited in May.
    p7 = pair(staff_a, h7, date(2025, 4, 1), member=member)
    visit(member, p7, at(2025, 5, 20), staff=staff_a)
    households.household_close(actor=staff_a, household=h7, reason="已搬离", now=noon(date(2025, 8, 10)))

    # h8: a household without a grid, paired with the second branch's member from May: only a rejected visit.
    p8 = pair(staff_b, h8, date(2025, 5, 1), member=chen)
    visit(chen, p8, at(2025, 6, 3), decide="reject", staff=staff_b)

    # h9: never paired in 2025 (its pairing starts in 2026).
    pair(staff_b, h9, date(2026, 1, 5), member=chen)
    return Story(world, g2, branch2, staff_b, mover, chen, colleague, team)


# --- the direct count -----------------------------------------------------------------------------------------------


class Direct:
    """The two figures counted in Python over the raw rows: pairings with their households, affiliations, visits
    with their original service records and approved amendments."""

    def __init__(self):
        self.pairings = list(HouseholdPairing.objects.select_related("household__community__street", "team"))
        self.affiliations = {}
        for row in MemberAffiliation.objects.order_by("started_on", "id"):
            self.affiliations.setdefault(row.member_id, []).append(row)
        records = {
            r.source_id: r
            for r in ServiceRecord.objects.select_related("community__street").filter(
                source=ServiceSource.SELF, amends__isnull=True
            )
        }
        fixes = {}
        for fix in ServiceRecord.objects.filter(amends__isnull=False, status=RecordStatus.APPROVED):
            fixes[fix.amends_id] = fixes.get(fix.amends_id, 0) + fix.credited_minutes
        self.visits = []
        for made in HouseholdVisit.objects.select_related("pairing"):
            record = records[made.self_service_id]
            minutes = record.credited_minutes + fixes.get(record.pk, 0)
            self.visits.append((made.pairing.household_id, record, minutes))

    def affiliation_on(self, member_id, day):
        """The (organ, branch) the member belonged to on `day`: the affiliation that started last on or before it,
        else the first (as the ledger attributes a service)."""
        rows = self.affiliations[member_id]
        chosen = rows[0]
        for row in rows:
            if row.started_on <= day:
                chosen = row
        return chosen.organ_id, chosen.branch_id

    def paired(self, node, first, last):
        households = set()
        for pairing in self.pairings:
            open_days = [
                d
                for d in days(first, last)
                if pairing.started_on <= d and (pairing.ended_on is None or d <= pairing.ended_on)
            ]
            if not open_days:
                continue
            home = pairing.household
            if node.level == Level.CITY:
                counts = True
            elif node.is_geo:
                counts = in_place(node, home.community, home.grid_id)
            elif node.level == Level.TEAM:
                counts = pairing.team_id == node.pk
            elif node.level == Level.MEMBER:
                counts = pairing.member_id == node.pk
            elif pairing.team_id is not None:
                counts = node.level == Level.ORGAN and pairing.team.organ_id == node.pk
            else:
                index = 0 if node.level == Level.ORGAN else 1
                counts = any(self.affiliation_on(pairing.member_id, d)[index] == node.pk for d in open_days)
            if counts:
                households.add(home.pk)
        return len(households)

    def visited(self, node, first, last):
        households = set()
        for household_id, record, minutes in self.visits:
            if record.status != RecordStatus.APPROVED or minutes <= 0:
                continue
            if not first <= record.started_at.astimezone(LOCAL).date() <= last:
                continue
            counts = {
                Level.CITY: lambda r: True,
                Level.ORGAN: lambda r: r.organ_id == node.pk,
                Level.PARTY_ORG: lambda r: r.branch_id == node.pk,
                Level.MEMBER: lambda r: r.member_id == node.pk,
                Level.TEAM: lambda r: r.team_id == node.pk,
            }.get(node.level, lambda r: in_place(node, r.community, r.grid_id))(record)
            if counts:
                households.add(household_id)
        return len(households)

    def figures(self, node, period):
        first, last = period.first_day, period.last_day
        return {
            "households_paired": self.paired(node, first, last),
            "households_visited": self.visited(node, first, last),
        }


def days(first, last):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def in_place(node, community, grid_id):
    return {
        Level.DISTRICT: lambda: community.street.district_id == node.pk,
        Level.STREET: lambda: community.street_id == node.pk,
        Level.COMMUNITY: lambda: community.pk == node.pk,
        Level.GRID: lambda: grid_id == node.pk,
    }[node.level]()


def figures(node, period):
    metrics = node_metrics(node=node, period=period)
    return {key: metrics[key] for key in FIELDS}


def nodes(story):
    world = story.world
    return [
        Node(Level.CITY),
        Node(Level.DISTRICT, world.street.district),
        Node(Level.DISTRICT, world.other_street.district),
        Node(Level.STREET, world.street),
        Node(Level.STREET, world.other_street),
        Node(Level.COMMUNITY, world.community),
        Node(Level.COMMUNITY, world.other_community),
        Node(Level.GRID, world.grid),
        Node(Level.GRID, story.g2),
        Node(Level.GRID, world.other_grid),
        Node(Level.ORGAN, world.organ),
        Node(Level.ORGAN, world.other_organ),
        Node(Level.PARTY_ORG, world.branch),
        Node(Level.PARTY_ORG, story.branch2),
        Node(Level.PARTY_ORG, world.other_branch),
        Node(Level.MEMBER, world.member),
        Node(Level.MEMBER, story.mover),
        Node(Level.MEMBER, story.colleague),
        Node(Level.MEMBER, story.chen),
        Node(Level.MEMBER, world.other_member),
        Node(Level.TEAM, story.team),
    ]


# Around the edges: the years before and after, New Year's Day (a pairing ended that day), the month of the move, the
# month of a rejected visit, the autumn without New Year's Eve (a pairing started that day).
EDGES = [
    year_period(YEAR - 1),
    year_period(YEAR + 1),
    Period(date(YEAR, 1, 1), date(YEAR, 1, 1), "day"),
    Period(date(YEAR, 7, 1), date(YEAR, 7, 31), "month"),
    Period(date(YEAR, 6, 1), date(YEAR, 6, 30), "month"),
    Period(date(YEAR, 9, 1), date(YEAR, 12, 30), "range"),
]


# --- the tests ------------------------------------------------------------------------------------------------------


def edge_nodes(story):
    """The nodes whose figures the edges move: the city, both organs and their branches, the member who moved, the
    other member's community and grid."""
    world = story.world
    return [
        Node(Level.CITY),
        Node(Level.ORGAN, world.organ),
        Node(Level.ORGAN, world.other_organ),
        Node(Level.PARTY_ORG, world.branch),
        Node(Level.PARTY_ORG, world.other_branch),
        Node(Level.MEMBER, story.mover),
        Node(Level.COMMUNITY, world.other_community),
        Node(Level.GRID, world.other_grid),
    ]


def test_every_node_and_period_equals_the_direct_count(story):
    problems, count = [], Direct()
    checked = [(year_period(YEAR), node) for node in nodes(story)]
    checked += [(period, node) for period in EDGES for node in edge_nodes(story)]
    for period, node in checked:
        expected, got = count.figures(node, period), figures(node, period)
        if got != expected:
            problems.append(f"{node.level} {node.name} {period.label}: expected {expected}, got {got}")
    assert not problems, "\n".join(problems)


def test_the_year_worked_out_by_hand(story):
    """The direct count itself checked against the story, for 2025."""
    world, period, count = story.world, year_period(YEAR), Direct()
    by_hand = {
        # h1 h2 h3 h5 h6 h7 h8 paired (not h4, ended in 2024; not h9, from 2026); visited: h1, h2, h3 (the colleague's
        # adjusted visit), h7.
        Node(Level.CITY): (7, 4),
        Node(Level.COMMUNITY, world.community): (4, 4),
        Node(Level.COMMUNITY, world.other_community): (3, 0),
        Node(Level.GRID, world.grid): (3, 3),
        Node(Level.GRID, story.g2): (1, 1),
        Node(Level.GRID, world.other_grid): (2, 0),  # h5, h6 (h8 has no grid)
        # The organ: h1, h7, h3 (its team and its member), h2 (the mover until July), h8 (the second branch's member);
        # visited h1 h2 h3 h7.
        Node(Level.ORGAN, world.organ): (5, 4),
        # The other organ: h2 (the mover from July), h5, h6 (its member); visited: h2 in September.
        Node(Level.ORGAN, world.other_organ): (3, 1),
        Node(Level.PARTY_ORG, world.branch): (4, 4),
        Node(Level.PARTY_ORG, story.branch2): (1, 0),
        Node(Level.PARTY_ORG, world.other_branch): (3, 1),
        Node(Level.MEMBER, world.member): (3, 2),  # h1 h3 h7; visited h1 h7 (h3's visit came to 0 minutes)
        Node(Level.MEMBER, story.mover): (1, 1),
        Node(Level.MEMBER, story.colleague): (0, 1),  # the team's household, visited as the team
        Node(Level.TEAM, story.team): (1, 1),
    }
    for node, (paired, visited) in by_hand.items():
        expected = {"households_paired": paired, "households_visited": visited}
        assert count.figures(node, period) == expected, node
        assert figures(node, period) == expected, node
    # After the move: the mover's household counts with the other organ's branch only, and not with the first one.
    autumn = Period(date(YEAR, 9, 1), date(YEAR, 12, 31), "range")
    assert figures(Node(Level.PARTY_ORG, world.branch), autumn)["households_paired"] == 2  # h1, h3
    assert figures(Node(Level.PARTY_ORG, world.other_branch), autumn)["households_paired"] == 2  # h2, h5


def test_the_api_and_the_dashboard_give_them_at_every_node(story, client):
    world = story.world
    params = {"kind": "year", "year": YEAR}
    for user, level, pk, node in (
        (world.reviewer, "organ", world.organ.pk, Node(Level.ORGAN, world.organ)),
        (world.staff, "community", world.community.pk, Node(Level.COMMUNITY, world.community)),
        (world.member.user, "team", story.team.pk, Node(Level.TEAM, story.team)),
        (world.member.user, "member", world.member.pk, Node(Level.MEMBER, world.member)),
    ):
        answer = client_for(user).get("/api/v1/stats/summary/", {"level": level, "id": pk, **params})
        assert answer.status_code == 200, answer.content
        assert {k: answer.json()["metrics"][k] for k in FIELDS} == figures(node, year_period(YEAR)), level

    for user, value, node in (
        (world.reviewer, f"organ:{world.organ.pk}", Node(Level.ORGAN, world.organ)),
        (world.street_admin, f"community:{world.community.pk}", Node(Level.COMMUNITY, world.community)),
    ):
        client.force_login(user)
        page = client.get(reverse("dashboard:home"), {"node": value, **params})
        shown = tiles(page.content.decode())
        assert {k: int(shown[k]) for k in FIELDS} == figures(node, year_period(YEAR)), value


def test_closed_households_and_ended_pairings_keep_their_past(story):
    """Closing a household and ending pairings change nothing in the periods before; the figures read the days."""
    world = story.world
    assert Household.objects.filter(status="closed").count() == 1
    spring = Period(date(YEAR, 4, 1), date(YEAR, 6, 30), "quarter")
    # h1, h3 (twice paired), h7 (closed in August), h2 (the mover, still in the organ then), h8 (from May).
    assert figures(Node(Level.ORGAN, world.organ), spring)["households_paired"] == 5
    assert figures(Node(Level.ORGAN, world.organ), Period(date(YEAR, 11, 1), date(YEAR, 11, 30), "month")) == {
        "households_paired": 3,  # h1, h3, h8
        "households_visited": 0,
    }
