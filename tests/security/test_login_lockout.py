"""Login throttling: repeated failures lock one mobile number from one address, on the page and in the API alike."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from apps.accounts.lockout import LOCKED_CODE, client_address
from tests import factories as f

pytestmark = pytest.mark.django_db
PASSWORD = "Right@Pass2026"


@pytest.fixture
def member_user():
    user = f.UserFactory()
    user.set_password(PASSWORD)
    user.save()
    return user


def page_login(client, phone, password, address="10.0.0.1"):
    return client.post(reverse("web:login"), {"username": phone, "password": password}, REMOTE_ADDR=address)


def api_login(client, phone, password, address="10.0.0.1"):
    body = {"phone": phone, "password": password}
    return client.post("/api/v1/auth/login/", body, content_type="application/json", REMOTE_ADDR=address)


def test_the_page_locks_after_the_limit_and_then_refuses_even_the_right_password(member_user):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert page_login(client, member_user.phone, "wrong").status_code == 200
    locked = page_login(client, member_user.phone, "wrong")
    assert locked.status_code == 429
    assert LOCKED_CODE in locked.content.decode()
    assert "登录失败次数过多" in locked.content.decode()
    assert page_login(client, member_user.phone, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_holds_for_that_number_from_that_address_only(member_user):
    other = f.UserFactory()
    other.set_password(PASSWORD)
    other.save()
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page_login(client, member_user.phone, "wrong")
    # The member, from their own phone's address, still gets in; so does another member from the same address.
    assert page_login(Client(), member_user.phone, PASSWORD, address="10.0.0.2").status_code == 302
    assert page_login(Client(), other.phone, PASSWORD).status_code == 302


def test_the_number_counts_however_it_is_typed(member_user):
    client = Client()
    spaced = f"+86 {member_user.phone[:3]} {member_user.phone[3:7]} {member_user.phone[7:]}"
    for n in range(settings.AXES_FAILURE_LIMIT):
        page_login(client, spaced if n % 2 else member_user.phone, "wrong")
    assert page_login(client, member_user.phone, PASSWORD).status_code == 429


def test_the_api_login_locks_too_and_answers_with_its_code(member_user):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api_login(client, member_user.phone, "wrong").status_code == 422
    locked = api_login(client, member_user.phone, "wrong")
    assert locked.status_code == 429
    assert locked.json()["code"] == LOCKED_CODE


def test_a_success_before_the_limit_clears_the_count(member_user):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        page_login(client, member_user.phone, "wrong")
    assert page_login(client, member_user.phone, PASSWORD).status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert page_login(Client(), member_user.phone, "wrong").status_code == 200


def test_the_page_login_accepts_the_number_with_spaces_and_country_code(member_user):
    phone = member_user.phone
    response = page_login(Client(), f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}", PASSWORD)
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.9", "10.0.0.9"),  # no proxy of ours: the header is the client's word, ignored
        (1, "6.6.6.6, 1.2.3.4", "127.0.0.1", "1.2.3.4"),  # one nginx: the address it saw, not the forged one
        (1, "", "127.0.0.1", "127.0.0.1"),
    ],
)
def test_the_client_address_trusts_only_our_own_proxies(settings, rf, proxies, forwarded, remote, expected):
    settings.PROXY_COUNT = proxies
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert client_address(request) == expected


def test_http_basic_guesses_count_and_a_locked_number_is_refused_even_with_the_right_password(member_user):
    import base64

    def basic(password):
        token = base64.b64encode(f"{member_user.phone}:{password}".encode()).decode()
        return Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Basic {token}", REMOTE_ADDR="10.0.0.7")

    assert basic(PASSWORD).status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert basic("wrong").status_code in (401, 403)
    assert basic(PASSWORD).status_code in (401, 403, 429)
