"""A team keeps members of its own organ only: a member moved to another organ leaves the former organ's teams, a
member no longer in service leaves every team; a move within the organ, or moving house, changes no team. A leader
who leaves leaves the team without a leader: its managers are told, and until they set a new one it claims no wishes
and signs nobody up; its claims stay for the new leader."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation

from apps.activities import services as activity_services
from apps.core.errors import Forbidden
from apps.households import services as household_services
from apps.households.reminders import households_remind_unvisited
from apps.ledger.models import AuditEntry
from apps.notifications import events, links
from apps.notifications.models import Notification, NotificationKind
from apps.orgs import services as org_services
from apps.teams import services
from apps.teams.models import MembershipStatus, Team, TeamMembership
from apps.teams.selectors import team_manager_users
from apps.wishes import services as wish_services
from apps.wishes.models import ClaimStatus, WishClaim, WishStatus
from apps.wishes.reminders import wish_remind_claim_deadlines
from tests import factories as f
from tests.activities.conftest import ActivityFactory
from tests.conftest import client_for
from tests.households.conftest import make_household
from tests.wishes.conftest import WishWorld

pytestmark = pytest.mark.django_db

REASON = "工作调动"


@pytest.fixture
def w(world):
    return WishWorld(world)


@pytest.fixture
def team(w):
    """Formed through the world's branch, led by the world's member, with the teammate in it."""
    return w.team(members=[w.teammate])


def _membership(team, member):
    return TeamMembership.objects.filter(team=team, member=member).order_by("-id").first()


def _move_to_other_organ(w, member):
    return org_services.member_move(member=member, branch=w.other_branch, reason=REASON, actor=w.reviewer)


# --- members ------------------------------------------------------------------------------------------------------


def test_a_member_moved_to_another_organ_leaves_the_former_organs_teams(w, team):
    applicant = f.MemberFactory(branch=w.branch)
    other = w.team(leader=w.teammate)  # a second team of the organ, which the applicant applied to
    services.team_apply(actor=applicant.user, team=other)
    services.team_apply(actor=applicant.user, team=team)
    services.team_accept(actor=w.member.user, team=team, member=applicant)

    _move_to_other_organ(w, applicant)

    joined = _membership(team, applicant)
    assert (joined.status, joined.reason) == (MembershipStatus.LEFT, REASON)
    assert joined.left_at is not None and joined.joined_at is not None
    withdrawn = _membership(other, applicant)
    assert (withdrawn.status, withdrawn.left_at) == (MembershipStatus.LEFT, None)
    entry = AuditEntry.objects.get(action="team_member_gone", subject_id=team.pk)
    assert entry.actor == w.reviewer and entry.after["member"] == applicant.pk and entry.reason == REASON
    # The team itself goes on, with its leader.
    team.refresh_from_db()
    assert team.leader == w.member and team.is_active


def test_a_move_within_the_organ_keeps_the_teams(w, team):
    second_branch = f.BranchFactory(organ=w.organ)
    org_services.member_move(member=w.teammate, branch=second_branch, reason="支部调整", actor=w.reviewer)
    assert _membership(team, w.teammate).status == MembershipStatus.ACTIVE
    assert not AuditEntry.objects.filter(action="team_member_gone").exists()


def test_a_member_no_longer_in_service_leaves_every_team_and_reactivation_does_not_bring_them_back(w, team):
    org_services.member_set_active(member=w.teammate, active=False, actor=w.reviewer, reason="退休")
    membership = _membership(team, w.teammate)
    assert (membership.status, membership.reason) == (MembershipStatus.LEFT, "退休")
    entry = AuditEntry.objects.get(action="team_member_gone", subject_id=team.pk)
    assert entry.after["member_active"] is False

    org_services.member_set_active(member=w.teammate, active=True, actor=w.reviewer)
    assert _membership(team, w.teammate).status == MembershipStatus.LEFT
    # They may apply again, as anyone who left.
    services.team_apply(actor=w.teammate.user, team=team)
    assert _membership(team, w.teammate).status == MembershipStatus.APPLIED


def test_moving_house_changes_no_team(w, team):
    registration = w.teammate.registrations.get()
    registration.status = "moved"
    registration.closed_at = timezone.now()
    registration.save(update_fields=["status", "closed_at"])
    assert _membership(team, w.teammate).status == MembershipStatus.ACTIVE


# --- the leader ---------------------------------------------------------------------------------------------------


def test_a_leader_who_leaves_leaves_the_team_without_a_leader_and_its_managers_are_told(w, team):
    other_reviewer = f.UserFactory()
    f.RoleFactory(user=other_reviewer, role="organ_reviewer", organ=w.other_organ)

    _move_to_other_organ(w, w.member)

    team.refresh_from_db()
    assert team.leader is None and team.needs_leader and team.is_active
    assert _membership(team, w.member).status == MembershipStatus.LEFT
    assert AuditEntry.objects.get(action="team_leader_gone", subject_id=team.pk).before == {"leader": w.member.pk}
    # The organ's Party committee and the secretary of the branch that formed the team; nobody else.
    assert set(team_manager_users(team)) == {w.reviewer, w.secretary}
    notes = Notification.objects.filter(kind=NotificationKind.TEAM_NEEDS_LEADER)
    assert set(notes.values_list("user_id", flat=True)) == {w.reviewer.pk, w.secretary.pk}
    note = notes.get(user=w.secretary)
    with translation.override(settings.LANGUAGE_CODE):
        assert note.title == events.TEAM_NEEDS_LEADER_TITLE % {"team": team.name}
        assert str(events.LEADER_MOVED) in note.body and w.member.user.name in note.body
    assert links.page_path(note) == f"/manage/teams/{team.pk}/"
    assert links.api_path(note) == f"/api/v1/teams/{team.pk}/"


def test_a_leader_no_longer_in_service_is_named_so(w, team):
    org_services.member_set_active(member=w.member, active=False, actor=w.reviewer, reason="退休")
    note = Notification.objects.get(user=w.reviewer, kind=NotificationKind.TEAM_NEEDS_LEADER)
    with translation.override(settings.LANGUAGE_CODE):
        assert str(events.LEADER_INACTIVE) in note.body


def test_a_team_without_a_leader_claims_nothing_and_signs_nobody_up(w, team):
    _move_to_other_organ(w, w.member)
    team.refresh_from_db()
    wish = w.wish()
    for actor in (w.member.user, w.teammate.user, w.reviewer):
        with pytest.raises(Forbidden) as exc:
            wish_services.wish_claim(wish=wish, actor=actor, as_team=team)
        assert exc.value.code == "not_team_leader"
    activity = ActivityFactory(community=w.community, grid=w.grid, created_by=w.staff)
    with pytest.raises(Forbidden) as exc:
        activity_services.signup_create_team(activity=activity, actor=w.teammate.user, team=team, members=[w.teammate])
    assert exc.value.code == "not_team_leader"
    wish.refresh_from_db()
    assert wish.status == WishStatus.PUBLISHED

    services.team_leader_set(actor=w.secretary, team=team, member=w.teammate)

    team.refresh_from_db()
    assert team.leader == w.teammate and not team.needs_leader
    assert wish_services.wish_claim(wish=wish, actor=w.teammate.user, as_team=team).team == team


def test_the_teams_claims_wait_for_the_new_leader_and_the_former_one_no_longer_answers_for_them(w, team):
    wish = w.team_claimed(team)
    _move_to_other_organ(w, w.member)

    with pytest.raises(Forbidden) as exc:
        wish_services.wish_release(wish=wish, actor=w.member.user)
    assert exc.value.code == "not_claimant"
    assert WishClaim.objects.get(wish=wish).status == ClaimStatus.ACTIVE

    services.team_leader_set(actor=w.reviewer, team=team, member=w.teammate)
    wish = wish_services.wish_fulfil(wish=wish, actor=w.teammate.user, note="已送到", participants=[w.teammate])
    assert wish.status == WishStatus.FULFILLED


def test_reminders_and_releases_of_a_team_without_a_leader_go_to_nobody_but_the_staff(w, team):
    wish = w.team_claimed(team)
    household = make_household(w.world)
    pairing = household_services.pairing_create(
        actor=w.staff, household=household, team=team, started_on=timezone.localdate() - timedelta(days=60)
    )
    _move_to_other_organ(w, w.member)
    WishClaim.objects.filter(wish=wish).update(claim_deadline=timezone.now() + timedelta(hours=2))

    assert wish_remind_claim_deadlines() == 0
    households_remind_unvisited()
    assert not Notification.objects.filter(kind=NotificationKind.HOUSEHOLD_VISIT_DUE).exists()
    # The household's staff still hear of a pairing without visits.
    overdue = Notification.objects.get(kind=NotificationKind.HOUSEHOLD_VISIT_OVERDUE)
    assert overdue.user == w.staff and overdue.subject_id == pairing.pk

    WishClaim.objects.filter(wish=wish).update(claim_deadline=timezone.now() - timedelta(minutes=1))
    assert wish_services.wish_release_overdue_claims() == 1
    assert not Notification.objects.filter(kind=NotificationKind.CLAIM_RELEASED).exists()


def test_the_api_and_pages_show_a_team_without_a_leader(w, team, client):
    _move_to_other_organ(w, w.member)
    data = client_for(w.reviewer).get(f"/api/v1/teams/{team.pk}/").json()
    assert data["leader"] is None and data["leader_name"] is None
    client.force_login(w.reviewer)
    page = client.get(f"/manage/teams/{team.pk}/")
    assert page.status_code == 200 and f'data-needs-leader="{team.pk}"'.encode() in page.content
    assert f'data-needs-leader="{team.pk}"'.encode() in client.get("/manage/teams/").content
    client.force_login(w.teammate.user)
    assert f'data-needs-leader="{team.pk}"'.encode() in client.get(f"/m/teams/{team.pk}/").content
    assert f'data-needs-leader="{team.pk}"'.encode() in client.get("/m/teams/").content


def test_a_dissolved_team_without_a_leader_dissolves_quietly(w, team):
    w.team_claimed(team)
    _move_to_other_organ(w, w.member)
    services.team_dissolve(actor=w.reviewer, team=team, reason="无人带队")
    assert Team.objects.get(pk=team.pk).status == "dissolved"
    assert WishClaim.objects.get(team=team).status == ClaimStatus.RELEASED
    assert not Notification.objects.filter(kind=NotificationKind.CLAIM_RELEASED).exists()


def test_the_former_leader_no_longer_sees_the_resident_of_the_teams_claims(w, team):
    from apps.wishes.models import Wish
    from apps.wishes.permissions import is_claimant_q, sees_resident_q

    wish = w.team_claimed(team)
    assert Wish.objects.filter(sees_resident_q(w.member.user), pk=wish.pk).exists()
    services.team_leader_set(actor=w.reviewer, team=team, member=w.teammate)
    for user, expected in ((w.member.user, False), (w.teammate.user, True)):
        assert Wish.objects.filter(sees_resident_q(user), pk=wish.pk).exists() is expected
        assert Wish.objects.filter(is_claimant_q(user), pk=wish.pk).exists() is expected
