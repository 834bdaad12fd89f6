"""Volunteer teams: forming, editing, dissolving, the leader, and memberships (apply, accept, decline, leave, remove),
with every bad input refused by a clear error that writes nothing."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import Conflict, Forbidden, Invalid
from apps.ledger.models import AuditEntry
from apps.orgs import services as org_services
from apps.teams import errors, selectors, services
from apps.teams.models import MembershipStatus, Team, TeamMembership, TeamStatus
from tests import factories as f
from tests.teams.conftest import join, make_team

pytestmark = pytest.mark.django_db


def _audit(team, action):
    return AuditEntry.objects.filter(subject_type="teams.team", subject_id=team.pk, action=action)


def _raises(error_class, code, call, **kwargs):
    with pytest.raises(error_class) as exc:
        call(**kwargs)
    assert exc.value.code == code, exc.value
    return exc.value


# --- forming a team ---------------------------------------------------------------------------------------------


def test_a_reviewer_forms_a_team_whose_leader_is_its_first_member(world):
    team = services.team_create(
        actor=world.reviewer,
        organ=world.organ,
        name=" 法律咨询服务队 ",
        specialty="legal",
        leader=world.member,
        description="每月为社区居民提供法律咨询。",
    )
    assert team.name == "法律咨询服务队" and team.party_org is None and team.status == TeamStatus.ACTIVE
    membership = TeamMembership.objects.get(team=team)
    assert membership.member == world.member and membership.status == MembershipStatus.ACTIVE
    assert membership.joined_at is not None and membership.decided_by == world.reviewer
    entry = _audit(team, "team_create").get()
    assert entry.actor == world.reviewer and entry.after["leader"] == world.member.pk


def test_a_secretary_forms_a_team_through_the_branch_they_lead_only(world):
    team = services.team_create(
        actor=world.secretary,
        organ=world.organ,
        party_org=world.branch,
        name="维修服务队",
        specialty="repairs",
        leader=world.member,
    )
    assert team.party_org == world.branch
    other_branch = f.BranchFactory(organ=world.organ)
    for party_org in (None, other_branch):
        _raises(
            Forbidden,
            "not_team_manager",
            services.team_create,
            actor=world.secretary,
            organ=world.organ,
            party_org=party_org,
            name="另一支队",
            specialty="repairs",
            leader=world.member,
        )
    assert Team.objects.count() == 1


@pytest.mark.parametrize("role", ["member", "staff", "district_admin", "street_admin", "outsider"])
def test_other_roles_cannot_form_a_team(world, role):
    _raises(
        Forbidden,
        "not_team_manager",
        services.team_create,
        actor=world.user(role),
        organ=world.organ,
        party_org=world.branch,
        name="服务队",
        specialty="medical",
        leader=world.member,
    )
    assert not Team.objects.exists()


def test_a_reviewer_cannot_form_a_team_of_another_organ(world):
    _raises(
        Forbidden,
        "not_team_manager",
        services.team_create,
        actor=world.reviewer,
        organ=world.other_organ,
        name="服务队",
        specialty="medical",
        leader=world.other_member,
    )


def test_a_team_name_is_unique_in_its_organ_only(world, team):
    _raises(
        Conflict,
        "team_name_taken",
        services.team_create,
        actor=world.reviewer,
        organ=world.organ,
        name=team.name,
        specialty="other",
        leader=world.member,
    )
    assert Team.objects.filter(organ=world.organ).count() == 1
    assert make_team(leader=world.other_member, name=team.name).organ == world.other_organ


def test_the_database_refuses_a_second_team_of_the_same_name(world, team):
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(organ=world.organ, name=team.name, specialty="other", leader=world.member)


@pytest.mark.parametrize(
    ("changes", "error_class", "code"),
    [
        ({"name": "  "}, Invalid, "name_required"),
        ({"name": "队" * 101}, Invalid, "text_too_long"),
        ({"specialty": "cooking"}, Invalid, "specialty_invalid"),
        ({"description": "长" * 2001}, Invalid, "text_too_long"),
        ({"leader": "other_member"}, Invalid, "leader_not_in_organ"),
        ({"party_org": "other_branch"}, Invalid, "party_org_not_in_organ"),
    ],
)
def test_bad_input_when_forming_a_team_writes_nothing(world, changes, error_class, code):
    kwargs = {"actor": world.superuser, "organ": world.organ, "name": "服务队", "specialty": "medical"}
    kwargs["leader"] = world.member
    for key, value in changes.items():
        kwargs[key] = getattr(world, value) if key in ("leader", "party_org") else value
    _raises(error_class, code, services.team_create, **kwargs)
    assert (
        not Team.objects.exists()
        and not TeamMembership.objects.exists()
        and not AuditEntry.objects.filter(subject_type="teams.team").exists()
    )


def test_an_inactive_member_cannot_lead_a_team(world):
    org_services.member_set_active(member=world.member, active=False)
    _raises(
        Invalid,
        "leader_not_in_organ",
        services.team_create,
        actor=world.reviewer,
        organ=world.organ,
        name="服务队",
        specialty="medical",
        leader=world.member,
    )


# --- editing, the leader, dissolving ----------------------------------------------------------------------------


def test_a_manager_edits_a_team_and_the_change_is_audited(world, team):
    services.team_update(actor=world.secretary, team=team, name="新名字", specialty="tutoring")
    team.refresh_from_db()
    assert (team.name, team.specialty) == ("新名字", "tutoring")
    entry = _audit(team, "team_update").get()
    assert entry.before["specialty"] == "medical" and entry.after == {"name": "新名字", "specialty": "tutoring"}


def test_an_edit_that_changes_nothing_writes_nothing(world, team):
    services.team_update(actor=world.reviewer, team=team, name=team.name)
    assert not _audit(team, "team_update").exists()


def test_editing_refuses_the_leader_a_taken_name_and_a_dissolved_team(world, team):
    _raises(Forbidden, "not_team_manager", services.team_update, actor=world.member.user, team=team, name="x")
    second = make_team(leader=world.member)
    _raises(Conflict, "team_name_taken", services.team_update, actor=world.reviewer, team=second, name=team.name)
    _raises(Invalid, "name_required", services.team_update, actor=world.reviewer, team=team, name="")
    services.team_dissolve(actor=world.reviewer, team=team, reason="任务完成")
    _raises(Conflict, "team_dissolved", services.team_update, actor=world.reviewer, team=team, name="y")


def test_a_secretary_does_not_manage_a_team_the_organ_formed_itself(world):
    team = make_team(leader=world.member)  # no Party organization: the organ's own
    _raises(Forbidden, "not_team_manager", services.team_update, actor=world.secretary, team=team, name="x")
    services.team_update(actor=world.reviewer, team=team, name="x")


def test_the_organ_sets_a_new_leader_among_the_active_members(world, team):
    colleague = f.MemberFactory(branch=world.branch)
    services.team_apply(actor=colleague.user, team=team)
    _raises(
        Invalid, "leader_not_team_member", services.team_leader_set, actor=world.reviewer, team=team, member=colleague
    )
    services.team_accept(actor=world.member.user, team=team, member=colleague)
    _raises(Conflict, "already_leader", services.team_leader_set, actor=world.reviewer, team=team, member=world.member)
    _raises(
        Forbidden, "not_team_manager", services.team_leader_set, actor=world.member.user, team=team, member=colleague
    )
    services.team_leader_set(actor=world.reviewer, team=team, member=colleague)
    team.refresh_from_db()
    assert team.leader == colleague
    assert _audit(team, "team_leader_set").get().before == {"leader": world.member.pk}
    services.team_leave(actor=world.member.user, team=team)  # the former leader may now leave
    assert list(selectors.team_members(team)) == [colleague]


def test_the_leader_cannot_be_someone_outside_the_team(world, team):
    _raises(
        Invalid,
        "leader_not_team_member",
        services.team_leader_set,
        actor=world.superuser,
        team=team,
        member=world.other_member,
    )


def test_dissolving_needs_a_reason_and_ends_every_membership(world, team):
    colleague, applicant = f.MemberFactory(branch=world.branch), f.MemberFactory(branch=world.branch)
    join(team, colleague)
    services.team_apply(actor=applicant.user, team=team)
    _raises(Invalid, "reason_required", services.team_dissolve, actor=world.reviewer, team=team, reason=" ")
    _raises(Forbidden, "not_team_manager", services.team_dissolve, actor=world.member.user, team=team, reason="x")
    assert Team.objects.get(pk=team.pk).status == TeamStatus.ACTIVE

    services.team_dissolve(actor=world.secretary, team=team, reason="人员调整")
    team.refresh_from_db()
    assert team.status == TeamStatus.DISSOLVED and team.dissolved_at and team.dissolved_reason == "人员调整"
    statuses = dict(TeamMembership.objects.filter(team=team).values_list("member_id", "status"))
    assert statuses == {world.member.pk: "ended", colleague.pk: "ended", applicant.pk: "declined"}
    assert not selectors.team_members(team).exists()
    entry = _audit(team, "team_dissolve").get()
    assert entry.after["memberships_ended"] == 2 and entry.after["applications_declined"] == 1

    _raises(Conflict, "team_dissolved", services.team_dissolve, actor=world.reviewer, team=team, reason="again")
    _raises(Conflict, "team_dissolved", services.team_apply, actor=colleague.user, team=team)


# --- applying and deciding --------------------------------------------------------------------------------------


def test_a_member_applies_and_the_leader_accepts(world, team):
    colleague = f.MemberFactory(branch=world.branch)
    membership = services.team_apply(actor=colleague.user, team=team)
    assert membership.status == MembershipStatus.APPLIED and membership.applied_at and membership.joined_at is None
    assert list(selectors.team_applications(team)) == [membership]
    accepted = services.team_accept(actor=world.member.user, team=team, member=colleague)
    assert accepted.pk == membership.pk and accepted.status == MembershipStatus.ACTIVE
    assert accepted.joined_at and accepted.decided_by == world.member.user
    assert set(selectors.team_members(team)) == {world.member, colleague}
    assert [a.action for a in AuditEntry.objects.filter(subject_id=team.pk, subject_type="teams.team")] == [
        "team_create",
        "team_apply",
        "team_accept",
    ]


def test_a_team_joined_twice_gets_a_clear_message_and_writes_nothing(world, team):
    colleague = f.MemberFactory(branch=world.branch)
    services.team_apply(actor=colleague.user, team=team)
    error = _raises(Conflict, "team_already_joined", services.team_apply, actor=colleague.user, team=team)
    assert error.message == errors.TEAM_ALREADY_JOINED
    services.team_accept(actor=world.reviewer, team=team, member=colleague)
    _raises(Conflict, "team_already_joined", services.team_apply, actor=colleague.user, team=team)
    _raises(Conflict, "team_already_joined", services.team_apply, actor=world.member.user, team=team)  # the leader
    assert TeamMembership.objects.filter(team=team, member=colleague).count() == 1
    assert _audit(team, "team_apply").count() == 1


def test_the_database_holds_one_open_membership_per_team_and_member(world, team):
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMembership.objects.create(team=team, member=world.member, status="applied", applied_at=timezone.now())


def test_members_apply_to_the_teams_of_their_own_organ_only(world, team):
    _raises(Forbidden, "team_other_organ", services.team_apply, actor=world.other_member.user, team=team)
    for role in ("reviewer", "secretary", "superuser", "staff"):
        _raises(Forbidden, "not_a_member", services.team_apply, actor=world.user(role), team=team)
    assert TeamMembership.objects.filter(team=team).count() == 1


def test_after_a_decline_or_leaving_a_member_may_apply_again(world, team):
    colleague = f.MemberFactory(branch=world.branch)
    services.team_apply(actor=colleague.user, team=team)
    declined = services.team_decline(actor=world.member.user, team=team, member=colleague, reason="名额已满")
    assert declined.status == MembershipStatus.DECLINED and declined.reason == "名额已满"
    join(team, colleague)
    services.team_leave(actor=colleague.user, team=team, reason="工作调动")
    services.team_apply(actor=colleague.user, team=team)
    statuses = list(
        TeamMembership.objects.filter(team=team, member=colleague).order_by("id").values_list("status", flat=True)
    )
    assert statuses == ["declined", "left", "applied"]


def test_only_the_leader_and_the_teams_managers_decide(world, team):
    colleague, applicant = f.MemberFactory(branch=world.branch), f.MemberFactory(branch=world.branch)
    join(team, colleague)
    services.team_apply(actor=applicant.user, team=team)
    for actor in (colleague.user, applicant.user, world.other_member.user, world.staff, world.district_admin):
        _raises(Forbidden, "not_team_decider", services.team_accept, actor=actor, team=team, member=applicant)
        _raises(Forbidden, "not_team_decider", services.team_decline, actor=actor, team=team, member=applicant)
    assert TeamMembership.objects.get(team=team, member=applicant).status == MembershipStatus.APPLIED
    services.team_accept(actor=world.secretary, team=team, member=applicant)


def test_deciding_on_someone_who_did_not_apply_is_a_conflict_with_the_status(world, team):
    colleague = f.MemberFactory(branch=world.branch)
    error = _raises(
        Conflict, "not_an_applicant", services.team_accept, actor=world.reviewer, team=team, member=colleague
    )
    assert error.extra == {}
    join(team, colleague)
    error = _raises(
        Conflict, "not_an_applicant", services.team_decline, actor=world.reviewer, team=team, member=colleague
    )
    assert error.extra == {"status": "active"}


def test_a_decline_reason_too_long_is_refused(world, team):
    colleague = f.MemberFactory(branch=world.branch)
    services.team_apply(actor=colleague.user, team=team)
    _raises(
        Invalid,
        "reason_too_long",
        services.team_decline,
        actor=world.reviewer,
        team=team,
        member=colleague,
        reason="长" * 201,
    )
    assert TeamMembership.objects.get(team=team, member=colleague).status == MembershipStatus.APPLIED


# --- leaving and removing ---------------------------------------------------------------------------------------


def test_a_member_leaves_and_an_applicant_withdraws(world, team):
    colleague, applicant = f.MemberFactory(branch=world.branch), f.MemberFactory(branch=world.branch)
    join(team, colleague)
    services.team_apply(actor=applicant.user, team=team)
    left = services.team_leave(actor=colleague.user, team=team)
    assert left.status == MembershipStatus.LEFT and left.left_at >= left.joined_at
    withdrawn = services.team_leave(actor=applicant.user, team=team)
    assert withdrawn.status == MembershipStatus.LEFT and withdrawn.joined_at is None and withdrawn.left_at is None
    _raises(Conflict, "not_in_team", services.team_leave, actor=colleague.user, team=team)
    _raises(Forbidden, "not_a_member", services.team_leave, actor=world.reviewer, team=team)


def test_the_leader_cannot_leave_without_a_new_leader(world, team):
    error = _raises(Conflict, "leader_cannot_leave", services.team_leave, actor=world.member.user, team=team)
    assert error.message == errors.LEADER_CANNOT_LEAVE
    assert selectors.team_members(team).get() == world.member


def test_the_leader_removes_a_member_with_a_reason(world, team):
    colleague = f.MemberFactory(branch=world.branch)
    join(team, colleague)
    _raises(
        Invalid,
        "reason_required",
        services.team_remove,
        actor=world.member.user,
        team=team,
        member=colleague,
        reason="",
    )
    _raises(
        Forbidden,
        "not_team_decider",
        services.team_remove,
        actor=colleague.user,
        team=team,
        member=world.member,
        reason="x",
    )
    removed = services.team_remove(actor=world.member.user, team=team, member=colleague, reason="长期未参加活动")
    assert removed.status == MembershipStatus.REMOVED and removed.left_at and removed.decided_by == world.member.user
    _raises(
        Conflict, "not_in_team", services.team_remove, actor=world.reviewer, team=team, member=colleague, reason="x"
    )
    _raises(
        Conflict,
        "leader_cannot_be_removed",
        services.team_remove,
        actor=world.reviewer,
        team=team,
        member=world.member,
        reason="x",
    )


# --- who was in the team when -----------------------------------------------------------------------------------


def test_the_members_at_a_moment_follow_joined_and_left(world):
    start = timezone.now() - timedelta(days=30)
    team = make_team(leader=world.member, now=start)
    colleague = f.MemberFactory(branch=world.branch)
    services.team_apply(actor=colleague.user, team=team, now=start + timedelta(days=1))
    services.team_accept(actor=world.reviewer, team=team, member=colleague, now=start + timedelta(days=2))
    services.team_leave(actor=colleague.user, team=team, now=start + timedelta(days=10))

    def at(days):
        return set(selectors.team_members(team, at=start + timedelta(days=days)))

    assert at(-1) == set()
    assert at(1) == {world.member}  # applied, not yet accepted
    assert at(5) == {world.member, colleague}
    assert at(10) == {world.member}  # left at that moment
    assert set(selectors.team_members(team)) == {world.member}
    assert list(selectors.teams_of_member_at(colleague, start + timedelta(days=5))) == [team]
    assert not selectors.teams_of_member_at(colleague, start + timedelta(days=11)).exists()
    assert not selectors.teams_of_member(colleague).exists()
    assert list(selectors.teams_of_member(world.member)) == [team]


def test_a_dissolved_teams_members_at_an_earlier_moment_are_kept(world, team):
    before = timezone.now()
    services.team_dissolve(actor=world.reviewer, team=team, reason="合并", now=before + timedelta(hours=1))
    assert list(selectors.teams_of_member_at(world.member, before)) == [team]
    assert not selectors.teams_of_member_at(world.member, before + timedelta(hours=2)).exists()


# --- who sees which teams ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees_a", "sees_b"),
    [
        ("member", True, False),
        ("other_member", False, True),
        ("secretary", True, False),
        ("reviewer", True, False),
        ("superuser", True, True),
        ("staff", False, False),
        ("grid_worker", False, False),
        ("street_admin", False, False),
        ("district_admin", False, False),
        ("outsider", False, False),
    ],
)
def test_who_sees_which_team(world, team, other_team, role, sees_a, sees_b):
    visible = set(selectors.team_list(user=world.user(role)))
    assert (team in visible, other_team in visible) == (sees_a, sees_b)


def test_a_former_member_who_moved_organ_still_sees_the_team(world, team):
    colleague = f.MemberFactory(branch=world.branch)
    join(team, colleague)
    org_services.member_move(member=colleague, branch=world.other_branch)
    colleague.user.refresh_from_db()
    assert team in set(selectors.team_list(user=colleague.user))


def test_the_list_counts_members_and_applications(world, team):
    join(team, f.MemberFactory(branch=world.branch))
    services.team_apply(actor=f.MemberFactory(branch=world.branch).user, team=team)
    row = selectors.team_get(user=world.reviewer, pk=team.pk)
    assert (row.member_count, row.application_count) == (2, 1)
