"""The pages every user shares: log in, the front door per role, the role gates, error pages."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_login_page_is_chinese_by_default_and_asks_for_the_mobile_number():
    response = Client().get(reverse("web:login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "手机号" in body


def test_logging_in_with_phone_and_password_lands_on_the_members_pages(world):
    world.member.user.set_password("Secret@2026")
    world.member.user.save()
    client = Client()
    response = client.post(reverse("web:login"), {"username": world.member.user.phone, "password": "Secret@2026"})
    assert response.status_code == 302
    assert client.get(response["Location"]).url == reverse("member:home")


def test_a_wrong_password_is_refused_with_a_message_and_no_session(world):
    client = Client()
    response = client.post(reverse("web:login"), {"username": world.member.user.phone, "password": "nope"})
    assert response.status_code == 200
    assert "form-errors" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_anonymous_visitors_are_sent_to_log_in():
    for url in (reverse("web:home"), reverse("member:home"), reverse("staff:home"), reverse("dashboard:home")):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login"))


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("member", "member:home"),
        ("staff", "staff:home"),
        ("grid_worker", "staff:home"),
        ("secretary", "dashboard:home"),
        ("reviewer", "dashboard:home"),
        ("street_admin", "dashboard:home"),
        ("district_admin", "dashboard:home"),
    ],
)
def test_the_front_door_sends_each_role_to_its_own_pages(world, role, landing):
    response = browser_for(world.user(role)).get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(landing)


def test_a_user_without_any_role_is_told_so(world):
    response = browser_for(world.outsider).get(reverse("web:home"))
    assert response.status_code == 200
    assert "没有" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "refused"),
    [
        ("member", "staff:home"),
        ("member", "dashboard:home"),
        ("staff", "member:home"),
        ("staff", "dashboard:home"),
        ("reviewer", "staff:home"),
        ("reviewer", "member:home"),
        ("outsider", "dashboard:home"),
    ],
)
def test_pages_outside_the_role_are_refused_with_a_403_page(world, role, refused):
    response = browser_for(world.user(role)).get(reverse(refused))
    assert response.status_code == 403
    assert "不是您的页面" in response.content.decode()


def test_logout_is_post_only(world):
    client = browser_for(world.member.user)
    assert client.get(reverse("web:logout")).status_code == 405
    assert client.post(reverse("web:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_unknown_api_paths_answer_json_not_a_page():
    response = Client().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_language_switch_turns_the_pages_english():
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    response = client.get(reverse("web:login"))
    assert '<html lang="en">' in response.content.decode()
    assert "Mobile number" in response.content.decode()
