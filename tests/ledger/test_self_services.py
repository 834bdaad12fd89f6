"""Services members register themself (服务登记): a pending record at the community where it was done, decided by
its staff (never the member); refused, writing nothing, when in the future, too old, overlapping another service or
an attended activity, over the daily maximum, with a photo that is not an image or bad text; counted, once approved,
as a service of its own with its own residents."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from apps.activities.models import SignUp
from apps.core.errors import DomainError
from apps.ledger import errors, services
from apps.ledger.models import AuditEntry, RecordStatus, SelfService, ServiceRecord, ServiceSource
from apps.ledger.selectors import record_effective
from apps.ledger.self_services import record_of, self_service_register
from apps.stats.nodes import Level, Node
from apps.stats.periods import year_period
from apps.stats.selectors import node_breakdown, node_metrics
from apps.teams.models import TeamMembership
from tests import factories as f
from tests.activities_hours.conftest import make_activity, make_signup
from tests.conftest import client_for
from tests.teams.conftest import make_team

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 20, 0, tzinfo=LOCAL)
START = datetime(2026, 3, 10, 9, 0, tzinfo=LOCAL)
END = START + timedelta(hours=2)


def register(world, *, actor=None, now=NOW, **extra):
    kwargs = {
        "actor": actor or world.member.user,
        "community": world.community,
        "place": "幸福小区3栋",
        "category": "care_visit",
        "content": "看望独居老人，帮忙打扫卫生",
        "started_at": START,
        "ended_at": END,
        "residents_served": 2,
        "now": now,
        **extra,
    }
    return self_service_register(**kwargs)


def png_upload(name="visit.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def nothing_written():
    records = ServiceRecord.objects.exists() or SelfService.objects.exists()
    return not records and not AuditEntry.objects.filter(subject_type="ledger.servicerecord").exists()


def test_a_member_registers_a_service_pending_for_the_community_with_the_whole_time_credited(world):
    self_service = register(world, photo=png_upload())
    record = record_of(self_service)
    assert (record.source, record.status, record.community, record.member) == (
        ServiceSource.SELF,
        RecordStatus.PENDING,
        world.community,
        world.member,
    )
    assert (record.credited_minutes, record.residents_served, record.category) == (120, 2, "care_visit")
    assert (record.organ, record.branch, record.recorded_by) == (world.organ, world.branch, world.member.user)
    assert self_service.place == "幸福小区3栋"
    assert self_service.photo.name.startswith("services/") and self_service.photo.name.endswith(".png")
    [entry] = AuditEntry.objects.filter(subject_type="ledger.servicerecord", subject_id=record.pk)
    assert (entry.action, entry.actor) == ("create", world.member.user)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"ended_at": NOW + timedelta(minutes=1), "started_at": NOW - timedelta(hours=1)}, "service_in_future"),
        (
            {"started_at": NOW - timedelta(days=31), "ended_at": NOW - timedelta(days=31) + timedelta(hours=1)},
            "service_too_old",
        ),
        ({"ended_at": START}, "record_times_invalid"),
        ({"ended_at": START - timedelta(minutes=5)}, "record_times_invalid"),
        ({"place": "  "}, "place_invalid"),
        ({"place": "楼" * 101}, "place_invalid"),
        ({"content": ""}, "content_invalid"),
        ({"category": "wish"}, "category_invalid"),
        ({"residents_served": -1}, "residents_invalid"),
        ({"residents_served": 1001}, "residents_invalid"),
        ({"photo": SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")}, "invalid_image"),
    ],
)
def test_bad_input_is_refused_with_its_code_and_writes_nothing(world, change, code):
    with pytest.raises(DomainError) as exc:
        register(world, **change)
    assert exc.value.code == code
    assert nothing_written()


def test_a_grid_of_another_community_is_refused_and_its_photo_is_not_left_behind(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(DomainError) as exc:
        register(world, grid=world.other_grid, photo=png_upload())
    assert exc.value.code == "grid_not_in_community"
    assert nothing_written()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_who_is_not_a_member_cannot_register(world):
    with pytest.raises(DomainError) as exc:
        register(world, actor=world.staff)
    assert (exc.value.code, exc.value.status_code) == ("not_a_member", 403)
    assert nothing_written()


def test_a_service_overlapping_another_of_the_members_services_is_refused(world):
    register(world)
    before = ServiceRecord.objects.count()
    with pytest.raises(DomainError) as exc:
        register(world, started_at=START + timedelta(hours=1), ended_at=END + timedelta(hours=1))
    assert (exc.value.code, exc.value.status_code) == ("service_overlaps", 409)
    assert ServiceRecord.objects.count() == before
    # Back to back is no overlap; another member at the same time is none either.
    register(world, started_at=END, ended_at=END + timedelta(hours=1))
    register(world, actor=world.other_member.user)


def test_a_rejected_service_no_longer_blocks_its_time(world):
    record = record_of(register(world))
    services.record_reject(record=record, actor=world.staff, reason="与实际不符")
    register(world, content="重新登记")


def test_a_service_overlapping_an_activity_the_member_attended_is_refused(world):
    activity = make_activity(
        community=world.community,
        grid=world.grid,
        created_by=world.staff,
        starts_at=START + timedelta(minutes=30),
        ends_at=END + timedelta(hours=1),
    )
    signup = make_signup(activity=activity, member=world.member, checked_in_at=activity.starts_at)
    with pytest.raises(DomainError) as exc:
        register(world)
    assert exc.value.code == "service_overlaps"
    assert activity.title in exc.value.message
    assert nothing_written()
    # Signed up but never there: the time is free.
    SignUp.objects.filter(pk=signup.pk).update(checked_in_at=None, attendance="absent")
    register(world)


def test_no_more_than_the_daily_maximum_is_registered_for_one_day(world, settings):
    settings.SELF_SERVICE_DAILY_MAX_MINUTES = 180
    register(world)  # 120 minutes
    with pytest.raises(DomainError) as exc:
        register(world, started_at=END, ended_at=END + timedelta(minutes=61))
    assert exc.value.code == "daily_limit_exceeded"
    assert "60" in exc.value.message
    register(world, started_at=END, ended_at=END + timedelta(minutes=60))
    # The next day has its own allowance.
    register(world, started_at=START - timedelta(days=1), ended_at=END - timedelta(days=1))


def test_staff_of_the_community_decide_it_and_never_the_member(world, staff_member):
    record = record_of(register(world, actor=staff_member.user))
    with pytest.raises(DomainError) as exc:
        services.record_approve(record=record, actor=staff_member.user)
    assert exc.value.code == "own_service"
    with pytest.raises(DomainError) as exc:
        services.record_approve(record=record, actor=world.other_member.user)
    assert exc.value.code == "not_community_staff"
    services.record_adjust(record=record, actor=world.staff, credited_minutes=90, residents_served=1, reason="核实")
    record.refresh_from_db()
    effective = record_effective(record)
    assert (record.status, effective.minutes, effective.residents_served) == (RecordStatus.APPROVED, 90, 1)


def test_an_approved_self_registered_service_counts_once_with_its_own_residents(world):
    first = record_of(register(world))
    second = record_of(register(world, started_at=END, ended_at=END + timedelta(minutes=45), residents_served=5))
    services.record_approve(record=first, actor=world.staff)
    services.record_approve(record=second, actor=world.staff)
    services.record_amend(record=second, actor=world.staff, credited_minutes=30, residents_served=3, reason="更正")
    period = year_period(2026)
    for node in (
        Node(Level.ORGAN, world.organ),
        Node(Level.COMMUNITY, world.community),
        Node(Level.MEMBER, world.member),
    ):
        figures = node_metrics(node=node, period=period)
        assert (figures["services"], figures["person_times"], figures["minutes"]) == (2, 2, 150)
        assert figures["residents_served"] == 2 + 3
    rows = {row["key"]: row for row in node_breakdown(node=Node(Level.ORGAN, world.organ), period=period, by="source")}
    assert (rows["self"]["person_times"], rows["self"]["minutes"]) == (2, 150)


def test_a_pending_or_rejected_one_counts_nowhere(world):
    rejected = record_of(register(world))
    services.record_reject(record=rejected, actor=world.staff, reason="不实")
    register(world, started_at=END, ended_at=END + timedelta(hours=1))
    figures = node_metrics(node=Node(Level.ORGAN, world.organ), period=year_period(2026))
    assert (figures["services"], figures["minutes"], figures["residents_served"]) == (0, 0, 0)


# --- API --------------------------------------------------------------------------------------------------------


def api_body(world, **extra):
    return {
        "community": world.community.pk,
        "place": "幸福小区3栋",
        "category": "care_visit",
        "content": "入户走访",
        "started_at": (START - timedelta(days=1)).isoformat(),
        "ended_at": (END - timedelta(days=1)).isoformat(),
        "residents_served": 3,
        **extra,
    }


@pytest.fixture
def march(settings, monkeypatch):
    """The API's now: the evening of START (the service calls timezone.now())."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def test_api_registers_with_a_photo_and_shows_place_and_photo_on_the_record(world, march):
    client = client_for(world.member.user)
    response = client.post(
        "/api/v1/service-records/register/", {**api_body(world), "photo": png_upload()}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["source"], body["status"], body["credited_minutes"]) == ("self", "pending", 120)
    assert body["self_service"]["place"] == "幸福小区3栋"
    assert body["self_service"]["photo"].endswith(".png")
    detail = client_for(world.staff).get(f"/api/v1/service-records/{body['id']}/").json()
    assert detail["self_service"]["place"] == "幸福小区3栋"


