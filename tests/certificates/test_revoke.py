"""Revoking a certificate: who may (the organ's reviewers and superusers, not the holder), the reason, the audit
entry, a second revocation refused; the API action; what the public check and the PDF say afterwards; where the
QR code points."""

import shutil
import subprocess
from datetime import datetime, timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone, translation

from apps.core.errors import Conflict, Forbidden, Invalid
from apps.ledger import certificates
from apps.ledger.certificates import certificate_issue, certificate_pdf, certificate_revoke
from apps.ledger.models import AuditEntry, Certificate
from tests.certificates.conftest import FIRST_DAY, LAST_DAY

pytestmark = pytest.mark.django_db

REASON = "服务时长登记有误，已重新开具"


@pytest.fixture
def certificate(world, serve):
    serve(minutes=90)
    return certificate_issue(member=world.member, actor=world.member.user, period_start=FIRST_DAY, period_end=LAST_DAY)


def revoke_url(certificate):
    return f"/api/v1/certificates/{certificate.pk}/revoke/"


def verify_api(code):
    return f"/api/v1/certificates/verify/{code}/"


def revocations(certificate):
    return AuditEntry.objects.filter(subject_type="ledger.certificate", subject_id=certificate.pk, action="revoke")


# --- the service ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reviewer", "superuser"])
def test_the_organs_reviewer_and_a_superuser_revoke_with_a_reason(world, certificate, role):
    actor = world.user(role)
    before = timezone.now()

    revoked = certificate_revoke(certificate=certificate, actor=actor, reason=f"  {REASON}  ")

    stored = Certificate.objects.get(pk=certificate.pk)
    assert stored.is_revoked and revoked.is_revoked
    assert stored.revoked_at >= before
    assert stored.revoked_by == actor
    assert stored.revocation_reason == REASON  # trimmed
    # The snapshot stays as it was issued.
    assert (stored.total_minutes, stored.record_count, stored.number) == (90, 1, certificate.number)


def test_revocation_writes_one_audit_entry_with_before_and_after(world, certificate):
    certificate_revoke(certificate=certificate, actor=world.reviewer, reason=REASON)

    entry = revocations(certificate).get()
    assert entry.actor == world.reviewer
    assert entry.reason == REASON
    assert entry.before == {"revoked_at": None, "revoked_by": None, "revocation_reason": ""}
    assert entry.after["revoked_by"] == world.reviewer.pk
    assert entry.after["revocation_reason"] == REASON
    stored = Certificate.objects.get(pk=certificate.pk)
    logged = datetime.fromisoformat(entry.after["revoked_at"].replace("Z", "+00:00"))
    assert abs(logged - stored.revoked_at) < timedelta(milliseconds=1)  # JSON keeps milliseconds


def test_the_holder_may_issue_but_not_revoke(world, certificate):
    with pytest.raises(Forbidden) as caught:
        certificate_revoke(certificate=certificate, actor=world.member.user, reason=REASON)
    assert caught.value.code == "certificate_revoke_not_allowed"
    assert not Certificate.objects.get(pk=certificate.pk).is_revoked
    assert not revocations(certificate).exists()


@pytest.mark.parametrize(
    "role", ["other_member", "staff", "grid_worker", "secretary", "street_admin", "district_admin", "outsider"]
)
def test_nobody_else_may_revoke(world, certificate, role):
    with pytest.raises(Forbidden) as caught:
        certificate_revoke(certificate=certificate, actor=world.user(role), reason=REASON)
    assert caught.value.code == "certificate_revoke_not_allowed"
    assert not Certificate.objects.get(pk=certificate.pk).is_revoked


def test_another_organs_reviewer_may_not_revoke(world, certificate, other_reviewer):
    with pytest.raises(Forbidden):
        certificate_revoke(certificate=certificate, actor=other_reviewer, reason=REASON)
    assert not Certificate.objects.get(pk=certificate.pk).is_revoked


def test_a_second_revocation_is_refused_and_changes_nothing(world, certificate):
    certificate_revoke(certificate=certificate, actor=world.reviewer, reason=REASON)
    first = Certificate.objects.get(pk=certificate.pk)

    with pytest.raises(Conflict) as caught:
        certificate_revoke(certificate=certificate, actor=world.superuser, reason="再次撤销")

    assert caught.value.code == "certificate_already_revoked"
    again = Certificate.objects.get(pk=certificate.pk)
    assert (again.revoked_at, again.revoked_by, again.revocation_reason) == (
        first.revoked_at,
        first.revoked_by,
        first.revocation_reason,
    )
    assert revocations(certificate).count() == 1


