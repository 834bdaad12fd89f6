"""First sign-in and forgotten password on the web: ask for a code, type it with a new password, land signed in."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import OneTimeCode
from tests import factories as f

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
NEW_PASSWORD = "Brand-new-pass-42"


@pytest.fixture
def member():
    """An imported member: a Member profile, an account without a usable password."""
    member = f.MemberFactory(user=f.UserFactory(phone=PHONE))
    member.user.set_unusable_password()
    member.user.save()
    return member


@pytest.fixture
def browser():
    return Client()


@pytest.fixture
def post(browser, django_capture_on_commit_callbacks):
    """POST as the browser, running what the request leaves for after its commit (the text message)."""

    def post(name, data):
        with django_capture_on_commit_callbacks(execute=True):
            return browser.post(reverse(name), data)

    return post


def texted_code(sms_outbox):
    return re.search(r"(?<!\d)\d{6}(?!\d)", sms_outbox[-1][1]).group(0)


def set_form(code, password=NEW_PASSWORD, again=None):
    return {"code": code, "new_password1": password, "new_password2": again or password}


def test_the_login_page_links_to_the_code_pages(browser):
    body = browser.get(reverse("web:login")).content.decode()
    assert f'href="{reverse("web:password_code")}"' in body


def test_first_sign_in_with_a_texted_code_sets_the_password_and_opens_the_members_pages(
    member, browser, post, sms_outbox
):
    assert browser.get(reverse("web:password_code")).status_code == 200

    response = post("web:password_code", {"phone": "139 1234 5678"})
    assert response.status_code == 302 and response["Location"] == reverse("web:password_set")
    assert [phone for phone, _ in sms_outbox] == [PHONE]
    step_two = browser.get(reverse("web:password_set"))
    assert "139****5678" in step_two.content.decode()

    response = post("web:password_set", set_form(texted_code(sms_outbox)))

    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    assert int(browser.session["_auth_user_id"]) == member.user.pk
    landing = browser.get(response["Location"], follow=True)
    assert landing.redirect_chain[-1][0] == reverse("member:home")
    assert [m.level_tag for m in landing.context["messages"]] == ["success"]
    member.user.refresh_from_db()
    assert member.user.check_password(NEW_PASSWORD)
    assert Client().post(reverse("web:login"), {"username": PHONE, "password": NEW_PASSWORD}).status_code == 302


def test_a_wrong_code_shows_the_error_on_the_form_and_signs_nobody_in(member, browser, post, sms_outbox):
    post("web:password_code", {"phone": PHONE})
    right = texted_code(sms_outbox)
    wrong = f"{(int(right) + 1) % 10**6:06d}"

    response = post("web:password_set", set_form(wrong))

    assert response.status_code == 200
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["code_invalid"]
    body = response.content.decode()
    assert 'data-error-code="code_invalid"' in body and "(code_invalid)" not in body
    assert 'class="form-errors"' in body and right not in body
    assert "_auth_user_id" not in browser.session
    assert OneTimeCode.objects.get().attempts == 1


def test_two_different_passwords_are_refused_before_the_code_is_tried(member, browser, post, sms_outbox):
    post("web:password_code", {"phone": PHONE})

    response = post("web:password_set", set_form(texted_code(sms_outbox), again="Something-else-42"))

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    assert OneTimeCode.objects.get().attempts == 0


def test_a_number_without_an_account_goes_through_the_same_steps_without_a_text(browser, post, sms_outbox):
    response = post("web:password_code", {"phone": PHONE})

    assert response.status_code == 302 and response["Location"] == reverse("web:password_set")
    assert sms_outbox == []


def test_a_malformed_number_stays_on_step_one_with_the_error(browser, post):
    response = post("web:password_code", {"phone": "12345"})
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["invalid_phone"]


def test_step_two_without_a_number_goes_back_to_step_one(browser):
    response = browser.get(reverse("web:password_set"))
    assert response.status_code == 302 and response["Location"] == reverse("web:password_code")


def test_sending_a_new_code_too_soon_shows_the_wait_on_step_two(member, browser, post, sms_outbox):
    post("web:password_code", {"phone": PHONE})
    body = browser.get(reverse("web:password_set")).content.decode()
    assert 'name="resend"' in body

    response = post("web:password_code", {"phone": PHONE, "resend": "1"})

    assert response.status_code == 302 and response["Location"] == reverse("web:password_set")
    page = browser.get(response["Location"])
    assert [m.extra_tags for m in page.context["messages"]] == ["code:code_rate_limited"]
    assert len(sms_outbox) == 1


def test_a_new_code_after_the_gap_replaces_the_first(member, browser, post, sms_outbox, settings):
    settings.OTP_RESEND_SECONDS = 0
    post("web:password_code", {"phone": PHONE})
    post("web:password_code", {"phone": PHONE, "resend": "1"})
    assert len(sms_outbox) == 2

    response = post("web:password_set", set_form(texted_code(sms_outbox)))

    assert response.status_code == 302 and response["Location"] == reverse("web:home")
