"""The demo's year of service history: realistic figures, every screen populated, consistent, loaded once."""

from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from statistics import median

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.accounts.models import Role, RoleAssignment
from apps.activities.models import Activity, ActivityCategory, ActivityStatus, SignUp
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.orgs.models import Member, MemberAffiliation, Organ
from apps.places.models import Community
from apps.registrations.models import (
    Evaluation,
    EvaluationGrade,
    Pairing,
    PostClaim,
    Registration,
    RegistrationStatus,
)
from apps.stats.rollups import reconcile
from apps.wishes.models import ClaimStatus, Wish, WishCategory, WishClaim, WishStatus
from fixtures.demo import plan
from fixtures.demo_city import load_demo_city
from fixtures.demo_history import YearPlan, load_demo_history, member_profiles

# Each module loads the whole demo city once: keep them on one xdist worker (scripts/test uses --dist loadgroup)
# instead of loading it again on every worker that gets one of their tests.
pytestmark = pytest.mark.xdist_group("demo_city")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo city loaded once per module (with its history), then the history alone a second time."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            first = load_demo_city()
            second = load_demo_history()
            yield {"first": first, "second": second}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def loaded(demo, db):
    return demo


def _midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def _year_window():
    """The twelve months before today, as aware bounds [start, end)."""
    today = timezone.localdate()
    return _midnight(today - timedelta(days=365)), _midnight(today)


def _hours_by_member(start, end):
    approved = ServiceRecord.objects.filter(status=RecordStatus.APPROVED, started_at__gte=start, started_at__lt=end)
    minutes = dict(approved.values_list("member").annotate(total=Sum("credited_minutes")))
    return {member_id: minutes.get(member_id, 0) / 60 for member_id in Member.objects.values_list("pk", flat=True)}


# --- loading --------------------------------------------------------------------------------------------------


def test_the_first_load_adds_a_year_of_history_and_the_second_adds_nothing(loaded):
    first = loaded["first"]
    assert first["activities"] and first["wishes"] and first["service records"]
    assert first["evaluations"] > 100
    assert first["organ moves"] == 1
    assert not +loaded["second"]


def test_the_year_is_the_same_on_every_plan(loaded):
    city = plan.build_city()
    moves = {closed.member.user.phone: (closed.ended_on, closed.member.organ.name) for closed in _moves()}
    anchor = timezone.localdate()
    first, second = YearPlan(city, anchor, moves), YearPlan(city, anchor, moves)
    assert (first.activities, first.wishes, first.manual) == (second.activities, second.wishes, second.manual)
    assert first.activities and first.wishes and first.manual


def _moves():
    return MemberAffiliation.objects.filter(ended_on__isnull=False).select_related("member__user", "member__organ")


def test_a_partial_history_is_completed_without_duplicates(loaded):
    records = ServiceRecord.objects.filter(source=ServiceSource.MANUAL, status=RecordStatus.APPROVED)
    member_id = (
        records.filter(amends__isnull=True)
        .exclude(member__in=records.filter(amends__isnull=False).values("member"))
        .values_list("member", flat=True)
        .first()
    )
    deleted, _ = ServiceRecord.objects.filter(member_id=member_id, source=ServiceSource.MANUAL).delete()
    evaluations, _ = Evaluation.objects.filter(community=Evaluation.objects.first().community).delete()
    assert deleted and evaluations

    created = load_demo_history()

    assert created == Counter({"service records": deleted, "evaluations": evaluations})
    assert not +load_demo_history()


def test_the_profiles_are_the_same_on_every_plan():
    assert member_profiles(plan.build_city()) == member_profiles(plan.build_city())


# --- realistic figures ----------------------------------------------------------------------------------------


def test_members_serve_from_over_the_annual_target_to_not_at_all(loaded):
    hours = _hours_by_member(*_year_window())
    values = list(hours.values())
    zero_share = sum(1 for h in values if h == 0) / len(values)
    assert sum(1 for h in values if h >= 50) >= 3
    assert 0.08 <= zero_share <= 0.18
    assert 5 <= median(values) <= 40
    assert sum(1 for h in values if 5 <= h <= 40) >= 0.6 * len(values)


def test_unregistered_members_mostly_did_not_serve(loaded):
    hours = _hours_by_member(*_year_window())
    unregistered = Member.objects.filter(registrations__isnull=True).values_list("pk", flat=True)
    assert unregistered
    idle = [pk for pk in unregistered if hours[pk] == 0]
    assert len(idle) >= 0.6 * len(unregistered)
    never = Member.objects.get(user__phone=plan.UNREGISTERED_MEMBER_PHONE)
    assert not ServiceRecord.objects.filter(member=never).exists()


def test_the_documented_member_had_a_star_year(loaded):
    member = Member.objects.get(user__phone=plan.REGISTERED_MEMBER_PHONE)
    assert _hours_by_member(*_year_window())[member.pk] >= 50
    assert ServiceRecord.objects.filter(member=member, status=RecordStatus.PENDING).exists()
    assert ServiceRecord.objects.filter(member=member, residents_served__gt=0).exists()


