"""The wishes API as a user drives it: create (JSON and multipart), every action, filters, near me, my claims."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.ledger.models import ServiceRecord
from apps.places.coords import wgs84_to_bd09, wgs84_to_gcj02
from apps.places.models import Grid
from apps.wishes.models import WishCategory, WishClaim, WishForm, WishStatus
from tests import factories as f
from tests.wishes.conftest import RESIDENT_NAME, image_bytes, upload

pytestmark = pytest.mark.django_db

URL = "/api/v1/wishes/"


def _detail(wish, action=None):
    return f"{URL}{wish.pk}/" + (f"{action}/" if action else "")


def _body(w, **extra):
    body = {
        "community": w.community.pk,
        "grid": w.grid.pk,
        "title": "给困难学生买书包",
        "category": "study",
        "form": "material",
        "resident_name": RESIDENT_NAME,
        "resident_phone": "13912345678",
        "resident_address": "幸福小区1栋",
        "estimated_value": "150.00",
        "deadline": (timezone.now() + timedelta(days=5)).isoformat(),
    }
    body.update(extra)
    return body


def _ids(response):
    return [row["id"] for row in response.json()["results"]]


# --- create -------------------------------------------------------------------------------------------------------


class TestCreate:
    def test_staff_create_and_publish_with_json(self, w, make_client):
        response = make_client(w.staff).post(URL, _body(w, publish=True), format="json")
        assert response.status_code == 201, response.json()
        data = response.json()
        assert data["status"] == "published" and data["resident_name"] == RESIDENT_NAME
        assert data["community"] == w.community.pk and data["grid_name"] == w.grid.name

    def test_grid_worker_create_with_a_photo_by_multipart(self, w, make_client):
        body = _body(w, photo=upload("JPEG", content_type="image/jpeg"))
        response = make_client(w.grid_worker).post(URL, body, format="multipart")
        assert response.status_code == 201, response.json()
        data = response.json()
        assert data["status"] == "pending_review"
        assert data["photo"].startswith("http://testserver/media/wishes/") and data["photo"].endswith(".jpg")

    def test_value_over_cap_is_422(self, w, make_client, settings):
        settings.WISH_MAX_VALUE = 100
        response = make_client(w.staff).post(URL, _body(w), format="json")
        assert response.status_code == 422 and response.json()["code"] == "wish_value_over_cap"

    def test_malformed_input_is_400(self, w, make_client):
        response = make_client(w.staff).post(URL, _body(w, category="luxury", deadline="tomorrow"), format="json")
        assert response.status_code == 400
        assert set(response.json()["fields"]) == {"category", "deadline"}

    def test_past_deadline_is_422(self, w, make_client):
        body = _body(w, deadline=(timezone.now() - timedelta(days=1)).isoformat())
        response = make_client(w.staff).post(URL, body, format="json")
        assert response.status_code == 422 and response.json()["code"] == "deadline_not_future"

    def test_not_an_image_is_422(self, w, make_client):
        body = _body(w, photo=upload(name="a.png", content=b"GIF89a not really"))
        response = make_client(w.staff).post(URL, body, format="multipart")
        assert response.status_code == 422 and response.json()["code"] == "invalid_image"

    def test_too_large_image_is_422(self, w, make_client, settings):
        settings.UPLOAD_MAX_BYTES = 50
        response = make_client(w.staff).post(URL, _body(w, photo=upload("PNG")), format="multipart")
        assert response.status_code == 422 and response.json()["code"] == "image_too_large"

    def test_member_cannot_create(self, w, make_client):
        response = make_client(w.member.user).post(URL, _body(w), format="json")
        assert response.status_code == 403 and response.json()["code"] == "not_wish_poster"

    def test_anonymous_gets_401_or_403(self, w, api):
        assert api.get(URL).status_code in (401, 403)


# --- the lifecycle through the API ---------------------------------------------------------------------------------


def test_full_lifecycle_through_the_api(w, make_client):
    staff, worker, member = make_client(w.staff), make_client(w.grid_worker), make_client(w.member.user)
    wish_id = worker.post(URL, _body(w), format="json").json()["id"]
    wish = type("W", (), {"pk": wish_id})

    assert member.post(_detail(wish, "claim")).status_code == 404  # not published: members do not see it
    assert staff.post(_detail(wish, "verify")).json()["status"] == "published"

    response = member.post(_detail(wish, "claim"), {}, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "claimed" and data["is_claimant"] is True
    assert data["claim"]["member"] == w.member.pk and data["claim"]["member_name"] == w.member.user.name

    body = {"note": "书包已送到", "photo": upload("WEBP", content_type="image/webp")}
    response = member.post(_detail(wish, "fulfil"), body, format="multipart")
    assert response.status_code == 200, response.json()
    # A WebP photo without transparency is re-encoded as JPEG (apps/core/images.py).
    assert response.json()["status"] == "fulfilled" and response.json()["fulfil_photo"].endswith(".jpg")

    response = staff.post(_detail(wish, "confirm"), {"rating": 5, "comment": "很好"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    assert ServiceRecord.objects.filter(member=w.member, source_id=wish_id).count() == 1


def test_submit_then_publish(w, make_client):
    staff = make_client(w.staff)
    wish_id = staff.post(URL, _body(w), format="json").json()["id"]
    assert staff.post(f"{URL}{wish_id}/submit/").json()["status"] == "pending_review"
    assert staff.post(f"{URL}{wish_id}/publish/").json()["status"] == "published"
    response = staff.post(f"{URL}{wish_id}/publish/")
    assert response.status_code == 409
    assert response.json() == {
        "code": "wish_not_publishable",
        "detail": response.json()["detail"],
        "status": "published",
    }


def test_second_claim_gets_409_wish_already_claimed(w, make_client):
    wish = w.wish()
    assert make_client(w.member.user).post(_detail(wish, "claim")).status_code == 201
    response = make_client(w.teammate.user).post(_detail(wish, "claim"))
    assert response.status_code == 409 and response.json()["code"] == "wish_already_claimed"


def test_claim_as_branch(w, make_client):
    wish = w.wish()
    response = make_client(w.secretary).post(_detail(wish, "claim"), {"as_branch": w.branch.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["claim"]["branch"] == w.branch.pk
    body = {"note": "支部集体探望", "participants": [w.member.pk, w.teammate.pk]}
    response = make_client(w.secretary).post(_detail(wish, "fulfil"), body, format="json")
    assert response.status_code == 200, response.json()
    names = {p["name"] for p in response.json()["claim"]["participants"]}
    assert names == {w.member.user.name, w.teammate.user.name}


def test_claim_as_team_fulfil_and_confirm(w, make_client):
    team = w.team(members=[w.teammate])
    wish = w.wish()
    leader = make_client(w.member.user)
    response = leader.post(_detail(wish, "claim"), {"as_team": team.pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["claim"]["team"], body["claim"]["team_name"]) == (team.pk, team.name)
    assert body["claim"]["member"] is None and body["claim"]["branch"] is None
    assert body["resident_phone"] == "13912345678"  # the leader sees the resident once the team holds the wish
    response = leader.post(
        _detail(wish, "fulfil"), {"note": "服务队上门", "participants": [w.teammate.pk]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert [p["member"] for p in response.json()["claim"]["participants"]] == [w.teammate.pk]
    rows = leader.get(f"{URL}my-claims/").json()["results"]
    assert [(r["team"], r["team_name"]) for r in rows] == [(team.pk, team.name)]
    response = make_client(w.staff).post(_detail(wish, "confirm"), {"rating": 5}, format="json")
    assert response.status_code == 200, response.json()
    assert ServiceRecord.objects.get(source_id=wish.pk).team_id == team.pk


@pytest.mark.parametrize(
    ("who", "extra", "status", "code"),
    [
        ("teammate", {}, 403, "not_team_leader"),
        ("member", {"as_branch": "branch"}, 422, "claim_as_one"),
    ],
)
def test_claim_as_team_refusals(w, make_client, who, extra, status, code):
    team = w.team(members=[w.teammate])
    wish = w.wish()
    body = {"as_team": team.pk, **{k: w.branch.pk for k in extra}}
    actor = w.teammate.user if who == "teammate" else w.member.user
    response = make_client(actor).post(_detail(wish, "claim"), body, format="json")
    assert response.status_code == status and response.json()["code"] == code, response.json()
    assert not WishClaim.objects.filter(wish=wish).exists()


def test_claim_as_an_unknown_team_is_400(w, make_client):
    wish = w.wish()
    team = w.team()
    response = make_client(w.member.user).post(_detail(wish, "claim"), {"as_team": team.pk + 1000}, format="json")
    assert response.status_code == 400 and "as_team" in response.json()["fields"], response.json()
    assert not WishClaim.objects.filter(wish=wish).exists()


def test_group_fulfil_by_multipart_with_repeated_participants(w, make_client):
    wish = w.group_claimed()
    body = {"note": "ok", "participants": [w.member.pk, w.teammate.pk], "photo": upload("PNG")}
    response = make_client(w.secretary).post(_detail(wish, "fulfil"), body, format="multipart")
    assert response.status_code == 200, response.json()
    assert len(response.json()["claim"]["participants"]) == 2


def test_claim_limit_is_409(w, make_client, settings):
    settings.WISH_MAX_OPEN_CLAIMS = 1
    w.claimed()
    response = make_client(w.member.user).post(_detail(w.wish(), "claim"))
    assert response.status_code == 409 and response.json() == {
        "code": "claim_limit_reached",
        "detail": response.json()["detail"],
        "limit": 1,
    }


def test_not_eligible_is_403(w, make_client):
    f.PairingFactory(
        organ=w.other_organ,
        community=w.community,
        starts_on=timezone.localdate() - timedelta(days=9),
        ends_on=timezone.localdate() - timedelta(days=1),
    )
    wish = w.wish(grid=w.other_grid)
    # Visible (another member claimed it before), but the member is not eligible.
    WishClaim.objects.create(
        wish=wish,
        member=w.member,
        claimed_by=w.member.user,
        claimed_at=timezone.now(),
        claim_deadline=timezone.now(),
        status="released",
    )
    response = make_client(w.member.user).post(_detail(wish, "claim"))
    assert response.status_code == 403 and response.json()["code"] == "not_eligible_to_claim"


def test_release_revoke_cancel(w, make_client):
    wish = w.claimed()
    response = make_client(w.member.user).post(_detail(wish, "release"), {"reason": "没时间"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert response.json()["claim"] is None

    wish = w.claimed()
    response = make_client(w.staff).post(_detail(wish, "revoke"), {}, format="json")
    assert response.status_code == 400
    response = make_client(w.staff).post(_detail(wish, "revoke"), {"reason": "联系不上"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "published"

    response = make_client(w.staff).post(_detail(wish, "cancel"), {"reason": "需求已由家属解决"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled" and response.json()["closed_reason"] == "需求已由家属解决"
    response = make_client(w.staff).post(_detail(wish, "cancel"), {"reason": "again"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "wish_not_open"


@pytest.mark.parametrize("rating", [0, 6, "five"])
def test_confirm_rating_out_of_range_is_400(w, make_client, rating):
    response = make_client(w.staff).post(_detail(w.fulfilled(), "confirm"), {"rating": rating}, format="json")
    assert response.status_code == 400 and "rating" in response.json()["fields"]


def test_illegal_transitions_are_409_with_stable_codes(w, make_client):
    staff, member = make_client(w.staff), make_client(w.member.user)
    published = w.wish()
    assert staff.post(_detail(published, "submit")).json()["code"] == "wish_not_draft"
    assert staff.post(_detail(published, "verify")).json()["code"] == "wish_not_pending_review"
    assert member.post(_detail(published, "release")).json()["code"] == "wish_not_claimed"
    assert member.post(_detail(published, "fulfil"), {"note": "x"}).json()["code"] == "wish_not_claimed"
    assert staff.post(_detail(published, "revoke"), {"reason": "x"}).json()["code"] == "wish_not_claimed"
    assert staff.post(_detail(published, "confirm"), {"rating": 5}).json()["code"] == "wish_not_fulfilled"
    assert staff.post(_detail(published, "submit")).status_code == 409


def test_unknown_wish_is_404(w, make_client):
    assert make_client(w.staff).get(f"{URL}999999/").status_code == 404
    assert make_client(w.staff).get(f"{URL}abc/").status_code == 404


# --- list and filters --------------------------------------------------------------------------------------------


class TestFilters:
    def test_filters_by_fields(self, w, make_client):
        grid2 = f.GridFactory(community=w.community)
        a = w.wish(category=WishCategory.STUDY, form=WishForm.MATERIAL)
        b = w.wish(grid=grid2, category=WishCategory.ELDERLY, form=WishForm.NON_MATERIAL)
        c = w.wish(status=WishStatus.DRAFT)
        client = make_client(w.staff)
        assert _ids(client.get(URL, {"grid": grid2.pk})) == [b.pk]
        assert _ids(client.get(URL, {"category": "study"})) == [a.pk]
        assert _ids(client.get(URL, {"form": "non_material"})) == [b.pk]
        assert _ids(client.get(URL, {"status": "draft"})) == [c.pk]
        assert sorted(_ids(client.get(URL, {"status": ["draft", "published"]}))) == sorted([a.pk, b.pk, c.pk])
        assert sorted(_ids(client.get(URL, {"community": w.community.pk}))) == sorted([a.pk, b.pk, c.pk])
        assert _ids(client.get(URL, {"community": w.other_community.pk})) == []

    def test_deadline_range(self, w, make_client):
        today = timezone.localdate()
        soon = w.wish(deadline=timezone.now() + timedelta(days=2))
        later = w.wish(deadline=timezone.now() + timedelta(days=20))
        client = make_client(w.staff)
        after = (today + timedelta(days=10)).isoformat()
        before = (today + timedelta(days=10)).isoformat()
        assert _ids(client.get(URL, {"deadline_after": after})) == [later.pk]
        assert _ids(client.get(URL, {"deadline_before": before})) == [soon.pk]

    @pytest.mark.parametrize(
        "params",
        [
            {"status": "bogus"},
            {"category": "luxury"},
            {"community": "abc"},
            {"deadline_after": "soon"},
            {"latitude": "30.2"},
            {"longitude": "120.1"},
            {"latitude": "91", "longitude": "120"},
            {"latitude": "nan", "longitude": "120"},
            {"latitude": "30", "longitude": "120", "radius": "50001"},
            {"latitude": "30", "longitude": "120", "radius": "0"},
            {"latitude": "30", "longitude": "120", "coord_system": "mars"},
        ],
    )
    def test_bad_parameters_are_400_never_an_unfiltered_list(self, w, make_client, params):
        w.wish()
        response = make_client(w.staff).get(URL, params)
        assert response.status_code == 400, response.json()
        assert response.json()["code"] == "invalid_input"


class TestNearMe:
    @pytest.fixture
    def spread(self, w):
        """Three grids of the staff's community due north of the city centre: 0.5 km, 2 km and 10 km away."""
        grids = {}
        for km in (0.5, 2, 10):
            grids[km] = f.GridFactory(community=w.community, latitude=f.CITY_LAT + km / 111.195, longitude=f.CITY_LNG)
        wishes = {km: w.wish(grid=grid) for km, grid in grids.items()}
        return wishes

    def test_near_me_orders_by_distance_within_the_radius(self, w, make_client, spread):
        client = make_client(w.staff)
        response = client.get(URL, {"latitude": f.CITY_LAT, "longitude": f.CITY_LNG})
        assert response.status_code == 200
        rows = response.json()["results"]
        assert [r["id"] for r in rows] == [spread[0.5].pk, spread[2].pk]  # default radius 3 km
        assert abs(rows[0]["distance_m"] - 500) < 5 and abs(rows[1]["distance_m"] - 2000) < 10
        response = client.get(URL, {"latitude": f.CITY_LAT, "longitude": f.CITY_LNG, "radius": 20000})
        assert _ids(response) == [spread[0.5].pk, spread[2].pk, spread[10].pk]
        response = client.get(URL, {"latitude": f.CITY_LAT + 10 / 111.195, "longitude": f.CITY_LNG, "radius": 20000})
        assert _ids(response) == [spread[10].pk, spread[2].pk, spread[0.5].pk]

    def test_without_a_point_there_is_no_distance(self, w, make_client, spread):
        rows = make_client(w.staff).get(URL).json()["results"]
        assert {r["distance_m"] for r in rows} == {None}

    @pytest.mark.parametrize(("system", "convert"), [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
    def test_chinese_map_coordinates_are_converted(self, w, make_client, spread, system, convert):
        # The shifted point is hundreds of metres off; converted back it is right on the 0.5 km grid.
        target = Grid.objects.get(pk=spread[0.5].grid_id)
        lat, lng = convert(target.latitude, target.longitude)
        params = {"latitude": lat, "longitude": lng, "radius": 100, "coord_system": system}
        rows = make_client(w.staff).get(URL, params).json()["results"]
        assert [r["id"] for r in rows] == [spread[0.5].pk] and rows[0]["distance_m"] < 2
        params["coord_system"] = "wgs84"
        assert make_client(w.staff).get(URL, params).json()["results"] == []


def _list_queries(client, user, url=URL):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user.__dict__.pop("_scope_cache", None)  # count the scope queries a real request makes
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx), response.json()["count"]


def _populate(w):
    from apps.wishes import services

    w.claimed()
    w.wish()
    group = w.group_claimed()
    services.wish_fulfil(wish=group, actor=w.secretary, note="ok", participants=[w.member, w.teammate])


@pytest.mark.parametrize("who", ["staff", "member", "secretary", "reviewer", "street_admin", "superuser"])
def test_list_query_count_is_pinned_and_does_not_grow_with_rows(w, make_client, django_assert_max_num_queries, who):
    user = w.user(who)
    client = make_client(user)
    _populate(w)
    few, count_few = _list_queries(client, user)
    _populate(w)
    _populate(w)
    many, count_many = _list_queries(client, user)
    assert count_many > count_few > 0
    assert many == few
    user.__dict__.pop("_scope_cache", None)
    with django_assert_max_num_queries(8):
        client.get(URL)


def test_a_list_page_carries_the_current_claims_and_reads_none_for_open_wishes(w, make_client):
    # The list attaches claims after paging, only for wishes in a state that can hold one.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _populate(w)
    client = make_client(w.staff)
    rows = {row["id"]: row for row in client.get(URL, {"page_size": 100}).json()["results"]}
    details = {pk: client.get(f"{URL}{pk}/").json() for pk in rows}
    assert any(row["claim"] for row in rows.values()) and any(row["claim"] is None for row in rows.values())
    for pk, row in rows.items():
        claim = details[pk]["claim"]
        assert row["claim"] == claim, row["status"]
        assert (claim is None) == (row["status"] in ("draft", "pending_review", "published")), row["status"]
    with CaptureQueriesContext(connection) as queries:
        client.get(URL, {"status": "published"})
    assert not any(q["sql"].startswith('SELECT "wishes_wishclaim"') for q in queries.captured_queries)
    with CaptureQueriesContext(connection) as queries:
        client.get(URL, {"status": "claimed"})
    assert any(q["sql"].startswith('SELECT "wishes_wishclaim"') for q in queries.captured_queries)


# --- my claims ----------------------------------------------------------------------------------------------------


def test_my_claims_lists_the_members_claims(w, make_client, django_assert_max_num_queries):
    held = w.claimed()
    released = w.claimed()
    from apps.wishes import services

    services.wish_release(wish=released, actor=w.member.user)
    w.claimed(w.teammate)
    client = make_client(w.member.user)
    w.member.user.__dict__.pop("_scope_cache", None)
    with django_assert_max_num_queries(6):
        response = client.get(f"{URL}my-claims/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {r["wish"]["id"] for r in rows} == {held.pk, released.pk}
    active = client.get(f"{URL}my-claims/", {"active": "true"}).json()["results"]
    assert [r["wish"]["id"] for r in active] == [held.pk]


def test_my_claims_of_a_participant_and_of_the_secretary(w, make_client):
    from apps.wishes import services

    wish = services.wish_fulfil(wish=w.group_claimed(), actor=w.secretary, note="ok", participants=[w.teammate])
    for user in (w.teammate.user, w.secretary):
        rows = make_client(user).get(f"{URL}my-claims/").json()["results"]
        assert [r["wish"]["id"] for r in rows] == [wish.pk]
    assert make_client(w.member.user).get(f"{URL}my-claims/").json()["results"] == []


def test_image_pixels_roundtrip_through_storage(w, make_client):
    body = _body(w, photo=upload("PNG"))
    data = make_client(w.staff).post(URL, body, format="multipart").json()
    from PIL import Image

    from apps.wishes.models import Wish

    # Re-encoded, so not necessarily the same bytes; PNG is lossless, so the very same pixels.
    with Wish.objects.get(pk=data["id"]).photo.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "PNG"
        assert image.convert("RGB").tobytes() == Image.open(io.BytesIO(image_bytes("PNG"))).convert("RGB").tobytes()


def test_admin_lists_wishes_and_claims_read_only(w, make_client):
    from django.test import Client

    wish = w.claimed()
    client = Client()
    client.force_login(w.superuser)
    assert client.get("/admin/wishes/wish/").status_code == 200
    assert client.get(f"/admin/wishes/wish/{wish.pk}/change/").status_code == 200
    assert client.get("/admin/wishes/wishclaim/").status_code == 200
    assert client.get("/admin/wishes/wish/add/").status_code == 403
