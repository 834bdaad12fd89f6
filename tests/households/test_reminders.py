"""The scheduled job that reminds paired members of households they have not visited, then tells the staff: once
per overdue spell, run however often."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from apps.accounts.models import Role
from apps.households import services
from apps.jobs.models import JobOutcome
from apps.jobs.runner import run_job
from apps.ledger.self_services import record_of
from apps.ledger.services import record_reject
from apps.notifications import links
from apps.notifications.models import Notification, NotificationKind
from tests import factories as f
from tests.households.conftest import visit_times
from tests.teams.conftest import make_team

pytestmark = pytest.mark.django_db


def run(now):
    result = run_job("households_remind_unvisited", now=now)
    assert result.outcome == JobOutcome.SUCCESS, result.error
    return result.items


def kinds():
    return sorted(Notification.objects.values_list("user_id", "kind"))


def days_after_start(pairing, days):
    """A moment `days` days after the pairing's first day began."""
    start = timezone.make_aware(timezone.datetime.combine(pairing.started_on, timezone.datetime.min.time()))
    return start + timedelta(days=days, hours=1)


def test_nothing_before_the_reminder_is_due(world, pairing):
    assert run(days_after_start(pairing, 29)) == 0
    assert not Notification.objects.exists()


def test_the_member_is_reminded_once_then_the_staff_once(world, pairing):
    staff_b = f.UserFactory()
    f.RoleFactory(user=staff_b, role=Role.COMMUNITY_STAFF, community=world.community)
    f.RoleFactory(user=f.UserFactory(), role=Role.COMMUNITY_STAFF, community=world.other_community)

    assert run(days_after_start(pairing, 30)) == 1
    note = Notification.objects.get()
    assert note.user == world.member.user and note.kind == NotificationKind.HOUSEHOLD_VISIT_DUE
    assert links.page_path(note) == f"/m/households/{pairing.pk}/"
    # Idempotent: the same spell reminds nobody again.
    assert run(days_after_start(pairing, 31)) == 0

    assert run(days_after_start(pairing, 45)) == 2  # the community's two staff, not the other community's
    staff_notes = Notification.objects.filter(kind=NotificationKind.HOUSEHOLD_VISIT_OVERDUE)
    assert {n.user_id for n in staff_notes} == {world.staff.pk, staff_b.pk}
    assert links.page_path(staff_notes[0]) == f"/staff/households/{pairing.household_id}/"
    before = kinds()
    assert run(days_after_start(pairing, 60)) == 0
    assert kinds() == before


def test_a_visit_starts_a_new_spell_and_a_rejected_one_does_not(world, pairing):
    start, end = visit_times()
    visit = services.household_visit_register(
        actor=world.member.user, pairing=pairing, started_at=start, ended_at=end, content="走访"
    )
    now = timezone.now()
    # A pending visit counts: nothing is due 29 days after it, though the pairing is older.
    assert run(now + timedelta(days=29)) == 0
    assert run(now + timedelta(days=31)) == 1
    assert run(now + timedelta(days=32)) == 0
    # Rejected: the spell runs from the pairing's start (ten days ago) again, a new spell that reminds once, and
    # tells the staff once when it reaches 45 days.
    record_reject(record=record_of(visit.self_service), actor=world.staff, reason="未核实")
    assert run(now + timedelta(days=32)) == 1
    assert run(now + timedelta(days=36)) == 1
    assert run(now + timedelta(days=37)) == 0


def test_a_teams_leader_is_reminded(world, household):
    team = make_team(leader=world.member, party_org=world.branch)
    pairing = services.pairing_create(
        actor=world.staff, household=household, team=team, started_on=timezone.localdate() - timedelta(days=1)
    )
    assert run(days_after_start(pairing, 30)) == 1
    assert Notification.objects.get().user == world.member.user


@override_settings(HOUSEHOLD_VISIT_REMIND_DAYS=7, HOUSEHOLD_VISIT_ESCALATE_DAYS=10)
def test_the_days_come_from_the_settings(world, pairing):
    assert run(days_after_start(pairing, 7)) == 1
    assert run(days_after_start(pairing, 10)) == 1


def test_ended_pairings_and_closed_households_are_not_reminded(world, pairing):
    services.pairing_end(actor=world.staff, pairing=pairing, reason="结束")
    assert run(days_after_start(pairing, 60)) == 0
