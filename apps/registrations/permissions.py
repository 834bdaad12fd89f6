"""Who may see and act on registrations, posts, pairings and evaluations, in terms of the one scope helper."""

from django.db.models import Q

from apps.accounts.scope import scope_for
from apps.registrations import errors


def registration_visible_q(user):
    """The member's own; the community's staff, the grid's worker, the street/district admins; the member's organ."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    q = scope.geo_q() | scope.org_q(organ="member__organ", branch="member__branch")
    if scope.member_id is not None:
        q |= Q(member_id=scope.member_id)
    return q


def receipt_visible_q(user):
    """The receipt is narrower than the registration: the member, their organ and the community's staff."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    q = scope.org_q(organ="member__organ", branch="member__branch")
    q |= Q(community__in=scope.staff_community_ids)
    if scope.member_id is not None:
        q |= Q(member_id=scope.member_id)
    return q


def post_claim_visible_q(user):
    """Open claims are the public roll of holders (公示); released ones only for those covering the member or place."""
    scope = scope_for(user)
    if scope.user_id is None:
        return Q(pk__in=[])
    if scope.is_superuser:
        return Q()
    q = Q(released_at__isnull=True)
    q |= scope.geo_q(community="post__community", grid=None)
    q |= scope.org_q(organ="member__organ", branch="member__branch")
    if scope.member_id is not None:
        q |= Q(member_id=scope.member_id)
    return q


def evaluation_visible_q(user):
    """The community's staff and the street/district admins over it; the member's organ (reviewer) and Party-org
    subtree (secretary); the member themselves. Grid workers see none beyond their own: the evaluation is the
    community's (its staff's) judgement, fed back to the organ, not the grid's."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    q = scope.geo_q(community="community", grid=None)
    q |= scope.org_q(organ="member__organ", branch="member__branch")
    if scope.member_id is not None:
        q |= Q(member_id=scope.member_id)
    return q


def require_community_staff(actor, community_id):
    if not scope_for(actor).manages_community(community_id):
        raise errors.not_community_staff()


def require_organ_reviewer(actor, organ_id):
    if not scope_for(actor).covers_organ(organ_id):
        raise errors.not_organ_reviewer()


def may_release_claim(actor, claim):
    """The holder, or the staff of the post's community."""
    if actor.pk == claim.member.user_id:
        return True
    return scope_for(actor).manages_community(claim.post.community_id)


def require_not_own_evaluation(actor, member):
    """Nobody rates themselves, whatever roles they hold (superusers included)."""
    if member.user_id == actor.pk:
        raise errors.own_evaluation()
