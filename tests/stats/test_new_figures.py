"""Wishes claimed and solved (认领解决微心愿) and activities taken part in (参与服务活动次数): what an organ
writes in its year-end report, counted by the day of service, each wish and each activity once. Everything is written
through the services (wishes claimed, fulfilled and confirmed; activities finished and their hours decided) and every
figure is checked against a direct count over the ledger, on the selector, the API, the dashboard's tile and the
branch export.
"""

import re
from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from apps.activities import hours
from apps.activities.models import SignUp, SignUpStatus
from apps.ledger.models import RecordStatus, ServiceRecord, ServiceSource
from apps.ledger.selectors import record_effective
from apps.stats import glossary
from apps.stats.nodes import Level, Node
from apps.stats.periods import period_of
from apps.stats.selectors import branch_rows, node_metrics
from apps.wishes import services as wishes
from tests import factories as f
from tests.activities.conftest import ActivityFactory
from tests.wishes.conftest import WishFactory

LOCAL = ZoneInfo("Asia/Shanghai")
YEAR = 2025
FIGURES = ("wishes_solved", "activities_joined")
HEADER_ROW = 2  # the branch summary: a title, then the headers (tests/stats/test_exports.py)


def at(year, month, day, hour=9):
    return datetime(year, month, day, hour, 0, tzinfo=LOCAL)


class Clock:
    """timezone.now as the services see it: a moment set by the test, else the real time."""

    def __init__(self, real):
        self.real, self.moment = real, None

    def now(self):
        return self.moment or self.real()


class Report:
    """The world's organ with two branches, and a year of services written through the services:

    - a wish claimed by the world's branch, two of its members taking part, confirmed in March;
    - a wish claimed by the member on 30 December, fulfilled on 3 January, confirmed on 4 January;
    - a wish claimed and given back;
    - an activity organized by the branch where two of its members and a member of the second branch served;
    - an activity organized by the other organ where the member served;
    - an activity organized by the branch where the teammate's minutes were corrected to 0.
    """

    def __init__(self, world, clock):
        self.world, self.clock = world, clock
        self.teammate = f.MemberFactory(branch=world.branch, user=f.UserFactory(name="李娜"))
        self.branch2 = f.BranchFactory(organ=world.organ, name="第二党支部")
        self.m3 = f.MemberFactory(branch=self.branch2, user=f.UserFactory(name="张伟"))
        for member in (world.member, self.teammate, self.m3):
            f.RegistrationFactory(member=member, grid=world.grid)

        self.group_wish = self._wish(at(YEAR, 3, 1))
        self._at(at(YEAR, 3, 3))
        wishes.wish_claim(wish=self.group_wish, actor=world.secretary, as_branch=world.branch)
        self._at(at(YEAR, 3, 5, 10))
        wishes.wish_fulfil(
            wish=self.group_wish,
            actor=world.secretary,
            note="米和油已送到老人家中。",
            participants=[world.member, self.teammate],
        )
        self._at(at(YEAR, 3, 6))
        wishes.wish_confirm(wish=self.group_wish, actor=world.staff, rating=5)

        self.new_year_wish = self._wish(at(YEAR, 12, 20))
        self._at(at(YEAR, 12, 30))
        wishes.wish_claim(wish=self.new_year_wish, actor=world.member.user)
        self._at(at(YEAR + 1, 1, 3, 10))
        wishes.wish_fulfil(wish=self.new_year_wish, actor=world.member.user, note="已上门看望。")
        self._at(at(YEAR + 1, 1, 4))
        wishes.wish_confirm(wish=self.new_year_wish, actor=world.staff, rating=4)

        self.released_wish = self._wish(at(YEAR, 4, 1))
        self._at(at(YEAR, 4, 2))
        wishes.wish_claim(wish=self.released_wish, actor=world.member.user)
        self._at(at(YEAR, 4, 3))
        wishes.wish_release(wish=self.released_wish, actor=world.member.user, reason="临时出差")

        self.own_activity = self._activity(at(YEAR, 5, 10), world.branch, [world.member, self.teammate, self.m3])
        self.elsewhere = self._activity(at(YEAR, 6, 10), world.other_branch, [world.member])
        self.zero_activity = self._activity(at(YEAR, 7, 10), world.branch, [self.teammate], minutes=0)
        self.clock.moment = None

    def _at(self, moment):
        self.clock.moment = moment

    def _wish(self, published):
        self._at(published)
        return WishFactory(
            grid=self.world.grid,
            created_by=self.world.staff,
            published_at=published,
            deadline=published + timedelta(days=30),
        )

    def _activity(self, starts, organizer, members, *, minutes=None):
        """An activity the members attended from start to end; finished, then their hours approved (or set)."""
        self._at(starts - timedelta(days=3))
        activity = ActivityFactory(
            community=self.world.community,
            grid=self.world.grid,
            created_by=self.world.staff,
            organizer_party_org=organizer,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
        )
        signups = [
            SignUp.objects.create(
                activity=activity,
                member=member,
                status=SignUpStatus.CONFIRMED,
                signed_up_at=starts - timedelta(days=2),
                starts_at=activity.starts_at,
                ends_at=activity.ends_at,
                checked_in_at=activity.starts_at,
                checked_out_at=activity.ends_at,
            )
            for member in members
        ]
        self._at(activity.ends_at + timedelta(hours=1))
        hours.activity_finish(activity=activity, now=activity.ends_at + timedelta(hours=1))
        for signup in signups:
            if minutes is None:
                hours.hours_approve(signup=signup, actor=self.world.staff)
            else:
                hours.hours_adjust(signup=signup, actor=self.world.staff, credited_minutes=minutes, reason="未实际服务")
        return activity


