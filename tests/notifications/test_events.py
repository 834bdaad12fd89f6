"""State changes that notify: a member promoted from the waitlist, a registration confirmed by community staff."""

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import translation

from apps.activities import services as activity_services
from apps.activities.models import Activity, SignUpStatus
from apps.notifications import events, links
from apps.notifications.models import Notification, NotificationKind
from apps.registrations.models import RegistrationStatus
from tests import factories as f
from tests.activities.conftest import ActivityWorld


@pytest.fixture
def aw(world):
    return ActivityWorld(world)


def _rendered(message, **params):
    with translation.override(settings.LANGUAGE_CODE):
        return message % params


# --- promoted from the waitlist ---------------------------------------------------------------------------------


def test_a_member_promoted_after_a_cancellation_is_notified_and_mailed_on_commit(
    aw, django_capture_on_commit_callbacks, mailoutbox
):
    activity = aw.activity(capacity=1)
    leaving = aw.resident()
    waiting = aw.resident()
    waiting.user.email = "waiting@example.org"
    waiting.user.save(update_fields=["email"])
    first = activity_services.signup_create(activity=activity, member=leaving)
    queued = activity_services.signup_create(activity=activity, member=waiting)
    assert queued.status == SignUpStatus.WAITLISTED

    with django_capture_on_commit_callbacks(execute=True):
        activity_services.signup_cancel(signup=first, actor=leaving.user)

    notification = Notification.objects.get(user=waiting.user)
    assert notification.kind == NotificationKind.SIGNUP_PROMOTED
    assert notification.dedupe_key == f"signup_promoted:{queued.pk}"
    assert notification.title == _rendered(events.SIGNUP_PROMOTED_TITLE, activity=activity.title)
    assert activity.title in notification.body
    assert (notification.subject_type, notification.subject_id) == ("activity", activity.pk)
    assert links.api_path(notification) == f"/api/v1/activities/{activity.pk}/"
    assert links.page_path(notification) == f"/m/activities/{activity.pk}/"
    assert not Notification.objects.filter(user=leaving.user).exists()  # nobody hears of their own action
    assert [m.to for m in mailoutbox] == [["waiting@example.org"]]


def test_each_promoted_member_is_told_once_even_if_promotion_runs_again(aw):
    activity = aw.activity(capacity=1)
    members = [aw.resident() for _ in range(3)]
    signups = [activity_services.signup_create(activity=activity, member=m) for m in members]
    Activity.objects.filter(pk=activity.pk).update(capacity=3)
    activity_services.waitlist_promote(activity=activity)
    activity_services.waitlist_promote(activity=activity)
    told = Notification.objects.filter(kind=NotificationKind.SIGNUP_PROMOTED)
    assert sorted(told.values_list("user_id", flat=True)) == sorted(m.user_id for m in members[1:])
    assert sorted(told.values_list("dedupe_key", flat=True)) == sorted(f"signup_promoted:{s.pk}" for s in signups[1:])


def test_promotion_rolled_back_tells_nobody(aw, django_capture_on_commit_callbacks, mailoutbox):
    activity = aw.activity(capacity=1)
    first = activity_services.signup_create(activity=activity, member=aw.resident())
    waiting = aw.resident()
    waiting.user.email = "waiting@example.org"
    waiting.user.save(update_fields=["email"])
    activity_services.signup_create(activity=activity, member=waiting)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            activity_services.signup_cancel(signup=first, actor=aw.staff)
            raise RuntimeError("the request failed later")
    assert not Notification.objects.exists()
    assert mailoutbox == []


# --- registration confirmed -------------------------------------------------------------------------------------


def test_confirming_a_registration_notifies_the_member(world, make_client, django_capture_on_commit_callbacks):
    registration = f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        response = make_client(world.staff).post(f"/api/v1/registrations/{registration.pk}/confirm/")
    assert response.status_code == 200
    registration.refresh_from_db()

    notification = Notification.objects.get(user=world.member.user)
    assert notification.kind == NotificationKind.REGISTRATION_CONFIRMED
    assert notification.dedupe_key == f"registration_confirmed:{registration.pk}"
    assert notification.title == _rendered(events.REGISTRATION_CONFIRMED_TITLE, community=world.community.name)
    assert notification.body == _rendered(
        events.REGISTRATION_CONFIRMED_BODY, community=world.community.name, receipt=registration.receipt_number
    )
    assert (notification.subject_type, notification.subject_id) == ("registration", registration.pk)
    assert links.page_path(notification) == "/me/registration/"
    assert not Notification.objects.filter(user=world.staff).exists()

    inbox = make_client(world.member.user).get("/api/v1/notifications/", {"unread": "true"}).json()
    assert [row["id"] for row in inbox["results"]] == [notification.pk]


def test_a_refused_confirmation_notifies_nobody(world, make_client):
    registration = f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.CONFIRMED)
    response = make_client(world.staff).post(f"/api/v1/registrations/{registration.pk}/confirm/")
    assert response.status_code == 409
    assert not Notification.objects.exists()


def test_nobody_is_notified_of_their_own_action(world):
    registration = f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.CONFIRMED)
    assert events.registration_confirmed(registration=registration, actor=world.member.user) is None
    assert events.registration_confirmed(registration=registration, actor=world.staff) is not None
    assert not Notification.objects.filter(user=world.staff).exists()