def test_organs_differ_visibly(loaded):
    hours = _hours_by_member(*_year_window())
    averages = []
    for organ in Organ.objects.all():
        members = list(Member.objects.filter(organ=organ).values_list("pk", flat=True))
        averages.append(sum(hours[pk] for pk in members) / len(members))
    assert max(averages) >= 1.5 * min(averages)


def test_services_are_busier_in_march_and_july_than_in_august(loaded):
    start, end = _year_window()
    per_day = Counter()
    days_in_window = Counter()
    day = timezone.localdate(start)
    while _midnight(day) < end:
        days_in_window[day.month] += 1
        day += timedelta(days=1)
    for started_at in ServiceRecord.objects.filter(
        status=RecordStatus.APPROVED, started_at__gte=start, started_at__lt=end
    ).values_list("started_at", flat=True):
        per_day[timezone.localtime(started_at).month] += 1

    def rate(month):
        return per_day[month] / days_in_window[month]

    assert all(per_day[month] > 0 for month in days_in_window)
    assert rate(3) > 1.5 * rate(8)
    assert rate(7) > 1.3 * rate(8)


def test_services_are_where_members_live_or_where_their_organ_is_paired(loaded):
    home = dict(Registration.objects.values_list("member", "community"))
    paired = defaultdict(set)
    for organ_id, community_id in Pairing.objects.values_list("organ", "community"):
        paired[organ_id].add(community_id)
    # Whatever the source: activities, wishes and manual entries.
    originals = ServiceRecord.objects.filter(amends__isnull=True)
    rows = list(originals.values_list("member", "organ", "community"))
    assert all(community == home.get(member) or community in paired[organ] for member, organ, community in rows)
    away = sum(1 for member, _organ, community in rows if community != home.get(member))
    assert 0.1 <= away / len(rows) <= 0.4
    manual = originals.filter(source=ServiceSource.MANUAL)
    assert manual.filter(residents_served__gt=0).count() >= 0.3 * manual.count()
    assert not manual.filter(grid__isnull=True, status=RecordStatus.APPROVED).exists()


# --- how the year was served ------------------------------------------------------------------------------------


def _minutes_by(field, start, end):
    approved = ServiceRecord.objects.filter(status=RecordStatus.APPROVED, started_at__gte=start, started_at__lt=end)
    return dict(approved.values_list(field).annotate(total=Sum("credited_minutes")))


def test_the_year_is_mostly_activities_with_wishes_and_some_manual_entries(loaded):
    by_source = _minutes_by("source", *_year_window())
    total = sum(by_source.values())
    assert by_source[ServiceSource.ACTIVITY] > 0.6 * total
    assert 0.1 <= by_source[ServiceSource.MANUAL] / total <= 0.2
    assert 0.02 <= by_source[ServiceSource.WISH] / total <= 0.15


def test_every_service_has_a_category_and_the_hours_spread_over_them(loaded):
    assert set(ServiceRecord.objects.values_list("category", flat=True)) <= set(ServiceCategory.values)
    by_category = _minutes_by("category", *_year_window())
    total = sum(by_category.values())
    # No category takes most of the year; every kind of activity and of wish is there.
    assert max(by_category.values()) < 0.4 * total
    assert set(ActivityCategory.values) | set(WishCategory.values) <= {c for c, m in by_category.items() if m > 0}
    # An activity's records take its category, a wish's the wish's.
    for record in ServiceRecord.objects.filter(source=ServiceSource.WISH, amends__isnull=True)[:50]:
        assert record.category == Wish.objects.get(pk=record.source_id).category
    activity = SignUp.objects.filter(record__isnull=False).select_related("record", "activity")
    assert all(signup.record.category == signup.activity.category for signup in activity)


def test_most_activities_are_shared_and_sized_like_their_kind(loaded):
    start, end = _year_window()
    finished = Activity.objects.filter(status=ActivityStatus.FINISHED, starts_at__gte=start, starts_at__lt=end)
    assert finished.count() > 100
    attended = Counter(
        SignUp.objects.filter(activity__in=finished, record__isnull=False).values_list("activity", flat=True)
    )
    assert sum(1 for n in attended.values() if n >= 3) >= 0.5 * finished.count()
    for community in Community.objects.filter(code__in=[c.code for c in plan.build_city().communities]):
        assert finished.filter(community=community).count() >= 10, community.name


