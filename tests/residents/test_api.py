"""The resident requests API (staff and grid workers), and the residents' ratings on the wish's answer."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.residents.models import RequestStatus
from apps.wishes.models import WishStatus
from tests.residents.conftest import RESIDENT_PHONE, future
from tests.wishes.conftest import WishFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/resident-requests/"


def test_the_list_is_scoped_to_the_grid_worker_and_the_communitys_staff(rw, make_client):
    mine, other = rw.request(), rw.request(grid=rw.other_grid)
    for role in ("staff", "grid_worker"):
        body = make_client(rw.world.user(role)).get(URL).json()
        assert [r["id"] for r in body["results"]] == [mine.pk]
        assert body["results"][0]["phone"] == RESIDENT_PHONE and "token" not in body["results"][0]
    for role in ("member", "street_admin", "district_admin", "reviewer", "outsider"):
        assert make_client(rw.world.user(role)).get(URL).json()["results"] == []
        assert make_client(rw.world.user(role)).get(f"{URL}{mine.pk}/").status_code == 404
    assert make_client(rw.staff).get(f"{URL}{other.pk}/").status_code == 404


def test_merging_another_residents_request_raises_the_wishs_residents(rw, make_client):
    wish = WishFactory(grid=rw.grid, created_by=rw.staff, resident_phone="13900001111")
    client = make_client(rw.staff)
    merged = client.post(f"{URL}{rw.request(phone='13900002222').pk}/merge/", {"wish": wish.pk}, format="json")
    assert merged.status_code == 200
    shown = client.get(f"/api/v1/wishes/{wish.pk}/").json()
    assert (shown["residents_count"], shown["beneficiary"]) == (2, "group")


def test_accept_merge_and_decline(rw, make_client):
    client = make_client(rw.grid_worker)
    accepted = client.post(
        f"{URL}{rw.request().pk}/accept/",
        {"title": "换灯泡", "category": "daily", "deadline": future().isoformat()},
        format="json",
    )
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "accepted" and accepted.json()["stage"] == "accepted"
    assert accepted.json()["wish_status"] == WishStatus.PENDING_REVIEW
    wish = WishFactory(grid=rw.grid, created_by=rw.staff)
    merged = client.post(f"{URL}{rw.request().pk}/merge/", {"wish": wish.pk}, format="json")
    assert merged.status_code == 200 and merged.json()["wish"] == wish.pk
    declined = client.post(f"{URL}{rw.request().pk}/decline/", {"reason": "请找物业"}, format="json")
    assert declined.status_code == 200 and declined.json()["decline_reason"] == "请找物业"
    again = client.post(f"{URL}{declined.json()['id']}/decline/", {"reason": "再次"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "request_not_received"


def test_merging_into_a_wish_the_user_cannot_see_is_a_404(rw, make_client):
    hidden = WishFactory(grid=rw.other_grid, created_by=rw.staff)
    response = make_client(rw.staff).post(f"{URL}{rw.request().pk}/merge/", {"wish": hidden.pk}, format="json")
    assert response.status_code == 404


def test_the_wish_shows_the_residents_rating_beside_the_communitys_to_its_staff(rw, make_client):
    wish = WishFactory(grid=rw.grid, created_by=rw.staff, status=WishStatus.CONFIRMED, rating=5)
    rw.request(status=RequestStatus.MERGED, wish=wish, resident_rating=3, resident_comment="来得有点晚")
    detail = make_client(rw.staff).get(f"/api/v1/wishes/{wish.pk}/").json()
    assert detail["rating"] == 5
    assert [(r["rating"], r["comment"]) for r in detail["resident_ratings"]] == [(3, "来得有点晚")]
    listing = make_client(rw.staff).get("/api/v1/wishes/").json()["results"]
    assert all(w["resident_ratings"] == [] for w in listing)


def test_the_schema_documents_the_endpoints():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for action in ("accept", "merge", "decline"):
        assert "post" in schema["paths"][f"{URL}{{id}}/{action}/"]
    props = schema["components"]["schemas"]["RequestOutput"]["properties"]
    assert props["stage"]["description"] and props["decline_reason"]["description"]
