"""The two statistics figures of household pairing: households paired and households visited, and their filters."""

from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from apps.households import services
from apps.households.selectors import households_paired, households_visited
from apps.ledger.self_services import record_of
from apps.ledger.services import record_approve
from tests.households.conftest import make_household, visit_times
from tests.teams.conftest import make_team

pytestmark = pytest.mark.django_db


def test_households_paired_counts_pairings_open_in_the_period(world, household, pairing):
    today = timezone.localdate()
    second = make_household(world, head_name="李奶奶")
    team = make_team(leader=world.member, party_org=world.branch)
    services.pairing_create(actor=world.staff, household=household, team=team)  # the same household again
    ended = services.pairing_create(actor=world.staff, household=second, team=team)
    services.pairing_end(actor=world.staff, pairing=ended, reason="x")
    tomorrow = today + timedelta(days=1)
    assert households_paired(start=today, end=tomorrow) == 2  # ended today: open today
    assert households_paired(start=tomorrow, end=tomorrow + timedelta(days=1)) == 1
    # Before the first pairing started (ten days ago): none.
    assert households_paired(start=today - timedelta(days=30), end=today - timedelta(days=10)) == 0
    assert households_paired(start=today, end=tomorrow, team_ids=[team.pk]) == 2
    assert households_paired(start=tomorrow, end=tomorrow + timedelta(days=1), team_ids=[team.pk]) == 1
    assert households_paired(start=today, end=tomorrow, member_ids=[world.member.pk]) == 1
    assert households_paired(start=today, end=tomorrow, organ_ids=[world.organ.pk]) == 2
    assert households_paired(start=today, end=tomorrow, organ_ids=[world.other_organ.pk]) == 0
    assert households_paired(start=today, end=tomorrow, community_ids=[world.other_community.pk]) == 0
    assert households_paired(Q(member__isnull=False), start=today, end=tomorrow) == 1


def test_households_visited_counts_approved_visits_only(world, pairing):
    today = timezone.localdate()
    start, end = visit_times()
    visit = services.household_visit_register(
        actor=world.member.user, pairing=pairing, started_at=start, ended_at=end, content="走访"
    )
    period = {"start": start - timedelta(days=1), "end": start + timedelta(days=1)}
    assert households_visited(**period) == 0  # pending
    record_approve(record=record_of(visit.self_service), actor=world.staff)
    assert households_visited(**period) == 1
    assert households_visited(start=today - timedelta(days=5), end=today + timedelta(days=1)) == 1
    assert households_visited(start=end, end=end + timedelta(days=1)) == 0
    assert households_visited(**period, organ_ids=[world.organ.pk]) == 1
    assert households_visited(**period, organ_ids=[world.other_organ.pk]) == 0
    assert households_visited(**period, member_ids=[world.other_member.pk]) == 0
    assert households_visited(**period, community_ids=[world.community.pk]) == 1
    assert households_visited(**period, team_ids=[0]) == 0


def test_a_visit_counts_under_the_organ_the_member_had_then(world, pairing):
    start, end = visit_times()
    visit = services.household_visit_register(
        actor=world.member.user, pairing=pairing, started_at=start, ended_at=end, content="走访"
    )
    record_approve(record=record_of(visit.self_service), actor=world.staff)
    # the member moves organ later: the record keeps its organ
    world.member.branch = world.other_branch
    world.member.organ = world.other_organ
    world.member.save()
    period = {"start": start - timedelta(days=1), "end": start + timedelta(days=1)}
    assert households_visited(**period, organ_ids=[world.organ.pk]) == 1
