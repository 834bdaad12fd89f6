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