def test_api_refuses_the_future_with_a_code_and_a_translated_message(world, march):
    body = api_body(
        world, started_at=(NOW + timedelta(hours=1)).isoformat(), ended_at=(NOW + timedelta(hours=2)).isoformat()
    )
    response = client_for(world.member.user).post("/api/v1/service-records/register/", body, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "service_in_future"
    assert response.json()["detail"] == str(errors.SERVICE_IN_FUTURE)
    assert nothing_written()


def test_api_refuses_who_is_not_a_member(world, march):
    response = client_for(world.staff).post("/api/v1/service-records/register/", api_body(world), format="json")
    assert (response.status_code, response.json()["code"]) == (403, "not_a_member")


# --- pages ------------------------------------------------------------------------------------------------------


def page_data(world, **extra):
    return {
        "community": world.community.pk,
        "place": "幸福小区3栋",
        "category": "care_visit",
        "content": "看望独居老人",
        "started_at": (START - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (END - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "residents_served": 1,
        **extra,
    }


def test_member_registers_on_the_hours_page_and_staff_decide_on_the_desk(world, march, client):
    client.force_login(world.member.user)
    page = client.get(reverse("profile:hours-register"))
    assert page.status_code == 200
    assert page.context["form"].initial["community"] is None  # not registered with a community: no guess
    response = client.post(reverse("profile:hours-register"), page_data(world))
    assert response.status_code == 302 and response["Location"] == reverse("profile:hours")
    record = ServiceRecord.objects.get(source=ServiceSource.SELF)
    hours = client.get(reverse("profile:hours") + "?year=2026")
    assert "幸福小区3栋" in hours.content.decode()

    client.force_login(world.staff)
    desk = client.get(reverse("staff:records") + "?status=pending&source=self")
    [listed] = desk.context["page_obj"].object_list
    assert listed.pk == record.pk and listed.may_decide and listed.self_service.place == "幸福小区3栋"
    client.post(reverse("staff:record-approve", args=[record.pk]))
    record.refresh_from_db()
    assert (record.status, record.decided_by) == (RecordStatus.APPROVED, world.staff)


def test_the_page_shows_the_services_message_alone_and_keeps_the_input(world, march, client):
    client.force_login(world.member.user)
    data = page_data(world, started_at="2026-03-10T21:00", ended_at="2026-03-10T22:00")
    response = client.post(reverse("profile:hours-register"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-error-code="service_in_future"' in html
    assert "幸福小区3栋" in html
    assert not ServiceRecord.objects.exists()


def test_the_form_starts_at_the_members_registered_community(world, client):
    f.RegistrationFactory(member=world.member, community=world.community, grid=world.grid)
    client.force_login(world.member.user)
    page = client.get(reverse("profile:hours-register"))
    assert page.context["form"].initial["community"] == world.community.pk


# --- as a volunteer team ----------------------------------------------------------------------------------------


def test_a_service_registered_for_a_team_carries_it_when_the_member_was_in_it_that_day(world):
    team = make_team(leader=world.member)
    now = timezone.now()
    # The team was formed a month ago (its leader joined then).
    TeamMembership.objects.filter(team=team).update(joined_at=now - timedelta(days=30))
    recent = {"started_at": now - timedelta(hours=3), "ended_at": now - timedelta(hours=2), "now": now}
    record = record_of(register(world, team=team, **recent))
    assert record.team == team
    assert SelfService.objects.get(pk=record.source_id).team == team
    services.record_approve(record=record, actor=world.staff)
    amendment = services.record_amend(
        record=record, actor=world.staff, credited_minutes=30, residents_served=0, reason="更正"
    )
    assert amendment.team == team
    # Before the team existed the member was not in it: refused, nothing written.
    before = ServiceRecord.objects.count()
    with pytest.raises(DomainError) as exc:
        register(world, team=team)
    assert exc.value.code == "team_not_member"
    assert ServiceRecord.objects.count() == before
    # Another member, never in the team: refused too.
    with pytest.raises(DomainError) as exc:
        register(world, actor=world.other_member.user, team=team, **recent)
    assert exc.value.code == "team_not_member"
