"""The sealed ledger at a glance for the platform's administrators: a panel on the dashboard's overview (the latest
verification, when, its outcome and the seal it reached, or "never verified"; the latest seal as printed) and
GET /api/v1/ledger/seal/ with the same, for district administrators and superusers only."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.seals.models import Seal
from apps.seals.selectors import seal_witness_line
from apps.seals.services import ledger_check_record, ledger_seal
from apps.seals.verify import ledger_verify
from tests.seals.conftest import Ledger, sql

pytestmark = pytest.mark.django_db

URL = "/api/v1/ledger/seal/"


@pytest.fixture
def ledger(world):
    return Ledger(world)


def overview(user, language="en"):
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def check_state(page):
    found = re.search(r'data-ledger-check="(\w+)"', page)
    return found.group(1) if found else None


def verify_now():
    return ledger_check_record(report=ledger_verify(), started_at=timezone.now())


@pytest.mark.parametrize("role", ["district_admin", "superuser"])
def test_administrators_see_that_the_ledger_was_never_verified_and_nothing_is_sealed(world, role):
    page = overview(world.user(role))
    assert 'id="ledger"' in page
    assert check_state(page) == "never"
    assert "Never verified." in page
    assert "Ledger seal: nothing sealed yet" in page


@pytest.mark.parametrize("role", ["reviewer", "secretary", "street_admin"])
def test_the_other_dashboard_users_see_no_panel(world, ledger, role):
    ledger_seal()
    verify_now()
    page = overview(world.user(role))
    assert 'id="ledger"' not in page and "data-ledger-check" not in page
    assert Seal.objects.get().digest not in page


def test_a_verified_ledger_with_its_time_and_seal(world, ledger):
    seal = ledger_seal()
    check = verify_now()

    page = overview(world.district_admin)
    assert check_state(page) == "ok"
    assert f"{timezone.localtime(check.started_at):%Y-%m-%d %H:%M}" in page
    assert "Verified" in page and f"up to seal No. {seal.seq}" in page
    assert seal_witness_line(seal) in page and seal.witness in page


def test_a_ledger_with_problems_gives_their_number(world, ledger):
    ledger_seal()
    for record in ledger.approved[:2]:
        sql("UPDATE ledger_servicerecord SET credited_minutes = 1 WHERE id = %s", [record.pk])
    verify_now()

    page = overview(world.superuser)
    assert check_state(page) == "problems"
    assert "2 problems found" in page


def test_the_panel_reads_in_chinese_by_default(world, ledger):
    ledger_seal()
    verify_now()
    page = overview(world.district_admin, language="zh-hans")
    assert check_state(page) == "ok"


# --- the API ----------------------------------------------------------------------------------------------------


def test_the_api_gives_nothing_before_the_first_seal(world, make_client):
    response = make_client(world.district_admin).get(URL)
    assert response.status_code == 200
    assert response.json() == {"seal": None, "check": None}


def test_the_api_gives_the_latest_seal_and_verification(world, ledger, make_client):
    ledger_seal()
    ledger.record(7)
    seal = ledger_seal()
    check = verify_now()

    body = make_client(world.superuser).get(URL).json()
    assert body["seal"]["seq"] == seal.seq == 2
    assert body["seal"]["witness"] == seal.witness and body["seal"]["digest"] == seal.digest
    assert body["seal"]["line"] == seal_witness_line(seal)
    assert body["seal"]["leaf_count"] == seal.leaf_count
    assert body["check"]["ok"] is True and body["check"]["problem_count"] == 0
    assert body["check"]["last_seal"] == seal.witness
    assert body["check"]["seals"] == 2 and body["check"]["sealed_entries"] == check.leaves


@pytest.mark.parametrize("role", ["member", "staff", "secretary", "reviewer", "street_admin", "outsider"])
def test_the_api_is_for_administrators_only(world, make_client, role):
    assert make_client(world.user(role)).get(URL).status_code == 403


def test_the_api_refuses_anonymous_requests(api):
    assert api.get(URL).status_code == 403


def test_the_schema_documents_the_endpoint(api):
    schema = api.get("/api/schema/?format=json").json()
    operation = schema["paths"][URL]["get"]
    assert "verify_ledger --seal" in operation["description"]
    body = schema["components"]["schemas"]["LedgerSealOutput"]["properties"]
    assert set(body) == {"seal", "check"}
