"""Fixtures of the notifications tests: users with and without an e-mail address, and a notification maker."""

import pytest

from apps.notifications.models import Notification, NotificationKind
from tests import factories as f


@pytest.fixture
def mailed_user(db):
    return f.UserFactory(email="member@example.org")


@pytest.fixture
def make_notification():
    """A notification written directly, for setting up state (the services are tested on their own)."""

    def make(*, user, kind=NotificationKind.WISH_CLAIMED, title="通知", read_at=None, **extra):
        return Notification.objects.create(user=user, kind=kind, title=title, read_at=read_at, **extra)

    return make
