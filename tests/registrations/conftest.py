"""Fixtures of the registrations tests: resolvable addresses on both sides of the world, and out-of-scope users."""

import pytest

from apps.accounts.models import Role
from apps.places.models import Community, Grid
from apps.registrations.models import RegistrationStatus
from tests import factories as f

# Side B sits about 11 km north of side A, so every point belongs to exactly one community.
OTHER_LAT, OTHER_LNG = f.CITY_LAT + 0.1, f.CITY_LNG
# About 110 km away from both: inside no community.
FAR_LAT, FAR_LNG = f.CITY_LAT + 1.0, f.CITY_LNG + 1.0

HOME_ADDRESS = "幸福小区3栋2单元101"
OTHER_ADDRESS = "和平小区5栋"
FAR_ADDRESS = "远方小区1栋"


@pytest.fixture
def places(world):
    """The world with side B moved away and three named compounds: one in each community and one outside both."""
    Community.objects.filter(pk=world.other_community.pk).update(latitude=OTHER_LAT, longitude=OTHER_LNG)
    Grid.objects.filter(pk=world.other_grid.pk).update(latitude=OTHER_LAT, longitude=OTHER_LNG)
    world.other_community.refresh_from_db()
    world.other_grid.refresh_from_db()
    f.GazetteerEntryFactory(name="幸福小区", latitude=world.grid.latitude, longitude=world.grid.longitude)
    f.GazetteerEntryFactory(name="和平小区", latitude=OTHER_LAT, longitude=OTHER_LNG)
    f.GazetteerEntryFactory(name="远方小区", latitude=FAR_LAT, longitude=FAR_LNG)
    return world


class Outsiders:
    """Users with every role, but all on side B, plus another member and a user with no role at all."""

    def __init__(self, world):
        self.other_staff = f.UserFactory(name="别的社区干部")
        f.RoleFactory(user=self.other_staff, role=Role.COMMUNITY_STAFF, community=world.other_community)
        self.other_grid_worker = f.UserFactory(name="别的网格员")
        f.RoleFactory(user=self.other_grid_worker, role=Role.GRID_WORKER, grid=world.other_grid)
        self.other_street_admin = f.UserFactory(name="别的街道管理员")
        f.RoleFactory(user=self.other_street_admin, role=Role.STREET_ADMIN, street=world.other_street)
        self.other_reviewer = f.UserFactory(name="别的机关党委")
        f.RoleFactory(user=self.other_reviewer, role=Role.ORGAN_REVIEWER, organ=world.other_organ)
        self.other_secretary = f.UserFactory(name="别的支部书记")
        f.RoleFactory(user=self.other_secretary, role=Role.BRANCH_SECRETARY, party_org=world.other_branch)
        self.other_member = world.other_member.user
        self.outsider = world.outsider

    def all(self):
        return {
            "other_staff": self.other_staff,
            "other_grid_worker": self.other_grid_worker,
            "other_street_admin": self.other_street_admin,
            "other_reviewer": self.other_reviewer,
            "other_secretary": self.other_secretary,
            "other_member": self.other_member,
            "outsider": self.outsider,
        }


@pytest.fixture
def outsiders(world):
    return Outsiders(world)


@pytest.fixture
def make_registration(world):
    """A registration written directly, for setting up state (the services are tested on their own)."""

    def make(*, member=None, grid=None, status=RegistrationStatus.CONFIRMED, **extra):
        return f.RegistrationFactory(member=member or world.member, grid=grid or world.grid, status=status, **extra)

    return make
