"""A volunteer team claims a wish as a group: the leader claims, names the team's members who took part, and each
gets a record carrying the team; every refusal writes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import Conflict, Forbidden, Invalid
from apps.ledger.models import RecordStatus, ServiceRecord, ServiceSource
from apps.notifications.models import Notification
from apps.teams import services as team_services
from apps.wishes import errors, selectors, services
from apps.wishes.models import ClaimStatus, Wish, WishClaim, WishParticipant, WishStatus
from apps.wishes.reminders import wish_remind_claim_deadlines
from tests import factories as f
from tests.wishes.conftest import WishClaimFactory

pytestmark = pytest.mark.django_db


def _code(excinfo):
    return excinfo.value.code


@pytest.fixture
def team(w):
    """Led by the world's member (registered in the wish's community), with the teammate in it for two days."""
    return w.team(members=[w.teammate])


def _nothing_claimed(wish):
    wish.refresh_from_db()
    assert wish.status == WishStatus.PUBLISHED
    assert not WishClaim.objects.filter(wish=wish).exists()


# --- claiming -----------------------------------------------------------------------------------------------------


class TestTeamClaim:
    def test_the_leader_claims_for_the_team(self, w, team):
        wish = w.wish()
        claim = services.wish_claim(wish=wish, actor=w.member.user, as_team=team)
        assert (claim.team, claim.member, claim.branch) == (team, None, None)
        assert claim.claimed_by == w.member.user and claim.status == ClaimStatus.ACTIVE
        wish.refresh_from_db()
        assert wish.status == WishStatus.CLAIMED

    @pytest.mark.parametrize("who", ["teammate", "secretary", "reviewer", "other_member"])
    def test_only_the_leader_claims_for_the_team(self, w, team, who):
        actor = w.teammate.user if who == "teammate" else w.user(who)
        wish = w.wish()
        with pytest.raises(Forbidden) as exc:
            services.wish_claim(wish=wish, actor=actor, as_team=team)
        assert _code(exc) == "not_team_leader"
        assert str(exc.value.message) == str(errors.NOT_TEAM_LEADER)
        _nothing_claimed(wish)

    def test_a_dissolved_team_cannot_claim(self, w, team):
        team_services.team_dissolve(actor=w.reviewer, team=team, reason="人员调整")
        team.refresh_from_db()
        wish = w.wish()
        with pytest.raises(Conflict) as exc:
            services.wish_claim(wish=wish, actor=w.member.user, as_team=team)
        assert _code(exc) == "team_dissolved"
        _nothing_claimed(wish)

    def test_team_not_paired_nor_registered_is_not_eligible(self, w, team):
        wish = w.wish(grid=w.other_grid)
        with pytest.raises(Forbidden) as exc:
            services.wish_claim(wish=wish, actor=w.member.user, as_team=team)
        assert _code(exc) == "not_eligible_to_claim"
        _nothing_claimed(wish)

    def test_team_is_eligible_through_a_registered_active_member(self, w):
        elsewhere = f.MemberFactory(branch=w.branch)
        f.RegistrationFactory(member=elsewhere, grid=w.other_grid)
        team = w.team(members=[elsewhere])
        claim = services.wish_claim(wish=w.wish(grid=w.other_grid), actor=w.member.user, as_team=team)
        assert claim.team == team

    def test_team_is_eligible_through_its_organs_pairing(self, w, team):
        f.PairingFactory(organ=w.organ, community=w.other_community)
        claim = services.wish_claim(wish=w.wish(grid=w.other_grid), actor=w.member.user, as_team=team)
        assert claim.team == team

    def test_city_scope_lets_any_team_claim(self, w, team, settings):
        settings.WISH_CLAIM_SCOPE = "city"
        assert services.wish_claim(wish=w.wish(grid=w.other_grid), actor=w.member.user, as_team=team).team == team

    def test_a_team_at_its_open_claims_limit_is_refused(self, w, team, settings):
        settings.WISH_MAX_OPEN_CLAIMS = 1
        w.team_claimed(team)
        wish = w.wish()
        with pytest.raises(Conflict) as exc:
            services.wish_claim(wish=wish, actor=w.member.user, as_team=team)
        assert _code(exc) == "claim_limit_reached" and exc.value.extra == {"limit": 1}
        _nothing_claimed(wish)

    def test_the_teams_limit_is_its_own(self, w, team, settings):
        # The team's open claim does not count against its leader's own, nor the leader's against the team's.
        settings.WISH_MAX_OPEN_CLAIMS = 1
        w.team_claimed(team)
        assert services.wish_claim(wish=w.wish(), actor=w.member.user).member == w.member
        other_team = w.team(members=[])
        assert services.wish_claim(wish=w.wish(), actor=w.member.user, as_team=other_team).team == other_team

    def test_branch_and_team_at_once_is_refused(self, w, team):
        wish = w.wish()
        with pytest.raises(Invalid) as exc:
            services.wish_claim(wish=wish, actor=w.member.user, as_team=team, as_branch=w.branch)
        assert _code(exc) == "claim_as_one"
        _nothing_claimed(wish)

    def test_a_wish_held_by_a_member_is_409_for_the_team(self, w, team):
        wish = w.claimed(w.teammate)
        with pytest.raises(Conflict) as exc:
            services.wish_claim(wish=wish, actor=w.member.user, as_team=team)
        assert _code(exc) == "wish_already_claimed"
        assert WishClaim.objects.filter(wish=wish).count() == 1

    def test_unique_active_claim_backstop_for_a_team_claim(self, w, team):
        wish = w.wish()
        WishClaimFactory(wish=wish, member=w.teammate)
        with pytest.raises(Conflict) as exc:
            services.wish_claim(wish=wish, actor=w.member.user, as_team=team)
        assert _code(exc) == "wish_already_claimed"
        wish.refresh_from_db()
        assert wish.status == WishStatus.PUBLISHED
        assert list(WishClaim.objects.filter(wish=wish).values_list("team", flat=True)) == [None]

    def test_the_database_refuses_a_claim_by_two_kinds_of_claimant(self, w, team):
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            WishClaimFactory(wish=w.wish(status=WishStatus.CLAIMED), member=w.member, team=team)


# --- fulfilling ------------------------------------------------------------------------------------------------------


class TestTeamFulfil:
    def test_the_leader_names_the_teams_participants(self, w, team):
        wish = services.wish_fulfil(
            wish=w.team_claimed(team), actor=w.member.user, note="服务队一起上门", participants=[w.member, w.teammate]
        )
        assert wish.status == WishStatus.FULFILLED
        claim = WishClaim.objects.get(wish=wish)
        assert claim.status == ClaimStatus.COMPLETED
        assert set(claim.participants.values_list("member", flat=True)) == {w.member.pk, w.teammate.pk}

    def _refused(self, w, wish, participants, code, exc_type=Invalid):
        with pytest.raises(exc_type) as exc:
            services.wish_fulfil(wish=wish, actor=w.member.user, note="ok", participants=participants)
        assert _code(exc) == code
        wish.refresh_from_db()
        assert wish.status == WishStatus.CLAIMED and not wish.fulfil_note
        assert WishClaim.objects.get(wish=wish).status == ClaimStatus.ACTIVE
        assert not WishParticipant.objects.exists()

    def test_a_participant_outside_the_team_is_refused_and_nothing_written(self, w, team):
        same_branch = f.MemberFactory(branch=w.branch)
        self._refused(w, w.team_claimed(team), [w.member, same_branch], "participant_not_in_team")
        self._refused(w, Wish.objects.get(status=WishStatus.CLAIMED), [w.other_member], "participant_not_in_team")

    def test_a_member_who_left_the_team_is_refused(self, w, team):
        wish = w.team_claimed(team)
        team_services.team_leave(actor=w.teammate.user, team=team)
        self._refused(w, wish, [w.teammate], "participant_not_in_team")

    def test_a_member_who_joined_after_the_service_started_is_refused(self, w, team):
        # Their record would carry the team for a service begun before they were in it (the ledger refuses that).
        newcomer = f.MemberFactory(branch=w.branch)
        team_services.team_apply(actor=newcomer.user, team=team)
        team_services.team_accept(actor=w.member.user, team=team, member=newcomer)
        self._refused(w, w.team_claimed(team), [w.member, newcomer], "participant_not_in_team")

    def test_participants_are_required(self, w, team):
        self._refused(w, w.team_claimed(team), [], "participants_required")

    def test_a_dissolved_teams_claim_is_released_and_cannot_be_fulfilled(self, w, team):
        wish = w.team_claimed(team)
        team_services.team_dissolve(actor=w.reviewer, team=team, reason="人员调整")
        with pytest.raises(Conflict) as exc:
            services.wish_fulfil(wish=wish, actor=w.member.user, note="ok", participants=[w.member])
        assert _code(exc) == "wish_not_claimed"
        wish.refresh_from_db()
        assert wish.status == WishStatus.PUBLISHED and not wish.fulfil_note
        assert WishClaim.objects.get(wish=wish).status == ClaimStatus.RELEASED
        assert not WishParticipant.objects.exists()

    def test_a_team_member_who_is_not_the_leader_cannot_fulfil(self, w, team):
        wish = w.team_claimed(team)
        with pytest.raises(Forbidden) as exc:
            services.wish_fulfil(wish=wish, actor=w.teammate.user, note="ok", participants=[w.teammate])
        assert _code(exc) == "not_claimant"

    def test_a_new_leader_takes_the_teams_claim_over(self, w, team):
        wish = w.team_claimed(team)
        team_services.team_leader_set(actor=w.reviewer, team=team, member=w.teammate)
        wish = services.wish_fulfil(wish=wish, actor=w.teammate.user, note="ok", participants=[w.teammate])
        assert wish.status == WishStatus.FULFILLED


# --- confirming ------------------------------------------------------------------------------------------------------


class TestTeamConfirm:
    def test_each_participants_record_carries_the_team(self, w, team):
        wish = services.wish_fulfil(
            wish=w.team_claimed(team), actor=w.member.user, note="ok", participants=[w.member, w.teammate]
        )
        services.wish_confirm(wish=wish, actor=w.staff, rating=5)
        records = ServiceRecord.objects.filter(source=ServiceSource.WISH, source_id=wish.pk)
        assert set(records.values_list("member", "team")) == {(w.member.pk, team.pk), (w.teammate.pk, team.pk)}
        assert all(r.status == RecordStatus.APPROVED for r in records)
        assert sum(r.residents_served for r in records) == wish.residents_count

    def test_member_and_branch_claims_carry_no_team(self, w, team):
        wish = w.fulfilled()
        services.wish_confirm(wish=wish, actor=w.staff, rating=5)
        assert ServiceRecord.objects.get().team is None

    def test_the_teams_leader_cannot_confirm_the_teams_service(self, w, team):
        f.RoleFactory(user=w.member.user, role="community_staff", community=w.community)
        w.member.user.__dict__.pop("_scope_cache", None)
        wish = services.wish_fulfil(
            wish=w.team_claimed(team), actor=w.member.user, note="ok", participants=[w.teammate]
        )
        with pytest.raises(Forbidden) as exc:
            services.wish_confirm(wish=wish, actor=w.member.user, rating=5)
        assert _code(exc) == "own_service"
        assert not ServiceRecord.objects.exists()


# --- release, revoke, overdue -------------------------------------------------------------------------------------


class TestTeamRelease:
    def test_the_leader_releases(self, w, team):
        wish = services.wish_release(wish=w.team_claimed(team), actor=w.member.user, reason="人手不够")
        assert wish.status == WishStatus.PUBLISHED
        assert WishClaim.objects.get(wish=wish).status == ClaimStatus.RELEASED

    @pytest.mark.parametrize("who", ["teammate", "secretary", "staff"])
    def test_others_cannot_release(self, w, team, who):
        actor = w.teammate.user if who == "teammate" else w.user(who)
        with pytest.raises(Forbidden) as exc:
            services.wish_release(wish=w.team_claimed(team), actor=actor)
        assert _code(exc) == "not_claimant"

    def test_staff_revoke_a_team_claim(self, w, team):
        wish = services.wish_revoke(wish=w.team_claimed(team), actor=w.staff, reason="联系不上")
        assert wish.status == WishStatus.PUBLISHED
        assert WishClaim.objects.get(wish=wish).release_reason == "联系不上"

    def test_an_overdue_team_claim_is_released_and_the_leader_told(self, w, team):
        wish = w.team_claimed(team)
        team_services.team_leader_set(actor=w.reviewer, team=team, member=w.teammate)
        WishClaim.objects.filter(wish=wish).update(claim_deadline=timezone.now() - timedelta(minutes=1))
        assert services.wish_release_overdue_claims() == 1
        wish.refresh_from_db()
        assert wish.status == WishStatus.PUBLISHED
        # The team's leader now hears of it (the claim answers to the team, not to who clicked).
        assert Notification.objects.filter(user=w.teammate.user, kind="claim_released").count() == 1
        assert not Notification.objects.filter(user=w.member.user, kind="claim_released").exists()

    def test_the_due_soon_reminder_goes_to_the_leader(self, w, team):
        wish = w.team_claimed(team)
        WishClaim.objects.filter(wish=wish).update(claim_deadline=timezone.now() + timedelta(hours=2))
        assert wish_remind_claim_deadlines() == 1
        assert Notification.objects.filter(user=w.member.user, kind="wish_claim_due").count() == 1


# --- privacy and reading ---------------------------------------------------------------------------------------------


class TestTeamPrivacy:
    def _sees(self, user, wish):
        found = selectors.wish_get(user=user, pk=wish.pk)
        return found is not None and found.sees_resident

    def test_the_leader_sees_the_resident_after_claiming_other_members_do_not(self, w, team):
        wish = w.team_claimed(team)
        assert self._sees(w.member.user, wish)
        assert not self._sees(w.teammate.user, wish)

    def test_participants_see_the_resident_once_named(self, w, team):
        wish = services.wish_fulfil(
            wish=w.team_claimed(team), actor=w.member.user, note="ok", participants=[w.teammate]
        )
        assert self._sees(w.teammate.user, wish)

    def test_a_team_claim_is_among_the_leaders_claims(self, w, team):
        wish = w.team_claimed(team)
        claims = list(selectors.my_claims(user=w.member.user))
        assert [(c.wish_id, c.team_id) for c in claims] == [(wish.pk, team.pk)]
        assert not list(selectors.my_claims(user=w.teammate.user))

    def test_the_leader_sees_wishes_the_team_may_claim(self, w):
        elsewhere = f.MemberFactory(branch=w.branch)
        f.RegistrationFactory(member=elsewhere, grid=w.other_grid)
        wish = w.wish(grid=w.other_grid)
        assert selectors.wish_get(user=w.member.user, pk=wish.pk) is None
        w.team(members=[elsewhere])
        assert selectors.wish_get(user=w.member.user, pk=wish.pk) is not None
