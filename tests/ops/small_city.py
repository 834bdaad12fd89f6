"""A small world with a little of everything the platform stores, written through the services (so audit entries,
roll-ups and notifications are there too): the quick stand-in for the demo city in the backup test.

Run in a separate process against a migrated database: `DATABASE_URL=... python -m tests.ops.small_city`.
"""

import os
from datetime import timedelta


def build():
    from django.db import transaction
    from django.utils import timezone

    from apps.activities import services as activities
    from apps.ledger import services as ledger
    from apps.ledger.models import RecordStatus, ServiceCategory, ServiceSource
    from apps.registrations import services as registrations
    from apps.registrations.models import EvaluationGrade, PostKind
    from apps.wishes import services as wishes
    from tests import factories as f
    from tests.activities.conftest import ActivityFactory
    from tests.conftest import World
    from tests.wishes.conftest import WishWorld

    with transaction.atomic():
        world = World()
        w = WishWorld(world)
        confirmed = w.fulfilled()
        wishes.wish_confirm(wish=confirmed, actor=world.staff, rating=5)
        w.claimed(member=w.teammate)
        w.wish()
        w.group_claimed()
        activity = ActivityFactory(community=world.community, grid=world.grid, created_by=world.staff, capacity=1)
        activities.signup_create(activity=activity, member=world.member)
        activities.signup_create(activity=activity, member=w.teammate)  # waitlisted
        start = timezone.now() - timedelta(days=40)
        for days, status in ((0, RecordStatus.PENDING), (3, RecordStatus.PENDING), (6, RecordStatus.PENDING)):
            record = ledger.record_create(
                member=w.teammate,
                community=world.community,
                grid=world.grid,
                # A generic record: an activity's carry no residents (they are the activity's).
                source=ServiceSource.MANUAL,
                source_id=None,
                category=ServiceCategory.CLEAN_UP,
                content="社区夜巡",
                started_at=start + timedelta(days=days),
                ended_at=start + timedelta(days=days, hours=2),
                credited_minutes=110,
                residents_served=3,
                status=status,
            )
            if days:
                ledger.record_approve(record=record, actor=world.staff)
        post = registrations.post_create(
            actor=world.staff, community=world.community, kind=PostKind.POLICY_PROMOTER, title="政策宣传员"
        )
        registrations.post_claim(post=post, member=world.member)
        registrations.evaluation_submit(
            actor=world.staff,
            member=world.member,
            community=world.community,
            year=timezone.localdate().year,
            grade=EvaluationGrade.EXCELLENT,
        )
        f.PairingFactory(organ=world.organ, community=world.community)


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings.test")
    import django

    django.setup()
    build()


if __name__ == "__main__":
    main()
