"""Who may see, claim and act on micro-wishes, in terms of the one scope helper (apps.accounts.scope)."""

from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from apps.accounts.scope import scope_for
from apps.core.errors import Forbidden
from apps.orgs.models import PartyOrg, PartyOrgKind
from apps.registrations.models import Pairing, Registration, RegistrationStatus
from apps.teams.models import MembershipStatus, Team, TeamStatus
from apps.teams.permissions import may_wind_up_team
from apps.wishes import errors
from apps.wishes.models import ClaimStatus, WishClaim, WishParticipant, WishStatus

CLAIM_SCOPE_CITY = "city"
CLAIM_SCOPE_COMMUNITY = "community"
# A claim whose holder still answers for the wish: open, or completed by fulfilling it (until confirmed and after).
CURRENT_CLAIM_STATUSES = (ClaimStatus.ACTIVE, ClaimStatus.COMPLETED)


def claim_scope():
    """WISH_CLAIM_SCOPE; anything but "city" means the stricter "community" rule."""
    value = getattr(settings, "WISH_CLAIM_SCOPE", CLAIM_SCOPE_COMMUNITY)
    return CLAIM_SCOPE_CITY if value == CLAIM_SCOPE_CITY else CLAIM_SCOPE_COMMUNITY


def _any(parts):
    parts = [p for p in parts if p is not None]
    return reduce(or_, parts) if parts else None


def _active_pairings(today):
    return Pairing.objects.filter(Q(starts_on__lte=today), Q(ends_on__isnull=True) | Q(ends_on__gte=today))


# --- eligibility to claim ---------------------------------------------------------------------------------------


def member_may_claim(member, community_id, *, today=None):
    """Registered (confirmed) in the community, or the member's organ is paired with it today; anyone in "city"."""
    if claim_scope() == CLAIM_SCOPE_CITY:
        return True
    today = today or timezone.localdate()
    registered = Registration.objects.filter(
        member=member, community_id=community_id, status=RegistrationStatus.CONFIRMED
    )
    if registered.exists():
        return True
    return _active_pairings(today).filter(organ_id=member.organ_id, community_id=community_id).exists()


def branch_may_claim(branch, community_id, *, today=None):
    """The branch's organ is paired with the community today, or one of its active members is registered there."""
    if claim_scope() == CLAIM_SCOPE_CITY:
        return True
    today = today or timezone.localdate()
    if _active_pairings(today).filter(organ_id=branch.organ_id, community_id=community_id).exists():
        return True
    return Registration.objects.filter(
        member__branch=branch, member__is_active=True, community_id=community_id, status=RegistrationStatus.CONFIRMED
    ).exists()


def team_may_claim(team, community_id, *, today=None):
    """As a branch: the team's organ is paired with the community today, or one of the team's active members is
    registered there."""
    if claim_scope() == CLAIM_SCOPE_CITY:
        return True
    today = today or timezone.localdate()
    if _active_pairings(today).filter(organ_id=team.organ_id, community_id=community_id).exists():
        return True
    return Registration.objects.filter(
        member__team_memberships__team=team,
        member__team_memberships__status=MembershipStatus.ACTIVE,
        member__is_active=True,
        community_id=community_id,
        status=RegistrationStatus.CONFIRMED,
    ).exists()


def _member_claimable_q(scope, today):
    """Q on Wish: the communities where the member may claim: registered there (confirmed), or the organ is paired
    with it today (the ids the scope read, or subqueries when it was read on another day)."""
    known = scope.member_communities(today)
    if known is not None:
        homes, paired = known
        return Q(community__in=homes | paired)
    registered = Registration.objects.filter(member_id=scope.member_id, status=RegistrationStatus.CONFIRMED)
    paired = _active_pairings(today).filter(organ_id=scope.member_organ_id)
    return Q(community__in=registered.values("community_id")) | Q(community__in=paired.values("community_id"))


def _secretary_claimable_q(scope, today):
    organs = PartyOrg.objects.filter(id__in=scope.party_org_ids).values("organ_id")
    paired = _active_pairings(today).filter(organ_id__in=organs)
    in_subtree = _any([Q(member__branch__path__startswith=p) for p in scope.party_org_paths])
    registered = Registration.objects.filter(in_subtree, member__is_active=True, status=RegistrationStatus.CONFIRMED)
    return Q(community__in=paired.values("community_id")) | Q(community__in=registered.values("community_id"))


