"""Regressions found by the schema fuzzer: the attendance sheet and sign-ups answer as the schema documents."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db
BLANK = {"$ref": "#/components/schemas/BlankEnum"}


@pytest.fixture(scope="module")
def openapi():
    return SchemaGenerator().get_schema(request=None, public=True)


def props(openapi, component):
    return openapi["components"]["schemas"][component]["properties"]


def test_the_attendance_sheet_is_documented_as_the_object_it_is(openapi, make_client, world, activity, signup):
    response = openapi["paths"]["/api/v1/activities/{id}/attendance/"]["get"]["responses"]["200"]
    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/AttendanceSheetOutput"}
    assert set(props(openapi, "AttendanceSheetOutput")) == {"activity", "rows", "totals"}
    body = make_client(world.staff).get(f"/api/v1/activities/{activity.pk}/attendance/").json()
    assert body["activity"]["id"] == activity.pk
    assert [row["id"] for row in body["rows"]] == [signup.pk]
    assert (
        set(body["totals"])
        == set(props(openapi, "AttendanceSheetTotals"))
        == {"signups", "checked_in", "credited_minutes"}
    )


def test_blank_check_in_method_and_attendance_are_documented_values(openapi, make_client, world, activity, signup):
    row = props(openapi, "AttendanceRow")
    assert BLANK in row["checkin_method"]["oneOf"]
    assert BLANK in row["attendance"]["oneOf"]
    assert BLANK in props(openapi, "SignUpHours")["attendance"]["oneOf"]
    body = make_client(world.staff).get(f"/api/v1/activities/{activity.pk}/attendance/").json()
    assert body["rows"][0]["attendance"] == ""


@pytest.mark.parametrize(
    "field", ["promoted_at", "cancelled_at", "checked_in_at", "checked_out_at", "checkin_distance_m"]
)
def test_sign_up_times_not_reached_yet_are_documented_as_null(openapi, field):
    assert props(openapi, "SignUpOutput")[field]["nullable"] is True


def test_a_sign_up_answers_null_for_what_has_not_happened(make_client, world, activity, signup):
    body = make_client(world.member.user).get(f"/api/v1/signups/{signup.pk}/").json()
    assert body["promoted_at"] is None
    assert body["cancelled_at"] is None
    assert body["checkin_distance_m"] is None
