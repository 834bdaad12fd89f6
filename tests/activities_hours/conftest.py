"""Activity and sign-up rows built directly (the sign-up services belong to another module) for the hours tests."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from apps.activities.models import Activity, ActivityCategory, ActivityStatus, SignUp, SignUpStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def make_activity(*, community, created_by, starts_at, ends_at, status=ActivityStatus.CLOSED, **extra):
    values = {
        "grid": None,
        "title": "环境卫生整治",
        "category": ActivityCategory.CLEAN_UP,
        "address": "幸福路1号",
        "latitude": 30.0,
        "longitude": 120.0,
        "signup_deadline": starts_at,
        "capacity": 10,
        "checkin_secret": "s" * 32,
        **extra,
    }
    return Activity.objects.create(
        community=community, created_by=created_by, starts_at=starts_at, ends_at=ends_at, status=status, **values
    )


def make_signup(*, activity, member, checked_in_at=None, checked_out_at=None, status=SignUpStatus.CONFIRMED, **extra):
    signup = SignUp.objects.create(
        activity=activity,
        member=member,
        status=status,
        signed_up_at=activity.starts_at.replace(year=activity.starts_at.year - 1),
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        checked_in_at=checked_in_at,
        checked_out_at=checked_out_at,
        checkin_method="position" if checked_in_at else "",
        **extra,
    )
    if status == SignUpStatus.CONFIRMED:
        Activity.objects.filter(pk=activity.pk).update(confirmed_count=activity.confirmed_count + 1)
        activity.confirmed_count += 1
    return signup


@pytest.fixture
def activity(world):
    """A morning clean-up in the world's community, 09:00–11:00 on a past day, sign-up closed."""
    return make_activity(
        community=world.community,
        grid=world.grid,
        created_by=world.staff,
        starts_at=at(2026, 3, 2, 9),
        ends_at=at(2026, 3, 2, 11),
        residents_served=30,
    )


@pytest.fixture
def signup(activity, world):
    """The world's member, present from 09:00 to 11:00."""
    return make_signup(
        activity=activity, member=world.member, checked_in_at=at(2026, 3, 2, 9), checked_out_at=at(2026, 3, 2, 11)
    )


@pytest.fixture
def finished(activity, signup):
    """The activity finished: the member's 120 minutes wait for approval."""
    from apps.activities.hours import activity_finish

    activity_finish(activity=activity, now=at(2026, 3, 2, 12))
    signup.refresh_from_db()
    activity.refresh_from_db()
    return signup
