"""The roll-up tables after each kind of ledger write: what each write adds, that a failed write adds nothing, and
that parallel writes to the same roll-up row do not lose updates."""

import threading
from datetime import date, datetime, timedelta

import pytest
from django.db import connection, transaction

from apps.core.errors import Conflict, Invalid
from apps.ledger import services as ledger
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.orgs.services import member_move
from apps.stats.models import (
    MEASURES,
    ROLLUP_MODELS,
    CommunityDayTotal,
    MemberDayTotal,
    OrganDayTotal,
    TeamDayTotal,
)
from apps.stats.rollups import reconcile
from apps.teams.models import TeamMembership
from tests import factories as f
from tests.stats.conftest import LOCAL, POINTS_PER_WISH
from tests.teams.conftest import make_team

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("points_rule")]

DAY = datetime(2024, 5, 10, 9, 0, tzinfo=LOCAL)
_DEFAULT = object()


def write(world, *, minutes=90, residents=4, start=DAY, span=180, member=None, grid=_DEFAULT, **extra):
    """A record written by record_create: a pending manual-like service of the world's member in its grid."""
    grid = world.grid if grid is _DEFAULT else grid
    kwargs = {
        "member": member or world.member,
        "community": world.community,
        "grid": grid,
        "source": ServiceSource.MANUAL,
        "source_id": None,
        "category": ServiceCategory.CARE_VISIT,
        "content": "入户走访",
        "started_at": start,
        "ended_at": start + timedelta(minutes=span),
        "credited_minutes": minutes,
        "residents_served": residents,
        **extra,
    }
    if kwargs.get("status") == RecordStatus.APPROVED:
        kwargs.setdefault("decided_by", world.staff)
    return ledger.record_create(**kwargs)


def approve(world, record):
    return ledger.record_approve(record=record, actor=world.staff)


def amend(world, record, *, minutes, residents):
    return ledger.record_amend(
        record=record, actor=world.staff, credited_minutes=minutes, residents_served=residents, reason="补录签退"
    )


def table(model):
    """{key: figures} of every row of a roll-up table, read straight from it."""
    width = len(model.KEY)
    return {
        row[:width]: dict(zip(MEASURES, row[width:], strict=True))
        for row in model.objects.values_list(*model.KEY, *MEASURES)
    }


def all_tables():
    return {model.__name__: table(model) for model in ROLLUP_MODELS}


def figures(person_times=1, minutes=0, wish_services=0, points=0):
    """A roll-up row's measures (residents served are no sum: apps.stats.counting counts them from the ledger)."""
    return {
        "person_times": person_times,
        "minutes": minutes,
        "wish_services": wish_services,
        "points": points,
    }


def member_key(world, day=DAY, grid_key=_DEFAULT, member=None, organ=None, branch=None):
    member = member or world.member
    return (
        day.date() if isinstance(day, datetime) else day,
        member.pk,
        (organ or world.organ).pk,
        (branch or world.branch).pk,
        world.community.pk,
        world.grid.pk if grid_key is _DEFAULT else grid_key,
    )


def assert_only(world, expected, day=DAY):
    """The three tables hold exactly one row for the service's member, organ and community, with `expected`."""
    assert table(MemberDayTotal) == {member_key(world, day): expected}
    assert table(OrganDayTotal) == {(day.date(), world.organ.pk): expected}
    assert table(CommunityDayTotal) == {(day.date(), world.community.pk): expected}


# --- each kind of write -----------------------------------------------------------------------------------------


def test_a_pending_record_adds_nothing(world):
    write(world)
    assert all_tables() == {"MemberDayTotal": {}, "OrganDayTotal": {}, "CommunityDayTotal": {}, "TeamDayTotal": {}}


def test_approving_a_record_adds_one_service_with_its_figures_to_every_table(world):
    record = write(world, minutes=90, residents=4)
    approve(world, record)
    assert_only(world, figures(minutes=90, points=15))


def test_rejecting_a_record_adds_nothing(world):
    record = write(world)
    ledger.record_reject(record=record, actor=world.staff, reason="当天未到场")
    assert all_tables() == {"MemberDayTotal": {}, "OrganDayTotal": {}, "CommunityDayTotal": {}, "TeamDayTotal": {}}


def test_a_confirmed_wish_adds_a_wish_service_and_the_wish_bonus(world):
    write(world, status=RecordStatus.APPROVED, source=ServiceSource.WISH, source_id=11, minutes=45, residents=2)
    # 45 min at 10 points an hour is 7.5, floored to 7, plus the bonus of a confirmed wish.
    assert_only(world, figures(minutes=45, wish_services=1, points=7 + POINTS_PER_WISH))