def test_wishes_are_claimed_fulfilled_and_mostly_confirmed(loaded):
    start, end = _year_window()
    claims = WishClaim.objects.filter(claimed_at__gte=start, claimed_at__lt=end)
    claimed = set(claims.values_list("wish", flat=True))
    confirmed = set(claims.filter(wish__status=WishStatus.CONFIRMED).values_list("wish", flat=True))
    assert len(claimed) > 50
    assert 0.7 <= len(confirmed) / len(claimed) <= 0.97
    assert claims.filter(status=ClaimStatus.RELEASED, wish__status=WishStatus.CONFIRMED).exists()  # given back
    assert claims.filter(branch__isnull=False, wish__status=WishStatus.CONFIRMED).count() >= 5  # by a branch
    assert Wish.objects.filter(status=WishStatus.CANCELLED, claims__isnull=False).exists()


def test_some_services_were_entered_for_several_members_together(loaded):
    occasions = Counter(
        ServiceRecord.objects.filter(occasion__isnull=False, status=RecordStatus.APPROVED).values_list(
            "occasion", flat=True
        )
    )
    assert len(occasions) >= 5 and min(occasions.values()) >= 2


# --- every screen has something -------------------------------------------------------------------------------


def test_some_services_wait_some_were_rejected_and_some_corrected(loaded):
    first_community = plan.build_city().communities[0].code
    manual = ServiceRecord.objects.filter(source=ServiceSource.MANUAL)
    assert manual.filter(status=RecordStatus.PENDING, community__code=first_community).count() >= 2
    assert manual.filter(status=RecordStatus.PENDING).count() >= 5
    rejected = manual.filter(status=RecordStatus.REJECTED)
    assert rejected.count() == 2
    assert all(record.decision_reason for record in rejected)
    amendments = manual.filter(amends__isnull=False, status=RecordStatus.APPROVED)
    assert amendments.count() == 2
    assert amendments.filter(credited_minutes__lt=0).exists()
    assert amendments.filter(residents_served__gt=0).exists()


def test_records_are_approved_by_the_staff_of_their_community(loaded):
    staff = dict(RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF).values_list("community", "user"))
    approved = ServiceRecord.objects.filter(status=RecordStatus.APPROVED)
    for community_id, decided_by in approved.values_list("community", "decided_by").distinct():
        assert decided_by == staff[community_id]


def test_the_moved_member_keeps_each_services_organ(loaded):
    closed = MemberAffiliation.objects.select_related("member").get(ended_on__isnull=False)
    moved_on = closed.ended_on
    member = closed.member
    assert member.organ_id != closed.organ_id
    records = ServiceRecord.objects.filter(member=member, status=RecordStatus.APPROVED)
    before = {r.organ_id for r in records if timezone.localdate(r.started_at) < moved_on}
    after = {r.organ_id for r in records if timezone.localdate(r.started_at) >= moved_on}
    assert before == {closed.organ_id}
    assert after == {member.organ_id}
    today = timezone.localdate()
    assert today - timedelta(days=300) < moved_on < today - timedelta(days=60)


def test_registrations_were_confirmed_before_the_year_of_history(loaded):
    start, _end = _year_window()
    confirmed = Registration.objects.filter(status=RegistrationStatus.CONFIRMED)
    assert confirmed.count() > 100
    for registration in confirmed:
        assert registration.submitted_at < registration.decided_at < start
        assert f"-{timezone.localtime(registration.decided_at):%Y}-" in registration.receipt_number
    for claim in PostClaim.objects.filter(released_at__isnull=True).select_related("member"):
        decided_at = confirmed.get(member=claim.member).decided_at
        assert decided_at < claim.claimed_at < start


def test_last_year_every_registered_member_was_rated_mostly_competent_or_better(loaded):
    year = timezone.localdate().year - 1
    evaluations = Evaluation.objects.filter(year=year)
    confirmed = dict(
        Registration.objects.filter(status=RegistrationStatus.CONFIRMED).values_list("member", "community")
    )
    assert {(e.member_id, e.community_id) for e in evaluations} == set(confirmed.items())
    grades = Counter(evaluations.values_list("grade", flat=True))
    good = grades[EvaluationGrade.EXCELLENT] + grades[EvaluationGrade.COMPETENT]
    assert good >= 0.8 * evaluations.count()
    assert grades[EvaluationGrade.EXCELLENT] and grades[EvaluationGrade.BASICALLY_COMPETENT]
    staff = set(RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF).values_list("community", "user"))
    assert all((e.community_id, e.evaluated_by_id) in staff for e in evaluations)


def test_the_rollups_agree_with_the_ledger(loaded):
    # The whole demo, fixtures/demo_teams.py's stories too: services credited to a volunteer team (a wish, a household
    # visit) and services members registered themselves, approved, waiting and rejected.
    approved = ServiceRecord.objects.filter(status=RecordStatus.APPROVED)
    assert approved.filter(team__isnull=False, source=ServiceSource.WISH).exists()
    assert approved.filter(team__isnull=False, source=ServiceSource.SELF).exists()
    registered = set(ServiceRecord.objects.filter(source=ServiceSource.SELF).values_list("status", flat=True))
    assert registered == {RecordStatus.APPROVED, RecordStatus.PENDING, RecordStatus.REJECTED}
    assert reconcile().clean
