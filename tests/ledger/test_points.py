"""Points and totals: derived from approved records (amendments included), by period, for many members at once."""

from datetime import timedelta

import pytest

from apps.core.figures import hours_of
from apps.ledger import services
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceSource
from apps.ledger.points import service_points
from apps.ledger.selectors import annotate_member_totals, member_summary, member_totals, points_for_member
from apps.orgs.models import Member
from tests import factories as f
from tests.ledger.conftest import DAY

pytestmark = pytest.mark.django_db

APPROVED = RecordStatus.APPROVED


def test_points_are_per_approved_hour_rounded_down(world, make_record):
    make_record(minutes=90, status=APPROVED)
    assert points_for_member(member=world.member) == 15  # 1.5 h x 10
    make_record(minutes=5, status=APPROVED, start=DAY + timedelta(days=1))
    assert points_for_member(member=world.member) == 15  # 95 min: 15.83 -> 15


def test_pending_and_rejected_records_earn_nothing(world, make_record):
    make_record(minutes=120)
    rejected = make_record(minutes=120, start=DAY + timedelta(days=1))
    services.record_reject(record=rejected, actor=world.staff, reason="不属实")
    assert member_summary(member=world.member) == {
        "member_id": world.member.id,
        "minutes": 0,
        "hours": 0.0,
        "services": 0,
        "wish_services": 0,
        "points": 0,
    }


def test_each_confirmed_wish_adds_its_bonus(world, make_record):
    make_record(minutes=60, status=APPROVED, source=ServiceSource.WISH, source_id=1)
    make_record(minutes=60, status=APPROVED, source=ServiceSource.WISH, source_id=2, start=DAY + timedelta(days=1))
    summary = member_summary(member=world.member)
    assert (summary["minutes"], summary["services"], summary["wish_services"]) == (120, 2, 2)
    assert summary["points"] == 20 + 2 * 5


def test_amendments_count_but_are_not_extra_services(world, make_record):
    record = make_record(minutes=90, status=APPROVED, source=ServiceSource.WISH, source_id=3)
    services.record_amend(record=record, actor=world.staff, credited_minutes=150, residents_served=4, reason="补记")
    summary = member_summary(member=world.member)
    assert (summary["minutes"], summary["hours"], summary["services"], summary["wish_services"]) == (150, 2.5, 1, 1)
    assert summary["points"] == 25 + 5
    services.record_amend(record=record, actor=world.staff, credited_minutes=30, residents_served=4, reason="核减")
    assert points_for_member(member=world.member) == 5 + 5


def test_periods_are_half_open_on_the_start_of_the_service(world, make_record):
    inside = make_record(minutes=60, status=APPROVED, start=DAY)
    make_record(minutes=120, status=APPROVED, start=DAY + timedelta(days=1))
    make_record(minutes=180, status=APPROVED, start=DAY - timedelta(seconds=1))
    # A correction made today still counts in the period of the service it corrects.
    services.record_amend(record=inside, actor=world.staff, credited_minutes=90, residents_served=4, reason="补记")
    summary = member_summary(member=world.member, start=DAY, end=DAY + timedelta(days=1))
    assert (summary["minutes"], summary["services"]) == (90, 1)
    assert points_for_member(member=world.member, start=DAY) == 35
    assert points_for_member(member=world.member, end=DAY) == 30
    assert points_for_member(member=world.member) == 65


def test_member_totals_for_many_members_in_one_query(world, make_record, django_assert_num_queries):
    make_record(minutes=60, status=APPROVED)
    make_record(member=world.other_member, grid=world.other_grid, minutes=120, status=APPROVED)
    make_record(
        member=world.other_member,
        grid=world.other_grid,
        minutes=30,
        status=APPROVED,
        source=ServiceSource.WISH,
        source_id=9,
        decided_by=f.UserFactory(),
    )
    idle = f.MemberFactory(branch=world.branch)
    with django_assert_num_queries(1):
        rows = {r["member_id"]: r for r in member_totals(Member.objects.all())}
    assert rows[world.member.id] == {
        "member_id": world.member.id,
        "minutes": 60,
        "services": 1,
        "wish_services": 0,
        "points": 10,
    }
    assert (rows[world.other_member.id]["minutes"], rows[world.other_member.id]["points"]) == (150, 25 + 5)
    assert rows[idle.id]["points"] == 0
    ranked = list(annotate_member_totals(Member.objects.all()).order_by("-points").values_list("id", flat=True))
    assert ranked[:2] == [world.other_member.id, world.member.id]


def test_totals_do_not_multiply_when_the_member_queryset_joins(world, make_record):
    make_record(minutes=60, status=APPROVED)
    f.RegistrationFactory(member=world.member, grid=world.grid)
    f.RegistrationFactory(member=world.member, grid=world.other_grid, status="rejected", reject_reason="不在本社区")
    rows = list(member_totals(Member.objects.filter(registrations__isnull=False).distinct()))
    assert [(r["member_id"], r["minutes"]) for r in rows] == [(world.member.id, 60)]