def test_a_stale_copy_of_the_certificate_cannot_revoke_twice(world, certificate):
    """Two revocations from copies read before either wrote: the conditional update lets one win."""
    stale = Certificate.objects.get(pk=certificate.pk)
    certificate_revoke(certificate=certificate, actor=world.reviewer, reason=REASON)
    with pytest.raises(Conflict):
        certificate_revoke(certificate=stale, actor=world.superuser, reason="并发撤销")
    assert revocations(certificate).count() == 1


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_reason_is_required(world, certificate, reason):
    with pytest.raises(Invalid) as caught:
        certificate_revoke(certificate=certificate, actor=world.reviewer, reason=reason)
    assert caught.value.code == "reason_required"
    assert not Certificate.objects.get(pk=certificate.pk).is_revoked


def test_a_reason_over_the_limit_is_refused_and_the_limit_itself_accepted(world, certificate):
    limit = Certificate._meta.get_field("revocation_reason").max_length
    with pytest.raises(Invalid) as caught:
        certificate_revoke(certificate=certificate, actor=world.reviewer, reason="长" * (limit + 1))
    assert caught.value.code == "reason_too_long"
    assert not Certificate.objects.get(pk=certificate.pk).is_revoked

    certificate_revoke(certificate=certificate, actor=world.reviewer, reason="长" * limit)
    assert Certificate.objects.get(pk=certificate.pk).revocation_reason == "长" * limit


# --- the API -------------------------------------------------------------------------------------------------------


