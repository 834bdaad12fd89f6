"""The notifications API: each user lists, reads and marks only their own notifications."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.notifications.models import Notification, NotificationKind

URL = "/api/v1/notifications/"


@pytest.fixture
def inbox(world, make_notification):
    """Three notifications of the world's member (one read, the newest a registration one) and one of another."""
    user = world.member.user
    now = timezone.now()
    return {
        "read": make_notification(
            user=user, title="旧", created_at=now - timedelta(days=2), read_at=now - timedelta(days=1)
        ),
        "unread": make_notification(user=user, title="中", created_at=now - timedelta(days=1)),
        "newest": make_notification(
            user=user, title="新", kind=NotificationKind.REGISTRATION_CONFIRMED, created_at=now
        ),
        "others": make_notification(user=world.other_member.user, title="别人的"),
    }


def _ids(response):
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("get", "{id}/"), ("post", "{id}/read/"), ("post", "read-all/"), ("get", "unread-count/")],
)
def test_anonymous_users_are_refused(api, inbox, method, path):
    response = getattr(api, method)(URL + path.format(id=inbox["unread"].pk))
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_list_shows_only_the_users_own_newest_first(world, inbox, make_client):
    response = make_client(world.member.user).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert _ids(response) == [inbox["newest"].pk, inbox["unread"].pk, inbox["read"].pk]
    first = body["results"][0]
    assert first["kind"] == NotificationKind.REGISTRATION_CONFIRMED
    assert first["title"] == "新" and first["is_read"] is False and first["read_at"] is None
    assert set(first) == {"id", "kind", "title", "body", "subject", "link", "page", "created_at", "read_at", "is_read"}


def test_list_is_paginated(world, inbox, make_client):
    response = make_client(world.member.user).get(URL, {"page_size": 2})
    assert len(response.json()["results"]) == 2 and response.json()["next"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"unread": "true"}, ["newest", "unread"]),
        ({"unread": "false"}, ["read"]),
        ({"kind": NotificationKind.REGISTRATION_CONFIRMED}, ["newest"]),
        ({"kind": NotificationKind.WISH_CLAIMED, "unread": "true"}, ["unread"]),
    ],
)
def test_list_filters(world, inbox, make_client, params, expected):
    response = make_client(world.member.user).get(URL, params)
    assert response.status_code == 200
    assert _ids(response) == [inbox[name].pk for name in expected]


@pytest.mark.parametrize("params", [{"unread": "maybe"}, {"kind": "no_such_kind"}])
def test_bad_filter_values_are_a_400_not_an_unfiltered_list(world, inbox, make_client, params):
    response = make_client(world.member.user).get(URL, params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"


def test_list_query_count_is_bounded(world, make_notification, make_client, django_assert_max_num_queries):
    for _ in range(15):
        make_notification(user=world.member.user)
    client = make_client(world.member.user)
    with django_assert_max_num_queries(3):  # count + page (the user comes from force_authenticate)
        response = client.get(URL)
    assert len(response.json()["results"]) == 15


def test_retrieve_own_and_others_read_as_404(world, inbox, make_client):
    client = make_client(world.member.user)
    own = client.get(f"{URL}{inbox['unread'].pk}/")
    assert own.status_code == 200 and own.json()["title"] == "中"
    response = client.get(f"{URL}{inbox['others'].pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_superusers_and_staff_see_only_their_own_too(world, inbox, make_client):
    for user in (world.superuser, world.staff):
        client = make_client(user)
        assert client.get(URL).json()["count"] == 0
        assert client.get(f"{URL}{inbox['unread'].pk}/").status_code == 404


def test_read_marks_one_notification(world, inbox, make_client):
    response = make_client(world.member.user).post(f"{URL}{inbox['unread'].pk}/read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True and response.json()["read_at"]
    inbox["unread"].refresh_from_db()
    assert inbox["unread"].read_at is not None
    inbox["newest"].refresh_from_db()
    assert inbox["newest"].read_at is None


def test_reading_someone_elses_notification_is_404_and_changes_nothing(world, inbox, make_client):
    response = make_client(world.member.user).post(f"{URL}{inbox['others'].pk}/read/")
    assert response.status_code == 404
    inbox["others"].refresh_from_db()
    assert inbox["others"].read_at is None


def test_read_all_and_unread_count(world, inbox, make_client):
    client = make_client(world.member.user)
    assert client.get(f"{URL}unread-count/").json() == {"unread": 2}
    response = client.post(f"{URL}read-all/")
    assert response.status_code == 200
    assert response.json() == {"marked": 2}
    assert client.get(f"{URL}unread-count/").json() == {"unread": 0}
    assert client.post(f"{URL}read-all/").json() == {"marked": 0}
    assert Notification.objects.get(pk=inbox["others"].pk).read_at is None  # another user's stay unread
    assert make_client(world.other_member.user).get(f"{URL}unread-count/").json() == {"unread": 1}


def test_get_never_marks_read(world, inbox, make_client):
    client = make_client(world.member.user)
    client.get(URL)
    client.get(f"{URL}{inbox['unread'].pk}/")
    assert client.get(f"{URL}unread-count/").json() == {"unread": 2}


@pytest.mark.parametrize(
    ("kind", "subject", "expected"),
    [
        (
            NotificationKind.WISH_CLAIM_DUE,
            {"subject_type": "wish", "subject_id": 5},
            ({"type": "wish", "id": 5}, "/api/v1/wishes/5/", "/m/wishes/5/"),
        ),
        (
            NotificationKind.WISH_EXPIRED,
            {"subject_type": "wish", "subject_id": 5},
            ({"type": "wish", "id": 5}, "/api/v1/wishes/5/", "/staff/wishes/5/"),
        ),
        (
            NotificationKind.UNREGISTERED,
            {"subject_type": "registration"},
            ({"type": "registration", "id": None}, "/api/v1/registrations/", "/me/registration/"),
        ),
        (NotificationKind.NO_SERVICE_QUARTER, {}, (None, "/api/v1/activities/", "/m/")),
    ],
    ids=["member-wish", "staff-wish", "registration", "no-subject"],
)
def test_a_notification_names_its_subject_its_api_address_and_its_page(
    world, make_notification, make_client, kind, subject, expected
):
    make_notification(user=world.member.user, kind=kind, **subject)
    (only,) = make_client(world.member.user).get(URL).json()["results"]
    assert (only["subject"], only["link"], only["page"]) == expected