def test_an_amendment_adds_its_deltas_and_the_change_in_the_services_points(world):
    record = approve(world, write(world, minutes=45, residents=2))
    assert_only(world, figures(minutes=45, points=7))

    amend(world, record, minutes=50, residents=3)  # 50 min: 8.33 points, floored to 8
    assert_only(world, figures(minutes=50, points=8))
    amend(world, record, minutes=30, residents=3)
    assert_only(world, figures(minutes=30, points=5))
    amend(world, record, minutes=0, residents=0)  # no service any more (docs/statistics.md, "Zero minutes")
    assert all_tables() == {"MemberDayTotal": {}, "OrganDayTotal": {}, "CommunityDayTotal": {}, "TeamDayTotal": {}}
    amend(world, record, minutes=30, residents=1)  # a service again
    assert_only(world, figures(minutes=30, points=5))


def test_a_correction_of_residents_alone_leaves_the_rollups_as_they_are(world):
    # Residents served are counted once per service from the ledger, not summed in the roll-ups.
    record = approve(world, write(world, minutes=45, residents=2))
    assert_only(world, figures(minutes=45, points=7))
    amend(world, record, minutes=45, residents=7)
    assert_only(world, figures(minutes=45, points=7))
    assert reconcile().clean


def test_a_service_approved_with_zero_minutes_adds_no_row(world):
    approve(world, write(world, minutes=0, residents=3))
    write(world, status=RecordStatus.APPROVED, source=ServiceSource.WISH, source_id=12, minutes=0, residents=1)
    assert all_tables() == {"MemberDayTotal": {}, "OrganDayTotal": {}, "CommunityDayTotal": {}, "TeamDayTotal": {}}
    assert reconcile().clean


def test_a_wish_amendment_keeps_the_bonus_once(world):
    record = write(world, status=RecordStatus.APPROVED, source=ServiceSource.WISH, source_id=11, minutes=45)
    amend(world, record, minutes=60, residents=4)
    assert_only(world, figures(minutes=60, wish_services=1, points=10 + POINTS_PER_WISH))


def test_two_services_on_one_day_merge_into_one_row_and_earn_points_each(world):
    morning = approve(world, write(world, minutes=45, residents=1))
    approve(world, write(world, minutes=45, residents=2, start=DAY + timedelta(hours=5)))
    # Floored per service: 7 + 7, not 90 min → 15.
    assert_only(world, figures(person_times=2, minutes=90, points=14))
    amend(world, morning, minutes=50, residents=1)
    assert_only(world, figures(person_times=2, minutes=95, points=15))


def test_a_record_without_a_grid_is_kept_under_grid_key_zero(world):
    approve(world, write(world, grid=None, minutes=60, residents=1))
    approve(world, write(world, minutes=60, residents=1, start=DAY + timedelta(hours=4)))
    one = figures(minutes=60, points=10)
    assert table(MemberDayTotal) == {member_key(world, grid_key=0): one, member_key(world): one}
    # The community and the organ count both services.
    both = figures(person_times=2, minutes=120, points=20)
    assert table(CommunityDayTotal) == {(DAY.date(), world.community.pk): both}
    assert table(OrganDayTotal) == {(DAY.date(), world.organ.pk): both}


def test_the_day_is_the_local_day_the_service_started(world):
    late = datetime(2024, 5, 10, 23, 30, tzinfo=LOCAL)  # ends the next day
    early = datetime(2024, 5, 11, 0, 10, tzinfo=LOCAL)  # still 10 May in UTC
    approve(world, write(world, start=late, minutes=60, span=60))
    approve(world, write(world, start=early, minutes=30, span=60))
    assert table(OrganDayTotal) == {
        (late.date(), world.organ.pk): figures(minutes=60, points=10),
        (early.date(), world.organ.pk): figures(minutes=30, points=5),
    }


def test_a_service_before_a_move_stays_with_the_old_organ_in_the_rollups(world):
    member = f.MemberFactory(branch=world.branch, joined_on=date(2024, 1, 1))
    next_day = DAY + timedelta(days=1)
    member = member_move(member=member, branch=world.other_branch, on=next_day.date())
    approve(world, write(world, member=member, minutes=60))  # entered after the move, served before it
    approve(world, write(world, member=member, minutes=120, start=next_day))
    assert table(MemberDayTotal) == {
        member_key(world, member=member): figures(minutes=60, points=10),
        member_key(world, next_day, member=member, organ=world.other_organ, branch=world.other_branch): figures(
            minutes=120, points=20
        ),
    }
    assert set(table(OrganDayTotal)) == {(DAY.date(), world.organ.pk), (next_day.date(), world.other_organ.pk)}


# --- failed writes ----------------------------------------------------------------------------------------------


def test_a_duplicate_record_is_refused_and_adds_nothing(world):
    write(world, status=RecordStatus.APPROVED, source=ServiceSource.WISH, source_id=11, minutes=60)
    before = all_tables()
    with pytest.raises(Conflict) as exc:
        write(world, status=RecordStatus.APPROVED, source=ServiceSource.WISH, source_id=11, minutes=120)
    assert exc.value.code == "record_duplicate"
    assert all_tables() == before


