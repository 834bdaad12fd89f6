"""The one place that answers "what may this user see and act on": a Scope built from the user's roles.

Every selector filters with these Q objects and every service checks with these predicates, so a rule about
who covers what is written once. A superuser covers everything.
"""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q

from apps.accounts.models import Role

_NOTHING = Q(pk__in=[])


def _any(qs):
    qs = [q for q in qs if q is not None]
    return reduce(or_, qs) if qs else _NOTHING


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    is_superuser: bool = False
    member_id: int | None = None
    member_organ_id: int | None = None
    member_branch_id: int | None = None
    staff_community_ids: frozenset = field(default_factory=frozenset)
    grid_ids: frozenset = field(default_factory=frozenset)
    party_org_ids: frozenset = field(default_factory=frozenset)
    party_org_paths: tuple = ()
    organ_ids: frozenset = field(default_factory=frozenset)
    district_ids: frozenset = field(default_factory=frozenset)
    street_ids: frozenset = field(default_factory=frozenset)

    # --- what kind of user this is ---
    @property
    def is_member(self):
        return self.member_id is not None

    @property
    def is_community_side(self):
        return bool(self.staff_community_ids or self.grid_ids)

    @property
    def is_org_side(self):
        return bool(self.party_org_ids or self.organ_ids)

    @property
    def is_geo_admin(self):
        return bool(self.district_ids or self.street_ids)

    # --- geography: objects that sit in a community (and maybe a grid) ---
    def geo_q(self, community="community", grid="grid", *, include_grid_workers=True):
        """Objects located in the user's geography: staff's communities, worker's grids, admin's streets/districts."""
        if self.is_superuser:
            return Q()
        parts = []
        if self.staff_community_ids:
            parts.append(Q(**{f"{community}__in": self.staff_community_ids}))
        if include_grid_workers and self.grid_ids and grid:
            parts.append(Q(**{f"{grid}__in": self.grid_ids}))
        if self.street_ids:
            parts.append(Q(**{f"{community}__street__in": self.street_ids}))
        if self.district_ids:
            parts.append(Q(**{f"{community}__street__district__in": self.district_ids}))
        return _any(parts)

    def manages_community(self, community_id):
        """Community staff of this community (or a superuser): may confirm, post, approve there."""
        return self.is_superuser or community_id in self.staff_community_ids

    def works_grid(self, grid_id):
        return self.is_superuser or grid_id in self.grid_ids

    # --- organization: objects that belong to a member of an organ / Party org ---
    def org_q(self, organ="organ", branch="branch"):
        """Objects of members in the user's organs (reviewer) or Party-org subtrees (branch secretary)."""
        if self.is_superuser:
            return Q()
        parts = []
        if self.organ_ids:
            parts.append(Q(**{f"{organ}__in": self.organ_ids}))
        for p in self.party_org_paths:
            parts.append(Q(**{f"{branch}__path__startswith": p}))
        return _any(parts)

    def covers_organ(self, organ_id):
        return self.is_superuser or organ_id in self.organ_ids

    def covers_party_org(self, party_org):
        """Reviewer of its organ, or secretary of it or an ancestor."""
        if self.is_superuser or party_org.organ_id in self.organ_ids:
            return True
        return any(party_org.path.startswith(p) for p in self.party_org_paths)


ANONYMOUS_SCOPE = Scope(user_id=None)


def scope_for(user):
    """The user's scope, computed once per request (cached on the user object)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS_SCOPE
    cached = getattr(user, "_scope_cache", None)
    if cached is not None:
        return cached
    from apps.orgs.models import Member, PartyOrg
    from apps.places.models import Grid

    member = Member.objects.filter(user=user, is_active=True).only("id", "organ_id", "branch_id").first()
    by_role = {r: set() for r in Role.values}
    for role, *ids in user.roles.values_list(
        "role", "community_id", "grid_id", "party_org_id", "organ_id", "district_id", "street_id"
    ):
        by_role[role].update(i for i in ids if i is not None)
    grid_ids = by_role[Role.GRID_WORKER] | set(Grid.objects.filter(grid_worker=user).values_list("id", flat=True))
    led = by_role[Role.BRANCH_SECRETARY]
    paths = tuple(PartyOrg.objects.filter(id__in=led).values_list("path", flat=True)) if led else ()
    scope = Scope(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        member_id=member.id if member else None,
        member_organ_id=member.organ_id if member else None,
        member_branch_id=member.branch_id if member else None,
        staff_community_ids=frozenset(by_role[Role.COMMUNITY_STAFF]),
        grid_ids=frozenset(grid_ids),
        party_org_ids=frozenset(led),
        party_org_paths=paths,
        organ_ids=frozenset(by_role[Role.ORGAN_REVIEWER]),
        district_ids=frozenset(by_role[Role.DISTRICT_ADMIN]),
        street_ids=frozenset(by_role[Role.STREET_ADMIN]),
    )
    user._scope_cache = scope
    return scope


def forget_scope(user):
    """Drop the cached scope after the user's roles or membership changed."""
    user.__dict__.pop("_scope_cache", None)
