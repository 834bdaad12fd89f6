"""The demo activities: finished ones with approved hours in the ledger, open upcoming ones, loaded once."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.activities.models import Activity, ActivityStatus, Attendance, HoursStatus, SignUp
from apps.ledger.models import RecordStatus, ServiceRecord, ServiceSource
from apps.ledger.selectors import record_effective
from apps.places.models import Community
from apps.registrations.models import Pairing
from fixtures.demo import plan
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
    # The plan's residential communities (the enterprise and the village have only a team's upcoming activity).
    for community in Community.objects.filter(code__in=[c.code for c in plan.build_city().communities]):
        activities = Activity.objects.filter(community=community)
        assert activities.filter(status=ActivityStatus.FINISHED, ends_at__lt=now).exists(), community.name
        assert activities.filter(status=ActivityStatus.OPEN, starts_at__gt=now).exists(), community.name


def test_second_load_adds_nothing(loaded):
    assert loaded["first"]["activities"] > 0
    assert loaded["second"] == 0


def test_past_attendance_became_approved_records_in_the_ledger(loaded):
    approved = SignUp.objects.filter(hours_status=HoursStatus.APPROVED)
    assert approved.exists()
    records = ServiceRecord.objects.filter(
        source=ServiceSource.ACTIVITY, status=RecordStatus.APPROVED, amends__isnull=True
    )
    assert records.count() == approved.count()
    for signup in approved.select_related("record", "activity"):
        # Corrected hours are the approved record and its amendment, as on the attendance sheet.
        assert record_effective(signup.record).minutes == signup.credited_minutes > 0
        assert signup.record.community_id == signup.activity.community_id
        assert signup.record.category == signup.activity.category


def test_history_includes_no_shows_and_missing_checkouts(loaded):
    assert SignUp.objects.filter(no_show=True).exists()
    assert SignUp.objects.filter(checkout_missing=True).exists()


def test_the_year_has_every_outcome_of_attendance_and_hours(loaded):
    signups = SignUp.objects.filter(activity__status=ActivityStatus.FINISHED)
    assert signups.filter(attendance=Attendance.LEAVE).exists()
    assert signups.filter(checked_in_at__gt=F("activity__starts_at") + timedelta(minutes=5)).exists()  # late
    assert signups.filter(checked_out_at__lt=F("activity__ends_at") - timedelta(minutes=15)).exists()  # early
    assert signups.filter(checked_in_at__isnull=True, hours_status=HoursStatus.APPROVED).exists()  # from the sheet
    assert signups.filter(hours_status=HoursStatus.REJECTED).exists()
    assert signups.filter(hours_status=HoursStatus.PENDING).exists()  # the last days' are not decided yet
    amended = ServiceRecord.objects.filter(source=ServiceSource.ACTIVITY, amends__isnull=False)
    assert amended.filter(credited_minutes__lt=0).exists()  # hours corrected down on the attendance sheet


def test_paired_organs_branches_and_grid_workers_organize_some(loaded):
    finished = Activity.objects.filter(status=ActivityStatus.FINISHED)
    by_branch = finished.filter(organizer_party_org__isnull=False)
    assert by_branch.exists()
    for activity in by_branch.select_related("organizer_party_org"):
        assert Pairing.objects.filter(
            organ_id=activity.organizer_party_org.organ_id, community_id=activity.community_id
        ).exists()
    assert finished.filter(grid__grid_worker=F("created_by")).exists()
