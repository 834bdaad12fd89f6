"""Who sees and does what, endpoint by endpoint: out of scope reads as 404, seen but not allowed is 403, and a
refused request leaves the database as it was."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.activities import services
from apps.activities.models import Activity, ActivityStatus, SignUp, SignUpStatus
from tests.activities.conftest import WGS84_POINT
from tests.activities.test_api import _payload

pytestmark = pytest.mark.django_db

ALL_ROLES = [
    "member",
    "other_member",
    "teammate",
    "staff",
    "other_staff",
    "grid_worker",
    "secretary",
    "reviewer",
    "street_admin",
    "district_admin",
    "superuser",
    "outsider",
]


def _user(aw, name):
    obj = getattr(aw, name)
    return getattr(obj, "user", obj) if name in ("member", "other_member", "teammate") else obj


def _snapshot():
    return (
        list(Activity.objects.order_by("pk").values_list("pk", "status", "title", "capacity", "confirmed_count")),
        list(SignUp.objects.order_by("pk").values_list("pk", "status", "checked_in_at", "checked_out_at")),
    )


@pytest.fixture
def activity(aw):
    return aw.activity(latitude=WGS84_POINT[0], longitude=WGS84_POINT[1])


@pytest.fixture
def signup(aw, activity):
    return services.signup_create(activity=activity, member=aw.member)


# --- seeing -----------------------------------------------------------------------------------------------------

ACTIVITY_VISIBLE = {
    "member": True,
    "other_member": False,  # neither registered in the community nor of a paired organ
    "teammate": True,
    "staff": True,
    "other_staff": False,
    "grid_worker": True,
    "secretary": True,  # a member of the branch signed up
    "reviewer": True,  # a member of the organ signed up
    "street_admin": True,
    "district_admin": True,
    "superuser": True,
    "outsider": False,
}


@pytest.mark.parametrize("name", ALL_ROLES)
def test_activity_detail_and_list_by_role(aw, make_client, activity, signup, name):
    client = make_client(_user(aw, name))
    response = client.get(f"/api/v1/activities/{activity.pk}/")
    assert response.status_code == (200 if ACTIVITY_VISIBLE[name] else 404)
    listed = {row["id"] for row in client.get("/api/v1/activities/").data["results"]}
    assert (activity.pk in listed) == ACTIVITY_VISIBLE[name]


def test_reviewer_and_secretary_do_not_see_activities_without_their_members(aw, make_client, activity):
    for name in ("reviewer", "secretary", "outsider"):
        assert make_client(_user(aw, name)).get(f"/api/v1/activities/{activity.pk}/").status_code == 404


def test_drafts_are_hidden_from_members_but_not_from_staff(aw, make_client):
    draft = aw.activity(status=ActivityStatus.DRAFT)
    assert make_client(aw.member.user).get(f"/api/v1/activities/{draft.pk}/").status_code == 404
    assert make_client(aw.staff).get(f"/api/v1/activities/{draft.pk}/").status_code == 200


def test_anonymous_gets_401_or_403(api, activity):
    assert api.get("/api/v1/activities/").status_code in (401, 403)


SIGNUP_VISIBLE = {
    "member": True,
    "other_member": False,
    "teammate": False,
    "staff": True,
    "other_staff": False,
    "grid_worker": True,
    "secretary": True,
    "reviewer": True,
    "street_admin": True,
    "district_admin": True,
    "superuser": True,
    "outsider": False,
}


@pytest.mark.parametrize("name", ALL_ROLES)
def test_signup_detail_and_list_by_role(aw, make_client, signup, name):
    client = make_client(_user(aw, name))
    assert client.get(f"/api/v1/signups/{signup.pk}/").status_code == (200 if SIGNUP_VISIBLE[name] else 404)
    listed = {row["id"] for row in client.get("/api/v1/signups/").data["results"]}
    assert (signup.pk in listed) == SIGNUP_VISIBLE[name]


def test_mine_lists_only_my_own_signups(aw, make_client, signup):
    services.signup_create(activity=aw.activity(), member=aw.teammate)
    rows = make_client(aw.member.user).get("/api/v1/signups/mine/").data["results"]
    assert [r["id"] for r in rows] == [signup.pk]
    assert make_client(aw.staff).get("/api/v1/signups/mine/").data["results"] == []


# --- organizing -------------------------------------------------------------------------------------------------

ORGANIZE = {
    "member": 403,
    "other_member": 404,
    "teammate": 403,
    "staff": 200,
    "other_staff": 404,
    "grid_worker": 200,
    "secretary": 403,
    "reviewer": 403,
    "street_admin": 403,
    "district_admin": 403,
    "superuser": 200,
    "outsider": 404,
}


@pytest.mark.parametrize("name", ALL_ROLES)
@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("patch", "", {"title": "改名"}),
        ("post", "publish/", {}),
        ("post", "cancel/", {"reason": "天气"}),
    ],
)
def test_organizer_actions_by_role(aw, make_client, signup, name, method, suffix, body):
    activity = signup.activity
    expected = ORGANIZE[name]
    if suffix == "publish/":
        Activity.objects.filter(pk=activity.pk).update(status=ActivityStatus.DRAFT)
        if name == "teammate":  # a draft is invisible to members without a sign-up in it
            expected = 404
    before = _snapshot()
    response = getattr(make_client(_user(aw, name)), method)(
        f"/api/v1/activities/{activity.pk}/{suffix}", body, format="json"
    )
    assert response.status_code == expected, response.data
    if expected != 200:
        assert _snapshot() == before


@pytest.mark.parametrize("name", ALL_ROLES)
def test_checkin_code_only_for_organizers(aw, make_client, signup, name):
    response = make_client(_user(aw, name)).get(f"/api/v1/activities/{signup.activity_id}/checkin-code/")
    assert response.status_code == ORGANIZE[name]
    if response.status_code == 200:
        assert len(response.data["code"]) == 6
    else:
        assert "code" not in response.data or response.data["code"] in ("not_activity_organizer", "not_found")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("staff", 201), ("grid_worker", 201), ("other_staff", 403), ("member", 403), ("street_admin", 403),
     ("secretary", 403), ("outsider", 403)],
)  # fmt: skip
def test_create_by_role(aw, make_client, name, expected):
    response = make_client(_user(aw, name)).post("/api/v1/activities/", _payload(aw), format="json")
    assert response.status_code == expected, response.data
    assert Activity.objects.exists() == (expected == 201)


def test_secretary_runs_what_their_branch_organizes_in_a_paired_community(aw, make_client):
    client = make_client(aw.secretary)
    payload = _payload(aw, community=aw.other_community.pk, grid=None, organizer_party_org=aw.branch.pk)
    response = client.post("/api/v1/activities/", payload, format="json")
    assert response.status_code == 201, response.data
    pk = response.data["id"]
    assert client.post(f"/api/v1/activities/{pk}/publish/").status_code == 200
    assert client.get(f"/api/v1/activities/{pk}/checkin-code/").status_code == 200
    # The paired community's own staff run it too; the first community's staff do not see it.
    assert (
        make_client(aw.other_staff).patch(f"/api/v1/activities/{pk}/", {"capacity": 30}, format="json").status_code
        == 200
    )
    assert make_client(aw.staff).get(f"/api/v1/activities/{pk}/").status_code == 404


# --- signing up, check-in, cancelling ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [("other_member", 404), ("outsider", 404), ("other_staff", 404), ("staff", 403), ("reviewer", 404)],
)
def test_signup_refused_by_role_writes_nothing(aw, make_client, activity, name, expected):
    response = make_client(_user(aw, name)).post(f"/api/v1/activities/{activity.pk}/signup/")
    assert response.status_code == expected
    assert not SignUp.objects.exists()


@pytest.mark.parametrize(
    ("name", "expected"),
    [("member", 200), ("teammate", 404), ("other_member", 404), ("outsider", 404), ("other_staff", 404),
     ("staff", 200), ("grid_worker", 200), ("secretary", 403), ("reviewer", 403), ("street_admin", 403)],
)  # fmt: skip
def test_signup_cancel_by_role(aw, make_client, signup, name, expected):
    before = _snapshot()
    response = make_client(_user(aw, name)).post(f"/api/v1/signups/{signup.pk}/cancel/", {}, format="json")
    assert response.status_code == expected, response.data
    signup.refresh_from_db()
    if expected == 200:
        assert signup.status == SignUpStatus.CANCELLED
    else:
        assert _snapshot() == before


@pytest.mark.parametrize("name", ["teammate", "staff", "other_member", "outsider"])
def test_only_the_member_checks_in_and_out(aw, make_client, name):
    now = timezone.now()
    activity = aw.activity(
        starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=1),
        latitude=WGS84_POINT[0], longitude=WGS84_POINT[1],
    )  # fmt: skip
    services.signup_create(activity=activity, member=aw.member, now=now - timedelta(days=1))
    before = _snapshot()
    client = make_client(_user(aw, name))
    body = {"latitude": WGS84_POINT[0], "longitude": WGS84_POINT[1]}
    response = client.post(f"/api/v1/activities/{activity.pk}/checkin/", body, format="json")
    assert response.status_code in (404, 409)
    if response.status_code == 409:
        assert response.data["code"] == "not_signed_up"
    assert client.post(f"/api/v1/activities/{activity.pk}/checkout/").status_code in (404, 409)
    assert _snapshot() == before
