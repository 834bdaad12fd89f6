"""Certificates in a real browser: the public check a scanned QR code opens (signed out, phone-sized), and the organ
committee revoking one on its certificates page (the revoke form unfolds without JavaScript)."""

from apps.ledger.models import Certificate
from tests.e2e.a11y import accessibility_problems
from tests.e2e.conftest import DESKTOP, last_years_certificate

REASON = "服务时长登记有误，已重新开具"


def test_a_scanned_certificate_then_its_revocation_by_the_organ(visit, e2e_world):
    world = e2e_world
    certificate = last_years_certificate(world, actor=world.member.user)
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
