"""A volunteer team's figures (docs/statistics.md, "Volunteer teams"): the services its members did as the team —
services, person-times, members who served, hours, residents served, points — read from the team roll-up, equal to
a direct count over the ledger, its members adding up to it; who may read them."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.core.errors import DomainError
from apps.ledger import services as ledger
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.ledger.selectors import record_effective
from apps.stats.nodes import Level, Node, node_get
from apps.stats.periods import year_period
from apps.stats.selectors import node_breakdown, node_metrics
from apps.teams.models import TeamMembership
from tests import factories as f
from tests.conftest import client_for
from tests.teams.conftest import join, make_team

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
YEAR = 2026
DAY = datetime(YEAR, 4, 1, 9, 0, tzinfo=LOCAL)


class TeamWorld:
    """Side A's team (the member leads it, a colleague joined), services as the team and alone, one of a member of
    another organ's team in the same community."""

    def __init__(self, world):
        self.world = world
        self.colleague = f.MemberFactory(branch=world.branch)
        self.team = make_team(leader=world.member)
        join(self.team, self.colleague)
        # Both joined before the year's services (the team was formed in January).
        TeamMembership.objects.filter(team=self.team).update(joined_at=datetime(YEAR, 1, 5, tzinfo=LOCAL))
        self.other_team = make_team(leader=world.other_member)
        TeamMembership.objects.filter(team=self.other_team).update(joined_at=datetime(YEAR, 1, 5, tzinfo=LOCAL))
        self.records = [
            self.serve(world.member, DAY, 120, 5, team=self.team),
            self.serve(self.colleague, DAY + timedelta(days=1), 90, 2, team=self.team),
            self.serve(world.member, DAY + timedelta(days=2), 60, 1, team=None),  # alone: not the team's
            self.serve(world.other_member, DAY, 45, 3, team=self.other_team),
            self.serve(self.colleague, DAY + timedelta(days=40), 30, 0, team=self.team, status=RecordStatus.PENDING),
        ]
        # A correction of the colleague's team service to 0 minutes would take it away; to 60 keeps it.
        ledger.record_amend(
            record=self.records[1], actor=world.staff, credited_minutes=60, residents_served=4, reason="更正"
        )

    def serve(self, member, start, minutes, residents, *, team, status=RecordStatus.APPROVED):
        return ledger.record_create(
            member=member,
            community=self.world.community,
            grid=self.world.grid,
            source=ServiceSource.MANUAL,
            source_id=None,
            category=ServiceCategory.CARE_VISIT,
            content="上门义诊",
            started_at=start,
            ended_at=start + timedelta(hours=3),
            credited_minutes=minutes,
            residents_served=residents,
            status=status,
            decided_by=self.world.staff if status == RecordStatus.APPROVED else None,
            team=team,
        )


@pytest.fixture
def teams(world):
    return TeamWorld(world)


def direct(team):
    """The team's services counted by hand: its approved original records, with their corrections."""
    originals = [
        r
        for r in ServiceRecord.objects.filter(team=team, status=RecordStatus.APPROVED, amends__isnull=True)
        if r.started_at.year == YEAR
    ]
    effective = {r.pk: record_effective(r) for r in originals}
    served = [r for r in originals if effective[r.pk].minutes > 0]
    minutes = sum(effective[r.pk].minutes for r in served)
    return {
        "services": len(served),
        "person_times": len(served),
        "members_served": len({r.member_id for r in served}),
        "minutes": minutes,
        "residents_served": sum(effective[r.pk].residents_served for r in served),
    }


def test_a_team_counts_the_services_done_as_the_team_and_equals_a_direct_count(world, teams):
    figures = node_metrics(node=Node(Level.TEAM, teams.team), period=year_period(YEAR))
    expected = direct(teams.team)
    assert {k: figures[k] for k in expected} == expected
    # By hand: the leader's 120 minutes (5 residents) and the colleague's 90 corrected to 60 (4 residents).
    assert expected == {"services": 2, "person_times": 2, "members_served": 2, "minutes": 180, "residents_served": 9}
    assert figures["members"] == 2
    other = node_metrics(node=Node(Level.TEAM, teams.other_team), period=year_period(YEAR))
    assert (other["services"], other["minutes"]) == (1, 45)


def test_a_teams_members_and_months_add_up_to_it(world, teams):
    node, period = Node(Level.TEAM, teams.team), year_period(YEAR)
    figures = node_metrics(node=node, period=period)
    for by in ("children", "month", "source", "category"):
        rows = node_breakdown(node=node, period=period, by=by)
        assert sum(row["minutes"] for row in rows) == figures["minutes"], by
        assert sum(row["person_times"] for row in rows) == figures["person_times"], by
    members = {row["id"]: row["minutes"] for row in node_breakdown(node=node, period=period, by="children")}
    assert members == {world.member.pk: 120, teams.colleague.pk: 60}


def test_who_may_read_a_teams_figures(world, teams):
    assert node_get(user=world.member.user, level=Level.TEAM, pk=teams.team.pk).obj == teams.team
    assert node_get(user=world.reviewer, level=Level.TEAM, pk=teams.team.pk).obj == teams.team
    for outsider in (world.other_member.user, world.staff, world.street_admin):
        with pytest.raises(DomainError):
            node_get(user=outsider, level=Level.TEAM, pk=teams.team.pk)
    response = client_for(world.reviewer).get(
        "/api/v1/stats/summary/", {"level": "team", "id": teams.team.pk, "kind": "year", "year": YEAR}
    )
    assert response.status_code == 200, response.content
    assert response.json()["metrics"]["minutes"] == 180
    outsider = client_for(world.other_member.user).get(
        "/api/v1/stats/summary/", {"level": "team", "id": teams.team.pk, "kind": "year", "year": YEAR}
    )
    assert outsider.status_code == 404


def test_the_team_pages_show_this_years_figures(world, client):
    team = make_team(leader=world.member)
    now = timezone.now()
    TeamMembership.objects.filter(team=team).update(joined_at=now - timedelta(days=30))
    # This year's, even in the first hours of the year (the record's end may then be ahead of now: no rule here).
    start = max(now - timedelta(hours=3), timezone.localtime(now).replace(month=1, day=1, hour=0, minute=0))
    ledger.record_create(
        member=world.member,
        community=world.community,
        grid=world.grid,
        source=ServiceSource.MANUAL,
        source_id=None,
        category=ServiceCategory.CARE_VISIT,
        content="上门义诊",
        started_at=start,
        ended_at=start + timedelta(hours=2),
        credited_minutes=90,
        residents_served=6,
        status=RecordStatus.APPROVED,
        decided_by=world.staff,
        team=team,
    )
    for user, url in ((world.member.user, f"/m/teams/{team.pk}/"), (world.reviewer, f"/manage/teams/{team.pk}/")):
        client.force_login(user)
        html = client.get(url).content.decode()
        shown = dict(re.findall(r'<dd data-key="(\w+)">([^<]*)</dd>', html))
        assert shown == {
            "services": "1",
            "person_times": "1",
            "members_served": "1",
            "hours": "1.5",
            "residents_served": "6",
        }, url
