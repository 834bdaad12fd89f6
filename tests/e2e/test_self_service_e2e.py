"""A member's own paperwork in real browsers at phone size: a service registered on 服务登记 with a photo, approved
by the community's staff on 服务记录 and counted on 服务时长 (and one in the future, refused with the input kept);
the printed registration certificate (报到证) downloaded from the registration page, whose QR address opens the
public page saying the registration is in force."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.ledger.models import RecordStatus, SelfService, ServiceCategory, ServiceRecord, ServiceSource
from apps.registrations import services as registration_services
from apps.registrations.models import RegistrationStatus
from tests.e2e import flows
from tests.e2e.conftest import f
from tests.registrations.test_certificate_pdf import page_text, pages, unescaped

CONTENT = "帮助独居老人清理楼道杂物，检查消防通道"
PLACE = "幸福家园3栋楼道"


@pytest.fixture
def registered(e2e_world):
    """The world's member (陈志远) with a confirmed registration in the world's (real-looking) community."""
    world = flows.realistic_place(e2e_world)
    flows.named(world.member.user, "陈志远")
    flows.named(world.staff, "李主任")
    registration = f.RegistrationFactory(
        member=world.member, grid=world.grid, address="幸福家园8栋1单元502室", status=RegistrationStatus.PENDING
    )
    world.registration = registration_services.registration_confirm(registration=registration, actor=world.staff)
    return world


def _printed(data):
    """The strings the PDF's pages draw, one after the other (the address under a QR code is drawn in lines broken
    after its slashes: joined, it reads whole again)."""
    return b"".join(re.findall(rb"\((.*?)\) Tj", unescaped(page_text(data)), re.S))


def _two_hours_yesterday_morning():
    """A service over (its year's list is opened by year: yesterday may be last year)."""
    start = timezone.localtime(timezone.now() - timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    return start, start + timedelta(hours=2)


def test_a_member_registers_a_service_and_the_staff_approve_it(visit, registered):
    world = registered
    started_at, ended_at = _two_hours_yesterday_morning()

    # The member registers it from 服务时长, with a photo; their community is chosen for them.
    member = visit(world.member.user)
    flows.member_fills_service(
        member,
        place=PLACE,
        category=ServiceCategory.ELDERLY,
        content=CONTENT,
        started_at=started_at,
        ended_at=ended_at,
        residents_served=3,
        photo=flows.photo_file(),
        shot="profile-self-service-phone",
    )
    assert member.page.url.endswith("/me/hours/")
    assert member.page.locator(".msg-success").is_visible()
    record = ServiceRecord.objects.get(member=world.member, source=ServiceSource.SELF)
    assert (record.community_id, record.status, record.credited_minutes) == (
        world.community.pk,
        RecordStatus.PENDING,
        120,
    )
    assert SelfService.objects.get(pk=record.source_id).photo

    # Pending on 服务时长: listed, not counted yet.
    row = flows.hours_row(member, CONTENT, year=started_at.year)
    assert row.count() == 1
    assert row.locator(".badge.badge-warn").count() == 1
    assert PLACE in row.locator(".self-service").inner_text()
    assert row.locator(".self-service a").count() == 1  # the photo
    assert member.page.locator("#total-hours").inner_text() == "0.0"
    member.shot("profile-hours-self-service-pending-phone")

    # The community's staff find it on 服务记录 under 服务登记 and approve it.
    staff = visit(world.staff)
    flows.staff_records_filtered(staff, source=ServiceSource.SELF)
    row = staff.page.locator(f"#record-{record.pk}")
    assert PLACE in row.locator(".self-service").inner_text()
    photo = row.locator(".self-service a").get_attribute("href")
    assert staff.page.request.get(photo).headers["content-type"].startswith("image/")
    assert staff.page.locator("ul.records > li").count() == 1  # only registered services
    staff.shot("staff-records-self-service-phone")
    flows.staff_approve_record(staff, record)
    record.refresh_from_db()
    assert (record.status, record.decided_by_id) == (RecordStatus.APPROVED, world.staff.pk)

    # The member's hours page shows it approved and counts it.
    row = flows.hours_row(member, CONTENT, year=started_at.year)
    assert row.locator(".badge.badge-ok").count() == 1
    assert member.page.locator("#total-hours").inner_text() == "2.0"


def test_a_service_in_the_future_is_refused_and_the_input_kept(visit, registered):
    world = registered
    start = timezone.localtime(timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)

    member = visit(world.member.user)
    flows.member_fills_service(
        member,
        place=PLACE,
        category=ServiceCategory.ELDERLY,
        content=CONTENT,
        started_at=start,
        ended_at=start + timedelta(hours=2),
        residents_served=2,
    )

    assert member.page.url.endswith("/me/hours/register/")
    assert flows.error_codes(member) == ["service_in_future"]
    assert member.page.locator("[data-error-code=service_in_future]").is_visible()
    assert member.page.locator("#id_place").input_value() == PLACE
    assert member.page.locator("#id_content").input_value() == CONTENT
    assert member.page.locator("#id_started_at").input_value() == flows.local_input(start)
    assert member.page.locator("#id_residents_served").input_value() == "2"
    assert not ServiceRecord.objects.filter(member=world.member).exists()
    assert not SelfService.objects.exists()


def test_a_member_downloads_the_registration_certificate_and_its_qr_address_checks_it(visit, registered, settings):
    # No configured public address: the QR code points at the site the member downloaded it from.
    settings.CERTIFICATE_VERIFY_BASE_URL = ""
    settings.SITE_URL = ""
    world = registered
    registration = world.registration

    member = visit(world.member.user)
    member.go("/me/registration/")
    link = member.page.locator("a.registration-certificate")
    assert link.get_attribute("href") == f"/me/registration/{registration.pk}/certificate/"
    with member.page.expect_download() as download:
        link.click()
    data = download.value.path().read_bytes()
    assert download.value.suggested_filename == f"{registration.receipt_number}.pdf"
    assert data.startswith(b"%PDF-") and pages(data) == 1

    # The QR codes' address (a link on each half) is the public check of this registration, printed under the code.
    urls = set(re.findall(rb"/URI \((.*?)\)", data))
    assert len(urls) == 1
    url = urls.pop().decode()
    assert url == f"{member.base_url}/verify/registration/{registration.verification_code}/"
    assert _printed(data).count(url.encode()) == 2

    # Whoever scans it, signed out, reads that the registration is in force.
    scanner = visit(None)
    assert scanner.go(url).status == 200
    assert scanner.page.locator("[data-status=valid]").is_visible()
    assert scanner.page.locator("[data-status=ended]").count() == 0
    assert scanner.page.locator("[data-field=receipt]").inner_text() == registration.receipt_number
    assert scanner.page.locator("[data-field=holder]").inner_text().startswith("陈")
    assert "陈志远" not in scanner.page.content()
    scanner.shot("registration-check-phone")
