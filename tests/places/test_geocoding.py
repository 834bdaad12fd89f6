"""The offline gazetteer geocoder, geocoder selection and placing a point or an address in a community and grid."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from geopy.distance import geodesic
from geopy.exc import GeocoderServiceError, GeocoderTimedOut
from geopy.geocoders import BaiduV3, Nominatim
from geopy.location import Location

from apps.core.errors import Invalid
from apps.places import coords, errors, geocoding
from apps.places.geocoding import GazetteerGeocoder, resolve_address, resolve_point
from apps.places.models import Community, GazetteerEntry, Grid
from apps.registrations.models import Registration

pytestmark = pytest.mark.django_db


def geocode(address, **kwargs):
    return GazetteerGeocoder().geocode(address, **kwargs)


# --- the gazetteer geocoder ---


def test_gazetteer_geocoder_returns_a_geopy_location_saying_what_matched(geo):
    location = geocode("阳光花园3幢101室")
    assert isinstance(location, Location)
    assert (location.latitude, location.longitude) == (geo.compound.latitude, geo.compound.longitude)
    assert location.address == "阳光花园"
    assert location.raw["source"] == "gazetteer"
    assert location.raw["id"] == geo.compound.id
    assert location.raw["community_id"] == geo.a.id


def test_gazetteer_geocoder_strips_province_city_and_district_prefixes_and_full_width_forms(geo):
    # "临江" (临江社区 without 社区) sits inside the district name and must not be read as that community.
    location = geocode("浙江省临江市临江区　江滨街道　阳光花园３幢１０１室")
    assert location.raw["id"] == geo.compound.id
    assert location.raw["query"] == "浙江省临江市临江区江滨街道阳光花园3幢101室"
    assert all(loc.raw["source"] != "community" for loc in geocode("临江区江滨街道阳光花园", exactly_one=False))


def test_a_district_named_after_the_place_is_not_taken_for_a_prefix(geo):
    assert geocode("阳光花园(临江区)").raw["id"] == geo.compound.id
    # ... and "临江" inside it still is no mention of 临江社区.
    assert all(loc.raw["source"] != "community" for loc in geocode("阳光花园(临江区)", exactly_one=False))
    assert geocode("临江州临江区阳光花园").raw["id"] == geo.compound.id


def test_long_adversarial_addresses_stay_cheap(geo):
    assert geocode("州" * 190 + "火星") is None
    assert geocode("临江区" * 60) is None


def test_compound_beats_grid_which_beats_community_which_beats_street(geo):
    assert geocode("江滨街道阳光社区第一网格阳光花园").raw["source"] == "gazetteer"
    grid = geocode("江滨街道阳光社区第一网格")
    assert (grid.raw["source"], grid.raw["grid_id"]) == ("grid", geo.a1.id)
    community = geocode("江滨街道东湖社区")
    assert (community.raw["source"], community.raw["id"]) == ("community", geo.b.id)
    street = geocode("江滨街道88号")
    assert (street.raw["source"], street.raw["id"]) == ("street", geo.street.id)


def test_community_matches_with_or_without_the_trailing_shequ(geo):
    assert geocode("东湖社区12号").raw["id"] == geo.b.id
    assert geocode("东湖12号").raw["id"] == geo.b.id


def test_a_name_inside_a_longer_match_does_not_count(geo):
    # "阳光" (阳光社区 without 社区) is only part of the road name 阳光路.
    location = geocode("阳光路88号")
    assert (location.raw["source"], location.raw["id"]) == ("gazetteer", geo.road.id)
    assert all(loc.raw["source"] != "community" for loc in geocode("阳光路88号", exactly_one=False))


def test_a_named_community_beats_a_road(geo):
    location = geocode("东湖社区阳光路88号")
    assert (location.raw["source"], location.raw["id"]) == ("community", geo.b.id)


def test_same_named_grids_are_told_apart_by_the_community_or_not_matched_at_all(geo):
    assert geocode("临江社区第一网格").raw["grid_id"] == geo.c1.id
    assert geocode("阳光社区第一网格").raw["grid_id"] == geo.a1.id
    assert geocode("第一网格") is None


def test_unknown_or_blank_address_geocodes_to_none(geo):
    assert geocode("火星基地1号") is None
    assert geocode("   ") is None
    assert geocode("临江区") is None  # a district alone is no place to live


def test_exactly_one_false_lists_candidates_best_first(geo):
    locations = geocode("江滨街道阳光社区第一网格阳光花园", exactly_one=False)
    assert [loc.raw["source"] for loc in locations] == ["gazetteer", "grid", "community", "street"]


def test_gazetteer_geocoder_runs_at_most_one_query_per_table(geo, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        geocode("浙江省临江市临江区江滨街道阳光社区第一网格阳光花园3幢")


ADDRESSES = [
    "阳光花园3幢101室",
    "浙江省临江市临江区　江滨街道　阳光花园３幢１０１室",
    "阳光花园(临江区)",
    "临江州临江区阳光花园",
    "江滨街道阳光社区第一网格阳光花园",
    "江滨街道阳光社区第一网格",
    "江滨街道东湖社区",
    "东湖3号",
    "阳光路88号",
    "临江社区第一网格5号",
    "远郊小区",
    "山外山庄8号",
    "火星基地1号",
    "临江区" * 20,
]
POINTS = [(29.0025, 119.0025), (29.009, 119.009), (29.105, 119.1), (29.2, 119.2), (29.005, 119.0), (30.0, 121.0)]


def _answer(call):
    try:
        return call()
    except Invalid as error:
        return error.code


def test_a_snapshot_of_the_places_answers_as_the_database_does_without_a_query_an_address(
    geo, django_assert_num_queries
):
    Community.objects.filter(pk=geo.c.pk).update(polygon={"type": "nonsense"})
    with django_assert_num_queries(5):  # one a table
        places = geocoding.PlacesSnapshot()
    snapshot_geocoder = GazetteerGeocoder(user_agent="test", places=places)

    def placed(result):
        return (result.community, result.grid, result.latitude, result.longitude, result.matched_name)

    with django_assert_num_queries(0):
        from_snapshot = [
            [_answer(lambda a=a: [loc.raw for loc in snapshot_geocoder.geocode(a, exactly_one=False) or []])]
            + [_answer(lambda a=a: placed(resolve_address(a, geocoder=snapshot_geocoder, places=places)))]
            for a in ADDRESSES
        ] + [_answer(lambda p=p: resolve_point(*p, places=places)) for p in POINTS]
    from_database = [
        [_answer(lambda a=a: [loc.raw for loc in geocode(a, exactly_one=False) or []])]
        + [_answer(lambda a=a: placed(resolve_address(a)))]
        for a in ADDRESSES
    ] + [_answer(lambda p=p: resolve_point(*p)) for p in POINTS]
    assert from_snapshot == from_database
    # The list holds real answers, not only errors.
    assert from_database[0][1][:2] == (geo.a, geo.a1)
    assert from_database[-1] == "address_outside_service_area"


# --- placing a point ---


def test_point_inside_a_grid_boundary_goes_to_that_grid_even_when_another_centre_is_nearer(geo):
    point = (geo.compound.latitude, geo.compound.longitude)
    assert geodesic(point, (geo.a2.latitude, geo.a2.longitude)) < geodesic(point, (geo.a1.latitude, geo.a1.longitude))
    assert resolve_point(*point) == (geo.a, geo.a1)


def test_point_in_a_community_but_no_grid_boundary_goes_to_the_nearest_grid_of_that_community(geo):
    point = (29.009, 119.009)
    # B1 (another community) is the nearest centre overall; the community boundary wins.
    nearest_overall = min(Grid.objects.all(), key=lambda g: geodesic(point, (g.latitude, g.longitude)).meters)
    assert nearest_overall == geo.b1
    assert resolve_point(*point) == (geo.a, geo.a3)


def test_point_near_a_grid_centre_without_boundaries_goes_to_it(geo, settings):
    settings.PLACES_MATCH_RADIUS_M = 1500
    assert resolve_point(29.105, 119.1) == (geo.c, geo.c1)  # about 550 m away


def test_point_beyond_the_match_radius_is_outside_the_service_area(geo, settings):
    settings.PLACES_MATCH_RADIUS_M = 500
    with pytest.raises(Invalid) as exc:
        resolve_point(29.105, 119.1)
    assert exc.value.code == "address_outside_service_area"
    assert exc.value.message == errors.ADDRESS_OUTSIDE_SERVICE_AREA


def test_point_inside_a_community_without_grids_gets_the_community_and_no_grid(geo):
    assert resolve_point(29.2, 119.2) == (geo.d, None)


def test_point_on_a_shared_boundary_edge_is_placed(geo):
    community, grid = resolve_point(29.005, 119.0)
    assert (community, grid) == (geo.a, geo.a1)


def test_resolve_point_is_cheap(geo, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        resolve_point(geo.compound.latitude, geo.compound.longitude)
    with django_assert_max_num_queries(2):
        resolve_point(29.105, 119.1)


def test_malformed_boundaries_are_ignored_not_fatal(geo):
    Grid.objects.filter(pk=geo.a2.pk).update(polygon=[[1, 2], "x"])
    Community.objects.filter(pk=geo.c.pk).update(polygon={"type": "nonsense"})
    assert resolve_point(geo.compound.latitude, geo.compound.longitude) == (geo.a, geo.a1)
    assert resolve_point(29.105, 119.1) == (geo.c, geo.c1)


def test_resolve_point_rejects_invalid_coordinates(geo):
    with pytest.raises(Invalid) as exc:
        resolve_point(float("nan"), 119.0)
    assert exc.value.code == "invalid_coordinates"


# --- resolving an address ---


def test_address_naming_a_compound_resolves_to_its_grid_by_boundary(geo):
    result = resolve_address("临江区江滨街道阳光花园3幢2单元")
    assert (result.community, result.grid) == (geo.a, geo.a1)
    assert (result.latitude, result.longitude) == (geo.compound.latitude, geo.compound.longitude)
    assert result.matched_name == "阳光花园"


def test_address_without_a_boundary_match_goes_to_the_nearest_grid_in_its_community(geo):
    result = resolve_address("阳光路88号")
    assert (result.community, result.grid) == (geo.a, geo.a3)


def test_address_naming_a_grid_resolves_to_that_grid(geo):
    result = resolve_address("临江社区第一网格5号")
    assert (result.community, result.grid) == (geo.c, geo.c1)


def test_address_naming_a_community_outside_any_boundary_stays_in_that_community(geo, settings):
    settings.PLACES_MATCH_RADIUS_M = 10
    GazetteerEntry.objects.create(name="远郊小区", latitude=29.3, longitude=119.3, community=geo.c)
    result = resolve_address("远郊小区")
    assert (result.community, result.grid) == (geo.c, geo.c1)


def test_address_outside_every_community_is_rejected_and_writes_nothing(geo):
    GazetteerEntry.objects.create(name="山外山庄", latitude=29.5, longitude=119.5)
    counts = (Registration.objects.count(), GazetteerEntry.objects.count(), Grid.objects.count())
    with pytest.raises(Invalid) as exc:
        resolve_address("山外山庄8号")
    assert exc.value.code == "address_outside_service_area"
    assert (Registration.objects.count(), GazetteerEntry.objects.count(), Grid.objects.count()) == counts


@pytest.mark.parametrize("address", ["", "   ", "\u3000", None])
def test_empty_address_is_address_required(geo, address):
    with pytest.raises(Invalid) as exc:
        resolve_address(address)
    assert exc.value.code == "address_required"
    assert exc.value.message == errors.ADDRESS_REQUIRED


def test_unknown_address_is_address_not_found(geo):
    with pytest.raises(Invalid) as exc:
        resolve_address("火星基地1号")
    assert exc.value.code == "address_not_found"
    assert exc.value.message == errors.ADDRESS_NOT_FOUND


def test_resolve_address_query_count_is_bounded(geo, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        resolve_address("临江区江滨街道阳光花园3幢")


def test_geocoder_network_failure_is_geocoder_unavailable_503(geo, settings, monkeypatch):
    settings.GEOCODER = "nominatim"

    def time_out(self, query, **kwargs):
        raise GeocoderTimedOut("too slow")

    monkeypatch.setattr(Nominatim, "geocode", time_out)
    with pytest.raises(errors.GeocodingUnavailable) as exc:
        resolve_address("阳光花园")
    assert (exc.value.code, exc.value.status_code) == ("geocoder_unavailable", 503)


def test_resolve_coordinates_converts_the_client_system_first(geo):
    wgs = (geo.compound.latitude, geo.compound.longitude)
    bd = coords.wgs84_to_bd09(*wgs)
    result = geocoding.resolve_coordinates(latitude=bd[0], longitude=bd[1], coord_system="bd09")
    assert geodesic((result.latitude, result.longitude), wgs).meters < 1
    assert (result.community, result.grid, result.matched_name) == (geo.a, geo.a1, None)


# --- choosing the geocoder ---


def test_default_geocoder_is_the_offline_gazetteer(settings):
    del settings.GEOCODER
    assert isinstance(geocoding.get_geocoder(), GazetteerGeocoder)
    settings.GEOCODER = "gazetteer"
    assert isinstance(geocoding.get_geocoder(), GazetteerGeocoder)


def test_nominatim_is_chosen_by_setting_with_our_user_agent_and_domain(geo, settings, monkeypatch):
    settings.GEOCODER = "nominatim"
    settings.GEOCODER_USER_AGENT = "dr-test-agent"
    settings.NOMINATIM_DOMAIN = "nominatim.example.org"
    geocoder = geocoding.get_geocoder()
    assert isinstance(geocoder, Nominatim)
    assert geocoder.headers["User-Agent"] == "dr-test-agent"
    assert geocoder.domain == "nominatim.example.org"

    asked = []

    def fake_geocode(self, query, **kwargs):
        asked.append(query)
        return Location("Sunshine Garden", (geo.compound.latitude, geo.compound.longitude), {"place_id": 1})

    monkeypatch.setattr(Nominatim, "geocode", fake_geocode)
    result = resolve_address("阳光花园")
    assert asked == ["阳光花园"]
    assert (result.community, result.grid, result.matched_name) == (geo.a, geo.a1, "Sunshine Garden")


def test_nominatim_hints_in_raw_are_not_trusted_as_our_ids(geo, settings, monkeypatch):
    settings.GEOCODER = "nominatim"
    raw = {"grid_id": geo.c1.id, "community_id": geo.c.id}

    def fake_geocode(self, query, **kwargs):
        return Location("x", (geo.compound.latitude, geo.compound.longitude), raw)

    monkeypatch.setattr(Nominatim, "geocode", fake_geocode)
    assert resolve_address("阳光花园").grid == geo.a1


def test_baidu_is_chosen_by_setting_and_its_bd09_answer_is_converted_to_wgs84(geo, settings, monkeypatch):
    settings.GEOCODER = "baidu"
    settings.BAIDU_API_KEY = "test-ak"
    geocoder = geocoding.get_geocoder()
    assert isinstance(geocoder, BaiduV3)
    assert geocoder.api_key == "test-ak"

    wgs = (geo.compound.latitude, geo.compound.longitude)
    bd = coords.wgs84_to_bd09(*wgs)

    def fake_geocode(self, query, **kwargs):
        return Location("阳光花园", bd, {"level": "门址"})

    monkeypatch.setattr(BaiduV3, "geocode", fake_geocode)
    result = resolve_address("阳光花园")
    assert geodesic((result.latitude, result.longitude), wgs).meters < 1
    assert geodesic(bd, wgs).meters > 500  # unconverted, the point would be far off
    assert (result.community, result.grid) == (geo.a, geo.a1)


def test_baidu_response_parsing_path_is_converted_too(geo, settings, monkeypatch):
    settings.GEOCODER = "baidu"
    settings.BAIDU_API_KEY = "test-ak"
    wgs = (geo.compound.latitude, geo.compound.longitude)
    bd_lat, bd_lng = coords.wgs84_to_bd09(*wgs)

    def fake_call(self, url, callback, *, timeout=None, **kwargs):
        assert "ak=test-ak" in url
        return callback({"status": 0, "result": {"location": {"lat": bd_lat, "lng": bd_lng}, "level": "门址"}})

    monkeypatch.setattr(BaiduV3, "_call_geocoder", fake_call)
    location = geocoding.get_geocoder().geocode("阳光花园")
    assert geodesic((location.latitude, location.longitude), wgs).meters < 1
    assert location.raw["bd09"] == {"lat": bd_lat, "lng": bd_lng}


def test_baidu_errors_become_geocoder_unavailable(geo, settings, monkeypatch):
    settings.GEOCODER = "baidu"
    settings.BAIDU_API_KEY = "test-ak"

    def fail(self, url, callback, **kwargs):
        return callback({"status": 1})

    monkeypatch.setattr(BaiduV3, "_call_geocoder", fail)
    with pytest.raises(errors.GeocodingUnavailable):
        resolve_address("阳光花园")


def test_baidu_without_a_key_is_improperly_configured(settings):
    settings.GEOCODER = "baidu"
    settings.BAIDU_API_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        geocoding.get_geocoder()


def test_unknown_geocoder_setting_is_improperly_configured(settings):
    settings.GEOCODER = "google"
    with pytest.raises(ImproperlyConfigured):
        geocoding.get_geocoder()


def test_geocoder_service_errors_are_distinguished_from_not_found(geo, settings, monkeypatch):
    settings.GEOCODER = "nominatim"
    monkeypatch.setattr(Nominatim, "geocode", lambda self, query, **kw: None)
    with pytest.raises(Invalid) as exc:
        resolve_address("阳光花园")
    assert exc.value.code == "address_not_found"

    def down(self, query, **kwargs):
        raise GeocoderServiceError("502")

    monkeypatch.setattr(Nominatim, "geocode", down)
    with pytest.raises(errors.GeocodingUnavailable):
        resolve_address("阳光花园")
