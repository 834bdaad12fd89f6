"""Regressions found by the schema fuzzer (tests/security/test_schema_fuzz.py) in what every app shares."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.core.api.schema import COMMON_ERRORS, ERROR_COMPONENT, WRITE_ERRORS

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