def _leader_claimable_q(scope, today):
    """Q on Wish: the communities where a team the member leads may claim (team_may_claim, for every such team)."""
    led = Team.objects.filter(leader_id=scope.member_id, status=TeamStatus.ACTIVE)
    paired = _active_pairings(today).filter(organ_id__in=led.values("organ_id"))
    registered = Registration.objects.filter(
        member__team_memberships__team__in=led,
        member__team_memberships__status=MembershipStatus.ACTIVE,
        member__is_active=True,
        status=RegistrationStatus.CONFIRMED,
    )
    return Q(community__in=paired.values("community_id")) | Q(community__in=registered.values("community_id"))


# --- reading --------------------------------------------------------------------------------------------------


def _claims_q(scope, *, current_only, include_org=False, include_participants=True):
    """Q on WishClaim: claims the user holds (as member, as the one who clicked, as secretary, as the team's leader
    or as a participant). A team's current claims are its leader's now, not whoever clicked (see is_claimant)."""
    clicked = Q(claimed_by_id=scope.user_id)
    parts = [clicked & Q(team__isnull=True) if current_only else clicked]
    if scope.member_id is not None:
        parts.append(Q(member_id=scope.member_id))
        parts.append(Q(team__leader_id=scope.member_id))
        if include_participants:
            parts.append(Q(participants__member_id=scope.member_id))
    parts.extend(Q(branch__path__startswith=p) for p in scope.party_org_paths)
    if include_org:
        parts.append(scope.org_q(organ="member__organ", branch="member__branch"))
        parts.append(scope.org_q(organ="branch__organ", branch="branch"))
    q = _any(parts)
    if current_only:
        q &= Q(status__in=CURRENT_CLAIM_STATUSES)
    return q


def _claim_exists(q):
    return Q(Exists(WishClaim.objects.filter(q, wish=OuterRef("pk"))))


def wish_visible_q(user, *, now=None):
    """Q on Wish: what the user may see at all (everything else reads as 404).

    Staff and grid workers: their community's / grid's wishes in every state; street and district admins their
    geography. Members: published wishes they may claim (still before the deadline), for themselves or for a team
    they lead, and every wish they ever claimed or took part in. Branch secretaries: the same for their branches,
    as groups. Organ reviewers and
    secretaries: wishes claimed by their members, read-only.
    """
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    if scope.user_id is None:
        return Q(pk__in=[])
    now = now or timezone.now()
    today = timezone.localdate(now)
    parts = [scope.geo_q()] if scope.is_community_side or scope.is_geo_admin else []
    open_now = Q(status=WishStatus.PUBLISHED, deadline__gt=now)
    city = claim_scope() == CLAIM_SCOPE_CITY
    if scope.is_member:
        claimable = _member_claimable_q(scope, today)
        if scope.led_team_ids:  # most members lead no team: their query leaves the teams' subqueries out
            claimable |= _leader_claimable_q(scope, today)
        parts.append(open_now if city else open_now & claimable)
    if scope.party_org_ids:
        parts.append(open_now if city else open_now & _secretary_claimable_q(scope, today))
    parts.append(_claim_exists(_claims_q(scope, current_only=False, include_org=scope.is_org_side)))
    return _any(parts)


# States in which a wish has been on the public wall: claiming one of these answers 409 with the reason, not 404.
_ONCE_PUBLIC_STATES = (
    WishStatus.PUBLISHED,
    WishStatus.CLAIMED,
    WishStatus.FULFILLED,
    WishStatus.CONFIRMED,
    WishStatus.EXPIRED,
)


def wish_claimable_lookup_q(user, *, now=None):
    """Q on Wish: what a claim request may address. Besides what the user sees, the wishes of the communities they
    may claim in that have been public, so that whoever loses a race (or comes late) learns "already claimed" or
    "deadline passed" (409) instead of a 404; drafts and wishes elsewhere stay invisible."""
    scope = scope_for(user)
    if scope.is_superuser or scope.user_id is None:
        return wish_visible_q(user, now=now)
    today = timezone.localdate(now or timezone.now())
    city = claim_scope() == CLAIM_SCOPE_CITY
    once_public = Q(status__in=_ONCE_PUBLIC_STATES)
    parts = [wish_visible_q(user, now=now)]
    if scope.is_member:
        claimable = _member_claimable_q(scope, today) | _leader_claimable_q(scope, today)
        parts.append(once_public if city else once_public & claimable)
    if scope.party_org_ids:
        parts.append(once_public if city else once_public & _secretary_claimable_q(scope, today))
    return _any(parts)


