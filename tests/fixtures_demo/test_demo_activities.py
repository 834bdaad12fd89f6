"""The demo activities: finished ones with approved hours in the ledger, open upcoming ones, loaded once."""

import pytest
from django.db import transaction
from django.utils import timezone

from apps.activities.models import Activity, ActivityStatus, HoursStatus, SignUp
from apps.ledger.models import RecordStatus, ServiceRecord, ServiceSource
from apps.places.models import Community
from fixtures.demo_activities import load_demo_activities
from fixtures.demo_city import load_demo_city

# Each module loads the whole demo city once: keep them on one xdist worker (scripts/test uses --dist loadgroup)
# instead of loading it again on every worker that gets one of their tests.
pytestmark = pytest.mark.xdist_group("demo_city")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            first = load_demo_city()
            second = load_demo_activities()
            yield {"first": first, "second": second}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def loaded(demo, db):
    return demo


def test_every_community_has_past_and_upcoming_activities(loaded):
    now = timezone.now()
    for community in Community.objects.all():
        activities = Activity.objects.filter(community=community)
        assert activities.filter(status=ActivityStatus.FINISHED, ends_at__lt=now).exists(), community.name
        assert activities.filter(status=ActivityStatus.OPEN, starts_at__gt=now).exists(), community.name


def test_second_load_adds_nothing(loaded):
    assert loaded["first"]["activities"] > 0
    assert loaded["second"] == 0


def test_past_attendance_became_approved_records_in_the_ledger(loaded):
    approved = SignUp.objects.filter(hours_status=HoursStatus.APPROVED)
    assert approved.exists()
    records = ServiceRecord.objects.filter(source=ServiceSource.ACTIVITY, status=RecordStatus.APPROVED)
    assert records.count() == approved.count()
    for signup in approved.select_related("record", "activity")[:20]:
        assert signup.record.credited_minutes == signup.credited_minutes > 0
        assert signup.record.community_id == signup.activity.community_id


def test_history_includes_no_shows_and_missing_checkouts(loaded):
    assert SignUp.objects.filter(no_show=True).exists()
    assert SignUp.objects.filter(checkout_missing=True).exists()
