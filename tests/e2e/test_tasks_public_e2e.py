"""The public certificate check (/verify/<code>/), signed out, at phone sizes (360 and 390 px): a valid certificate,
the same one once revoked (the date and the reason), and an unknown code (a 404 page). Nobody signs in: the page is
what a scanned QR code opens on a stranger's phone."""

import pytest
from django.utils import timezone

from apps.ledger.certificates import certificate_revoke
from tests.e2e.a11y import accessibility_problems
from tests.e2e.conftest import PHONE, last_years_certificate

PHONE_360 = {"width": 360, "height": 740}
PHONE_390 = PHONE  # the conftest's phone: 390 x 844
REASON = "服务时长登记有误，已重新开具"

# The page itself never scrolls sideways.
FITS = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def certificate(e2e_world):
    """Last year's certificate of the world's member (王建国): two services, 4.5 hours, issued by the organ."""
    return last_years_certificate(e2e_world, actor=e2e_world.reviewer)


def signed_out(page):
    """Nothing on the page belongs to a signed-in person, and nobody was sent to the login page."""
    assert "/login/" not in page.url
    assert page.locator("a[href='/logout/'], form[action='/logout/']").count() == 0


@pytest.mark.parametrize("viewport", [PHONE_360, PHONE_390], ids=["360", "390"])
def test_a_scanned_certificate_valid_then_revoked_then_an_unknown_code(visit, certificate, viewport):
    narrow = viewport == PHONE_360
    check = f"/verify/{certificate.verification_code}/"
    scanner = visit(None, viewport=viewport)
    page = scanner.page

    # Valid: the verdict first, then the masked name and the figures as issued.
    assert scanner.go(check).status == 200
    signed_out(page)
    verdict = page.locator("[data-status=valid]")
    assert verdict.is_visible()
    assert verdict.bounding_box()["y"] < page.locator("[data-field=number]").bounding_box()["y"]
    assert page.locator("[data-field=number]").inner_text() == certificate.number
    assert page.locator("[data-field=holder]").inner_text() == "王**"
    assert "王建国" not in page.content()
    assert page.locator("[data-field=services]").inner_text() == "2"
    assert page.locator("[data-field=issuer]").inner_text() == "幸福社区"
    assert page.evaluate(FITS)
    assert accessibility_problems(page) == []
    if narrow:
        scanner.shot("verify-certificate-phone")

    # Revoked by the organ: the same address says so, when and why.
    certificate_revoke(certificate=certificate, actor=certificate.issued_by, reason=REASON)
    certificate.refresh_from_db()
    assert scanner.go(check).status == 200
    signed_out(page)
    revoked = page.locator("[data-status=revoked]")
    assert revoked.is_visible() and page.locator("[data-status=valid]").count() == 0
    text = revoked.inner_text()
    assert REASON in text
    assert timezone.localdate(certificate.revoked_at).strftime("%Y-%m-%d") in text
    assert page.evaluate(FITS)
    assert accessibility_problems(page) == []
    if narrow:
        scanner.shot("verify-revoked-phone")

    # An unknown code: a plain page, status 404, with what to check.
    assert scanner.go("/verify/AAAAAAAAAAAA/").status == 404
    signed_out(page)
    assert page.locator("[data-status=unknown]").is_visible()
    assert page.locator("[data-field=number]").count() == 0
    assert page.evaluate(FITS)
    assert accessibility_problems(page) == []
    if narrow:
        scanner.shot("verify-unknown-phone")
