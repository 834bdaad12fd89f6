"""The API of one-time codes: ask for a code, set the password with it (anonymous, like the login)."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.models import OneTimeCode
from apps.ledger.models import AuditEntry
from tests import factories as f

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
NEW_PASSWORD = "Brand-new-pass-42"


@pytest.fixture
def user():
    user = f.UserFactory(phone=PHONE)
    user.set_unusable_password()
    user.save()
    return user


@pytest.fixture
def ask(api, django_capture_on_commit_callbacks):
    def ask(phone=PHONE, client=None):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or api).post(reverse("auth-code"), {"phone": phone})

    return ask


def texted_code(sms_outbox):
    return re.search(r"(?<!\d)\d{6}(?!\d)", sms_outbox[-1][1]).group(0)


def test_asking_for_a_code_answers_202_and_texts_the_code(user, ask, sms_outbox):
    response = ask("139 1234 5678")

    assert response.status_code == 202
    assert set(response.data) == {"detail"}
    assert "139****5678" in response.data["detail"]
    assert [phone for phone, _ in sms_outbox] == [PHONE]
    assert texted_code(sms_outbox) not in response.content.decode()


def test_a_number_without_an_account_gets_the_very_same_answer(user, ask, sms_outbox):
    known = ask(PHONE)
    unknown = ask("13900005678")  # masked the same way: 139****5678

    assert (unknown.status_code, unknown.data) == (known.status_code, known.data)
    assert [phone for phone, _ in sms_outbox] == [PHONE]


def test_asking_again_too_soon_is_a_409_with_the_wait(user, ask):
    ask()
    response = ask()
    assert response.status_code == 409
    assert response.data["code"] == "code_rate_limited"
    assert 0 < response.data["retry_after"] <= 60


def test_a_malformed_number_is_422_and_a_missing_one_400(ask, api):
    malformed = ask("12345")
    assert (malformed.status_code, malformed.data["code"]) == (422, "invalid_phone")
    missing = api.post(reverse("auth-code"), {})
    assert (missing.status_code, missing.data["code"]) == (400, "invalid_input")
    assert list(missing.data["fields"]) == ["phone"]
    assert not OneTimeCode.objects.exists()


def test_anonymous_posts_need_no_csrf_token_like_the_login(user, ask):
    assert ask(client=APIClient(enforce_csrf_checks=True)).status_code == 202


def test_the_right_code_sets_the_password_and_signs_in(user, ask, api, sms_outbox):
    ask()
    response = api.post(
        reverse("auth-password"), {"phone": PHONE, "code": texted_code(sms_outbox), "password": NEW_PASSWORD}
    )

    assert response.status_code == 200
    assert response.data["id"] == user.pk
    assert api.get(reverse("me")).status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert api.post(reverse("auth-login"), {"phone": PHONE, "password": NEW_PASSWORD}).status_code == 200


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [("wrong", 422, "code_invalid"), ("weak", 422, "weak_password"), ("used", 409, "code_used")],
)
def test_a_refused_password_change_answers_its_error_and_signs_nobody_in(
    case, status, code, user, ask, api, sms_outbox
):
    ask()
    right = texted_code(sms_outbox)
    body = {"phone": PHONE, "code": right, "password": NEW_PASSWORD}
    if case == "wrong":
        body["code"] = f"{(int(right) + 1) % 10**6:06d}"
    elif case == "weak":
        body["password"] = "12345678"
    else:
        APIClient().post(reverse("auth-password"), body)

    response = api.post(reverse("auth-password"), body)

    assert (response.status_code, response.data["code"]) == (status, code)
    assert right not in response.content.decode()
    assert api.get(reverse("me")).status_code == 403
    assert AuditEntry.objects.filter(action="password_set").count() == (1 if case == "used" else 0)


def test_a_wrong_code_through_the_api_counts_a_try(user, ask, api, sms_outbox):
    ask()
    wrong = f"{(int(texted_code(sms_outbox)) + 1) % 10**6:06d}"
    api.post(reverse("auth-password"), {"phone": PHONE, "code": wrong, "password": NEW_PASSWORD})
    assert OneTimeCode.objects.get().attempts == 1


def test_the_schema_documents_both_endpoints_for_anonymous_use(api):
    schema = api.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    send = schema["paths"]["/api/v1/auth/code/"]["post"]
    assert "202" in send["responses"] and "409" in send["responses"]
    password = schema["paths"]["/api/v1/auth/password/"]["post"]
    assert "200" in password["responses"] and "422" in password["responses"]
    body = password["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][body]["required"]) == {"phone", "code", "password"}