def test_a_transaction_that_fails_after_an_approval_takes_its_rollup_with_it(world):
    """As when a wish is confirmed for two members and the second record is a duplicate: the 409 rolls back the
    whole confirmation, the first member's approved record and its roll-up included."""
    teammate = f.MemberFactory(branch=world.branch)
    write(world, member=teammate, status=RecordStatus.APPROVED, source=ServiceSource.WISH, source_id=11)
    before, records = all_tables(), ServiceRecord.objects.count()
    with pytest.raises(Conflict), transaction.atomic():
        write(world, status=RecordStatus.APPROVED, source=ServiceSource.WISH, source_id=11, minutes=60)
        assert table(OrganDayTotal)[(DAY.date(), world.organ.pk)]["person_times"] == 2  # written, inside
        write(world, member=teammate, status=RecordStatus.APPROVED, source=ServiceSource.WISH, source_id=11)
    assert all_tables() == before
    assert ServiceRecord.objects.count() == records


def test_refused_decisions_and_amendments_add_nothing(world):
    record = approve(world, write(world, minutes=60))
    before = all_tables()
    with pytest.raises(Conflict) as exc:
        approve(world, ServiceRecord.objects.get(pk=record.pk))
    assert exc.value.code == "record_not_pending"
    with pytest.raises(Invalid) as exc:
        amend(world, record, minutes=60, residents=4)
    assert exc.value.code == "amendment_no_change"
    with pytest.raises(Invalid) as exc:
        amend(world, record, minutes=181, residents=4)
    assert exc.value.code == "minutes_exceed_span"
    assert all_tables() == before


# --- concurrency ------------------------------------------------------------------------------------------------


def run_in_parallel(calls):
    """Run every call at the same moment, each in its own thread with its own database connection."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait(timeout=30)
            call()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_parallel_approvals_of_one_members_services_on_one_day_lose_no_update(world):
    """Every approval adds to the same new roll-up rows at once: INSERT ... ON CONFLICT DO UPDATE must make the
    later ones add to the row the first one inserted (on PostgreSQL: no lost update, no duplicate-key error)."""
    minutes = [45, 50, 55, 60, 61, 89, 90, 120]
    records = [write(world, minutes=m, residents=1, start=DAY + timedelta(minutes=n)) for n, m in enumerate(minutes)]
    deciders = [f.UserFactory() for _ in records]
    for user in deciders:
        f.RoleFactory(user=user, community=world.community)

    run_in_parallel(
        [
            lambda record=record, user=user: ledger.record_approve(record=record, actor=user)
            for record, user in zip(records, deciders, strict=True)
        ]
    )

    expected = figures(
        person_times=len(minutes),
        minutes=sum(minutes),
        points=sum(m * 10 // 60 for m in minutes),
    )
    assert_only(world, expected)
    assert reconcile().clean


@pytest.mark.django_db(transaction=True)
def test_parallel_amendments_lose_no_update(world):
    """Corrections of different services of one day add to one row at once; two corrections of one service are
    serialised on the original, so each computes its points change from the other's result."""
    first = approve(world, write(world, minutes=45, residents=1))
    second = approve(world, write(world, minutes=45, residents=1, start=DAY + timedelta(hours=4)))
    third = approve(world, write(world, minutes=45, residents=1, start=DAY + timedelta(hours=6)))

    run_in_parallel(
        [
            lambda: amend(world, first, minutes=50, residents=2),
            lambda: amend(world, second, minutes=120, residents=2),
            lambda: amend(world, third, minutes=100, residents=1),
            lambda: amend(world, third, minutes=59, residents=3),
        ]
    )

    third_minutes = 45 + sum(a.credited_minutes for a in ServiceRecord.objects.filter(amends=third))
    assert third_minutes in (100, 59)  # whichever correction came last
    expected = figures(
        person_times=3,
        minutes=50 + 120 + third_minutes,
        points=8 + 20 + third_minutes * 10 // 60,
    )
    assert_only(world, expected)
    assert reconcile().clean


# --- services done as a volunteer team --------------------------------------------------------------------------


def test_a_service_done_as_a_team_adds_to_the_team_table_too_and_reconciles(world):
    team = make_team(leader=world.member)
    # The team was formed before the service (its leader joined then).
    TeamMembership.objects.filter(team=team).update(joined_at=DAY - timedelta(days=30))
    alone = approve(world, write(world, minutes=60, start=DAY - timedelta(days=1)))
    as_team = approve(world, write(world, minutes=90, team=team))
    assert (alone.team, as_team.team) == (None, team)
    assert table(TeamDayTotal) == {(DAY.date(), team.pk, world.member.pk): figures(minutes=90, points=15)}
    amend(world, as_team, minutes=30, residents=0)
    assert table(TeamDayTotal) == {(DAY.date(), team.pk, world.member.pk): figures(minutes=30, points=5)}
    assert reconcile().clean
    # Taken to 0 minutes, the service leaves the team's table as it leaves the others.
    amend(world, as_team, minutes=0, residents=0)
    assert table(TeamDayTotal) == {}
    assert reconcile().clean
