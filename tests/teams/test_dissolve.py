"""Dissolving a team lets go of what it holds, in the dissolution's transaction and with its reason: its open wish
claims are released (the wishes are published again, the leader told), its sign-ups for activities still to come
are cancelled (places freed, the waitlist promoted, each member told), its open household pairings end."""

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone, translation

from apps.activities import services as activity_services
from apps.activities.models import Activity, SignUp, SignUpStatus
from apps.core.errors import Forbidden
from apps.households import services as household_services
from apps.households.models import HouseholdPairing
from apps.ledger.models import AuditEntry
from apps.notifications import events, links
from apps.notifications.models import Notification, NotificationKind
from apps.teams import services
from apps.teams.models import Team, TeamStatus
from apps.wishes import services as wish_services
from apps.wishes.models import ClaimStatus, WishClaim, WishStatus
from tests import factories as f
from tests.activities.conftest import ActivityFactory
from tests.conftest import client_for
from tests.households.conftest import make_household
from tests.wishes.conftest import WishWorld

pytestmark = pytest.mark.django_db

REASON = "任务结束"


@pytest.fixture
def w(world):
    """The wishes' world: the members registered in the world's community, helpers for wishes and teams."""
    return WishWorld(world)


@pytest.fixture
def team(w):
    """Led by the world's member, with the teammate in it (both registered in the world's community)."""
    return w.team(members=[w.teammate])


def _dissolve(w, team, actor=None):
    return services.team_dissolve(actor=actor or w.reviewer, team=team, reason=REASON)


# --- wish claims ----------------------------------------------------------------------------------------------------


def test_the_teams_open_claims_are_released_and_the_wishes_published_again(w, team):
    claimed = w.team_claimed(team)
    fulfilled = w.team_claimed(team)
    wish_services.wish_fulfil(wish=fulfilled, actor=w.member.user, note="已送到", participants=[w.teammate])
    own = w.claimed(w.member)  # the leader's own claim is not the team's

    _dissolve(w, team)

    claimed.refresh_from_db()
    assert claimed.status == WishStatus.PUBLISHED
    claim = WishClaim.objects.get(wish=claimed)
    assert (claim.status, claim.release_reason) == (ClaimStatus.RELEASED, REASON)
    entry = AuditEntry.objects.get(action="release", subject_id=claimed.pk)
    assert entry.actor == w.reviewer and entry.reason == REASON
    # A wish reported fulfilled waits for the community's confirmation as before; the leader's own claim stays.
    fulfilled.refresh_from_db()
    assert fulfilled.status == WishStatus.FULFILLED
    assert WishClaim.objects.get(wish=fulfilled).status == ClaimStatus.COMPLETED
    own.refresh_from_db()
    assert own.status == WishStatus.CLAIMED
    # The released wish may be claimed again by someone else.
    wish_services.wish_claim(wish=claimed, actor=w.teammate.user)


def test_the_teams_leader_hears_that_its_claim_was_released(w, team):
    wish = w.team_claimed(team)

    _dissolve(w, team)

    note = Notification.objects.get(user=w.member.user, kind=NotificationKind.CLAIM_RELEASED)
    with translation.override(settings.LANGUAGE_CODE):
        assert note.title == events.CLAIM_RELEASED_TITLE % {"wish": wish.title}
        assert note.body == events.TEAM_DISSOLVED_CLAIM_BODY % {"team": team.name, "wish": wish.title}
    assert links.page_path(note) == f"/m/wishes/{wish.pk}/"


def test_a_leader_who_dissolves_their_own_team_is_not_told(w, team):
    # The branch's secretary is also the team's leader here: nobody hears of their own action.
    f.RoleFactory(user=w.member.user, role="branch_secretary", party_org=w.branch)
    w.member.user.__dict__.pop("_scope_cache", None)
    w.team_claimed(team)
    _dissolve(w, team, actor=w.member.user)
    assert WishClaim.objects.get(team=team).status == ClaimStatus.RELEASED
    assert not Notification.objects.filter(kind=NotificationKind.CLAIM_RELEASED).exists()


# --- sign-ups -------------------------------------------------------------------------------------------------------


def _activity(w, **kwargs):
    kwargs.setdefault("community", w.community)
    kwargs.setdefault("grid", w.grid)
    kwargs.setdefault("created_by", w.staff)
    return ActivityFactory(**kwargs)


def test_future_team_sign_ups_are_cancelled_and_the_waitlist_moves_up(w, team):
    activity = _activity(w, capacity=2)
    team_signups = activity_services.signup_create_team(
        activity=activity, actor=w.member.user, team=team, members=[w.member, w.teammate]
    )
    waiting = f.MemberFactory(branch=w.branch)
    f.RegistrationFactory(member=waiting, grid=w.grid)
    queued = activity_services.signup_create(activity=activity, member=waiting)
    assert queued.status == SignUpStatus.WAITLISTED

    _dissolve(w, team)

    assert {s.status for s in SignUp.objects.filter(pk__in=[s.pk for s in team_signups])} == {SignUpStatus.CANCELLED}
    queued.refresh_from_db()
    assert queued.status == SignUpStatus.CONFIRMED
    activity.refresh_from_db()
    assert activity.confirmed_count == 1
    assert AuditEntry.objects.filter(action="cancel", actor=w.reviewer, reason=REASON).count() == 2
    assert Notification.objects.filter(user=waiting.user, kind=NotificationKind.SIGNUP_PROMOTED).exists()
    # Each member signed up with the team hears of it (the leader too: the organ dissolved the team, not them).
    told = Notification.objects.filter(kind=NotificationKind.TEAM_SIGNUP_CANCELLED)
    assert sorted(told.values_list("user_id", flat=True)) == sorted([w.member.user_id, w.teammate.user_id])
    note = told.get(user=w.teammate.user)
    assert team.name in note.body and activity.title in note.body
    assert links.page_path(note) == f"/m/activities/{activity.pk}/"