@pytest.mark.parametrize("minutes, wishes", [(0, 0), (1, 0), (59, 1), (60, 0), (61, 3), (599, 2), (12345, 7)])
def test_database_rule_agrees_with_the_python_rule(world, make_record, minutes, wishes, settings):
    settings.POINTS_PER_HOUR = 7
    settings.POINTS_PER_CONFIRMED_WISH = 3
    start = DAY
    for i in range(wishes):
        # One minute each: a wish of 0 minutes is no service and earns no bonus ("Zero minutes").
        make_record(minutes=1, status=APPROVED, source=ServiceSource.WISH, source_id=i + 1, start=start)
        start += timedelta(days=1)
    span = timedelta(minutes=minutes)
    services.record_create(
        member=world.member,
        community=world.community,
        grid=world.grid,
        source=ServiceSource.MANUAL,
        source_id=None,
        category=ServiceCategory.CARE_VISIT,
        content="补录",
        started_at=start,
        ended_at=start + span,
        credited_minutes=minutes,
        status=APPROVED,
        decided_by=world.staff,
    )
    expected = service_points(minutes=minutes, is_wish=False) + wishes * service_points(minutes=1, is_wish=True)
    assert points_for_member(member=world.member) == expected
    assert expected == minutes * 7 // 60 + 3 * wishes


def test_a_service_of_zero_minutes_earns_nothing_not_even_a_wish_bonus(world, make_record):
    assert service_points(minutes=0, is_wish=True) == service_points(minutes=0, is_wish=False) == 0
    make_record(minutes=0, status=APPROVED, source=ServiceSource.WISH, source_id=1)
    assert points_for_member(member=world.member) == 0
    row = next(iter(member_totals(Member.objects.filter(pk=world.member.pk))))
    assert (row["services"], row["wish_services"], row["points"]) == (0, 0, 0)
    summary = member_summary(member=world.member)
    assert (summary["services"], summary["wish_services"], summary["points"]) == (0, 0, 0)


def test_points_are_earned_per_service_so_they_add_up(world, make_record):
    # Two 45-minute services earn 7 + 7, not the 15 that 90 minutes in one service would: the rule applies to
    # each service, so any grouping of services (days, members, branches) sums to the same points.
    make_record(minutes=45, status=APPROVED)
    make_record(minutes=45, status=APPROVED, start=DAY + timedelta(days=1))
    assert points_for_member(member=world.member) == 14
    assert points_for_member(member=world.member, end=DAY + timedelta(days=1)) == 7


def test_one_members_summary_equals_their_row_of_the_many_members_totals(world, make_record):
    # member_summary is one aggregate over the member's records, member_totals a subquery per member: same rule.
    amended = make_record(minutes=90, status=APPROVED, source=ServiceSource.WISH, source_id=4)
    services.record_amend(record=amended, actor=world.staff, credited_minutes=125, residents_served=2, reason="补记")
    make_record(minutes=47, status=APPROVED, start=DAY + timedelta(days=1))
    make_record(minutes=170, start=DAY + timedelta(days=2))  # pending
    make_record(minutes=61, status=APPROVED, start=DAY - timedelta(days=3))
    make_record(member=world.other_member, grid=world.other_grid, minutes=150, status=APPROVED)
    for start, end in ((None, None), (DAY, None), (None, DAY), (DAY, DAY + timedelta(days=1))):
        rows = {r["member_id"]: r for r in member_totals(Member.objects.all(), start, end)}
        for member in (world.member, world.other_member):
            summary = member_summary(member=member, start=start, end=end)
            assert summary == {**rows[member.id], "hours": hours_of(rows[member.id]["minutes"])}, (start, end)
    assert member_summary(member=world.member)["minutes"] == 125 + 47 + 61


def test_attach_effective_gives_what_with_effective_annotates(world, make_record):
    # "My hours" pages its records without the per-row subqueries and attaches the same figures afterwards.
    from apps.ledger.models import ServiceRecord
    from apps.ledger.selectors import attach_effective, with_effective

    twice = make_record(minutes=90, status=APPROVED)
    services.record_amend(record=twice, actor=world.staff, credited_minutes=120, residents_served=6, reason="补记")
    services.record_amend(record=twice, actor=world.staff, credited_minutes=100, residents_served=2, reason="核减")
    once = make_record(minutes=60, status=APPROVED, start=DAY + timedelta(days=1))
    services.record_amend(record=once, actor=world.staff, credited_minutes=0, residents_served=0, reason="未到岗")
    make_record(minutes=45, status=APPROVED, start=DAY + timedelta(days=2))
    make_record(minutes=30, start=DAY + timedelta(days=3))  # pending, never amended
    originals = ServiceRecord.objects.filter(amends__isnull=True).order_by("pk")
    expected = [(r.pk, r.effective_minutes, r.effective_residents_served) for r in with_effective(originals)]
    attached = [(r.pk, r.effective_minutes, r.effective_residents_served) for r in attach_effective(list(originals))]
    assert attached == expected
    assert (twice.pk, 100, 2) in attached and (once.pk, 0, 0) in attached
    assert attach_effective([]) == []
