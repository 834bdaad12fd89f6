"""Fixtures of the household pairing tests: a household of side A's community recorded by its staff, the world's
member registered there, and a pairing made through the services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.households import services
from apps.households.models import HouseholdSituation
from tests import factories as f


def make_household(world, *, community=None, actor=None, **extra):
    """A household recorded (with consent) by the staff of side A's community unless told otherwise."""
    fields = {
        "community": community or world.community,
        "head_name": "张大爷",
        "address": "幸福小区3栋201",
        "situation": HouseholdSituation.ELDERLY_ALONE,
        "consent_on": timezone.localdate(),
        "phone": "13800001111",
    }
    fields.update(extra)
    return services.household_create(actor=actor or world.staff, **fields)


def register(member, community):
    """A confirmed registration of `member` with `community` (one of its grids)."""
    grid = community.grids.first() or f.GridFactory(community=community)
    return f.RegistrationFactory(member=member, grid=grid, community=community)


def visit_times(hours_ago=3, minutes=60):
    start = timezone.now() - timedelta(hours=hours_ago)
    return start, start + timedelta(minutes=minutes)


@pytest.fixture
def household(world):
    return make_household(world)


@pytest.fixture
def registered(world):
    """The world's member holds a confirmed registration with side A's community."""
    return register(world.member, world.community)


@pytest.fixture
def pairing(world, household, registered):
    return services.pairing_create(
        actor=world.staff,
        household=household,
        member=world.member,
        started_on=timezone.localdate() - timedelta(days=10),
    )
