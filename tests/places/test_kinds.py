"""Kinds of place (residential community, village, enterprise, other): members register only where they live."""

import pytest

from apps.core.errors import Forbidden, Invalid
from apps.ledger.models import AuditEntry
from apps.places import services
from apps.places.geocoding import resolve_address, resolve_point
from apps.places.models import RESIDENTIAL_KINDS, Community, CommunityKind
from apps.registrations.services import registration_submit
from tests import factories as f

pytestmark = pytest.mark.django_db

# Inside community a's boundary and its first grid's (tests/places/conftest.py); b's grid is about a kilometre away.
IN_A = (29.0008, 119.0045)


def _make(community, kind):
    Community.objects.filter(pk=community.pk).update(kind=kind)


def test_a_new_community_is_a_residential_community(geo):
    assert geo.a.kind == CommunityKind.RESIDENTIAL


def test_any_place_matches_any_kind_but_a_residence_only_residential_communities_and_villages(geo):
    _make(geo.a, CommunityKind.ENTERPRISE)

    assert resolve_point(*IN_A)[0] == geo.a  # an activity or a wish may be in an enterprise
    assert resolve_point(*IN_A, kinds=RESIDENTIAL_KINDS)[0] == geo.b  # a member lives in the nearest residence

    _make(geo.a, CommunityKind.VILLAGE)
    assert resolve_point(*IN_A, kinds=RESIDENTIAL_KINDS) == (geo.a, geo.a1)


def test_an_address_named_in_an_enterprise_is_not_where_a_member_lives(geo):
    _make(geo.a, CommunityKind.ENTERPRISE)
    _make(geo.b, CommunityKind.OTHER)

    assert resolve_address("阳光花园3幢101室").community == geo.a
    with pytest.raises(Invalid) as exc:
        resolve_address("阳光花园3幢101室", kinds=RESIDENTIAL_KINDS)
    assert exc.value.code == "address_outside_service_area"


def test_registration_matches_a_residential_community_not_the_enterprise_covering_the_point(geo):
    _make(geo.a, CommunityKind.ENTERPRISE)
    member = f.MemberFactory()

    registration = registration_submit(member=member, address="园区宿舍", latitude=IN_A[0], longitude=IN_A[1])

    assert registration.community == geo.b


def test_registration_by_address_in_an_enterprise_only_is_refused(geo):
    for community in (geo.a, geo.b):
        _make(community, CommunityKind.ENTERPRISE)
    with pytest.raises(Invalid) as exc:
        registration_submit(member=f.MemberFactory(), address="阳光花园3幢101室")
    assert exc.value.code == "address_outside_service_area"


def test_geocode_api_matches_residences_only_when_asked(geo, api):
    _make(geo.a, CommunityKind.ENTERPRISE)
    api.force_authenticate(f.UserFactory())
    query = {"latitude": IN_A[0], "longitude": IN_A[1]}

    assert api.get("/api/v1/geocode/", query).json()["community"]["id"] == geo.a.pk
    assert api.get("/api/v1/geocode/", {**query, "residence": "true"}).json()["community"]["id"] == geo.b.pk


def test_community_list_shows_and_filters_the_kind(geo, api):
    _make(geo.c, CommunityKind.VILLAGE)
    api.force_authenticate(f.UserFactory())

    body = api.get("/api/v1/communities/", {"kind": "village"}).json()

    rows = body["results"] if isinstance(body, dict) else body
    assert [(r["id"], r["kind"]) for r in rows] == [(geo.c.pk, "village")]
    assert api.get("/api/v1/communities/", {"kind": "castle"}).status_code == 400


def test_street_admin_sets_a_community_kind_audited(world):
    community = services.community_set_kind(community=world.community, kind="enterprise", actor=world.street_admin)

    assert Community.objects.get(pk=community.pk).kind == CommunityKind.ENTERPRISE
    entry = AuditEntry.objects.get(action="place_update")
    assert (entry.before, entry.after) == ({"kind": "residential"}, {"kind": "enterprise"})


def test_only_whoever_manages_the_street_sets_the_kind_and_only_to_a_known_kind(world):
    with pytest.raises(Forbidden):
        services.community_set_kind(community=world.other_community, kind="village", actor=world.street_admin)
    with pytest.raises(Invalid) as exc:
        services.community_set_kind(community=world.community, kind="castle", actor=world.street_admin)
    assert exc.value.code == "place_kind_invalid"
    assert Community.objects.get(pk=world.community.pk).kind == CommunityKind.RESIDENTIAL
