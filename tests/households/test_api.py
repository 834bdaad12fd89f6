"""The household pairing API as a user would use it: what each role reads (masked for the paired member), writes
through the services, and errors in the one shape."""

import pytest
from django.utils import timezone

from apps.households.models import Household, HouseholdVisit
from tests.households.conftest import visit_times

pytestmark = pytest.mark.django_db


def test_staff_record_a_household_and_without_consent_it_is_422(world, make_client):
    client = make_client(world.staff)
    body = {
        "community": world.community.pk,
        "head_name": "王奶奶",
        "address": "幸福小区1栋",
        "situation": "elderly_alone",
        "consent_on": None,
    }
    response = client.post("/api/v1/households/", body, format="json")
    assert response.status_code == 422 and response.json()["code"] == "consent_required"
    assert not Household.objects.exists()
    body["consent_on"] = timezone.localdate().isoformat()
    response = client.post("/api/v1/households/", body, format="json")
    assert response.status_code == 201
    assert response.json()["head_name"] == "王奶奶" and response.json()["consent_by"] == world.staff.pk


def test_the_paired_member_reads_the_household_masked_and_others_get_404(world, make_client, pairing):
    household = pairing.household
    data = make_client(world.member.user).get(f"/api/v1/households/{household.pk}/").json()
    assert data["head_name"] == "张**" and data["address"] == household.address and "notes" not in data
    assert data["phone"] != household.phone
    assert make_client(world.staff).get(f"/api/v1/households/{household.pk}/").json()["phone"] == household.phone
    for who in ("other_member", "grid_worker", "street_admin", "reviewer"):
        assert make_client(world.user(who)).get(f"/api/v1/households/{household.pk}/").status_code == 404
    listed = make_client(world.member.user).get("/api/v1/households/").json()["results"]
    assert [h["id"] for h in listed] == [household.pk]


def test_pairing_a_member_of_another_community_is_422_and_writes_nothing(world, make_client, household):
    response = make_client(world.staff).post(
        "/api/v1/household-pairings/", {"household": household.pk, "member": world.other_member.pk}, format="json"
    )
    assert response.status_code == 422 and response.json()["code"] == "member_not_in_community"
    assert not household.pairings.exists()


def test_pairing_twice_is_409(world, make_client, pairing):
    response = make_client(world.staff).post(
        "/api/v1/household-pairings/", {"household": pairing.household_id, "member": world.member.pk}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "pairing_exists"


def test_the_member_registers_a_visit_and_ends_nothing(world, make_client, pairing):
    start, end = visit_times()
    client = make_client(world.member.user)
    body = {"started_at": start.isoformat(), "ended_at": end.isoformat(), "content": "陪老人聊天"}
    response = client.post(f"/api/v1/household-pairings/{pairing.pk}/visit/", body, format="json")
    assert response.status_code == 201 and response.json()["status"] == "pending"
    assert HouseholdVisit.objects.filter(pairing=pairing).count() == 1
    # The same time again overlaps the first visit: 409, nothing written.
    response = client.post(f"/api/v1/household-pairings/{pairing.pk}/visit/", body, format="json")
    assert response.status_code == 409 and response.json()["code"] == "service_overlaps"
    assert HouseholdVisit.objects.filter(pairing=pairing).count() == 1
    assert client.post(f"/api/v1/household-pairings/{pairing.pk}/end/", {"reason": "x"}).status_code == 403
    listed = client.get("/api/v1/household-pairings/").json()["results"]
    assert listed[0]["last_visit_at"] is not None


def test_staff_end_a_pairing_and_close_a_household(world, make_client, pairing):
    client = make_client(world.staff)
    response = client.post(f"/api/v1/household-pairings/{pairing.pk}/end/", {"reason": "期满"}, format="json")
    assert response.status_code == 200 and response.json()["ended_on"] == timezone.localdate().isoformat()
    response = client.post(f"/api/v1/households/{pairing.household_id}/close/", {"reason": "搬走"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    response = client.patch(f"/api/v1/households/{pairing.household_id}/", {"notes": "x"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "household_closed"


def test_the_schema_documents_the_routes():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert "/api/v1/households/" in paths and "/api/v1/household-pairings/{id}/visit/" in paths
    assert paths["/api/v1/household-pairings/{id}/visit/"]["post"]["description"]
