"""Regressions found by the schema fuzzer: names of people who may be absent are documented as nullable."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def components():
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("RecordOutput", "recorded_by_name"),
        ("RecordOutput", "decided_by_name"),
        ("RecordDetailOutput", "recorded_by_name"),
        ("AuditEntryOutput", "actor_name"),
    ],
)
def test_absent_people_are_documented_as_null(components, component, field):
    assert components[component]["properties"][field]["nullable"] is True


def test_a_pending_record_nobody_recorded_answers_null_names(make_client, make_record, world):
    record = make_record()
    row = make_client(world.staff).get(f"/api/v1/service-records/{record.pk}/").json()
    assert row["recorded_by_name"] is None
    assert row["decided_by_name"] is None
