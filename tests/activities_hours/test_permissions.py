"""Who may see attendance sheets and act on hours; everyone else gets 404 or 403 and the data stays as it was."""

import pytest

from apps.accounts.models import Role
from apps.activities.models import ActivityStatus, HoursStatus
from apps.ledger.models import RecordStatus, ServiceRecord
from tests import factories as f

pytestmark = pytest.mark.django_db

NOT_LEADS = ("member", "other_member", "grid_worker", "secretary", "reviewer", "street_admin", "outsider")


@pytest.fixture
def other_staff(world):
    user = f.UserFactory()
    f.RoleFactory(user=user, role=Role.COMMUNITY_STAFF, community=world.other_community)
    return user


@pytest.fixture
def other_reviewer(world):
    user = f.UserFactory()
    f.RoleFactory(user=user, role=Role.ORGAN_REVIEWER, organ=world.other_organ)
    return user


def snapshot(signup):
    signup.refresh_from_db()
    record = ServiceRecord.objects.filter(pk=signup.record_id).values("status", "credited_minutes").first()
    return (
        signup.attendance,
        signup.credited_minutes,
        signup.hours_status,
        signup.disputed_at,
        record,
        ServiceRecord.objects.count(),
    )


@pytest.mark.parametrize("role", ["staff", "superuser"])
@pytest.mark.parametrize("suffix", ["attendance/", "attendance.xlsx"])
def test_staff_and_superuser_read_the_sheet(make_client, world, activity, role, suffix):
    response = make_client(world.user(role)).get(f"/api/v1/activities/{activity.pk}/{suffix}")
    assert response.status_code == 200


def test_the_organizer_reads_the_sheet(make_client, world, activity):
    activity.created_by = world.secretary
    activity.save()
    assert make_client(world.secretary).get(f"/api/v1/activities/{activity.pk}/attendance/").status_code == 200


@pytest.mark.parametrize("role", NOT_LEADS)
@pytest.mark.parametrize("suffix", ["attendance/", "attendance.xlsx"])
def test_others_do_not_see_the_sheet(make_client, world, activity, signup, role, suffix):
    response = make_client(world.user(role)).get(f"/api/v1/activities/{activity.pk}/{suffix}")
    assert response.status_code == 404


def test_other_communitys_staff_and_other_organs_reviewer_do_not_see_the_sheet(
    make_client, activity, other_staff, other_reviewer
):
    for user in (other_staff, other_reviewer):
        assert make_client(user).get(f"/api/v1/activities/{activity.pk}/attendance/").status_code == 404


def test_anonymous_is_refused(api, activity, finished):
    assert api.get(f"/api/v1/activities/{activity.pk}/attendance/").status_code in (401, 403)
    assert api.post(f"/api/v1/signups/{finished.pk}/approve-hours/").status_code in (401, 403)


@pytest.mark.parametrize("role", NOT_LEADS)
def test_only_leads_finish(make_client, world, activity, signup, role):
    response = make_client(world.user(role)).post(f"/api/v1/activities/{activity.pk}/finish/")
    assert response.status_code == 404
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CLOSED
    assert not ServiceRecord.objects.exists()


ACTIONS = [
    ("attendance/", {"attendance": "absent"}),
    ("approve-hours/", {}),
    ("adjust-hours/", {"credited_minutes": 10, "reason": "r"}),
    ("reject-hours/", {"reason": "r"}),
]


@pytest.mark.parametrize("action,data", ACTIONS)
@pytest.mark.parametrize("role", ["other_member", "grid_worker", "secretary", "reviewer", "street_admin", "outsider"])
def test_staff_actions_by_others_read_as_404_and_change_nothing(make_client, world, finished, action, data, role):
    before = snapshot(finished)
    response = make_client(world.user(role)).post(f"/api/v1/signups/{finished.pk}/{action}", data)
    assert response.status_code == 404
    assert snapshot(finished) == before


@pytest.mark.parametrize("action,data", ACTIONS)
def test_other_communitys_staff_and_other_organs_reviewer_get_404(
    make_client, finished, other_staff, other_reviewer, action, data
):
    before = snapshot(finished)
    for user in (other_staff, other_reviewer):
        assert make_client(user).post(f"/api/v1/signups/{finished.pk}/{action}", data).status_code == 404
    assert snapshot(finished) == before


@pytest.mark.parametrize("action,data", ACTIONS)
def test_the_member_cannot_decide_their_own_hours(make_client, world, finished, action, data):
    before = snapshot(finished)
    response = make_client(world.member.user).post(f"/api/v1/signups/{finished.pk}/{action}", data)
    assert response.status_code == 403
    assert snapshot(finished) == before


def test_the_organizer_marks_attendance_but_does_not_decide_hours(make_client, world, activity, finished):
    activity.created_by = world.secretary
    activity.save()
    client = make_client(world.secretary)
    response = client.post(f"/api/v1/signups/{finished.pk}/attendance/", {"attendance": "late"})
    assert response.status_code == 200
    before = snapshot(finished)
    response = client.post(f"/api/v1/signups/{finished.pk}/approve-hours/")
    assert response.status_code == 403
    assert response.json()["code"] == "not_community_staff"
    assert snapshot(finished) == before


def test_staff_serving_in_their_own_community_cannot_approve_themselves(make_client, world, activity):
    from apps.activities import hours
    from tests.activities_hours.conftest import at, make_signup

    own = make_signup(
        activity=activity,
        member=f.MemberFactory(user=world.staff),
        checked_in_at=at(2026, 3, 2, 9),
        checked_out_at=at(2026, 3, 2, 11),
    )
    hours.activity_finish(activity=activity, now=at(2026, 3, 2, 12))
    before = snapshot(own)
    response = make_client(world.staff).post(f"/api/v1/signups/{own.pk}/approve-hours/")
    assert response.status_code == 403
    assert response.json()["code"] == "own_service"
    assert snapshot(own) == before


@pytest.mark.parametrize("role", ["staff", "superuser", "other_member", "outsider"])
def test_only_the_member_disputes(make_client, world, finished, role):
    before = snapshot(finished)
    response = make_client(world.user(role)).post(f"/api/v1/signups/{finished.pk}/dispute/", {"reason": "r"})
    assert response.status_code in (403, 404)
    if role in ("staff", "superuser"):
        assert response.json()["code"] == "not_own_signup"
    assert snapshot(finished) == before


def test_superuser_approves(make_client, world, finished):
    response = make_client(world.superuser).post(f"/api/v1/signups/{finished.pk}/approve-hours/")
    assert response.status_code == 200
    finished.refresh_from_db()
    assert (finished.hours_status, finished.record.status) == (HoursStatus.APPROVED, RecordStatus.APPROVED)
