"""Services of household pairing: who may act, what is refused (writing nothing), and what is written and audited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import Conflict, Forbidden, Invalid
from apps.households import services
from apps.households.models import Household, HouseholdPairing, HouseholdStatus, HouseholdVisit
from apps.ledger.models import AuditEntry, RecordStatus, SelfService, ServiceCategory, ServiceRecord
from apps.ledger.self_services import record_of
from apps.registrations.models import RegistrationStatus
from apps.teams.models import TeamMembership
from tests import factories as f
from tests.households.conftest import make_household, register, visit_times
from tests.teams.conftest import join, make_team

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Household.objects.count(),
        HouseholdPairing.objects.count(),
        HouseholdVisit.objects.count(),
        SelfService.objects.count(),
        ServiceRecord.objects.count(),
        AuditEntry.objects.count(),
    )


def _refused(error_class, code, call):
    before = _counts()
    with pytest.raises(error_class) as info:
        call()
    assert info.value.code == code
    assert _counts() == before


# --- households ---------------------------------------------------------------------------------------------------


def test_staff_records_a_household_with_its_consent_and_it_is_audited(world):
    household = make_household(world, grid=world.grid, notes="行动不便")
    assert household.status == HouseholdStatus.ACTIVE
    assert household.consent_by == world.staff and household.consent_on == timezone.localdate()
    entry = AuditEntry.objects.get(subject_type="households.household", subject_id=household.pk)
    assert entry.action == "household_create" and entry.actor == world.staff
    # Personal details stay out of the audit trail.
    assert "张大爷" not in str(entry.after) and "13800001111" not in str(entry.after)


def test_household_without_consent_is_refused_consent_required(world):
    _refused(Invalid, "consent_required", lambda: make_household(world, consent_on=None))


def test_consent_in_the_future_is_refused(world):
    _refused(
        Invalid, "consent_in_future", lambda: make_household(world, consent_on=timezone.localdate() + timedelta(days=2))
    )


@pytest.mark.parametrize("who", ["grid_worker", "street_admin", "reviewer", "outsider"])
def test_only_the_communitys_staff_record_households(world, who):
    _refused(Forbidden, "not_community_staff", lambda: make_household(world, actor=world.user(who)))


def test_staff_of_another_community_cannot_record_here(world):
    _refused(Forbidden, "not_community_staff", lambda: make_household(world, community=world.other_community))


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"head_name": "  "}, "head_name_required"),
        ({"address": ""}, "address_required"),
        ({"situation": "rich"}, "situation_invalid"),
        ({"head_name": "名" * 51}, "text_too_long"),
    ],
)
def test_bad_household_input_writes_nothing(world, extra, code):
    _refused(Invalid, code, lambda: make_household(world, **extra))


def test_a_grid_of_another_community_is_refused(world):
    _refused(Invalid, "grid_not_in_community", lambda: make_household(world, grid=world.other_grid))


def test_update_changes_only_the_given_fields_and_audits_their_names(world, household):
    services.household_update(actor=world.staff, household=household, address="幸福小区5栋101", situation="disability")
    household.refresh_from_db()
    assert household.address == "幸福小区5栋101" and household.situation == "disability"
    entry = AuditEntry.objects.filter(action="household_update").get()
    assert entry.after["fields"] == ["address", "situation"]
    # Nothing changed: nothing written.
    services.household_update(actor=world.staff, household=household, address="幸福小区5栋101")
    assert AuditEntry.objects.filter(action="household_update").count() == 1


def test_update_by_someone_else_is_refused(world, household):
    _refused(
        Forbidden,
        "not_community_staff",
        lambda: services.household_update(actor=world.grid_worker, household=household, address="x"),
    )


def test_close_ends_open_pairings_and_refuses_a_second_time(world, household, pairing):
    services.household_close(actor=world.staff, household=household, reason="搬离本社区")
    household.refresh_from_db()
    pairing.refresh_from_db()
    assert household.status == HouseholdStatus.CLOSED and household.closed_reason == "搬离本社区"
    assert pairing.ended_on == timezone.localdate() and pairing.end_reason == "搬离本社区"
    _refused(
        Conflict,
        "household_closed",
        lambda: services.household_close(actor=world.staff, household=household, reason="x"),
    )
    _refused(
        Conflict,
        "household_closed",
        lambda: services.household_update(actor=world.staff, household=household, notes="x"),
    )


def test_close_needs_a_reason(world, household):
    _refused(
        Invalid, "reason_required", lambda: services.household_close(actor=world.staff, household=household, reason=" ")
    )


# --- pairings -----------------------------------------------------------------------------------------------------


def test_pairing_a_registered_member(world, household, registered):
    pairing = services.pairing_create(actor=world.staff, household=household, member=world.member)
    assert pairing.member == world.member and pairing.team is None and pairing.started_on == timezone.localdate()
    assert AuditEntry.objects.filter(action="pairing_create", subject_id=household.pk).exists()


def test_a_member_of_another_community_is_refused_member_not_in_community(world, household):
    register(world.other_member, world.other_community)
    _refused(
        Invalid,
        "member_not_in_community",
        lambda: services.pairing_create(actor=world.staff, household=household, member=world.other_member),
    )


@pytest.mark.parametrize("status", [RegistrationStatus.PENDING, RegistrationStatus.WITHDRAWN])
def test_a_registration_not_confirmed_is_not_enough(world, household, status):
    f.RegistrationFactory(member=world.member, grid=world.grid, status=status)
    _refused(
        Invalid,
        "member_not_in_community",
        lambda: services.pairing_create(actor=world.staff, household=household, member=world.member),
    )


def test_the_same_member_twice_is_refused_pairing_exists(world, household, pairing):
    _refused(
        Conflict,
        "pairing_exists",
        lambda: services.pairing_create(actor=world.staff, household=household, member=world.member),
    )


def test_a_member_paired_again_after_the_pairing_ended(world, household, pairing):
    services.pairing_end(actor=world.staff, pairing=pairing, reason="换人")
    again = services.pairing_create(actor=world.staff, household=household, member=world.member)
    assert again.pk != pairing.pk


def test_pairing_a_team_and_twice_is_refused(world, household):
    team = make_team(leader=world.member, party_org=world.branch)
    pairing = services.pairing_create(actor=world.staff, household=household, team=team)
    assert pairing.team == team and pairing.member is None
    _refused(
        Conflict, "pairing_exists", lambda: services.pairing_create(actor=world.staff, household=household, team=team)
    )


def test_a_dissolved_team_cannot_be_paired(world, household):
    from apps.teams.services import team_dissolve

    team = make_team(leader=world.member, party_org=world.branch)
    team_dissolve(actor=None, team=team, reason="解散")
    _refused(
        Conflict, "team_dissolved", lambda: services.pairing_create(actor=world.staff, household=household, team=team)
    )


def test_exactly_one_of_member_and_team(world, household, registered):
    team = make_team(leader=world.member, party_org=world.branch)
    for kwargs in ({}, {"member": world.member, "team": team}):
        _refused(
            Invalid,
            "pairing_partner_required",
            lambda kwargs=kwargs: services.pairing_create(actor=world.staff, household=household, **kwargs),
        )


def test_pairing_by_someone_else_or_with_a_closed_household_is_refused(world, household, registered):
    _refused(
        Forbidden,
        "not_community_staff",
        lambda: services.pairing_create(actor=world.grid_worker, household=household, member=world.member),
    )
    services.household_close(actor=world.staff, household=household, reason="x")
    _refused(
        Conflict,
        "household_closed",
        lambda: services.pairing_create(actor=world.staff, household=household, member=world.member),
    )


def test_a_pairing_cannot_start_in_the_future(world, household, registered):
    _refused(
        Invalid,
        "started_on_invalid",
        lambda: services.pairing_create(
            actor=world.staff,
            household=household,
            member=world.member,
            started_on=timezone.localdate() + timedelta(days=1),
        ),
    )


def test_ending_a_pairing_twice_is_refused(world, pairing):
    services.pairing_end(actor=world.staff, pairing=pairing, reason="结对期满")
    assert pairing.ended_on == timezone.localdate()
    _refused(Conflict, "pairing_ended", lambda: services.pairing_end(actor=world.staff, pairing=pairing, reason="x"))


def test_ending_needs_staff_and_a_reason(world, pairing):
    _refused(
        Forbidden,
        "not_community_staff",
        lambda: services.pairing_end(actor=world.member.user, pairing=pairing, reason="x"),
    )
    _refused(Invalid, "reason_required", lambda: services.pairing_end(actor=world.staff, pairing=pairing, reason=""))


# --- visits -------------------------------------------------------------------------------------------------------


def test_the_paired_member_registers_a_visit_as_a_pending_care_visit(world, pairing):
    start, end = visit_times()
    visit = services.household_visit_register(
        actor=world.member.user, pairing=pairing, started_at=start, ended_at=end, content="陪聊、打扫卫生"
    )
    record = record_of(visit.self_service)
    assert record.status == RecordStatus.PENDING and record.category == ServiceCategory.CARE_VISIT
    assert record.community == world.community and record.member == world.member and record.residents_served == 1
    assert visit.self_service.place == services.visit_place(world.community) and record.team is None
    assert AuditEntry.objects.filter(action="household_visit", subject_id=pairing.household_id).exists()


def test_a_team_member_registers_a_visit_as_the_team(world, household):
    team = make_team(leader=world.member, party_org=world.branch)
    colleague = f.MemberFactory(branch=world.branch)
    join(team, colleague)
    # In the team since last week, so the visit a few hours ago was made as the team.
    TeamMembership.objects.filter(team=team, member=colleague).update(joined_at=timezone.now() - timedelta(days=7))
    pairing = services.pairing_create(
        actor=world.staff, household=household, team=team, started_on=timezone.localdate() - timedelta(days=5)
    )
    start, end = visit_times()
    visit = services.household_visit_register(
        actor=colleague.user, pairing=pairing, started_at=start, ended_at=end, content="送米送油"
    )
    assert record_of(visit.self_service).team == team


@pytest.mark.parametrize("who", ["other_member", "staff", "outsider"])
def test_someone_not_paired_cannot_register_a_visit(world, pairing, who):
    start, end = visit_times()
    _refused(
        Forbidden,
        "not_paired",
        lambda: services.household_visit_register(
            actor=world.user(who), pairing=pairing, started_at=start, ended_at=end, content="x"
        ),
    )


def test_no_visit_on_an_ended_pairing(world, pairing):
    services.pairing_end(actor=world.staff, pairing=pairing, reason="x")
    start, end = visit_times()
    _refused(
        Conflict,
        "pairing_ended",
        lambda: services.household_visit_register(
            actor=world.member.user, pairing=pairing, started_at=start, ended_at=end, content="x"
        ),
    )


def test_no_visit_before_the_pairing_started(world, household, registered):
    pairing = services.pairing_create(actor=world.staff, household=household, member=world.member)
    start = timezone.now() - timedelta(days=2)
    _refused(
        Invalid,
        "visit_before_pairing",
        lambda: services.household_visit_register(
            actor=world.member.user, pairing=pairing, started_at=start, ended_at=start + timedelta(hours=1), content="x"
        ),
    )


def test_a_visit_overlapping_an_activity_the_member_attended_is_refused(world, pairing):
    from tests.activities.conftest import ActivityFactory
    from tests.activities_hours.conftest import make_signup

    start, end = visit_times(hours_ago=5, minutes=120)
    activity = ActivityFactory(community=world.community, starts_at=start, ends_at=end, signup_deadline=start)
    make_signup(activity=activity, member=world.member, checked_in_at=start)
    _refused(
        Conflict,
        "service_overlaps",
        lambda: services.household_visit_register(
            actor=world.member.user, pairing=pairing, started_at=start, ended_at=end, content="x"
        ),
    )


@pytest.mark.parametrize(
    ("offsets", "code"),
    [((1, 2), "service_in_future"), ((-2, -3), "record_times_invalid")],
)
def test_bad_visit_times_write_nothing(world, pairing, offsets, code):
    now = timezone.now()
    start, end = now + timedelta(hours=offsets[0]), now + timedelta(hours=offsets[1])
    _refused(
        Invalid,
        code,
        lambda: services.household_visit_register(
            actor=world.member.user, pairing=pairing, started_at=start, ended_at=end, content="x"
        ),
    )