def test_api_revoke_by_the_reviewer_answers_the_revoked_certificate(world, certificate, make_client):
    response = make_client(world.reviewer).post(revoke_url(certificate), {"reason": REASON}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["number"] == certificate.number
    assert body["valid"] is False
    assert body["revoked_at"] is not None
    assert body["revoked_by"] == world.reviewer.pk
    assert body["revocation_reason"] == REASON
    assert revocations(certificate).count() == 1


def test_api_revoke_by_the_holder_is_403(world, certificate, make_client):
    response = make_client(world.member.user).post(revoke_url(certificate), {"reason": REASON}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "certificate_revoke_not_allowed"
    assert not Certificate.objects.get(pk=certificate.pk).is_revoked


@pytest.mark.parametrize("role", ["other_member", "staff", "secretary", "street_admin", "outsider"])
def test_api_revoke_of_a_certificate_one_cannot_see_is_404(world, certificate, make_client, role):
    response = make_client(world.user(role)).post(revoke_url(certificate), {"reason": REASON}, format="json")
    assert response.status_code == 404
    assert not Certificate.objects.get(pk=certificate.pk).is_revoked


def test_api_revoke_by_another_organs_reviewer_is_404(world, certificate, make_client, other_reviewer):
    response = make_client(other_reviewer).post(revoke_url(certificate), {"reason": REASON}, format="json")
    assert response.status_code == 404


def test_api_revoke_needs_sign_in(api, certificate):
    assert api.post(revoke_url(certificate), {"reason": REASON}, format="json").status_code == 403
    assert not Certificate.objects.get(pk=certificate.pk).is_revoked


def test_api_revoke_without_a_reason_is_422_and_twice_is_409(world, certificate, make_client):
    client = make_client(world.reviewer)

    missing = client.post(revoke_url(certificate), {}, format="json")
    assert missing.status_code == 422
    assert missing.json()["code"] == "reason_required"

    assert client.post(revoke_url(certificate), {"reason": REASON}, format="json").status_code == 200
    again = client.post(revoke_url(certificate), {"reason": REASON}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "certificate_already_revoked"


def test_api_revoke_with_an_overlong_reason_is_400_naming_the_field(world, certificate, make_client):
    response = make_client(world.reviewer).post(revoke_url(certificate), {"reason": "长" * 201}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert "reason" in response.json()["fields"]
    assert not Certificate.objects.get(pk=certificate.pk).is_revoked


def test_api_revoke_is_post_only(world, certificate, make_client):
    assert make_client(world.reviewer).get(revoke_url(certificate)).status_code == 405


def test_the_json_check_says_revoked_when_and_why(world, certificate, api):
    assert api.get(verify_api(certificate.verification_code)).json()["valid"] is True
    certificate_revoke(certificate=certificate, actor=world.reviewer, reason=REASON)

    body = api.get(verify_api(certificate.verification_code)).json()

    assert body["valid"] is False
    assert body["revoked_on"] == timezone.localdate().isoformat()
    assert body["revocation_reason"] == REASON
    assert body["number"] == certificate.number


def test_the_schema_documents_the_revoke_action(api):
    schema = api.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/certificates/{id}/revoke/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][body]["properties"]["reason"]["maxLength"] == 200
    assert {"200", "403", "404", "409", "422"} <= set(operation["responses"])


# --- the PDF -------------------------------------------------------------------------------------------------------


def _pdf_text(content, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_a_revoked_certificates_pdf_is_marked_with_the_date_and_reason(world, certificate, tmp_path):
    with translation.override("en"):
        valid_text = _pdf_text(certificate_pdf(certificate, base_url="https://example.org"), tmp_path)
        certificate_revoke(certificate=certificate, actor=world.reviewer, reason=REASON)
        revoked_text = _pdf_text(certificate_pdf(certificate, base_url="https://example.org"), tmp_path)

    assert "Revoked" not in valid_text
    assert "Revoked" in revoked_text
    flat = revoked_text.replace("\n", "")  # long lines wrap
    assert f"revoked on {timezone.localdate():%Y-%m-%d}" in flat
    assert REASON in flat
    assert certificate.number in revoked_text  # still the same certificate, only marked


@pytest.mark.parametrize("role", ["member", "reviewer"])
def test_a_revoked_certificate_still_downloads(world, certificate, make_client, role):
    certificate_revoke(certificate=certificate, actor=world.reviewer, reason=REASON)
    response = make_client(world.user(role)).get(f"/api/v1/certificates/{certificate.pk}/pdf/")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


@pytest.fixture
def qr_payloads(monkeypatch):
    """What the PDF's QR codes encode: the value handed to reportlab's QR widget, recorded on the way."""
    from reportlab.graphics.barcode import qr

    seen = []
    original = qr.QrCodeWidget

    def recording(value, *args, **kwargs):
        seen.append(value)
        return original(value, *args, **kwargs)

    monkeypatch.setattr(qr, "QrCodeWidget", recording)
    return seen


def test_the_qr_code_opens_the_public_page(world, certificate, qr_payloads):
    certificate_pdf(certificate, base_url="https://sbd.example.org/")
    assert qr_payloads == [f"https://sbd.example.org/verify/{certificate.verification_code}/"]


@override_settings(CERTIFICATE_VERIFY_BASE_URL="", SITE_URL="https://site.example.org")
def test_the_qr_code_is_absolute_on_the_site_url_when_downloaded(world, certificate, make_client, qr_payloads):
    response = make_client(world.member.user).get(f"/api/v1/certificates/{certificate.pk}/pdf/")
    assert response.status_code == 200
    assert qr_payloads == [f"https://site.example.org/verify/{certificate.verification_code}/"]


@override_settings(CERTIFICATE_VERIFY_BASE_URL="https://check.example.org/", SITE_URL="https://site.example.org")
def test_the_certificate_setting_wins_over_the_site_url_on_the_members_page_too(world, certificate, qr_payloads):
    client = Client()
    client.force_login(world.member.user)
    assert client.get(f"/me/certificate/{certificate.pk}/pdf/").status_code == 200
    assert qr_payloads[-1] == f"https://check.example.org/verify/{certificate.verification_code}/"


def test_without_settings_the_base_is_the_address_of_the_request(rf, settings):
    settings.CERTIFICATE_VERIFY_BASE_URL = ""
    settings.SITE_URL = ""
    request = rf.get("/")
    assert certificates.certificate_base_url(request) == "http://testserver/"
    assert certificates.certificate_base_url() == ""


def test_direction_controls_are_removed_from_the_revocation_reason(world, certificate, make_client):
    response = make_client(world.reviewer).post(
        revoke_url(certificate), {"reason": "\u202e数据有误\u202c"}, format="json"
    )
    assert response.status_code == 200
    assert Certificate.objects.get(pk=certificate.pk).revocation_reason == "数据有误"