@pytest.fixture
def report(world, monkeypatch):
    clock = Clock(timezone.now)
    monkeypatch.setattr(timezone, "now", clock.now)
    return Report(world, clock)


def direct(period, **attribution):
    """Wishes solved and activities taken part in, counted in Python over the ledger: approved originals attributed
    as given, starting in the period (local days), with more than 0 minutes after their amendments."""
    start, end = period.bounds
    records = [
        record
        for record in ServiceRecord.objects.filter(status=RecordStatus.APPROVED, amends__isnull=True, **attribution)
        if start <= record.started_at < end and record_effective(record).minutes > 0
    ]
    signups = SignUp.objects.in_bulk([r.source_id for r in records if r.source == ServiceSource.ACTIVITY])
    return {
        "wishes_solved": len({r.source_id for r in records if r.source == ServiceSource.WISH}),
        "activities_joined": len(
            {signups[r.source_id].activity_id for r in records if r.source == ServiceSource.ACTIVITY}
        ),
    }


def pick(figures):
    return {field: figures[field] for field in FIGURES}


def summary(world, level, pk, **period):
    client = Client()
    client.force_login(world.reviewer)
    response = client.get("/api/v1/stats/summary/", {"level": level, "id": pk, **period})
    assert response.status_code == 200, response.content
    return response.json()["metrics"]


def tiles(world, node_value, **period):
    """{key: value} of the dashboard's headline tiles."""
    client = Client()
    client.force_login(world.reviewer)
    query = "&".join(f"{key}={value}" for key, value in {"node": node_value, **period}.items())
    response = client.get(f"{reverse('dashboard:home')}?{query}")
    assert response.status_code == 200
    found = re.findall(r'data-key="(\w+)">\s*<div class="value">([^<]*)</div>', response.content.decode())
    return {key: int(value) for key, value in found if key in FIGURES}


def labels(field):
    """The figure's column header, in either language (the export speaks the request's)."""
    texts = set()
    for language in ("en", "zh-hans"):
        with translation.override(language):
            texts.add(glossary.label(field))
    return texts


