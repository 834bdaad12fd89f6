"""Certificates in a real browser: the public check a scanned QR code opens (signed out, phone-sized), and the organ
committee revoking one on its certificates page (the revoke form unfolds without JavaScript)."""

from datetime import date, datetime, timedelta

from django.utils import timezone

from apps.ledger import services as ledger_services
from apps.ledger.certificates import certificate_issue
from apps.ledger.models import Certificate, RecordStatus, ServiceSource
from apps.places.models import Community
from tests.e2e.a11y import accessibility_problems
from tests.e2e.conftest import DESKTOP

REASON = "服务时长登记有误，已重新开具"


def _certificate(world):
    Community.objects.filter(pk=world.community.pk).update(name="幸福社区", contact_phone="0571-87001234")
    world.member.user.name = "王建国"
    world.member.user.save(update_fields=["name"])
    year = timezone.localdate().year - 1
    for month, minutes, content in ((3, 150, "社区环境卫生整治"), (5, 120, "关爱帮扶独居老人")):
        start = timezone.make_aware(datetime(year, month, 12, 9))
        ledger_services.record_create(
            member=world.member,
            community=world.community,
            grid=world.grid,
            source=ServiceSource.MANUAL,
            source_id=None,
            content=content,
            started_at=start,
            ended_at=start + timedelta(minutes=minutes),
            credited_minutes=minutes,
            status=RecordStatus.APPROVED,
            decided_by=world.staff,
        )
    return certificate_issue(
        member=world.member, actor=world.member.user, period_start=date(year, 1, 1), period_end=date(year, 12, 31)
    )


def test_a_scanned_certificate_then_its_revocation_by_the_organ(visit, e2e_world):
    world = e2e_world
    certificate = _certificate(world)
    check = f"/verify/{certificate.verification_code}/"

    # Someone scans the QR code: no sign-in, the verdict first.
    scanner = visit(None)
    assert scanner.go(check).status == 200
    assert scanner.page.locator("[data-status=valid]").is_visible()
    assert scanner.page.locator("[data-field=holder]").inner_text() == "王**"
    assert "王建国" not in scanner.page.content()
    assert accessibility_problems(scanner.page) == []
    scanner.shot("certificate-check-phone")

    # The organ committee revokes it on its certificates page.
    reviewer = visit(world.reviewer, viewport=DESKTOP)
    reviewer.go("/manage/certificates/")
    row = reviewer.page.locator(f"[data-certificate='{certificate.number}']")
    row.locator("summary").click()
    row.locator("textarea[name=reason]").fill(REASON)
    assert accessibility_problems(reviewer.page) == []
    reviewer.shot("manage-certificates-desktop")
    row.locator("button[type=submit]").click()
    reviewer.page.wait_for_load_state()
    assert reviewer.page.locator(".msg-success").is_visible()
    assert Certificate.objects.get(pk=certificate.pk).revocation_reason == REASON

    # The same address now says revoked, when and why.
    scanner.go(check)
    assert scanner.page.locator("[data-status=revoked]").is_visible()
    assert REASON in scanner.page.locator("[data-status=revoked]").inner_text()
    assert accessibility_problems(scanner.page) == []
    scanner.shot("certificate-check-revoked-phone")

    # An unknown code: a plain page, status 404.
    assert scanner.go("/verify/AAAAAAAAAAAA/").status == 404
    assert scanner.page.locator("[data-status=unknown]").is_visible()
    assert accessibility_problems(scanner.page) == []
