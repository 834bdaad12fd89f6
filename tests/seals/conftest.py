"""Fixtures of the sealed-ledger tests: a small ledger written through the services, and raw SQL to tamper with it
as a database administrator would."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from apps.ledger import services
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceSource

LOCAL = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 5, 10, 9, 0, tzinfo=LOCAL)


class Ledger:
    """Approved, rejected and pending records of one member, written by the ledger's services (each with its audit
    entries)."""

    def __init__(self, world):
        self.world = world
        self.approved = [self.record(day, status=RecordStatus.APPROVED) for day in range(3)]
        self.rejected = self.record(3)
        services.record_reject(record=self.rejected, actor=world.staff, reason="重复登记")
        self.pending = self.record(4)

    def record(self, day, *, status=RecordStatus.PENDING):
        start = DAY + timedelta(days=day)
        extra = {"decided_by": self.world.staff} if status == RecordStatus.APPROVED else {}
        return services.record_create(
            member=self.world.member,
            community=self.world.community,
            grid=self.world.grid,
            source=ServiceSource.MANUAL,
            source_id=None,
            category=ServiceCategory.CLEAN_UP,
            content="社区环境卫生整治",
            started_at=start,
            ended_at=start + timedelta(hours=2),
            credited_minutes=120,
            residents_served=3,
            status=status,
            **extra,
        )


@pytest.fixture
def ledger(world):
    return Ledger(world)


def sql(statement, params=()):
    """Run raw SQL behind the application's back."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount
