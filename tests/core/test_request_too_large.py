"""A request over Django's size limits: the API's JSON error (413 request_too_large), a page's 413 page.

Django raises RequestDataTooBig / TooManyFieldsSent / TooManyFilesSent when the body is first read: in the API, by
the session authentication's CSRF check or by request.data; on a page, by the CSRF middleware reading the form.
"""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.wishes.models import Wish

pytestmark = pytest.mark.django_db

URL = "/api/v1/wishes/"
THREE_MB = 3 * 1024 * 1024


def _wish_body(world, story):
    return {
        "grid": world.grid.pk,
        "title": "给困难学生买书包",
        "category": "study",
        "resident_name": "张三丰",
        "deadline": (timezone.now() + timedelta(days=5)).isoformat(),
        "story": story,
    }


def _session_api(user):
    """A browser-like API client: signed in by session, sending the CSRF token as the docs say."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/api/v1/me/")
    return client, client.cookies["csrftoken"].value


def _assert_too_large(response):
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["code"] == "request_too_large" and data["detail"]
    return data


class TestApi:
    def test_a_3_mb_json_wish_is_413_json_and_writes_nothing(self, world):
        client, token = _session_api(world.staff)
        body = json.dumps(_wish_body(world, "长" * THREE_MB))
        response = client.post(URL, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
        _assert_too_large(response)
        assert not Wish.objects.exists()

    def test_the_message_is_in_the_requests_language(self, world, monkeypatch):
        client, token = _session_api(world.staff)
        body = json.dumps(_wish_body(world, "a" * THREE_MB))
        headers = {"HTTP_X_CSRFTOKEN": token, "HTTP_ACCEPT_LANGUAGE": "en"}
        english = client.post(URL, body, content_type="application/json", **headers)
        assert _assert_too_large(english)["detail"] == (
            "The request is too large (2.5\xa0MB at most, not counting uploaded files)."
        )
        # The message goes through gettext when the error is answered (the catalogue gives it in Chinese).
        monkeypatch.setattr("apps.core.request_limits._", lambda message: f"[translated] {message}")
        translated = client.post(URL, body, content_type="application/json", **headers)
        assert _assert_too_large(translated)["detail"].startswith("[translated] The request is too large")

    def test_also_when_the_body_is_first_read_by_the_view(self, world):
        # Authenticated without a session (no CSRF check): request.data reads the body inside the view.
        client = APIClient()
        client.force_authenticate(world.staff)
        response = client.post(URL, _wish_body(world, "a" * THREE_MB), format="json")
        _assert_too_large(response)
        assert not Wish.objects.exists()

    def test_a_multipart_body_over_the_limit(self, world):
        client, token = _session_api(world.staff)
        response = client.post(URL, _wish_body(world, "a" * THREE_MB), HTTP_X_CSRFTOKEN=token)
        _assert_too_large(response)
        assert not Wish.objects.exists()

    def test_too_many_fields(self, world):
        client, token = _session_api(world.staff)
        body = "&".join(f"f{i}=1" for i in range(1100))
        response = client.post(URL, body, content_type="application/x-www-form-urlencoded", HTTP_X_CSRFTOKEN=token)
        _assert_too_large(response)

    def test_too_many_files(self, world, settings):
        settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
        client, token = _session_api(world.staff)
        files = {f"photo{i}": SimpleUploadedFile(f"p{i}.png", b"x", content_type="image/png") for i in range(3)}
        response = client.post(URL, files, HTTP_X_CSRFTOKEN=token)
        data = _assert_too_large(response)
        assert "2" in data["detail"]

    def test_a_body_within_the_limit_is_judged_as_usual(self, world):
        client, token = _session_api(world.staff)
        body = json.dumps(_wish_body(world, "a" * 3000))  # over the story's maximum, not over the request's
        response = client.post(URL, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
        assert response.status_code == 400 and response.json()["code"] == "invalid_input"


class TestPages:
    def test_a_3_mb_form_gets_the_413_page_and_writes_nothing(self, world):
        browser = Client()
        browser.force_login(world.staff)
        response = browser.post(reverse("staff:wish-new"), {"title": "x", "story": "长" * THREE_MB})
        assert response.status_code == 413
        assert response["Content-Type"].startswith("text/html")
        page = response.content.decode()
        assert 'data-error-code="request_too_large"' in page
        assert "Bad Request (400)" not in page
        assert not Wish.objects.exists()

    def test_the_page_is_in_the_users_language(self, world):
        browser = Client()
        browser.force_login(world.staff)
        response = browser.post(reverse("staff:wish-new"), {"story": "a" * THREE_MB}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 413
        assert "The request is too large" in response.content.decode()

    def test_any_other_bad_request_keeps_djangos_answer(self, world, settings):
        settings.ALLOWED_HOSTS = ["testserver"]
        response = Client().get(reverse("web:login"), HTTP_HOST="evil.example")
        assert response.status_code == 400