def test_sign_ups_already_under_way_or_not_made_with_the_team_stay(w, team):
    now = timezone.now()
    started = _activity(
        w,
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(minutes=10),
        signup_deadline=now - timedelta(hours=1),
    )
    SignUp.objects.create(
        activity=started,
        member=w.teammate,
        team=team,
        status=SignUpStatus.CONFIRMED,
        signed_up_at=now - timedelta(days=1),
        starts_at=started.starts_at,
        ends_at=started.ends_at,
    )
    Activity.objects.filter(pk=started.pk).update(confirmed_count=1)
    checked_in = _activity(w, starts_at=now + timedelta(minutes=20))
    (early,) = activity_services.signup_create_team(
        activity=checked_in, actor=w.member.user, team=team, members=[w.teammate]
    )
    SignUp.objects.filter(pk=early.pk).update(checked_in_at=now)
    alone = _activity(w)
    own = activity_services.signup_create(activity=alone, member=w.teammate)

    _dissolve(w, team)

    assert set(SignUp.objects.values_list("status", flat=True)) == {SignUpStatus.CONFIRMED}
    assert SignUp.objects.get(pk=own.pk).team is None


# --- household pairings --------------------------------------------------------------------------------------------


def test_the_teams_open_household_pairings_end_with_the_reason(w, team):
    household = make_household(w.world)
    other = make_household(w.world, address="幸福小区5栋101")
    team_pairing = household_services.pairing_create(actor=w.staff, household=household, team=team)
    member_pairing = household_services.pairing_create(actor=w.staff, household=other, member=w.member)

    _dissolve(w, team)

    team_pairing.refresh_from_db()
    assert (team_pairing.ended_on, team_pairing.end_reason) == (timezone.localdate(), REASON)
    entry = AuditEntry.objects.get(action="pairing_end", subject_id=household.pk)
    assert entry.actor == w.reviewer and entry.after["team_dissolved"] == team.pk and entry.reason == REASON
    member_pairing.refresh_from_db()
    assert member_pairing.ended_on is None
    # The household stays, for its staff to pair someone else.
    assert household_services.pairing_create(actor=w.staff, household=household, member=w.member).ended_on is None


def test_ending_a_teams_pairings_is_only_for_its_dissolution(w, team):
    household = make_household(w.world)
    household_services.pairing_create(actor=w.staff, household=household, team=team)
    with pytest.raises(Forbidden) as exc:
        household_services.pairings_end_of_team(team=team, actor=w.reviewer, reason=REASON)
    assert exc.value.code == "not_team_manager"
    assert HouseholdPairing.objects.get(team=team).ended_on is None


# --- one transaction --------------------------------------------------------------------------------------------


def test_a_failure_while_letting_go_undoes_the_whole_dissolution(w, team):
    wish = w.team_claimed(team)
    activity = _activity(w)
    (signup,) = activity_services.signup_create_team(
        activity=activity, actor=w.member.user, team=team, members=[w.teammate]
    )
    household = make_household(w.world)
    household_services.pairing_create(actor=w.staff, household=household, team=team)

    with mock.patch("apps.teams.services.pairings_end_of_team", side_effect=RuntimeError("boom")):
        with pytest.raises(RuntimeError):
            _dissolve(w, team)

    assert Team.objects.get(pk=team.pk).status == TeamStatus.ACTIVE
    wish.refresh_from_db()
    assert wish.status == WishStatus.CLAIMED
    assert SignUp.objects.get(pk=signup.pk).status == SignUpStatus.CONFIRMED
    assert HouseholdPairing.objects.get(team=team).ended_on is None
    assert not Notification.objects.filter(kind=NotificationKind.TEAM_SIGNUP_CANCELLED).exists()


def test_dissolving_through_the_api_reports_what_was_let_go(w, team):
    w.team_claimed(team)
    activity_services.signup_create_team(activity=_activity(w), actor=w.member.user, team=team, members=[w.teammate])
    household_services.pairing_create(actor=w.staff, household=make_household(w.world), team=team)

    response = client_for(w.reviewer).post(f"/api/v1/teams/{team.pk}/dissolve/", {"reason": REASON}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "dissolved"
    entry = AuditEntry.objects.get(action="team_dissolve", subject_id=team.pk)
    assert entry.after["claims_released"] == 1 and entry.after["signups_cancelled"] == 1
    assert entry.after["pairings_ended"] == 1
