"""Every free text of the ledger has a limit, and every way in enforces it: the models, the audit trail, the API's
input serializers (400 naming the field, documented in the schema) and the services (422 with a stable code)."""

import pytest
from django.apps import apps
from django.db import models

from apps.core.errors import Invalid
from apps.ledger import services
from apps.ledger.models import AuditEntry, RecordStatus, ServiceRecord
from tests.ledger.conftest import DAY
from tests.ledger.test_api import LIST, detail, manual_payload

pytestmark = pytest.mark.django_db

REASON_MAX = ServiceRecord._meta.get_field("decision_reason").max_length


def test_no_ledger_model_has_unbounded_text():
    for model in apps.get_app_config("ledger").get_models():
        for field in model._meta.get_fields():
            assert not isinstance(field, models.TextField), f"{model.__name__}.{field.name} has no maximum length"
            if isinstance(field, models.CharField):
                assert field.max_length, f"{model.__name__}.{field.name}"


def test_the_audit_trail_refuses_a_reason_longer_than_its_column_and_writes_nothing(world):
    limit = AuditEntry._meta.get_field("reason").max_length
    assert limit >= REASON_MAX  # every reason a service accepts fits
    before = AuditEntry.objects.count()
    with pytest.raises(Invalid) as caught:
        services.audit_log(actor=None, subject=world.community, action="rename", reason="长" * (limit + 1))
    assert caught.value.code == "reason_too_long"
    assert AuditEntry.objects.count() == before

    entry = services.audit_log(actor=None, subject=world.community, action="rename", reason="长" * limit)
    assert entry.reason == "长" * limit


@pytest.fixture
def pending(make_record):
    return make_record(start=DAY)


@pytest.mark.parametrize(
    ("verb", "body"),
    [
        ("reject", {"reason": "长" * (REASON_MAX + 1)}),
        ("amend", {"credited_minutes": 30, "residents_served": 0, "reason": "长" * (REASON_MAX + 1)}),
    ],
)
def test_api_decisions_refuse_an_overlong_reason_with_400_naming_it(world, pending, make_client, verb, body):
    if verb == "amend":
        services.record_approve(record=pending, actor=world.staff)
    before = AuditEntry.objects.count()

    response = make_client(world.staff).post(detail(pending, verb), body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert list(response.json()["fields"]) == ["reason"]
    assert AuditEntry.objects.count() == before
    assert ServiceRecord.objects.get(pk=pending.pk).status in (RecordStatus.PENDING, RecordStatus.APPROVED)


@pytest.mark.parametrize("field", ["reason", "content"])
def test_api_manual_entry_refuses_overlong_texts(world, make_client, field):
    limit = ServiceRecord._meta.get_field("content" if field == "content" else "decision_reason").max_length
    response = make_client(world.staff).post(LIST, manual_payload(world, **{field: "长" * (limit + 1)}), format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not ServiceRecord.objects.exists()


def test_a_reason_at_the_limit_is_accepted(world, pending, make_client):
    response = make_client(world.staff).post(detail(pending, "reject"), {"reason": "长" * REASON_MAX}, format="json")
    assert response.status_code == 200
    assert ServiceRecord.objects.get(pk=pending.pk).decision_reason == "长" * REASON_MAX


def test_the_schema_documents_the_limits(api):
    components = api.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert components["RejectInputRequest"]["properties"]["reason"]["maxLength"] == REASON_MAX
    assert components["AmendInputRequest"]["properties"]["reason"]["maxLength"] == REASON_MAX
    assert components["ManualRecordInputRequest"]["properties"]["reason"]["maxLength"] == REASON_MAX
    assert components["ManualRecordInputRequest"]["properties"]["content"]["maxLength"] == 200
    assert components["CertificateRevokeInputRequest"]["properties"]["reason"]["maxLength"] == 200


def _ledger_input_serializers():
    from apps.ledger.api import certificate_serializers, serializers

    for module in (serializers, certificate_serializers):
        for name, cls in vars(module).items():
            if isinstance(cls, type) and name.endswith("InputSerializer") and cls.__module__ == module.__name__:
                yield cls


def test_every_ledger_input_serializer_cleans_its_text_and_bounds_it():
    from rest_framework import serializers as drf

    from apps.core.serializers import InputSerializer

    found = list(_ledger_input_serializers())
    assert len(found) >= 6
    assert [cls.__name__ for cls in found if not issubclass(cls, InputSerializer)] == []
    unbounded = [
        f"{cls.__name__}.{name}"
        for cls in found
        for name, field in cls().fields.items()
        if isinstance(field, drf.CharField) and field.max_length is None
    ]
    assert unbounded == []


def test_direction_controls_are_removed_from_reasons(world, pending):
    services.record_reject(record=pending, actor=world.staff, reason="\u202e未到场\u202c ")
    assert ServiceRecord.objects.get(pk=pending.pk).decision_reason == "未到场"


def test_a_reason_of_direction_controls_only_is_blank(world, pending):
    with pytest.raises(Invalid) as caught:
        services.record_reject(record=pending, actor=world.staff, reason="\u202e\u2066 ")
    assert caught.value.code == "reason_required"
