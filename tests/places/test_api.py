"""The read-only places API and the geocode preview, through APIClient as a signed-in user would use them."""

import pytest
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from geopy.exc import GeocoderUnavailable
from geopy.geocoders import Nominatim

from apps.places import coords
from apps.places.errors import ADDRESS_NOT_FOUND
from apps.registrations.models import Registration
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(world, make_client):
    return make_client(world.outsider)


def results(response):
    assert response.status_code == 200, response.data
    return response.data["results"]


def ids(response):
    return {row["id"] for row in results(response)}


# --- who may read ---


@pytest.mark.parametrize("url", ["/api/v1/districts/", "/api/v1/streets/", "/api/v1/communities/", "/api/v1/grids/"])
def test_anonymous_users_cannot_read_places(api, url):
    response = api.get(url)
    assert response.status_code in (401, 403)
    assert api.get("/api/v1/geocode/", {"address": "阳光花园"}).status_code in (401, 403)


@pytest.mark.parametrize("role", ["outsider", "member", "staff", "grid_worker", "reviewer"])
def test_any_signed_in_user_reads_the_whole_tree(world, geo, make_client, role):
    user = getattr(world, role) if role != "member" else world.member.user
    response = make_client(user).get("/api/v1/communities/", {"page_size": 200})
    assert {world.community.id, world.other_community.id, geo.a.id, geo.d.id} <= ids(response)


# --- lists, details and their fields ---


def test_district_list_and_detail(client, geo):
    row = next(r for r in results(client.get("/api/v1/districts/")) if r["id"] == geo.district.id)
    assert row == {
        "id": geo.district.id,
        "name": "临江区",
        "code": geo.district.code,
        "latitude": 29.05,
        "longitude": 119.05,
    }
    assert client.get(f"/api/v1/districts/{geo.district.id}/").data["name"] == "临江区"


def test_street_rows_carry_their_district(client, geo):
    row = client.get(f"/api/v1/streets/{geo.street.id}/").data
    assert (row["district_id"], row["district_name"]) == (geo.district.id, "临江区")


def test_community_rows_carry_street_and_district_and_detail_adds_the_boundary(client, geo):
    row = next(r for r in results(client.get("/api/v1/communities/", {"name": "阳光"})) if r["id"] == geo.a.id)
    assert (row["street_id"], row["street_name"]) == (geo.street.id, "江滨街道")
    assert (row["district_id"], row["district_name"]) == (geo.district.id, "临江区")
    assert "polygon" not in row
    detail = client.get(f"/api/v1/communities/{geo.a.id}/").data
    assert detail["polygon"] == geo.a.polygon


def test_grid_shows_the_workers_name_but_never_their_phone(client, geo):
    worker = f.UserFactory(name="王网格", phone="13912345678")
    geo.a1.grid_worker = worker
    geo.a1.save()
    detail = client.get(f"/api/v1/grids/{geo.a1.id}/").data
    assert detail["grid_worker_name"] == "王网格"
    assert (detail["community_id"], detail["community_name"]) == (geo.a.id, "阳光社区")
    assert (detail["street_id"], detail["district_id"]) == (geo.street.id, geo.district.id)
    assert detail["polygon"] == geo.a1.polygon
    assert "13912345678" not in str(detail)
    assert "13912345678" not in str(client.get("/api/v1/grids/", {"page_size": 200}).data)
    assert client.get(f"/api/v1/grids/{geo.a2.id}/").data["grid_worker_name"] is None


def test_unknown_place_is_404(client, geo):
    missing = max(geo.c1.id, geo.b1.id, geo.a3.id) + 1000
    response = client.get(f"/api/v1/grids/{missing}/")
    assert response.status_code == 404
    assert response.data["code"] == "not_found"


def test_places_api_is_read_only(client, geo):
    assert client.post("/api/v1/districts/", {"name": "x"}).status_code == 405
    assert client.patch(f"/api/v1/grids/{geo.a1.id}/", {"name": "x"}).status_code == 405
    assert client.delete(f"/api/v1/communities/{geo.a.id}/").status_code == 405


# --- filters ---


def test_streets_filter_by_district(client, world, geo):
    assert ids(client.get("/api/v1/streets/", {"district": geo.district.id})) == {geo.street.id, geo.other_street.id}
    assert ids(client.get("/api/v1/streets/", {"district": world.street.district_id})) == {world.street.id}


def test_communities_filter_by_street_district_and_name(client, geo):
    assert ids(client.get("/api/v1/communities/", {"street": geo.street.id})) == {geo.a.id, geo.b.id}
    assert ids(client.get("/api/v1/communities/", {"district": geo.district.id})) == {
        geo.a.id,
        geo.b.id,
        geo.c.id,
        geo.d.id,
    }
    assert ids(client.get("/api/v1/communities/", {"name": "东湖"})) == {geo.b.id}
    both = {"district": geo.district.id, "street": geo.other_street.id, "name": "临江"}
    assert ids(client.get("/api/v1/communities/", both)) == {geo.c.id}


def test_grids_filter_by_community_street_and_district(client, world, geo):
    assert ids(client.get("/api/v1/grids/", {"community": geo.a.id})) == {geo.a1.id, geo.a2.id, geo.a3.id}
    assert ids(client.get("/api/v1/grids/", {"street": geo.street.id})) == {geo.a1.id, geo.a2.id, geo.a3.id, geo.b1.id}
    assert ids(client.get("/api/v1/grids/", {"district": world.street.district_id})) == {world.grid.id}


