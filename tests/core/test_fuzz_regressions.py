"""Regressions found by the schema fuzzer (tests/security/test_schema_fuzz.py) in what every app shares."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.core.api.schema import COMMON_ERRORS, ERROR_COMPONENT, WRITE_ERRORS
from apps.ledger.models import ServiceRecord
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}


@pytest.fixture(scope="module")
def openapi():
    return SchemaGenerator().get_schema(request=None, public=True)


def error_schema(operation, status):
    return operation["responses"][status]["content"]["application/json"]["schema"]


def test_every_operation_documents_the_error_statuses_in_the_one_error_shape(openapi):
    assert openapi["components"]["schemas"][ERROR_COMPONENT]["required"] == ["code", "detail"]
    operations = [(m, op) for ops in openapi["paths"].values() for m, op in ops.items() if "responses" in op]
    assert len(operations) > 100
    for method, operation in operations:
        for status in COMMON_ERRORS:
            assert status in operation["responses"], (method, operation["operationId"], status)
        for status in WRITE_ERRORS:
            assert (status in operation["responses"]) == (method != "get"), (method, operation["operationId"])


def test_a_documented_error_refers_to_the_error_component_unless_the_view_documents_its_own(openapi):
    claim = openapi["paths"]["/api/v1/wishes/{id}/claim/"]["post"]
    assert error_schema(claim, "409") == ERROR_REF
    assert error_schema(claim, "404") == ERROR_REF
    # The geocoder documents its own 422 and 503: the hook does not overwrite them.
    geocode = openapi["paths"]["/api/v1/geocode/"]["get"]
    assert error_schema(geocode, "422") == {"$ref": "#/components/schemas/PlacesError"}
    assert error_schema(geocode, "503") == {"$ref": "#/components/schemas/PlacesError"}


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**30])
def test_an_id_filter_beyond_a_64_bit_key_is_a_400_not_a_server_error(make_client, world, value):
    response = make_client(world.superuser).get("/api/v1/registrations/", {"community": value})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert "community" in response.json()["fields"]


def test_an_id_filter_at_the_largest_key_still_filters_to_nothing(make_client, world):
    response = make_client(world.superuser).get("/api/v1/registrations/", {"community": 2**63 - 1})
    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize(
    "value", ["0565-10-11T21:12:35+15:32", "1899-12-31T09:00:00+08:00", "2100-01-01T09:00:00+08:00"]
)
def test_a_datetime_outside_the_platforms_years_is_a_400_naming_the_field(world, value):
    """Found by the fuzzer: a deadline in the year 565 was stored and read back with Shanghai's local mean time
    (+08:05:43), an offset no RFC 3339 date-time can carry."""
    response = client_for(world.staff).post(
        "/api/v1/service-records/",
        {
            "member": world.member.pk,
            "community": world.community.pk,
            "category": "care_visit",
            "content": "入户走访",
            "started_at": value,
            "ended_at": "2026-03-02T10:00:00+08:00",
            "credited_minutes": 30,
            "reason": "补录",
        },
        format="json",
    )
    body = response.json()
    assert (response.status_code, body["code"], list(body["fields"])) == (400, "invalid_input", ["started_at"])
    assert not ServiceRecord.objects.exists()
