"""Fixtures of the certificate tests: approved services written through the ledger service."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.accounts.models import Role
from apps.ledger import services
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceSource
from tests import factories as f

LOCAL = ZoneInfo("Asia/Shanghai")
FIRST_DAY = date(2025, 3, 1)
LAST_DAY = date(2025, 3, 31)


def local(day, hour=9):
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL)


@pytest.fixture
def serve(world):
    """An approved service of `member` (default: side A's member) in `grid`, decided by that community's staff."""

    def make(
        *,
        member=None,
        grid=None,
        day=FIRST_DAY,
        hour=9,
        minutes=90,
        content="社区环境卫生整治",
        status=RecordStatus.APPROVED,
    ):
        grid = grid or world.grid
        decider = world.staff if grid.community_id == world.community.pk else world.superuser
        start = local(day, hour)
        return services.record_create(
            member=member or world.member,
            community=grid.community,
            grid=grid,
            source=ServiceSource.MANUAL,
            source_id=None,
            category=ServiceCategory.CARE_VISIT,
            content=content,
            started_at=start,
            ended_at=start + timedelta(hours=4),
            credited_minutes=minutes,
            status=status,
            decided_by=decider if status == RecordStatus.APPROVED else None,
        )

    return make


@pytest.fixture
def other_reviewer(world):
    user = f.UserFactory(name="别的机关党委")
    f.RoleFactory(user=user, role=Role.ORGAN_REVIEWER, organ=world.other_organ)
    return user
