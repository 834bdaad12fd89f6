"""Reads on residents' requests: lists scoped to the user, the tracking view of a token, the wishes a request may
join, the stage a resident is shown (查单), and the requests of some places over a period (for the statistics)."""

from django.db.models import Q

from apps.accounts.scope import scope_for
from apps.places.models import Community
from apps.residents.models import RequestStatus, ResidentRequest
from apps.residents.permissions import request_visible_q
from apps.residents.services import MERGEABLE_WISH_STATUSES
from apps.wishes.models import WishStatus
from apps.wishes.selectors import wish_list


def poster_community(value):
    """The community a poster's link names, by its code or else its id; None when there is none."""
    value = str(value or "")
    community = Community.objects.filter(code=value).first()
    if community is None and value.isdigit():
        community = Community.objects.filter(pk=int(value)).first()
    return community


def request_list(*, user):
    """The requests `user` may see (their communities' as staff, their grids' as grid worker), newest first."""
    return (
        ResidentRequest.objects.filter(request_visible_q(user))
        .select_related("community", "grid", "wish", "decided_by")
        .order_by("-created_at", "-id")
    )


def request_get(*, user, pk):
    return request_list(user=user).filter(pk=pk).first()


def request_by_token(*, token):
    """The request of a tracking link, or None (an unknown token is a 404, whatever it looks like)."""
    if not token:
        return None
    return ResidentRequest.objects.select_related("community", "grid", "wish").filter(token=str(token)).first()


def mergeable_wishes(*, user, request):
    """The open wishes `request` may join: of its community, still before fulfilment, that the user sees; a grid
    worker who is not the community's staff, only those of their own grids."""
    scope = scope_for(user)
    wishes = wish_list(user=user, prefetch_claims=False).filter(
        community_id=request.community_id, status__in=MERGEABLE_WISH_STATUSES
    )
    if not scope.manages_community(request.community_id):
        wishes = wishes.filter(grid__in=scope.grid_ids)
    return wishes.order_by("-created_at", "-id")


def merge_target(*, user, pk):
    """The wish a merge names, if the user sees it at all (the service then judges whether it may be joined)."""
    return wish_list(user=user, prefetch_claims=False).filter(pk=pk).first()


# What the resident is shown (查单): the request's own state until it is decided, then its wish's.
STAGE_RECEIVED, STAGE_ACCEPTED, STAGE_CLAIMED, STAGE_DONE = "received", "accepted", "claimed", "done"
STAGE_DECLINED, STAGE_CANCELLED, STAGE_EXPIRED = "declined", "cancelled", "expired"
# The steps a request walks when all goes well, in order (the tracking page draws them).
STAGES = (STAGE_RECEIVED, STAGE_ACCEPTED, STAGE_CLAIMED, STAGE_DONE)
_STAGE_OF_WISH = {
    WishStatus.DRAFT: STAGE_ACCEPTED,
    WishStatus.PENDING_REVIEW: STAGE_ACCEPTED,
    WishStatus.PUBLISHED: STAGE_ACCEPTED,
    WishStatus.CLAIMED: STAGE_CLAIMED,
    WishStatus.FULFILLED: STAGE_DONE,
    WishStatus.CONFIRMED: STAGE_DONE,
    WishStatus.CANCELLED: STAGE_CANCELLED,
    WishStatus.EXPIRED: STAGE_EXPIRED,
}


def request_stage(request):
    """received, accepted, claimed, done, or how it ended otherwise: declined, cancelled, expired (the wish's)."""
    if request.status == RequestStatus.RECEIVED:
        return STAGE_RECEIVED
    if request.status == RequestStatus.DECLINED:
        return STAGE_DECLINED
    return _STAGE_OF_WISH[request.wish.status]


def requests_of_wish(*, user, wish):
    """The requests behind a wish that the user may see (accepted into it or merged), oldest first, each with the
    resident's own rating (验单) when given: what the wish's page shows beside the community's rating."""
    return list(request_list(user=user).filter(wish=wish).order_by("created_at", "id"))


def requests_for(*, community_ids=None, grid_ids=None, start=None, end=None):
    """The requests received in some communities and/or grids from `start` (inclusive) to `end` (exclusive, aware
    datetimes; None: unbounded), for the statistics of requests received, accepted and done. No scope: the caller
    (apps.stats) scopes by the places it reports on."""
    q = Q()
    if community_ids is not None:
        q &= Q(community__in=community_ids)
    if grid_ids is not None:
        q &= Q(grid__in=grid_ids)
    if start is not None:
        q &= Q(created_at__gte=start)
    if end is not None:
        q &= Q(created_at__lt=end)
    return ResidentRequest.objects.filter(q)
