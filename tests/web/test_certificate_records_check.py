"""The public certificate check says whether the service records behind the certificate still match their seals:
verified, not sealed yet (and by when), or altered (how many, never which nor whose); the JSON check says the
same."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.ledger.certificates import certificate_issue
from apps.seals.services import ledger_check_record, ledger_seal
from apps.seals.verify import ledger_verify
from tests.certificates.conftest import FIRST_DAY, LAST_DAY, serve  # noqa: F401 (fixture)
from tests.seals.conftest import sql

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(world, serve):  # noqa: F811
    return [serve(minutes=90), serve(day=FIRST_DAY.replace(day=5), minutes=60)]


def issue(world):
    return certificate_issue(member=world.member, actor=world.member.user, period_start=FIRST_DAY, period_end=LAST_DAY)


def page_of(certificate):
    response = Client(headers={"accept-language": "en"}).get(
        reverse("public:certificate", kwargs={"code": certificate.verification_code})
    )
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def attribute(page, name):
    found = re.search(rf'{name}="([^"]*)"', page)
    return found.group(1) if found else None


def api_check(api, certificate):
    response = api.get(f"/api/v1/certificates/verify/{certificate.verification_code}/")
    assert response.status_code == 200
    return response.json()["records_check"]


def test_sealed_records_verify_on_the_page_and_in_the_api(world, records, api):
    ledger_seal()
    certificate = issue(world)

    page = page_of(certificate)
    assert attribute(page, "data-records") == "verified"
    assert "The records behind this certificate verify." in page
    assert attribute(page, "data-ledger-check") == "never"
    assert api_check(api, certificate) == {
        "status": "verified",
        "records": 2,
        "sealed": 2,
        "not_sealed": 0,
        "altered": 0,
        "missing": 0,
        "figures_match": True,
        "sealed_by": None,
        "ledger_verified_at": None,
        "ledger_verified": None,
    }


def test_records_not_sealed_yet_say_when_they_will_be(world, records, api):
    certificate = issue(world)

    page = page_of(certificate)
    assert attribute(page, "data-records") == "not_sealed"
    check = api_check(api, certificate)
    assert check["status"] == "not_sealed" and check["not_sealed"] == 2 and check["sealed_by"]
    sealed_by = timezone.localtime(timezone.datetime.fromisoformat(check["sealed_by"]))
    assert f"Check again after {sealed_by:%H:%M}." in page


def test_a_tampered_record_is_counted_without_naming_anything(world, records, api):
    ledger_seal()
    certificate = issue(world)
    ledger_check_record(report=ledger_verify(), started_at=timezone.now())
    sql("UPDATE ledger_servicerecord SET content = %s WHERE id = %s", ["伪造的服务内容", records[1].pk])

    page = page_of(certificate)
    assert attribute(page, "data-records") == "altered"
    assert "The records behind this certificate do not verify." in page
    assert attribute(page, "data-problem") == "altered"
    assert "1 of its ledger records were changed after they were sealed" in page
    assert "伪造的服务内容" not in page  # nothing of the record itself
    # The last full verification (before the change) passed, and the page says so, with its date.
    assert attribute(page, "data-ledger-check") == "ok"
    check = api_check(api, certificate)
    assert (check["status"], check["altered"], check["missing"], check["ledger_verified"]) == ("altered", 1, 0, True)


def test_a_deleted_record_is_missing(world, records, api):
    ledger_seal()
    certificate = issue(world)
    sql("DELETE FROM ledger_servicerecord WHERE id = %s", [records[0].pk])
    ledger_check_record(report=ledger_verify(), started_at=timezone.now())

    page = page_of(certificate)
    assert attribute(page, "data-records") == "altered"
    assert attribute(page, "data-problem") == "missing"
    assert attribute(page, "data-ledger-check") == "problems"
    check = api_check(api, certificate)
    assert (check["missing"], check["figures_match"], check["ledger_verified"]) == (1, False, False)


def test_the_schema_documents_the_check(api):
    schema = api.get("/api/schema/?format=json").json()
    verify = schema["components"]["schemas"]["CertificateVerifyOutput"]["properties"]
    assert "records_check" in verify
    check = schema["components"]["schemas"]["RecordsCheckOutput"]
    assert check["properties"]["status"]["description"].startswith("verified")