def branch_export(world, **period):
    """({branch name: {field: value}}, {field: value} of the totals line) of the branch summary downloaded through
    the API."""
    client = Client()
    client.force_login(world.reviewer)
    response = client.get(reverse("stats-export-branches"), {"level": "organ", "id": world.organ.pk, **period})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    headers = [cell.value for cell in sheet[HEADER_ROW]]
    columns = {field: next(i for i, h in enumerate(headers) if h in labels(field)) for field in FIGURES}
    table = {}
    for row in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        figures = {field: row[column] for field, column in columns.items()}
        if isinstance(row[0], str):  # the totals line: its label in the number's column
            return table, figures
        table[row[1]] = figures
    raise AssertionError("no totals line")


# --- the figures at each node -----------------------------------------------------------------------------------


def test_a_group_wish_counts_once_at_the_organ_the_branch_and_each_member_who_took_part(report, world):
    period = period_of(year=YEAR)
    nodes = {
        Node(Level.ORGAN, world.organ): {"organ_id": world.organ.pk},
        Node(Level.PARTY_ORG, world.branch): {"branch_id": world.branch.pk},
        Node(Level.MEMBER, world.member): {"member_id": world.member.pk},
        Node(Level.MEMBER, report.teammate): {"member_id": report.teammate.pk},
    }
    for node, attribution in nodes.items():
        metrics = node_metrics(node=node, period=period)
        assert metrics["wishes_solved"] == direct(period, **attribution)["wishes_solved"] == 1, node
    # Two members served it: two person-times, one wish.
    organ = node_metrics(node=Node(Level.ORGAN, world.organ), period=period)
    assert organ["wish_services"] == 2
    # At a place: the wishes done there.
    assert node_metrics(node=Node(Level.COMMUNITY, world.community), period=period)["wishes_solved"] == 1
    assert node_metrics(node=Node(Level.COMMUNITY, world.other_community), period=period)["wishes_solved"] == 0


def test_a_wish_claimed_in_december_and_fulfilled_in_january_is_solved_in_january(report, world):
    organ = Node(Level.ORGAN, world.organ)
    december, january = period_of(year=YEAR, month=12), period_of(year=YEAR + 1, month=1)
    in_december = node_metrics(node=organ, period=december)
    in_january = node_metrics(node=organ, period=january)
    assert in_december["wishes_claimed"] == 1  # claims count by the day of claim
    assert (in_december["wishes_solved"], in_december["services"]) == (0, 0)
    assert (in_january["wishes_solved"], in_january["services"]) == (1, 1)
    assert in_january["wishes_solved"] == direct(january, organ_id=world.organ.pk)["wishes_solved"]
    assert in_december["wishes_solved"] == direct(december, organ_id=world.organ.pk)["wishes_solved"]
    # The year of the claim does not have it either.
    assert node_metrics(node=organ, period=period_of(year=YEAR))["wishes_solved"] == 1  # the group wish only


def test_a_released_claim_is_not_a_wish_solved(report, world):
    april = period_of(year=YEAR, month=4)
    metrics = node_metrics(node=Node(Level.MEMBER, world.member), period=april)
    assert metrics["wishes_claimed"] == 1
    assert metrics["wishes_solved"] == 0


def test_an_activity_two_members_of_a_branch_attended_counts_once_at_the_branch_and_once_for_each(report, world):
    period = period_of(year=YEAR, month=5)
    for node in (
        Node(Level.PARTY_ORG, world.branch),
        Node(Level.PARTY_ORG, report.branch2),
        Node(Level.MEMBER, world.member),
        Node(Level.MEMBER, report.teammate),
        Node(Level.MEMBER, report.m3),
        Node(Level.ORGAN, world.organ),  # three members of two branches: one activity
    ):
        assert node_metrics(node=node, period=period)["activities_joined"] == 1, node
    assert direct(period, branch_id=world.branch.pk)["activities_joined"] == 1


