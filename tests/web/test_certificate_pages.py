"""Certificates on the pages: the public check a scanned QR code opens (no sign-in), the organ's certificates page
where reviewers revoke, and the member's certificates page once one is revoked."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.ledger.certificates import certificate_issue, certificate_revoke
from apps.ledger.models import AuditEntry, Certificate
from tests.certificates.conftest import FIRST_DAY, LAST_DAY, other_reviewer, serve  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

REASON = "服务时长登记有误，已重新开具"
FULL_NAME = "欧阳晓明"
ID_NUMBER = "330102199001011234"


def browser_for(user, language=None):
    client = Client(headers={"accept-language": language} if language else {})
    if user is not None:
        client.force_login(user)
    return client


def text_of(response):
    return html.unescape(response.content.decode())


def status_of(page):
    found = re.search(r'data-status="(\w+)"', page)
    return found.group(1) if found else None


def field(page, name):
    found = re.search(rf'data-field="{name}">([^<]*)<', page)
    return found.group(1) if found else None


@pytest.fixture
def certificate(world, serve):  # noqa: F811
    user = world.member.user
    user.name = FULL_NAME
    user.save(update_fields=["name"])
    type(world.member).objects.filter(pk=world.member.pk).update(id_number=ID_NUMBER)
    serve(minutes=90)
    serve(day=FIRST_DAY.replace(day=5), minutes=60)
    return certificate_issue(member=world.member, actor=world.member.user, period_start=FIRST_DAY, period_end=LAST_DAY)


def check_url(certificate_or_code):
    code = getattr(certificate_or_code, "verification_code", certificate_or_code)
    return reverse("public:certificate", kwargs={"code": code})


# --- the public check --------------------------------------------------------------------------------------------


def test_the_page_is_at_the_address_the_qr_code_carries(certificate):
    assert check_url(certificate) == f"/verify/{certificate.verification_code}/"


def test_a_valid_certificate_signed_out(world, certificate):
    response = browser_for(None).get(check_url(certificate))

    assert response.status_code == 200
    page = text_of(response)
    assert status_of(page) == "valid"
    assert field(page, "number") == certificate.number
    assert field(page, "holder") == "欧***"
    assert field(page, "period") == "2025-03-01 – 2025-03-31"
    assert field(page, "hours") == "2.5"
    assert field(page, "services") == "2"
    assert field(page, "issuer") == certificate.issuer_name
    assert field(page, "issued") == f"{timezone.localdate(certificate.issued_at):%Y-%m-%d}"
    # Nothing more of the volunteer than the masked name.
    assert FULL_NAME not in page
    assert ID_NUMBER not in page and "3301**********1234" not in page
    assert world.member.user.phone not in page
    # Not indexed, and nothing a strict content security policy would refuse.
    assert "noindex" in response["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "<script" not in page and " style=" not in page and not re.search(r"\son\w+=", page)


def test_the_page_reads_in_plain_words(certificate):
    page = text_of(browser_for(None, "en").get(check_url(certificate)))
    assert "This certificate is valid." in page
    assert "Total hours" in page and "Date of issue" in page


def test_a_revoked_certificate_says_so_with_date_and_reason(world, certificate):
    certificate_revoke(certificate=certificate, actor=world.reviewer, reason=REASON)

    response = browser_for(None).get(check_url(certificate))

    assert response.status_code == 200
    page = text_of(response)
    assert status_of(page) == "revoked"
    assert REASON in page
    assert f"{timezone.localdate():%Y-%m-%d}" in page
    assert field(page, "number") == certificate.number
    english = text_of(browser_for(None, "en").get(check_url(certificate)))
    assert "This certificate has been revoked. It is no longer valid." in english
    assert f"This certificate was revoked on {timezone.localdate():%Y-%m-%d}. Reason: {REASON}" in english
    assert "This certificate is valid." not in english


@pytest.mark.parametrize("code", ["AAAAAAAAAAAA", "not-a-real-code", "x" * 200, "%E8%AF%81"])
def test_an_unknown_code_is_a_plain_no_such_certificate_page_with_404(certificate, code):
    response = browser_for(None, "en").get(f"/verify/{code}/")

    assert response.status_code == 404
    page = text_of(response)
    assert status_of(page) == "unknown"
    assert "No such certificate" in page
    assert "No certificate has this verification code." in page
    # No internal error codes, no traceback, nothing of any real certificate.
    assert "certificate_not_found" not in page and "err-code" not in page and "Traceback" not in page
    assert certificate.number not in page
    assert "noindex" in response["X-Robots-Tag"]


def test_a_code_differing_in_case_is_unknown(certificate):
    code = certificate.verification_code
    other = code.swapcase() if code.swapcase() != code else code + "x"
    assert browser_for(None).get(check_url(other)).status_code == 404


@pytest.mark.parametrize("role", ["member", "other_member", "staff", "reviewer", "outsider"])
def test_signed_in_users_see_the_same_page(world, certificate, role):
    response = browser_for(world.user(role)).get(check_url(certificate))
    assert response.status_code == 200
    assert status_of(text_of(response)) == "valid"
    assert field(text_of(response), "holder") == "欧***"


def test_the_check_is_read_only(world, certificate):
    assert browser_for(None).post(check_url(certificate)).status_code == 405


# --- the organ's certificates page -----------------------------------------------------------------------------------

LIST = "/manage/certificates/"


def revoke_url(certificate):
    return reverse("manage:certificate-revoke", args=[certificate.pk])


@pytest.fixture
def theirs(world, serve):  # noqa: F811
    serve(member=world.other_member, grid=world.other_grid, minutes=30)
    return certificate_issue(
        member=world.other_member, actor=world.other_member.user, period_start=FIRST_DAY, period_end=LAST_DAY
    )


def test_the_reviewer_lists_the_organs_certificates_with_a_revoke_form(world, certificate, theirs):
    response = browser_for(world.reviewer).get(LIST)

    assert response.status_code == 200
    page = text_of(response)
    assert f'data-certificate="{certificate.number}"' in page
    assert FULL_NAME in page  # the organ sees its member's name
    assert f'data-certificate="{theirs.number}"' not in page  # another organ's member
    assert f'action="{revoke_url(certificate)}"' in page
    assert 'maxlength="200"' in page
    assert reverse("manage:certificate-pdf", args=[certificate.pk]) in page
    assert reverse("manage:certificates") in text_of(browser_for(world.reviewer).get(reverse("manage:members")))


def test_the_superuser_lists_every_certificate(world, certificate, theirs):
    page = text_of(browser_for(world.superuser).get(LIST))
    assert f'data-certificate="{certificate.number}"' in page and f'data-certificate="{theirs.number}"' in page


def test_the_list_filters_by_number_name_and_status(world, certificate, serve):  # noqa: F811
    second = certificate_issue(member=world.member, actor=world.reviewer, period_start=FIRST_DAY, period_end=LAST_DAY)
    certificate_revoke(certificate=second, actor=world.reviewer, reason=REASON)
    client = browser_for(world.reviewer)

    def listed(query):
        return re.findall(r'data-certificate="([^"]+)"', text_of(client.get(LIST, query)))

    assert set(listed({})) == {certificate.number, second.number}
    assert listed({"q": certificate.number}) == [certificate.number]
    assert set(listed({"q": FULL_NAME[:2]})) == {certificate.number, second.number}
    assert listed({"status": "revoked"}) == [second.number]
    assert listed({"status": "valid"}) == [certificate.number]


def test_the_reviewer_revokes_on_the_page(world, certificate):
    client = browser_for(world.reviewer, "en")

    response = client.post(revoke_url(certificate), {"reason": REASON, "next": f"{LIST}?status=valid"})

    assert response.status_code == 302 and response["Location"] == f"{LIST}?status=valid"
    stored = Certificate.objects.get(pk=certificate.pk)
    assert stored.is_revoked and stored.revoked_by == world.reviewer and stored.revocation_reason == REASON
    entry = AuditEntry.objects.get(subject_type="ledger.certificate", subject_id=certificate.pk, action="revoke")
    assert entry.actor == world.reviewer and entry.reason == REASON
    page = text_of(client.get(LIST))
    assert f"Certificate {certificate.number} has been revoked." in page
    row = page.split(f'data-certificate="{certificate.number}"', 1)[1].split("</li>", 1)[0]
    assert "Revoked" in row and REASON in row
    assert revoke_url(certificate) not in page  # no second revocation offered


def test_a_blank_reason_is_refused_with_the_message_only(world, certificate):
    client = browser_for(world.reviewer, "en")

    client.post(revoke_url(certificate), {"reason": "   "})

    assert not Certificate.objects.get(pk=certificate.pk).is_revoked
    page = text_of(client.get(LIST))
    assert "Give a reason." in page
    assert "reason_required" not in page and "err-code" not in page


def test_an_overlong_reason_is_refused(world, certificate):
    client = browser_for(world.reviewer, "en")
    client.post(revoke_url(certificate), {"reason": "长" * 201})
    assert not Certificate.objects.get(pk=certificate.pk).is_revoked
    assert "at most 200 characters" in text_of(client.get(LIST))


def test_a_second_revocation_on_the_page_is_refused(world, certificate):
    certificate_revoke(certificate=certificate, actor=world.superuser, reason=REASON)
    client = browser_for(world.reviewer, "en")

    client.post(revoke_url(certificate), {"reason": "再次撤销"})

    assert Certificate.objects.get(pk=certificate.pk).revocation_reason == REASON
    page = text_of(client.get(LIST))
    assert "This certificate has already been revoked." in page
    assert "certificate_already_revoked" not in page


def test_another_organs_reviewer_gets_404(world, certificate, other_reviewer):  # noqa: F811
    client = browser_for(other_reviewer)
    assert client.post(revoke_url(certificate), {"reason": REASON}).status_code == 404
    assert client.get(reverse("manage:certificate-pdf", args=[certificate.pk])).status_code == 404
    assert not Certificate.objects.get(pk=certificate.pk).is_revoked


@pytest.mark.parametrize("role", ["member", "staff", "secretary", "street_admin"])
def test_other_roles_may_not_open_the_page_or_revoke(world, certificate, role):
    client = browser_for(world.user(role))
    assert client.get(LIST).status_code == 403
    assert client.post(revoke_url(certificate), {"reason": REASON}).status_code == 403
    assert not Certificate.objects.get(pk=certificate.pk).is_revoked


def test_signed_out_visitors_are_sent_to_log_in(certificate):
    response = browser_for(None).post(revoke_url(certificate), {"reason": REASON})
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))
    assert not Certificate.objects.get(pk=certificate.pk).is_revoked


def test_the_reviewer_downloads_the_pdf(world, certificate):
    response = browser_for(world.reviewer).get(reverse("manage:certificate-pdf", args=[certificate.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


# --- the member's certificates page ----------------------------------------------------------------------------------


def test_the_member_sees_that_a_certificate_was_revoked_and_why(world, certificate):
    client = browser_for(world.member.user, "en")
    before = text_of(client.get(reverse("profile:certificates")))
    assert "Revoked" not in before

    certificate_revoke(certificate=certificate, actor=world.reviewer, reason=REASON)

    page = text_of(client.get(reverse("profile:certificates")))
    row = page.split(f'data-certificate="{certificate.number}"', 1)[1].split("</li>", 1)[0]
    assert "Revoked" in row
    assert f"This certificate was revoked on {timezone.localdate():%Y-%m-%d}. Reason: {REASON}" in row
    # The download stays (the PDF is marked as revoked).
    assert reverse("profile:certificate-pdf", args=[certificate.pk]) in row
    assert client.get(reverse("profile:certificate-pdf", args=[certificate.pk])).status_code == 200
