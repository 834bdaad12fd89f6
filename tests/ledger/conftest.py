"""Fixtures of the ledger tests: records written through the service, users on the other side of the world."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.accounts.models import Role
from apps.ledger import services
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceSource
from tests import factories as f

# A fixed local morning (the project's time zone), so that period boundaries are exact.
LOCAL = ZoneInfo("Asia/Shanghai")
DAY = datetime(2024, 5, 10, 9, 0, tzinfo=LOCAL)


def at(hours=0, days=0):
    return DAY + timedelta(days=days, hours=hours)


@pytest.fixture
def make_record(world):
    """A record written by record_create (pending unless told): `member` serving in `grid` (default: side A). A
    generic manual record by default: an activity's records carry no residents (they are the activity's)."""

    def make(*, member=None, grid=None, minutes=90, start=None, status=RecordStatus.PENDING, **extra):
        grid = grid or world.grid
        start = start or DAY
        kwargs = {
            "member": member or world.member,
            "community": grid.community,
            "grid": grid,
            "source": ServiceSource.MANUAL,
            "source_id": None,
            "category": ServiceCategory.CLEAN_UP,
            "content": "社区环境卫生整治",
            "started_at": start,
            "ended_at": start + timedelta(hours=3),
            "credited_minutes": minutes,
            "residents_served": 4,
            "status": status,
            **extra,
        }
        if status == RecordStatus.APPROVED:
            kwargs.setdefault("decided_by", world.staff)
        return services.record_create(**kwargs)

    return make


class Outsiders:
    """Users with a role on side B only."""

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


@pytest.fixture
def outsiders(world):
    return Outsiders(world)


@pytest.fixture
def staff_member(world):
    """A user who is both a member of side A's organ and community staff of side A."""
    member = f.MemberFactory(branch=world.branch)
    f.RoleFactory(user=member.user, role=Role.COMMUNITY_STAFF, community=world.community)
    return member