def test_an_activity_of_another_organ_is_taken_part_in_but_not_organized(report, world):
    period = period_of(year=YEAR)
    organ = node_metrics(node=Node(Level.ORGAN, world.organ), period=period)
    # Ours: the branch's two (one of which only came to 0 minutes); joined: ours and the other organ's.
    assert organ["activities_organized"] == 2
    assert organ["activities_joined"] == direct(period, organ_id=world.organ.pk)["activities_joined"] == 2
    other = node_metrics(node=Node(Level.ORGAN, world.other_organ), period=period)
    assert (other["activities_organized"], other["activities_joined"]) == (1, 0)
    member = node_metrics(node=Node(Level.MEMBER, world.member), period=period)
    assert member["activities_organized"] is None
    assert member["activities_joined"] == 2


def test_a_zero_minute_service_does_not_count(report, world):
    july = period_of(year=YEAR, month=7)
    teammate = node_metrics(node=Node(Level.MEMBER, report.teammate), period=july)
    assert (teammate["activities_joined"], teammate["services"]) == (0, 0)
    assert node_metrics(node=Node(Level.ORGAN, world.organ), period=july)["activities_organized"] == 1
    assert direct(july, member_id=report.teammate.pk)["activities_joined"] == 0
    year = node_metrics(node=Node(Level.MEMBER, report.teammate), period=period_of(year=YEAR))
    assert year["activities_joined"] == 1  # the May activity only


# --- the same figures on every surface --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "name", "period"),
    [
        ("organ", "organ", {"kind": "year", "year": YEAR}),
        ("party_org", "branch", {"kind": "year", "year": YEAR}),
        ("member", "member", {"kind": "year", "year": YEAR}),
        ("organ", "organ", {"kind": "month", "year": YEAR + 1, "month": 1}),
        ("organ", "organ", {"kind": "month", "year": YEAR, "month": 12}),
    ],
)
def test_the_api_and_the_dashboard_tiles_show_the_direct_count(report, world, level, name, period):
    obj = {"organ": world.organ, "branch": world.branch, "member": world.member}[name]
    attribution = {"organ": "organ_id", "party_org": "branch_id", "member": "member_id"}[level]
    params = {key: value for key, value in period.items() if key != "kind"}
    expected = direct(period_of(**params), **{attribution: obj.pk})
    assert pick(summary(world, level, obj.pk, **params)) == expected
    assert tiles(world, f"{level}:{obj.pk}", **period) == expected


def test_the_api_documents_both_figures_with_the_glossary_definition():
    from apps.stats.api.serializers import BranchRowOutputSerializer, MetricsOutputSerializer

    for serializer in (MetricsOutputSerializer(), BranchRowOutputSerializer()):
        for field in FIGURES:
            assert serializer.fields[field].help_text == glossary.figure(field).definition


def test_the_branch_rows_and_export_show_each_branch_and_the_organs_own_total(report, world):
    period = period_of(year=YEAR)
    rows = {row["name"]: pick(row) for row in branch_rows(node=Node(Level.ORGAN, world.organ), period=period)}
    expected = {
        world.branch.name: direct(period, branch_id=world.branch.pk),
        report.branch2.name: direct(period, branch_id=report.branch2.pk),
    }
    assert rows == expected
    assert expected[world.branch.name] == {"wishes_solved": 1, "activities_joined": 2}
    assert expected[report.branch2.name] == {"wishes_solved": 0, "activities_joined": 1}
    table, total = branch_export(world, year=YEAR)
    assert table == expected
    # The May activity had members of both branches: the organ took part in it once.
    assert total == direct(period, organ_id=world.organ.pk) == {"wishes_solved": 1, "activities_joined": 2}


def test_the_branch_table_of_the_api_carries_both_figures(report, world):
    client = Client()
    client.force_login(world.reviewer)
    response = client.get("/api/v1/stats/branches/", {"level": "organ", "id": world.organ.pk, "year": YEAR})
    assert response.status_code == 200
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    found = {row["name"]: pick(row) for row in rows}
    assert found[world.branch.name] == direct(period_of(year=YEAR), branch_id=world.branch.pk)
