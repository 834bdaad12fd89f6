"""The activities API as a user drives it: list and filters, create, update, publish, cancel, sign up, check in
and out, the staff's check-in code, sign-ups and "my activities"."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.activities import checkin, services
from apps.activities.models import Activity, ActivityStatus, Audience, SignUp, SignUpStatus
from apps.places.coords import wgs84_to_gcj02
from tests import factories as f
from tests.activities.conftest import GCJ02_POINT, WGS84_POINT, soon

pytestmark = pytest.mark.django_db

LIST = "/api/v1/activities/"


def _detail(activity, suffix=""):
    return f"/api/v1/activities/{activity.pk}/{suffix}"


def _running(aw, **kwargs):
    """An activity under way now (started 10 minutes ago), at the reference WGS-84 point, with the member in it."""
    now = timezone.now()
    activity = aw.activity(
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=1),
        latitude=WGS84_POINT[0],
        longitude=WGS84_POINT[1],
        **kwargs,
    )
    signup = services.signup_create(activity=activity, member=aw.member, now=now - timedelta(days=1))
    return activity, signup


# --- list and filters -------------------------------------------------------------------------------------------


def test_member_lists_open_activities_they_may_join(aw, make_client):
    mine = aw.activity()
    aw.activity(status=ActivityStatus.DRAFT)
    paired = aw.activity(community=aw.other_community, grid=aw.other_grid)
    aw.activity(community=aw.other_community, grid=aw.other_grid, audience=Audience.RESIDENTS)
    response = make_client(aw.member.user).get(LIST)
    assert response.status_code == 200
    assert {row["id"] for row in response.data["results"]} == {mine.pk, paired.pk}
    row = next(r for r in response.data["results"] if r["id"] == mine.pk)
    assert row["places_left"] == 10 and "checkin_secret" not in row


def test_filters_category_community_dates_and_places_left(aw, make_client):
    patrol = aw.activity(category="night_patrol", starts_at=soon(days=5, hour=19), ends_at=soon(days=5, hour=21))
    full = aw.activity(capacity=1)
    services.signup_create(activity=full, member=aw.teammate)
    other = aw.activity(community=aw.other_community, grid=aw.other_grid, created_by=aw.other_staff)
    client = make_client(aw.staff)

    def ids(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200, response.data
        return {row["id"] for row in response.data["results"]}

    assert ids(category="night_patrol") == {patrol.pk}
    assert ids(community=aw.community.pk) == {patrol.pk, full.pk}
    assert other.pk not in ids()  # another community's staff activity is outside this staff's scope
    assert ids(has_places_left="true") == {patrol.pk}
    assert ids(has_places_left="false") == {full.pk}
    day = soon(days=5).date().isoformat()
    assert ids(date_from=day, date_to=day) == {patrol.pk}


def test_near_me_orders_by_distance_and_takes_gcj02(aw, make_client):
    near = aw.activity(latitude=f.CITY_LAT + 0.001, longitude=f.CITY_LNG)
    far = aw.activity(latitude=f.CITY_LAT + 0.02, longitude=f.CITY_LNG)
    aw.activity(latitude=f.CITY_LAT + 1, longitude=f.CITY_LNG)
    gcj = wgs84_to_gcj02(f.CITY_LAT, f.CITY_LNG)
    response = make_client(aw.member.user).get(
        LIST, {"latitude": gcj[0], "longitude": gcj[1], "coord_system": "gcj02", "radius": 5000}
    )
    assert response.status_code == 200
    rows = response.data["results"]
    assert [r["id"] for r in rows] == [near.pk, far.pk]
    assert 100 <= rows[0]["distance_m"] <= 125


@pytest.mark.parametrize(
    "params",
    [{"latitude": 30}, {"category": "party"}, {"has_places_left": "maybe"}, {"date_from": "yesterday"}, {"radius": 0}],
)
def test_bad_filters_are_400(aw, make_client, params):
    response = make_client(aw.member.user).get(LIST, params)
    assert response.status_code == 400
    assert response.data["code"] == "invalid_input"


def test_list_query_count_is_bounded(aw, make_client, django_assert_max_num_queries):
    for _ in range(6):
        aw.activity()
    client = make_client(aw.member.user)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert len(response.data["results"]) == 6


# --- create, update, publish, cancel ----------------------------------------------------------------------------


def _payload(aw, **kwargs):
    data = {
        "community": aw.community.pk,
        "grid": aw.grid.pk,
        "title": "政策宣讲",
        "category": "policy_talk",
        "address": "幸福路1号",
        "latitude": f.CITY_LAT,
        "longitude": f.CITY_LNG,
        "starts_at": soon(hour=14).isoformat(),
        "ends_at": soon(hour=16).isoformat(),
        "capacity": 20,
    }
    data.update(kwargs)
    return data


def test_staff_create_publish_update_cancel(aw, make_client):
    client = make_client(aw.staff)
    response = client.post(LIST, _payload(aw), format="json")
    assert response.status_code == 201, response.data
    assert response.data["status"] == "draft"
    activity = Activity.objects.get(pk=response.data["id"])

    response = client.post(_detail(activity, "publish/"))
    assert response.status_code == 200 and response.data["status"] == "open"

    response = client.patch(_detail(activity), {"capacity": 25, "title": "政策宣讲会"}, format="json")
    assert response.status_code == 200, response.data
    assert (response.data["capacity"], response.data["title"]) == (25, "政策宣讲会")

    response = client.post(_detail(activity, "cancel/"), {"reason": "场地维修"}, format="json")
    assert response.status_code == 200 and response.data["status"] == "cancelled"


def test_create_a_weekly_series(aw, make_client):
    response = make_client(aw.staff).post(LIST, _payload(aw, weekly_occurrences=3, publish=True), format="json")
    assert response.status_code == 201, response.data
    assert len(response.data) == 3
    assert Activity.objects.filter(status="open").exclude(series=None).count() == 3


def test_create_with_bad_input(aw, make_client):
    client = make_client(aw.staff)
    response = client.post(LIST, _payload(aw, capacity=0), format="json")
    assert response.status_code == 400
    response = client.post(LIST, _payload(aw, ends_at=soon(hour=13).isoformat()), format="json")
    assert response.status_code == 422 and response.data["code"] == "ends_before_start"
    response = client.post(LIST, _payload(aw, longitude=None), format="json")
    assert response.status_code == 400
    assert not Activity.objects.exists()


def test_cancel_needs_a_reason(aw, make_client):
    activity = aw.activity()
    response = make_client(aw.staff).post(_detail(activity, "cancel/"), {}, format="json")
    assert response.status_code == 400
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.OPEN


def test_capacity_below_confirmed_is_422(aw, make_client):
    activity = aw.activity(capacity=2)
    services.signup_create(activity=activity, member=aw.member)
    services.signup_create(activity=activity, member=aw.teammate)
    response = make_client(aw.staff).patch(_detail(activity), {"capacity": 1}, format="json")
    assert response.status_code == 422 and response.data["code"] == "capacity_below_confirmed"


# --- sign-up ----------------------------------------------------------------------------------------------------


def test_signup_returns_confirmed_then_waitlisted_with_position(aw, make_client):
    activity = aw.activity(capacity=1)
    response = make_client(aw.member.user).post(_detail(activity, "signup/"))
    assert response.status_code == 201, response.data
    assert response.data["status"] == "confirmed" and response.data["waitlist_position"] is None
    response = make_client(aw.teammate.user).post(_detail(activity, "signup/"))
    assert response.status_code == 201
    assert response.data["status"] == "waitlisted" and response.data["waitlist_position"] == 1
    third = aw.resident()
    response = make_client(third.user).post(_detail(activity, "signup/"))
    assert response.data["waitlist_position"] == 2


def test_signup_twice_is_409(aw, make_client):
    activity = aw.activity()
    client = make_client(aw.member.user)
    client.post(_detail(activity, "signup/"))
    response = client.post(_detail(activity, "signup/"))
    assert response.status_code == 409 and response.data["code"] == "already_signed_up"


def test_signup_after_close_is_409_not_404(aw, make_client):
    activity = aw.activity(status=ActivityStatus.CLOSED)
    response = make_client(aw.member.user).post(_detail(activity, "signup/"))
    assert response.status_code == 409 and response.data["code"] == "signup_closed"


def test_signup_by_a_non_member_is_403(aw, make_client):
    activity = aw.activity()
    response = make_client(aw.staff).post(_detail(activity, "signup/"))
    assert response.status_code == 403 and response.data["code"] == "not_a_member"
    assert not SignUp.objects.exists()


def test_signup_overlap_is_409(aw, make_client):
    first = aw.activity()
    second = aw.activity(starts_at=first.starts_at + timedelta(hours=1), ends_at=first.ends_at + timedelta(hours=1))
    client = make_client(aw.member.user)
    client.post(_detail(first, "signup/"))
    response = client.post(_detail(second, "signup/"))
    assert response.status_code == 409 and response.data["code"] == "signup_overlaps"


# --- check-in and check-out -------------------------------------------------------------------------------------


def test_checkin_by_gcj02_position_then_checkout(aw, make_client):
    activity, signup = _running(aw)
    client = make_client(aw.member.user)
    body = {"latitude": GCJ02_POINT[0], "longitude": GCJ02_POINT[1], "coord_system": "gcj02", "accuracy_m": 20}
    response = client.post(_detail(activity, "checkin/"), body, format="json")
    assert response.status_code == 200, response.data
    assert response.data["checked_in_at"] is not None and response.data["checkin_method"] == "position"
    response = client.post(_detail(activity, "checkout/"))
    assert response.status_code == 200 and response.data["checked_out_at"] is not None


def test_checkin_too_far_says_how_far(aw, make_client):
    activity, signup = _running(aw)
    body = {"latitude": GCJ02_POINT[0], "longitude": GCJ02_POINT[1], "coord_system": "wgs84"}
    response = make_client(aw.member.user).post(_detail(activity, "checkin/"), body, format="json")
    assert response.status_code == 422
    assert response.data["code"] == "too_far_from_activity"
    assert 500 < response.data["distance_m"] < 600 and response.data["radius_m"] == 500
    assert str(response.data["distance_m"]) in response.data["detail"]
    signup.refresh_from_db()
    assert signup.checked_in_at is None


def test_checkin_by_code_from_the_staff_screen(aw, make_client):
    activity, signup = _running(aw)
    response = make_client(aw.staff).get(_detail(activity, "checkin-code/"))
    assert response.status_code == 200
    assert len(response.data["code"]) == 6 and response.data["qr_svg"].startswith("<svg")
    response = make_client(aw.member.user).post(
        _detail(activity, "checkin/"), {"code": response.data["code"]}, format="json"
    )
    assert response.status_code == 200, response.data
    assert response.data["checkin_method"] == "code"


def test_expired_code_through_the_api(aw, make_client, monkeypatch):
    activity, signup = _running(aw)
    shown = timezone.now()
    code = checkin.current_code(activity, now=shown).code
    monkeypatch.setattr(timezone, "now", lambda: shown + timedelta(minutes=3))
    response = make_client(aw.member.user).post(_detail(activity, "checkin/"), {"code": code}, format="json")
    assert response.status_code == 422 and response.data["code"] == "checkin_code_expired"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"latitude": 39.9},
        {"code": "123456", "latitude": 39.9, "longitude": 116.4},
        {"latitude": 95, "longitude": 1},
    ],
)
def test_checkin_body_must_be_position_or_code(aw, make_client, body):
    activity, signup = _running(aw)
    response = make_client(aw.member.user).post(_detail(activity, "checkin/"), body, format="json")
    assert response.status_code == 400


def test_checkin_without_a_signup_is_409(aw, make_client):
    activity, _ = _running(aw, audience=Audience.ANYONE)
    body = {"latitude": WGS84_POINT[0], "longitude": WGS84_POINT[1]}
    response = make_client(aw.teammate.user).post(_detail(activity, "checkin/"), body, format="json")
    assert response.status_code == 409 and response.data["code"] == "not_signed_up"


# --- sign-ups ---------------------------------------------------------------------------------------------------


def test_member_cancels_their_signup_and_the_waitlist_moves(aw, make_client):
    activity = aw.activity(capacity=1)
    mine = services.signup_create(activity=activity, member=aw.member)
    waiting = services.signup_create(activity=activity, member=aw.teammate)
    response = make_client(aw.member.user).post(f"/api/v1/signups/{mine.pk}/cancel/", {}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["status"] == "cancelled"
    waiting.refresh_from_db()
    assert waiting.status == SignUpStatus.CONFIRMED


def test_member_cancel_too_late_is_409(aw, make_client):
    now = timezone.now()
    activity = aw.activity(starts_at=now + timedelta(minutes=60), ends_at=now + timedelta(minutes=120))
    mine = services.signup_create(activity=activity, member=aw.member)
    response = make_client(aw.member.user).post(f"/api/v1/signups/{mine.pk}/cancel/", {}, format="json")
    assert response.status_code == 409 and response.data["code"] == "cancel_too_late"


def test_my_activities(aw, make_client, django_assert_max_num_queries):
    first = aw.activity(capacity=1)
    second = aw.activity(starts_at=soon(days=6), ends_at=soon(days=6, hour=11))
    services.signup_create(activity=first, member=aw.teammate)
    services.signup_create(activity=first, member=aw.member)
    services.signup_create(activity=second, member=aw.member)
    client = make_client(aw.member.user)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/signups/mine/")
    assert response.status_code == 200
    rows = response.data["results"]
    assert [r["activity"] for r in rows] == [first.pk, second.pk]
    assert [r["status"] for r in rows] == ["waitlisted", "confirmed"]
    assert rows[0]["waitlist_position"] == 1


def test_signup_list_query_count_is_bounded(aw, make_client, django_assert_max_num_queries):
    activity = aw.activity()
    for _ in range(5):
        services.signup_create(activity=activity, member=aw.resident())
    with django_assert_max_num_queries(6):
        response = make_client(aw.staff).get("/api/v1/signups/", {"activity": activity.pk})
    assert response.status_code == 200 and response.data["count"] == 5


def test_admin_pages_show_activities_read_only_without_the_secret(aw, client):
    activity = aw.activity()
    services.signup_create(activity=activity, member=aw.member)
    client.force_login(aw.superuser)
    assert client.get("/admin/activities/activity/").status_code == 200
    page = client.get(f"/admin/activities/activity/{activity.pk}/change/")
    assert page.status_code == 200
    assert activity.checkin_secret not in page.content.decode()
    assert client.get("/admin/activities/signup/").status_code == 200
    response = client.post(
        "/admin/activities/activity/", {"action": "promote_waitlist", "_selected_action": [activity.pk]}
    )
    assert response.status_code == 302
