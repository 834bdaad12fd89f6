"""The attendance and hours endpoints used as staff, organizers and members would."""

import pytest

from apps.activities.models import ActivityStatus, HoursStatus
from apps.ledger.models import RecordStatus
from tests import factories as f
from tests.activities_hours.conftest import at, make_signup

pytestmark = pytest.mark.django_db


def test_attendance_sheet_lists_sign_ups_with_check_in_data(make_client, world, activity, finished):
    for _ in range(3):
        make_signup(activity=activity, member=f.MemberFactory(), checked_in_at=at(2026, 3, 2, 10))
    response = make_client(world.staff).get(f"/api/v1/activities/{activity.pk}/attendance/")
    assert response.status_code == 200
    body = response.json()
    assert body["totals"] == {"signups": 4, "checked_in": 4, "credited_minutes": 120}
    first = body["rows"][0]
    assert first["member_name"] == world.member.user.name
    assert first["organ"] == world.member.organ.name
    assert first["branch"] == world.member.branch.name
    assert (first["credited_minutes"], first["hours_status"], first["checkin_method"]) == (120, "pending", "position")


def test_attendance_sheet_query_count_does_not_grow_with_rows(
    make_client, world, activity, django_assert_max_num_queries
):
    for _ in range(8):
        make_signup(activity=activity, member=f.MemberFactory(), checked_in_at=at(2026, 3, 2, 10))
    client = make_client(world.staff)
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/activities/{activity.pk}/attendance/")
    assert len(response.json()["rows"]) == 8


def test_finish_through_the_api(make_client, world, activity, signup, settings):
    response = make_client(world.staff).post(f"/api/v1/activities/{activity.pk}/finish/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == ActivityStatus.FINISHED
    signup.refresh_from_db()
    assert signup.hours_status == HoursStatus.PENDING


def test_finish_of_a_future_activity_is_409(make_client, world, activity):
    activity.starts_at = at(2099, 1, 1, 9)
    activity.ends_at = at(2099, 1, 1, 11)
    activity.signup_deadline = activity.starts_at
    activity.save()
    response = make_client(world.staff).post(f"/api/v1/activities/{activity.pk}/finish/")
    assert response.status_code == 409
    assert response.json()["code"] == "activity_not_ended"


def test_mark_attendance_approve_adjust_reject_and_dispute(make_client, world, finished):
    staff = make_client(world.staff)
    response = staff.post(f"/api/v1/signups/{finished.pk}/attendance/", {"attendance": "late"})
    assert response.status_code == 200, response.json()
    assert response.json()["attendance"] == "late"

    response = staff.post(f"/api/v1/signups/{finished.pk}/adjust-hours/", {"credited_minutes": 90, "reason": ""})
    assert response.status_code == 422
    assert response.json()["code"] == "reason_required"

    response = staff.post(
        f"/api/v1/signups/{finished.pk}/adjust-hours/", {"credited_minutes": 90, "reason": "arrived late"}
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["credited_minutes"], response.json()["hours_status"]) == (90, "approved")

    member = make_client(world.member.user)
    response = member.post(f"/api/v1/signups/{finished.pk}/dispute/", {"reason": "I was on time"})
    assert response.status_code == 200
    assert response.json()["hours_status"] == "disputed"
    response = member.post(f"/api/v1/signups/{finished.pk}/dispute/", {"reason": "again"})
    assert response.status_code == 409
    assert response.json()["code"] == "already_disputed"

    response = staff.post(f"/api/v1/signups/{finished.pk}/reject-hours/", {"reason": "late per the sheet"})
    assert response.status_code == 200
    assert response.json()["hours_status"] == "approved"


def test_approve_through_the_api_writes_the_ledger(make_client, world, finished):
    response = make_client(world.staff).post(f"/api/v1/signups/{finished.pk}/approve-hours/")
    assert response.status_code == 200
    finished.refresh_from_db()
    assert finished.record.status == RecordStatus.APPROVED
    # The member sees it among their own service records.
    mine = make_client(world.member.user).get("/api/v1/service-records/mine/")
    assert mine.status_code == 200
    assert [item["id"] for item in mine.json()["results"]] == [finished.record_id]
    assert mine.json()["totals"]["minutes"] == 120


def test_bad_input_is_400(make_client, world, finished):
    staff = make_client(world.staff)
    assert staff.post(f"/api/v1/signups/{finished.pk}/attendance/", {"attendance": "x"}).status_code == 400
    assert (
        staff.post(f"/api/v1/signups/{finished.pk}/adjust-hours/", {"credited_minutes": -1, "reason": "r"}).status_code
        == 400
    )
    assert staff.post(f"/api/v1/signups/{finished.pk}/reject-hours/", {}).status_code == 400
