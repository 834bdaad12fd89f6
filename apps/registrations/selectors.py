"""Reads of registrations, posts, post claims and pairings, each scoped to what the user may see."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from apps.accounts.scope import scope_for
from apps.core.errors import NotFound
from apps.orgs.models import Member
from apps.registrations import errors
from apps.registrations.models import Pairing, Post, PostClaim, Registration, RegistrationStatus
from apps.registrations.permissions import post_claim_visible_q, receipt_visible_q, registration_visible_q

_REGISTRATION_RELATED = (
    "member__user",
    "member__organ",
    "member__branch",
    "community",
    "grid",
    "decided_by",
)


def member_of(user):
    """The user's active member profile, or None."""
    if user is None or not user.is_authenticated:
        return None
    return Member.objects.filter(user=user, is_active=True).select_related("user").first()


def registration_list(*, user):
    return Registration.objects.filter(registration_visible_q(user)).select_related(*_REGISTRATION_RELATED)


def registration_list_mine(*, user):
    """The member's registrations, current and past (a move closes one and opens the next)."""
    scope = scope_for(user)
    if scope.member_id is None:
        return Registration.objects.none()
    return Registration.objects.filter(member_id=scope.member_id).select_related(*_REGISTRATION_RELATED)


def registration_list_without_post(*, user):
    """Confirmed registrations whose member holds no post in that community (每人至少认领一个岗位)."""
    holds_post_here = PostClaim.objects.filter(
        member_id=OuterRef("member_id"), post__community_id=OuterRef("community_id"), released_at__isnull=True
    )
    return registration_list(user=user).filter(status=RegistrationStatus.CONFIRMED).filter(~Exists(holds_post_here))


def registration_receipt_get(*, user, registration_id):
    """The confirmed registration behind a receipt; NotFound when unseen or not (yet) confirmed."""
    registration = (
        Registration.objects.filter(receipt_visible_q(user), pk=registration_id)
        .select_related(*_REGISTRATION_RELATED)
        .first()
    )
    if registration is None:
        raise NotFound()
    if registration.status != RegistrationStatus.CONFIRMED:
        raise errors.receipt_not_issued()
    return registration


def _open_claims():
    open_claims = PostClaim.objects.filter(released_at__isnull=True)
    return open_claims.select_related("member__user").order_by("claimed_at", "id")


def post_list(*, user):
    """Every post with its current holders: the public roll (公示) any signed-in user may read."""
    if not user.is_authenticated:
        return Post.objects.none()
    return (
        Post.objects.select_related("community")
        .order_by("community_id", "kind", "id")
        .annotate(holder_count=Count("claims", filter=Q(claims__released_at__isnull=True)))
        .prefetch_related(Prefetch("claims", queryset=_open_claims(), to_attr="open_claims"))
    )


def post_claim_list(*, user):
    return PostClaim.objects.filter(post_claim_visible_q(user)).select_related("post__community", "member__user")


def post_claim_open_get(*, post, member):
    return PostClaim.objects.filter(post=post, member=member, released_at__isnull=True).select_related("post").first()


def pairing_list(*, user):
    if not user.is_authenticated:
        return Pairing.objects.none()
    return Pairing.objects.select_related("organ", "party_org", "community", "created_by")


def pairing_active_q(on):
    """Pairings running on the date `on`."""
    return Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))