def sees_resident_q(user):
    """Q on Wish: who sees the resident's name, phone and address in full.

    Community staff of the wish's community and the worker of its grid always; the current claimant after claiming
    (the member; for a branch's claim the branch's secretaries, for a team's claim the team's leader, and for both
    whoever claimed and the members who took part).
    """
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    if scope.user_id is None:
        return Q(pk__in=[])
    parts = [_claim_exists(_claims_q(scope, current_only=True))]
    if scope.staff_community_ids:
        parts.append(Q(community__in=scope.staff_community_ids))
    if scope.grid_ids:
        parts.append(Q(grid__in=scope.grid_ids))
    return _any(parts)


def is_claimant_q(user):
    """Q on Wish: the user holds its current claim (and so may release or fulfil it)."""
    scope = scope_for(user)
    if scope.user_id is None:
        return Q(pk__in=[])
    return _claim_exists(_claims_q(scope, current_only=True, include_participants=False))


def my_claims_q(user):
    """Q on WishClaim: the claims the user made or holds, including group claims they took part in."""
    scope = scope_for(user)
    if scope.user_id is None:
        return Q(pk__in=[])
    parts = [Q(claimed_by_id=scope.user_id)]
    if scope.member_id is not None:
        parts.append(Q(member_id=scope.member_id))
        parts.append(Q(team__leader_id=scope.member_id))
        took_part = WishParticipant.objects.filter(claim=OuterRef("pk"), member_id=scope.member_id)
        parts.append(Q(Exists(took_part)))
    parts.extend(Q(branch__path__startswith=p) for p in scope.party_org_paths)
    return _any(parts)


# --- acting ---------------------------------------------------------------------------------------------------


def require_community_staff(actor, community_id):
    if not scope_for(actor).manages_community(community_id):
        raise errors.not_community_staff()


def poster_role(actor, community_id, grid_id):
    """ "staff" for the community's staff, "grid_worker" for the grid's worker; anyone else may not post here."""
    scope = scope_for(actor)
    if scope.manages_community(community_id):
        return "staff"
    if scope.works_grid(grid_id):
        return "grid_worker"
    raise Forbidden("not_wish_poster", errors.NOT_WISH_CREATOR)


def require_poster(actor, wish):
    poster_role(actor, wish.community_id, wish.grid_id)


def covers_branch_as_secretary(actor, branch):
    """Secretary of the branch or of a Party org above it (a superuser is no branch's secretary)."""
    scope = scope_for(actor)
    return any(branch.path.startswith(p) for p in scope.party_org_paths)


def require_branch_secretary(actor, branch):
    if branch.kind != PartyOrgKind.BRANCH or not covers_branch_as_secretary(actor, branch):
        raise Forbidden("not_branch_secretary", errors.NOT_BRANCH_SECRETARY)


def require_team_leader(actor, team):
    """Only the team's leader claims for it: a claim commits the team, which the leader speaks for (its other
    members take part when the leader names them on fulfilling)."""
    member_id = scope_for(actor).member_id
    if member_id is None or member_id != team.leader_id:
        raise Forbidden("not_team_leader", errors.NOT_TEAM_LEADER)


def is_claimant(actor, claim):
    """The member who claimed; for a branch claim, whoever claimed it and the branch's secretaries; for a team
    claim, the team's leader now (a new leader takes the team's claims over; a leader who left the team, or was
    replaced, no longer answers for them), and, once the team is dissolved, whoever dissolved it (the dissolution
    releases its claims: apps.teams.permissions.may_wind_up_team)."""
    if claim.team_id is not None:
        member_id = scope_for(actor).member_id
        if member_id is not None and member_id == claim.team.leader_id:
            return True
        return may_wind_up_team(actor, claim.team)
    if claim.member_id is not None:
        return claim.member.user_id == actor.pk
    if claim.claimed_by_id == actor.pk:
        return True
    return covers_branch_as_secretary(actor, claim.branch)


def require_claimant(actor, claim):
    if not is_claimant(actor, claim):
        raise errors.not_claimant()
