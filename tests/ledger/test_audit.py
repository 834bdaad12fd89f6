"""The audit trail: written with the change it describes, append-only everywhere (services, API, admin), scoped."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from apps.accounts.scope import forget_scope
from apps.ledger import services
from apps.ledger.models import AuditEntry, RecordStatus, ServiceRecord
from apps.ledger.selectors import audit_for, audit_list
from tests.ledger.conftest import DAY

pytestmark = pytest.mark.django_db

AUDIT = reverse("audit-entry-list")


def entries():
    return list(AuditEntry.objects.order_by("id").values())


# --- audit_log ---------------------------------------------------------------------------------------------------


def test_audit_log_names_the_subject_and_keeps_json_forms(world):
    before = timezone.now()
    entry = services.audit_log(
        actor=None,
        subject=world.community,
        action="rename",
        before={"name": "旧名", "when": DAY, "value": Decimal("1.50")},
        after={"name": "新名"},
        reason="行政区划调整",
    )
    entry.refresh_from_db()
    assert (entry.subject_type, entry.subject_id, entry.actor) == ("places.community", world.community.pk, None)
    assert entry.before == {"name": "旧名", "when": "2024-05-10T09:00:00+08:00", "value": "1.50"}
    assert (entry.after, entry.reason, entry.action) == ({"name": "新名"}, "行政区划调整", "rename")
    assert timezone.is_aware(entry.at)
    assert before <= entry.at <= timezone.now()


def test_audit_entry_rolls_back_with_the_callers_transaction(world):
    before = entries()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.audit_log(actor=world.staff, subject=world.member, action="touch")
        raise RuntimeError("the change failed")
    assert entries() == before


def test_history_is_kept_entry_by_entry(world, make_record):
    record = make_record(recorded_by=world.staff)
    first = entries()
    services.record_approve(record=record, actor=world.staff)
    second = entries()
    assert second[: len(first)] == first
    services.record_amend(record=record, actor=world.staff, credited_minutes=120, residents_served=4, reason="补记")
    services.record_amend(record=record, actor=world.staff, credited_minutes=100, residents_served=4, reason="核减")
    assert entries()[: len(second)] == second
    assert [(e.action, e.reason) for e in audit_for(subject=record)] == [
        ("create", ""),
        ("approve", ""),
        ("amend", "补记"),
        ("amend", "核减"),
    ]


def test_audit_for_returns_only_its_subject(world, make_record):
    record = make_record()
    services.audit_log(actor=None, subject=world.member, action="touch")
    other = make_record(member=world.other_member, grid=world.other_grid)
    assert [e.subject_id for e in audit_for(subject=record)] == [record.pk]
    assert [e.subject_id for e in audit_for(subject=other)] == [other.pk]


def test_no_application_code_updates_or_deletes_audit_rows():
    """The services only insert; this guards against a later change that edits history."""
    forbidden = re.compile(r"AuditEntry\.objects[^\n]*\.(update|delete|bulk_update|update_or_create|get_or_create)\(")
    offenders = [
        str(path)
        for path in (Path(settings.BASE_DIR) / "apps").rglob("*.py")
        if "migrations" not in path.parts and forbidden.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# --- API: read-only and scoped -----------------------------------------------------------------------------------


def test_audit_entries_cannot_be_changed_through_their_endpoints(world, make_record, make_client):
    record = make_record()
    entry = AuditEntry.objects.get(subject_type="ledger.servicerecord", subject_id=record.pk)
    client = make_client(world.superuser)
    url = reverse("audit-entry-detail", args=[entry.pk])
    before = entries()
    assert client.post(AUDIT, {"subject_type": "x", "subject_id": 1, "action": "forge"}).status_code == 405
    assert client.put(url, {"action": "forge"}).status_code == 405
    assert client.patch(url, {"action": "forge"}).status_code == 405
    assert client.delete(url).status_code == 405
    assert entries() == before


def _api_routes():
    """Every named route under /api/v1/."""

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif pattern.name:
                yield pattern

    [api] = [p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and str(p.pattern) == "api/v1/"]
    return list(walk(api.url_patterns))


def test_no_api_endpoint_can_change_existing_audit_entries(world, make_record, make_client):
    """Every write method of every API route, as a superuser, aimed at an audit entry's id: history stays intact."""
    record = make_record()
    services.record_approve(record=record, actor=world.staff)
    target = AuditEntry.objects.filter(subject_type="ledger.servicerecord").order_by("id").first()
    before = entries()
    client = make_client(world.superuser)
    client.raise_request_exception = False  # a 500 elsewhere is another app's business here
    tried = 0
    for route in _api_routes():
        url = reverse(route.name, kwargs={name: target.pk for name in route.pattern.regex.groupindex})
        for method in ("post", "put", "patch", "delete"):
            with transaction.atomic():  # a failing view must not poison the test's transaction
                getattr(client, method)(url, {"subject_type": "x", "action": "forge", "reason": "forge"})
            tried += 1
    assert tried >= 40
    assert entries()[: len(before)] == before


