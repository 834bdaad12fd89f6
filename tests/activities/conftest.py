"""Fixtures of the activities tests: an activity factory, members eligible on each side, a clock to move."""

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import factory
import pytest
from django.utils import timezone

from apps.accounts.models import Role
from apps.activities.models import Activity, ActivityCategory, ActivityStatus, Audience
from tests import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The published worked example of /work/shared/reference/coordinates.md: one place in the three systems.
WGS84_POINT = (39.990475, 116.481499)
GCJ02_POINT = (39.991754, 116.487586)
BD09_POINT = (39.997716, 116.49412)


def at(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def soon(days=3, hour=9):
    """A local time `days` from today at `hour` o'clock (always in the future for days >= 1)."""
    today = timezone.localdate()
    return datetime(today.year, today.month, today.day, hour, tzinfo=SHANGHAI) + timedelta(days=days)


class ActivityFactory(factory.django.DjangoModelFactory):
    """An activity written directly (open, three days ahead, 09:00–11:00); the services are tested on their own."""

    class Meta:
        model = Activity

    community = factory.SubFactory(f.CommunityFactory)
    created_by = factory.SubFactory(f.UserFactory)
    title = factory.Sequence(lambda n: f"环境卫生整治{n}")
    category = ActivityCategory.CLEAN_UP
    address = "幸福路1号"
    latitude = f.CITY_LAT
    longitude = f.CITY_LNG
    starts_at = factory.LazyFunction(soon)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    signup_deadline = factory.LazyAttribute(lambda o: o.starts_at)
    capacity = 10
    audience = Audience.PAIRED
    status = ActivityStatus.OPEN
    checkin_secret = factory.LazyFunction(lambda: secrets.token_hex(32))


class ActivityWorld:
    """The shared world plus: both members registered where they live, a resident teammate, staff of the other
    community, and the world's organ paired with the other community (so the world's member is "paired" there)."""

    def __init__(self, world):
        self.world = world
        f.RegistrationFactory(member=world.member, grid=world.grid)
        f.RegistrationFactory(member=world.other_member, grid=world.other_grid)
        self.teammate = f.MemberFactory(branch=world.branch)
        f.RegistrationFactory(member=self.teammate, grid=world.grid)
        self.other_staff = f.UserFactory(name="别的社区干部")
        f.RoleFactory(user=self.other_staff, role=Role.COMMUNITY_STAFF, community=world.other_community)
        self.pairing = f.PairingFactory(organ=world.organ, community=world.other_community)

    def __getattr__(self, name):
        return getattr(self.world, name)

    def activity(self, **kwargs):
        kwargs.setdefault("community", self.world.community)
        kwargs.setdefault("grid", self.world.grid)
        kwargs.setdefault("created_by", self.world.staff)
        return ActivityFactory(**kwargs)

    def resident(self):
        """A new member registered in the world's community."""
        member = f.MemberFactory(branch=self.world.branch)
        f.RegistrationFactory(member=member, grid=self.world.grid)
        return member


@pytest.fixture
def aw(world):
    return ActivityWorld(world)
