"""Fixtures of the scheduler tests: a fixed clock, rows built directly at chosen times, and notification counts."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.activities.models import Activity, ActivityCategory, ActivityStatus, SignUp, SignUpStatus
from apps.notifications.models import Notification
from apps.wishes.models import ClaimStatus, Wish, WishCategory, WishClaim, WishStatus
from tests import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# The jobs' clock in these tests: a Tuesday morning. Every row is placed relative to it; nothing sleeps.
NOW = at(2025, 5, 6, 10, 0)


def make_wish(*, grid, created_by, deadline, status=WishStatus.PUBLISHED, **extra):
    return Wish.objects.create(
        community=grid.community,
        grid=grid,
        title=extra.pop("title", "给独居老人买米"),
        category=WishCategory.ELDERLY,
        resident_name="张三丰",
        deadline=deadline,
        status=status,
        published_at=deadline - timedelta(days=30),
        created_by=created_by,
        **extra,
    )


def make_claim(*, wish, claim_deadline, member=None, branch=None, claimed_by=None):
    """An active claim on `wish` (which becomes claimed), due at `claim_deadline`."""
    Wish.objects.filter(pk=wish.pk).update(status=WishStatus.CLAIMED)
    return WishClaim.objects.create(
        wish=wish,
        member=member,
        branch=branch,
        claimed_by=claimed_by or member.user,
        claimed_at=claim_deadline - timedelta(days=14),
        claim_deadline=claim_deadline,
        status=ClaimStatus.ACTIVE,
    )


def make_activity(*, community, created_by, starts_at, hours=2, status=ActivityStatus.OPEN, capacity=10, **extra):
    return Activity.objects.create(
        community=community,
        created_by=created_by,
        title=extra.pop("title", "环境卫生整治"),
        category=ActivityCategory.CLEAN_UP,
        address="幸福路1号",
        latitude=f.CITY_LAT,
        longitude=f.CITY_LNG,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        signup_deadline=starts_at,
        capacity=capacity,
        status=status,
        checkin_secret="s" * 32,
        **extra,
    )


def make_signup(*, activity, member, status=SignUpStatus.CONFIRMED, signed_up_at=None):
    signup = SignUp.objects.create(
        activity=activity,
        member=member,
        status=status,
        signed_up_at=signed_up_at or activity.starts_at - timedelta(days=3),
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
    )
    if status == SignUpStatus.CONFIRMED:
        Activity.objects.filter(pk=activity.pk).update(confirmed_count=activity.confirmed_count + 1)
        activity.confirmed_count += 1
    return signup


def notes(user=None, kind=None):
    """The notifications of `user` (everyone's if None), of `kind` if given."""
    queryset = Notification.objects.all()
    if user is not None:
        queryset = queryset.filter(user=user)
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    return queryset


@pytest.fixture(autouse=True)
def reminder_settings(settings):
    """The reminder windows the tests reason with (also the defaults)."""
    settings.WISH_REMIND_BEFORE_H = 24
    settings.ACTIVITY_REMIND_BEFORE_MIN = 120
    settings.STATS_RECONCILE_DAYS = 400
