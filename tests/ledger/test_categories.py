"""Every service record's category: the union of the activities' and the wishes' categories, and the migration that
gave the records written before it theirs."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.activities.models import ActivityCategory
from apps.ledger import services
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.wishes.models import WishCategory
from tests.activities.conftest import ActivityFactory
from tests.activities_hours.conftest import make_signup
from tests.ledger.conftest import DAY
from tests.wishes.conftest import WishFactory

BEFORE = [("ledger", "0006_servicerecord_occasion")]
AFTER = [("ledger", "0007_servicerecord_category")]


def test_the_service_categories_are_those_of_activities_and_wishes_with_their_labels():
    labels = {choice.value: str(choice.label) for choice in ServiceCategory}
    for choices in (ActivityCategory, WishCategory):
        assert {choice.value: str(choice.label) for choice in choices}.items() <= labels.items()
    assert set(labels) == set(ActivityCategory.values) | set(WishCategory.values)
    assert ServiceCategory.values[-1] == ServiceCategory.OTHER


def _record(world, *, source, source_id, category, start=DAY, member=None):
    return services.record_create(
        member=member or world.member,
        community=world.community,
        grid=world.grid,
        source=source,
        source_id=source_id,
        category=category,
        content="社区服务",
        started_at=start,
        ended_at=start + timedelta(hours=2),
        credited_minutes=90,
        status=RecordStatus.APPROVED,
        decided_by=world.staff,
    )


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_record_its_wishs_or_activitys_category_and_amendments_their_originals(world):
    wish = WishFactory(grid=world.grid, created_by=world.staff, category=WishCategory.DISABILITY)
    activity = ActivityFactory(community=world.community, created_by=world.staff, category=ActivityCategory.CIVILITY)
    signup = make_signup(activity=activity, member=world.member)
    # Written with other categories than their wish's and activity's: the migration must find the right ones.
    of_wish = _record(world, source=ServiceSource.WISH, source_id=wish.pk, category="other")
    of_activity = _record(world, source=ServiceSource.ACTIVITY, source_id=signup.pk, category="other")
    manual = _record(world, source=ServiceSource.MANUAL, source_id=None, category="night_patrol")
    lost = _record(world, source=ServiceSource.WISH, source_id=10**9, category="study", member=world.other_member)
    amendment = services.record_amend(
        record=of_activity, actor=world.staff, credited_minutes=60, residents_served=0, reason="核减"
    )
    try:
        _migrate(BEFORE)
        _migrate(AFTER)
    finally:
        # Whatever happened, the database is left at the latest state of every app for the next tests (not at AFTER:
        # later migrations exist, and a worker's later tests would meet an old schema).
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    categories = dict(ServiceRecord.objects.values_list("pk", "category"))
    assert categories == {
        of_wish.pk: "disability",
        of_activity.pk: "civility",
        amendment.pk: "civility",
        manual.pk: "other",  # nobody knew: before this migration staff chose none
        lost.pk: "other",  # the wish is gone
    }
