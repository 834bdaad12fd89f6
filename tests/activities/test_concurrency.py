"""Truly parallel sign-ups over real HTTP against a live server: capacity 10, 50 members → 10 in, 40 waitlisted.

The requests go through urllib from a thread pool to pytest-django's live server (each request is served in its own
thread with its own database connection), authenticated with HTTP Basic. On SQLite the file-backed test database
and BEGIN IMMEDIATE queue the writers; on PostgreSQL (DATABASE_URL) the conditional UPDATE of the counter decides.
"""

import pytest

from apps.activities.models import Activity, SignUp, SignUpStatus
from tests import factories as f
from tests.activities.conftest import ActivityFactory
from tests.parallel import post_all

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_parallel_signups_fill_ten_places_and_waitlist_forty_in_order(parallel_server):
    grid = f.GridFactory()
    members = [f.MemberFactory() for _ in range(50)]
    for member in members:
        f.RegistrationFactory(member=member, grid=grid)
    activity = ActivityFactory(community=grid.community, grid=grid, capacity=10)
    url = f"{parallel_server.url}/api/v1/activities/{activity.pk}/signup/"

    results = post_all([(url, m.user.phone) for m in members])

    assert not [r for r in results if r[0] >= 500], results
    assert all(status == 201 for status, _ in results), results
    assert sorted(body["status"] for _, body in results) == ["confirmed"] * 10 + ["waitlisted"] * 40

    activity.refresh_from_db()
    assert activity.confirmed_count == 10
    signups = list(SignUp.objects.filter(activity=activity))
    assert len(signups) == 50
    assert sum(s.status == SignUpStatus.CONFIRMED for s in signups) == 10
    waitlisted = sorted((s for s in signups if s.status == SignUpStatus.WAITLISTED), key=lambda s: s.signed_up_at)
    # Every confirmed place was decided before any waitlisted sign-up was stamped.
    assert max(s.signed_up_at for s in signups if s.status == SignUpStatus.CONFIRMED) <= waitlisted[0].signed_up_at
    # The positions the API gave back are the signed_up_at order: 1..40 without gaps or repeats.
    position_by_id = {body["id"]: body["waitlist_position"] for _, body in results if body["status"] == "waitlisted"}
    assert sorted(position_by_id.values()) == list(range(1, 41))
    from apps.activities import selectors

    queue = list(selectors.waitlist(activity=activity).values_list("pk", flat=True))
    assert queue == [s.pk for s in sorted(waitlisted, key=lambda s: (s.signed_up_at, s.pk))]


def test_one_member_signing_up_for_five_overlapping_activities_at_once_gets_one(parallel_server):
    grid = f.GridFactory()
    member = f.MemberFactory()
    f.RegistrationFactory(member=member, grid=grid)
    activities = [ActivityFactory(community=grid.community, grid=grid) for _ in range(5)]

    results = post_all(
        [(f"{parallel_server.url}/api/v1/activities/{a.pk}/signup/", member.user.phone) for a in activities]
    )

    assert not [r for r in results if r[0] >= 500], results
    assert sorted(status for status, _ in results) == [201] + [409] * 4, results
    assert {body["code"] for status, body in results if status == 409} == {"signup_overlaps"}
    assert SignUp.objects.filter(member=member).count() == 1
    assert sum(Activity.objects.values_list("confirmed_count", flat=True)) == 1


def test_parallel_signups_of_one_member_for_one_activity_give_one_signup(parallel_server):
    grid = f.GridFactory()
    member = f.MemberFactory()
    f.RegistrationFactory(member=member, grid=grid)
    activity = ActivityFactory(community=grid.community, grid=grid)

    results = post_all([(f"{parallel_server.url}/api/v1/activities/{activity.pk}/signup/", member.user.phone)] * 8)

    assert not [r for r in results if r[0] >= 500], results
    assert sorted(status for status, _ in results) == [201] + [409] * 7, results
    assert {body["code"] for status, body in results if status == 409} == {"already_signed_up"}
    activity.refresh_from_db()
    assert activity.confirmed_count == 1


def test_team_and_single_signups_racing_for_ten_places_fill_exactly_ten(parallel_server):
    """Three leaders each sign five team members up while twenty members sign up alone, all at once."""
    from tests.teams.conftest import join, make_team

    grid = f.GridFactory()
    branch = f.BranchFactory()

    def resident():
        member = f.MemberFactory(branch=branch)
        f.RegistrationFactory(member=member, grid=grid)
        return member

    teams = []
    for _ in range(3):
        team = make_team(leader=resident(), party_org=branch)
        members = [resident() for _ in range(5)]
        for member in members:
            join(team, member)
        teams.append((team, members))
    singles = [resident() for _ in range(20)]
    activity = ActivityFactory(community=grid.community, grid=grid, capacity=10)
    base = f"{parallel_server.url}/api/v1/activities/{activity.pk}"
    calls = [(f"{base}/signup/", m.user.phone) for m in singles]
    calls += [
        (f"{base}/signup-team/", team.leader.user.phone, {"team": team.pk, "members": [m.pk for m in members]})
        for team, members in teams
    ]

    results = post_all(calls)

    assert not [r for r in results if r[0] >= 500], results
    assert all(status == 201 for status, _ in results), results
    answered = [body for _, body in results[:20]] + [s for _, body in results[20:] for s in body]
    assert sorted(s["status"] for s in answered) == ["confirmed"] * 10 + ["waitlisted"] * 25
    activity.refresh_from_db()
    assert activity.confirmed_count == 10
    signups = list(SignUp.objects.filter(activity=activity))
    assert len(signups) == 35
    assert sum(s.status == SignUpStatus.CONFIRMED for s in signups) == 10
    assert sum(s.team_id is not None for s in signups) == 15
    # Each team's members keep the order their leader gave: a later one is never confirmed before an earlier one.
    for _team, members in teams:
        statuses = [next(s.status for s in signups if s.member_id == m.pk) for m in members]
        assert statuses == sorted(statuses, key=lambda st: st != SignUpStatus.CONFIRMED)
    waitlisted = [s for s in signups if s.status == SignUpStatus.WAITLISTED]
    assert max(s.signed_up_at for s in signups if s.status == SignUpStatus.CONFIRMED) <= min(
        s.signed_up_at for s in waitlisted
    )
