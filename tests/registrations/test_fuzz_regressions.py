"""Regressions found by the schema fuzzer: the registrations lists answer in the shape the schema documents."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi():
    return SchemaGenerator().get_schema(request=None, public=True)


def documented(openapi, path):
    return openapi["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]


def test_members_without_a_post_are_a_paginated_list_as_documented(openapi, make_client, world):
    assert documented(openapi, "/api/v1/registrations/without-post/") == {
        "$ref": "#/components/schemas/PaginatedRegistrationOutputList"
    }
    registration = f.RegistrationFactory(member=world.member, grid=world.grid)
    body = make_client(world.staff).get("/api/v1/registrations/without-post/").json()
    assert body["count"] == 1
    assert [row["id"] for row in body["results"]] == [registration.pk]


def test_my_registrations_are_a_plain_list_as_documented(openapi, make_client, world):
    assert documented(openapi, "/api/v1/registrations/mine/") == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/RegistrationOutput"},
    }
    registration = f.RegistrationFactory(member=world.member, grid=world.grid)
    body = make_client(world.member.user).get("/api/v1/registrations/mine/").json()
    assert [row["id"] for row in body] == [registration.pk]
