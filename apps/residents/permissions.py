"""Who may see and decide on residents' requests, in terms of the one scope helper (apps.accounts.scope).

A request holds a resident's name, number and address: only the community's staff and the worker of its grid see it
(street and district administrators do not; the statistics count requests without them). The resident sees their
own through the tracking link's token, never by signing in.
"""

from django.db.models import Q

from apps.accounts.scope import scope_for
from apps.residents import errors


def request_visible_q(user):
    """Q on ResidentRequest: the requests of the user's communities (staff) and grids (grid workers)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    parts = Q(pk__in=[])
    if scope.staff_community_ids:
        parts |= Q(community__in=scope.staff_community_ids)
    if scope.grid_ids:
        parts |= Q(grid__in=scope.grid_ids)
    return parts


def may_decide(user, request):
    scope = scope_for(user)
    return scope.manages_community(request.community_id) or (
        request.grid_id is not None and scope.works_grid(request.grid_id)
    )


def require_decider(user, request):
    if not may_decide(user, request):
        raise errors.not_request_decider()


def may_merge_into(user, request, wish):
    """The wish is in the request's community; a grid worker (not staff) merges only into their own grid's wishes."""
    if wish.community_id != request.community_id:
        return False
    scope = scope_for(user)
    return scope.manages_community(wish.community_id) or scope.works_grid(wish.grid_id)
