"""Reads on micro-wishes: lists scoped to the user, the privacy flag the serializers obey, "near me", my claims."""

from django.db.models import BooleanField, Case, Prefetch, Q, Value, When, prefetch_related_objects
from django.utils import timezone

from apps.places.selectors import PLACE_BOUNDARIES, within_radius
from apps.wishes.models import OPEN_CLAIM_STATUSES, Wish, WishClaim, WishParticipant, WishStatus
from apps.wishes.permissions import (
    CURRENT_CLAIM_STATUSES,
    is_claimant_q,
    my_claims_q,
    sees_resident_q,
    wish_claimable_lookup_q,
    wish_visible_q,
)

# Metres per degree of latitude on a sphere of the mean Earth radius; good to 0.5 % for an equirectangular
# approximation over the few tens of kilometres "near me" allows.
NEAR_DEFAULT_RADIUS_M = 3000


def _flag(q):
    if isinstance(q, Q) and not q:  # an empty Q is "everything" (a superuser), which When() cannot take
        return Value(True, output_field=BooleanField())
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def _current_claims(*, participants=True):
    claims = WishClaim.objects.filter(status__in=CURRENT_CLAIM_STATUSES).select_related(
        "member__user", "branch", "team"
    )
    if participants:
        named = WishParticipant.objects.select_related("member__user").order_by("member_id")
        claims = claims.prefetch_related(Prefetch("participants", queryset=named))
    return Prefetch("claims", queryset=claims, to_attr="current_claims")


# A wish in these states holds no current claim: claiming moves it on, and releasing, revoking or the claim's
# deadline bring it back with the claim released.
CLAIMLESS_STATES = (WishStatus.DRAFT, WishStatus.PENDING_REVIEW, WishStatus.PUBLISHED)


def wish_list(*, user, now=None, prefetch_claims=True, flags=True):
    """The wishes `user` may see, each annotated with `sees_resident` (full name, phone and address may be shown)
    and `is_claimant` (the user holds its current claim), and with `current_claims` (prefetch_claims=False leaves
    those to attach_current_claims, for a page of a list; flags=False leaves out the two flags, for a list that
    shows neither the resident nor the member's part)."""
    wishes = (
        Wish.objects.filter(wish_visible_q(user, now=now or timezone.now()))
        .select_related("community", "grid")
        .defer(*PLACE_BOUNDARIES)
        .order_by("deadline", "id")
    )
    if flags:
        wishes = wishes.annotate(sees_resident=_flag(sees_resident_q(user)), is_claimant=_flag(is_claimant_q(user)))
    return wishes.prefetch_related(_current_claims()) if prefetch_claims else wishes


def attach_current_claims(wishes, *, participants=True):
    """Set `current_claims` on wishes read with prefetch_claims=False: one query for those in a state that can hold
    a claim, none when every one is open (the usual page of a member's list); one more for the claims' participants
    unless participants=False (a page that does not list them)."""
    holding = []
    for wish in wishes:
        if wish.status in CLAIMLESS_STATES:
            wish.current_claims = []
        else:
            holding.append(wish)
    if holding:
        prefetch_related_objects(holding, _current_claims(participants=participants))
    return wishes


def wish_claim_targets(*, user):
    """The wishes a claim request by `user` may address (see permissions.wish_claimable_lookup_q)."""
    return Wish.objects.filter(wish_claimable_lookup_q(user)).select_related("community", "grid")


def wish_get(*, user, pk):
    """One wish as `user` sees it, or None outside their scope."""
    return wish_list(user=user).filter(pk=pk).first()


def wish_near(queryset, *, latitude, longitude, radius_m=NEAR_DEFAULT_RADIUS_M):
    """Wishes whose grid centre lies within `radius_m` of a WGS-84 point, nearest first.

    A bounding box in SQL narrows the rows first; the distance used for the radius and the order is the
    equirectangular approximation (exact enough at these distances, and plain arithmetic on every database).
    The exact geodesic distance of the returned page is computed in Python by the serializer.
    """
    return within_radius(
        queryset,
        latitude=latitude,
        longitude=longitude,
        radius_m=radius_m,
        lat_field="grid__latitude",
        lng_field="grid__longitude",
    ).order_by("distance_sq", "deadline", "id")


def team_current_claims(*, team):
    """The team's claims on wishes still in hand: claimed, or reported fulfilled and waiting for confirmation; by
    claim deadline. Titles and places only: whoever sees the team sees these, the resident stays with the claimant."""
    return (
        WishClaim.objects.filter(
            team=team,
            status__in=CURRENT_CLAIM_STATUSES,
            wish__status__in=(WishStatus.CLAIMED, WishStatus.FULFILLED),
        )
        .select_related("wish__community", "wish__grid")
        .order_by("claim_deadline", "id")
    )


def my_claims(*, user, active_only=False):
    """The claims the user made or holds, newest first, with their wishes (the claimant sees the resident).
    `active_only`: open claims only (models.OPEN_CLAIM_STATUSES: still to be fulfilled; not one reported fulfilled,
    confirmed or released)."""
    claims = WishClaim.objects.filter(my_claims_q(user))
    if active_only:
        claims = claims.filter(status__in=OPEN_CLAIM_STATUSES)
    return (
        claims.select_related("wish__community", "wish__grid", "member__user", "branch", "team")
        .defer(*(f"wish__{name}" for name in PLACE_BOUNDARIES))
        .order_by("-claimed_at", "-id")
    )