@pytest.mark.parametrize(
    "who, sees",
    [
        ("superuser", {"A", "B", "community"}),
        ("staff", {"A"}),
        ("grid_worker", {"A"}),
        ("reviewer", {"A"}),
        ("street_admin", {"A"}),
        ("member", set()),  # a member without a role reads their records, not the trail
        ("outsider", set()),
    ],
)
def test_audit_list_is_scoped(world, make_record, make_client, who, sees):
    subjects = {
        "A": make_record(),
        "B": make_record(member=world.other_member, grid=world.other_grid),
        "community": world.community,
    }
    services.audit_log(actor=None, subject=world.community, action="touch")
    response = make_client(world.user(who)).get(AUDIT)
    assert response.status_code == 200
    seen = {(row["subject_type"], row["subject_id"]) for row in response.data["results"]}
    names = {n for n, s in subjects.items() if (f"{s._meta.app_label}.{s._meta.model_name}", s.pk) in seen}
    assert names == sees


def test_audit_of_a_record_out_of_scope_is_404(world, make_record, make_client):
    entry = AuditEntry.objects.get(
        subject_type="ledger.servicerecord",
        subject_id=make_record(member=world.other_member, grid=world.other_grid).pk,
    )
    url = reverse("audit-entry-detail", args=[entry.pk])
    assert make_client(world.staff).get(url).status_code == 404
    assert make_client(world.superuser).get(url).status_code == 200


def test_audit_list_filters_by_subject(world, make_record, make_client):
    record = make_record()
    other = make_record(start=DAY.replace(day=11))
    services.record_approve(record=record, actor=world.staff)
    client = make_client(world.staff)
    response = client.get(AUDIT, {"subject_type": "ledger.servicerecord", "subject_id": record.pk})
    assert [(r["subject_id"], r["action"]) for r in response.data["results"]] == [
        (record.pk, "create"),
        (record.pk, "approve"),
    ]
    assert response.data["results"][1]["actor_name"] == world.staff.name
    assert [r["subject_id"] for r in client.get(AUDIT, {"subject_id": other.pk}).data["results"]] == [other.pk]
    assert client.get(AUDIT, {"subject_id": "abc"}).status_code == 400
    assert audit_list(user=world.staff, filters={"action": "approve"}).get().subject_id == record.pk


def test_audit_list_query_count_is_pinned(world, make_record, make_client, django_assert_max_num_queries):
    for day in range(1, 13):
        services.record_approve(record=make_record(start=DAY.replace(day=day)), actor=world.staff)
    forget_scope(world.staff)
    client = make_client(world.staff)
    with django_assert_max_num_queries(6):
        response = client.get(AUDIT)
    assert response.data["count"] == 24


# --- admin -------------------------------------------------------------------------------------------------------


@pytest.fixture
def superuser_browser(world, client):
    client.force_login(world.superuser)
    return client


def test_admin_cannot_add_change_or_delete_audit_entries(world, make_record, superuser_browser):
    entry = AuditEntry.objects.get(subject_type="ledger.servicerecord", subject_id=make_record().pk)
    before = entries()
    assert superuser_browser.get(reverse("admin:ledger_auditentry_changelist")).status_code == 200
    assert superuser_browser.get(reverse("admin:ledger_auditentry_add")).status_code == 403
    change = reverse("admin:ledger_auditentry_change", args=[entry.pk])
    assert superuser_browser.get(change).status_code == 200  # view only
    assert superuser_browser.post(change, {"action": "forge"}).status_code == 403
    delete = reverse("admin:ledger_auditentry_delete", args=[entry.pk])
    assert superuser_browser.post(delete, {"post": "yes"}).status_code == 403
    assert entries() == before


def test_admin_shows_records_read_only_and_approves_through_the_service(world, make_record, superuser_browser):
    record = make_record()
    approved = make_record(start=DAY.replace(day=11), status=RecordStatus.APPROVED)
    change = reverse("admin:ledger_servicerecord_change", args=[approved.pk])
    assert superuser_browser.post(change, {"credited_minutes": 1}).status_code == 403
    delete = reverse("admin:ledger_servicerecord_delete", args=[approved.pk])
    assert superuser_browser.post(delete, {"post": "yes"}).status_code == 403
    assert superuser_browser.get(reverse("admin:ledger_servicerecord_add")).status_code == 403
    changelist = reverse("admin:ledger_servicerecord_changelist")
    response = superuser_browser.post(changelist, {"action": "approve_selected", "_selected_action": [record.pk]})
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.status, record.decided_by) == (RecordStatus.APPROVED, world.superuser)
    assert audit_for(subject=record).last().action == "approve"
    assert ServiceRecord.objects.get(pk=approved.pk).credited_minutes == 90
