"""The scheduler's wish changes that notify: an overdue claim released (the claimant is told), a wish expired
unclaimed (the staff member who posted it is told); each once, however often the job runs."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import translation

from apps.notifications import events
from apps.notifications.models import Notification, NotificationKind
from apps.wishes import services
from apps.wishes.models import WishStatus
from tests.jobs.conftest import NOW, make_claim, make_wish

pytestmark = pytest.mark.django_db


def _rendered(message, **params):
    with translation.override(settings.LANGUAGE_CODE):
        return message % params


def test_releasing_an_overdue_claim_tells_the_claimant_once(world):
    wish = make_wish(
        grid=world.grid, created_by=world.staff, deadline=NOW + timedelta(days=5), status=WishStatus.CLAIMED
    )
    claim = make_claim(wish=wish, member=world.member, claim_deadline=NOW - timedelta(hours=1))

    assert services.wish_release_overdue_claims(now=NOW) == 1
    assert services.wish_release_overdue_claims(now=NOW + timedelta(minutes=5)) == 0

    note = Notification.objects.get(kind=NotificationKind.CLAIM_RELEASED)
    assert note.user == world.member.user
    assert note.dedupe_key == f"claim_released:{claim.pk}"
    assert note.title == _rendered(events.CLAIM_RELEASED_TITLE, wish=wish.title)
    assert (note.subject_type, note.subject_id) == ("wish", wish.pk)


def test_a_branch_claim_released_tells_the_secretary_who_claimed(world):
    wish = make_wish(
        grid=world.grid, created_by=world.staff, deadline=NOW + timedelta(days=5), status=WishStatus.CLAIMED
    )
    make_claim(wish=wish, branch=world.branch, claimed_by=world.secretary, claim_deadline=NOW - timedelta(days=3))

    services.wish_release_overdue_claims(now=NOW)

    assert list(Notification.objects.values_list("user", "kind")) == [
        (world.secretary.pk, NotificationKind.CLAIM_RELEASED)
    ]


def test_a_wish_expiring_unclaimed_tells_the_staff_who_posted_it_once(world):
    wish = make_wish(grid=world.grid, created_by=world.staff, deadline=NOW - timedelta(days=1))
    untouched = make_wish(grid=world.grid, created_by=world.staff, deadline=NOW + timedelta(days=1))

    assert services.wish_expire_due(now=NOW) == 1
    assert services.wish_expire_due(now=NOW + timedelta(minutes=5)) == 0

    note = Notification.objects.get()
    assert (note.user, note.kind) == (world.staff, NotificationKind.WISH_EXPIRED)
    assert note.dedupe_key == f"wish_expired:{wish.pk}"
    assert note.title == _rendered(events.WISH_EXPIRED_TITLE, wish=wish.title)
    untouched.refresh_from_db()
    assert untouched.status == WishStatus.PUBLISHED


def test_staff_expiring_their_own_wish_are_not_told_of_it(world):
    wish = make_wish(grid=world.grid, created_by=world.staff, deadline=NOW - timedelta(days=1))

    services.wish_expire(wish=wish, actor=world.staff, now=NOW)

    assert not Notification.objects.exists()
