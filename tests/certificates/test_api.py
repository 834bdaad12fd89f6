"""The certificate API: issue, list, PDF download (all scoped) and the public check with masked data."""

from datetime import timedelta

import pytest
from django.urls import reverse

from apps.ledger import services
from apps.ledger.certificates import certificate_issue
from apps.ledger.models import Certificate
from tests.certificates.conftest import FIRST_DAY, LAST_DAY

pytestmark = pytest.mark.django_db

LIST = "/api/v1/certificates/"
PERIOD = {"period_start": FIRST_DAY.isoformat(), "period_end": LAST_DAY.isoformat()}


def pdf_url(certificate):
    return f"/api/v1/certificates/{certificate.pk}/pdf/"


def verify_url(code):
    return f"/api/v1/certificates/verify/{code}/"


@pytest.fixture
def certificate(world, serve):
    serve(minutes=90)
    return certificate_issue(member=world.member, actor=world.member.user, period_start=FIRST_DAY, period_end=LAST_DAY)


def test_urls_are_the_documented_ones():
    assert reverse("certificate-list") == LIST
    assert reverse("certificate-verify", kwargs={"code": "abc"}) == verify_url("abc")


def test_member_issues_a_certificate(world, serve, make_client):
    serve(minutes=90)
    serve(day=FIRST_DAY + timedelta(days=1), minutes=60)

    response = make_client(world.member.user).post(LIST, PERIOD, format="json")

    assert response.status_code == 201, response.data
    body = response.json()
    certificate = Certificate.objects.get()
    assert body["number"] == certificate.number
    assert body["verification_code"] == certificate.verification_code
    assert body["total_minutes"] == 150 and body["total_hours"] == "2.5" and body["record_count"] == 2
    # The QR code's page for people; the same check as JSON for integrators.
    assert body["verify_url"] == f"http://testserver/verify/{certificate.verification_code}/"
    assert body["verify_api_url"] == f"http://testserver{verify_url(certificate.verification_code)}"
    assert body["valid"] is True and body["revoked_at"] is None
    assert body["pdf_url"] == f"http://testserver{pdf_url(certificate)}"


def test_empty_period_gives_422_no_approved_service(world, make_client):
    response = make_client(world.member.user).post(LIST, PERIOD, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "no_approved_service"


def test_reversed_period_gives_422_period_invalid(world, serve, make_client):
    serve()
    period = {"period_start": LAST_DAY.isoformat(), "period_end": FIRST_DAY.isoformat()}
    response = make_client(world.member.user).post(LIST, period, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "period_invalid"


def test_missing_dates_give_400(world, make_client):
    response = make_client(world.member.user).post(LIST, {"period_start": "2025-03-01"}, format="json")
    assert response.status_code == 400


def test_user_without_member_profile_and_no_member_gets_403(world, make_client):
    response = make_client(world.reviewer).post(LIST, PERIOD, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_member"


def test_reviewer_issues_for_a_member_of_the_organ(world, serve, make_client):
    serve()
    response = make_client(world.reviewer).post(LIST, {**PERIOD, "member": world.member.pk}, format="json")
    assert response.status_code == 201, response.data
    assert Certificate.objects.get().issued_by == world.reviewer


def test_branch_secretary_sees_the_member_but_may_not_issue(world, serve, make_client):
    serve()
    response = make_client(world.secretary).post(LIST, {**PERIOD, "member": world.member.pk}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "certificate_not_allowed"


@pytest.mark.parametrize("role", ["other_member", "staff", "outsider", "street_admin"])
def test_issuing_for_a_member_outside_ones_organization_reads_as_404(world, serve, make_client, role):
    serve()
    response = make_client(world.user(role)).post(LIST, {**PERIOD, "member": world.member.pk}, format="json")
    assert response.status_code == 404
    assert not Certificate.objects.exists()


def test_other_organs_reviewer_issuing_reads_as_404(world, serve, make_client, other_reviewer):
    serve()
    response = make_client(other_reviewer).post(LIST, {**PERIOD, "member": world.member.pk}, format="json")
    assert response.status_code == 404


def test_anonymous_may_not_issue_or_list(api):
    assert api.post(LIST, PERIOD, format="json").status_code in (401, 403)
    assert api.get(LIST).status_code in (401, 403)


@pytest.mark.parametrize("role", ["member", "reviewer", "superuser"])
def test_list_shows_the_certificate_to_holder_reviewer_and_superuser(world, certificate, make_client, role):
    response = make_client(world.user(role)).get(LIST)
    assert response.status_code == 200
    assert [row["number"] for row in response.json()["results"]] == [certificate.number]


@pytest.mark.parametrize("role", ["other_member", "staff", "secretary", "street_admin", "outsider"])
def test_list_hides_the_certificate_from_others(world, certificate, make_client, role):
    response = make_client(world.user(role)).get(LIST)
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_list_hides_the_certificate_from_other_organs_reviewer(world, certificate, make_client, other_reviewer):
    assert make_client(other_reviewer).get(LIST).json()["results"] == []


def test_list_query_count_does_not_grow_with_certificates(world, serve, make_client, django_assert_max_num_queries):
    serve()
    for _ in range(5):
        certificate_issue(member=world.member, actor=world.reviewer, period_start=FIRST_DAY, period_end=LAST_DAY)
    client = make_client(world.reviewer)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert len(response.json()["results"]) == 5


@pytest.mark.parametrize("role", ["member", "reviewer", "superuser"])
def test_pdf_download_for_those_who_see_it(world, certificate, make_client, role):
    response = make_client(world.user(role)).get(pdf_url(certificate))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{certificate.number}.pdf"'
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("role", ["other_member", "staff", "secretary", "outsider"])
def test_pdf_of_someone_elses_certificate_reads_as_404(world, certificate, make_client, role):
    assert make_client(world.user(role)).get(pdf_url(certificate)).status_code == 404


def test_pdf_for_other_organs_reviewer_reads_as_404(world, certificate, make_client, other_reviewer):
    assert make_client(other_reviewer).get(pdf_url(certificate)).status_code == 404


def test_public_check_needs_no_login_and_shows_masked_data_only(world, certificate, api):
    member = world.member
    type(member).objects.filter(pk=member.pk).update(id_number="330102199001011234")

    response = api.get(verify_url(certificate.verification_code))

    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True
    assert body["number"] == certificate.number
    assert body["total_hours"] == "1.5" and body["record_count"] == 1
    assert body["period_start"] == "2025-03-01" and body["period_end"] == "2025-03-31"
    assert body["member_name"] == member.user.name[0] + "*" * (len(member.user.name) - 1)
    raw = response.content.decode()
    assert member.user.name not in raw
    assert member.user.phone not in raw
    assert "330102199001011234" not in raw
    assert "verification_code" not in body


def test_public_check_of_unknown_code_gives_404_certificate_not_found(api, certificate):
    response = api.get(verify_url("not-a-real-code"))
    assert response.status_code == 404
    assert response.json()["code"] == "certificate_not_found"


def test_issued_totals_reflect_amendments(world, serve, make_client):
    record = serve(minutes=90)
    services.record_amend(record=record, actor=world.staff, credited_minutes=30, residents_served=0, reason="更正")
    response = make_client(world.member.user).post(LIST, PERIOD, format="json")
    assert response.json()["total_minutes"] == 30
    check = make_client(world.outsider).get(verify_url(response.json()["verification_code"]))
    assert check.json()["total_hours"] == "0.5"