def test_filtering_by_a_nonexistent_id_gives_an_empty_list(client, geo):
    missing = geo.a.id + geo.b.id + geo.c.id + geo.d.id + 1000
    assert ids(client.get("/api/v1/grids/", {"community": missing})) == set()


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/streets/", {"district": "abc"}),
        ("/api/v1/communities/", {"street": "1.5"}),
        ("/api/v1/communities/", {"district": "x"}),
        ("/api/v1/grids/", {"community": "one"}),
        ("/api/v1/grids/", {"street": "[1]"}),
        ("/api/v1/communities/", {"name": "长" * 101}),
    ],
)
def test_bad_filter_values_are_400_not_an_unfiltered_list(client, geo, url, params):
    response = client.get(url, params)
    assert response.status_code == 400
    assert response.data["code"] == "invalid_input"


# --- query counts ---


@pytest.mark.parametrize("url", ["/api/v1/districts/", "/api/v1/streets/", "/api/v1/communities/", "/api/v1/grids/"])
def test_list_endpoints_do_not_grow_queries_with_rows(client, geo, url, django_assert_max_num_queries):
    for _ in range(12):
        community = f.CommunityFactory(street=f.StreetFactory())
        f.GridFactory(community=community, grid_worker=f.UserFactory())
    with django_assert_max_num_queries(2):
        response = client.get(url, {"page_size": 100})
    assert len(results(response)) >= 12


# --- geocode preview ---


def test_geocode_by_address_returns_the_preview(client, geo):
    response = client.get("/api/v1/geocode/", {"address": "临江区江滨街道阳光花园3幢"})
    assert response.status_code == 200
    assert response.data == {
        "latitude": geo.compound.latitude,
        "longitude": geo.compound.longitude,
        "community": {"id": geo.a.id, "name": "阳光社区"},
        "grid": {"id": geo.a1.id, "name": "第一网格"},
        "matched_name": "阳光花园",
    }


def test_geocode_by_point_converts_the_client_system(client, geo):
    wgs = (29.009, 119.009)
    gcj = coords.wgs84_to_gcj02(*wgs)
    response = client.get("/api/v1/geocode/", {"latitude": gcj[0], "longitude": gcj[1], "coord_system": "gcj02"})
    assert response.status_code == 200
    assert response.data["community"]["id"] == geo.a.id
    assert response.data["grid"]["id"] == geo.a3.id
    assert response.data["matched_name"] is None
    assert abs(response.data["latitude"] - wgs[0]) < 1e-5
    assert abs(response.data["longitude"] - wgs[1]) < 1e-5


def test_geocode_by_point_defaults_to_wgs84(client, geo):
    response = client.get("/api/v1/geocode/", {"latitude": 29.2, "longitude": 119.2})
    assert response.status_code == 200
    assert response.data["community"] == {"id": geo.d.id, "name": "新建社区"}
    assert response.data["grid"] is None


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"address": ""}, "address_required"),
        ({"address": "   "}, "address_required"),
        ({"address": "火星基地1号"}, "address_not_found"),
        ({"latitude": 29.5, "longitude": 119.5}, "address_outside_service_area"),
        ({"latitude": 95, "longitude": 119.0}, "invalid_coordinates"),
        ({"latitude": 29.0, "longitude": -200}, "invalid_coordinates"),
    ],
)
def test_geocode_domain_errors_are_422_with_stable_codes(client, geo, params, code):
    counts = (Registration.objects.count(), geo.a.grids.count())
    response = client.get("/api/v1/geocode/", params)
    assert response.status_code == 422
    assert response.data["code"] == code
    assert (Registration.objects.count(), geo.a.grids.count()) == counts


def test_geocode_error_detail_is_the_message_constant(client, geo):
    # override() restores the language afterwards, which LocaleMiddleware alone would leave switched.
    with translation.override("en"):
        response = client.get("/api/v1/geocode/", {"address": "火星基地1号"}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.data["detail"] == str(ADDRESS_NOT_FOUND)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"latitude": 29.0},
        {"longitude": 119.0},
        {"latitude": "north", "longitude": 119.0},
        {"latitude": 29.0, "longitude": 119.0, "coord_system": "mercator"},
        {"address": "长" * 201},
    ],
)
def test_geocode_missing_or_malformed_params_are_400(client, geo, params):
    response = client.get("/api/v1/geocode/", params)
    assert response.status_code == 400
    assert response.data["code"] == "invalid_input"


def test_geocode_when_the_geocoder_is_down_is_503(client, geo, settings, monkeypatch):
    settings.GEOCODER = "nominatim"

    def down(self, query, **kwargs):
        raise GeocoderUnavailable("connection refused")

    monkeypatch.setattr(Nominatim, "geocode", down)
    response = client.get("/api/v1/geocode/", {"address": "阳光花园"})
    assert response.status_code == 503
    assert response.data["code"] == "geocoder_unavailable"


def test_geocode_schema_documents_its_parameters_and_response():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/geocode/"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "address",
        "latitude",
        "longitude",
        "coord_system",
        "residence",
    }
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][body]["properties"]) == {
        "latitude",
        "longitude",
        "community",
        "grid",
        "matched_name",
    }
    grid_params = {p["name"] for p in schema["paths"]["/api/v1/grids/"]["get"]["parameters"]}
    assert {"community", "street", "district"} <= grid_params
