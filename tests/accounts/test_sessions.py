"""Sessions read with their user in one query (apps/accounts/sessions.py), with every check of Django's kept."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts import sessions
from apps.accounts.models import LoginSession
from tests import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # tests/factories.py


def signed_in(user):
    client = Client()
    response = client.post(reverse("web:login"), {"username": user.phone, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def test_signing_in_stores_the_user_with_the_session_and_a_page_reads_both_in_one_query():
    user = f.UserFactory()
    client = signed_in(user)
    row = LoginSession.objects.get()
    assert row.user_id == user.pk and row.get_decoded()[SESSION_KEY] == str(user.pk)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("notifications:list"))
    assert response.status_code == 200 and response.context["user"] == user
    first = queries.captured_queries[0]["sql"]
    assert "accounts_loginsession" in first and "accounts_user" in first
    assert not any(q["sql"].startswith('SELECT "accounts_user"') for q in queries.captured_queries[1:])


def test_a_deactivated_user_is_signed_out_on_the_next_page():
    user = f.UserFactory()
    client = signed_in(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))


def test_a_changed_password_signs_out_the_other_sessions():
    user = f.UserFactory()
    client = signed_in(user)
    user.set_password("another-pass-word-456")
    user.save(update_fields=["password"])
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))


def test_deleting_a_user_ends_their_sessions():
    user = f.UserFactory()
    signed_in(user)
    other = f.UserFactory()
    signed_in(other)
    user.delete()
    assert list(LoginSession.objects.values_list("user_id", flat=True)) == [other.pk]


def test_signing_out_deletes_the_session():
    user = f.UserFactory()
    client = signed_in(user)
    client.post(reverse("web:logout"))
    assert not LoginSession.objects.exists()
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302


def test_the_backend_takes_the_session_user_only_for_its_own_id_and_never_after_the_request():
    user, other = f.UserFactory(), f.UserFactory()
    client = signed_in(user)
    store = sessions.SessionStore(session_key=client.cookies["sessionid"].value)
    store.load()
    backend = sessions.SessionUserBackend()
    taken = backend.get_user(str(user.pk))
    assert taken == user and taken is sessions._loaded.user
    assert backend.get_user(other.pk) == other  # another id: read from the database
    sessions._forget()  # the end of a request
    assert backend.get_user(user.pk) is not taken and backend.get_user(user.pk) == user


def test_a_session_without_a_user_keeps_its_data_and_brings_no_user():
    store = sessions.SessionStore()
    store["_language"] = "en"
    store.save()
    again = sessions.SessionStore(session_key=store.session_key)
    assert dict(again.items()) == {"_language": "en"}
    assert sessions._loaded.user is None and again.session_key == store.session_key


def test_an_expired_or_unknown_session_reads_as_empty_and_forgets_its_key():
    from datetime import timedelta

    from django.utils import timezone

    user = f.UserFactory()
    signed_in(user)
    row = LoginSession.objects.get()
    store = sessions.SessionStore(session_key=row.session_key)
    assert store[SESSION_KEY] == str(user.pk) and sessions._loaded.user == user
    assert sessions._loaded.user.phone == user.phone and sessions._loaded.user.is_active is True  # converted fields
    LoginSession.objects.filter(pk=row.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = sessions.SessionStore(session_key=row.session_key)
    assert dict(expired.items()) == {} and expired.session_key is None and sessions._loaded.user is None
    unknown = sessions.SessionStore(session_key="x" * 32)
    assert dict(unknown.items()) == {} and unknown.session_key is None
