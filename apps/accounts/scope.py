"""The one place that answers "what may this user see and act on": a Scope built from the user's roles.

Every selector filters with these Q objects and every service checks with these predicates, so a rule about
who covers what is written once. A superuser covers everything.
"""

from dataclasses import dataclass, field
from datetime import date
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Q
from django.utils import timezone

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
    # Read in the same query, because every page shows or needs them: the active teams the member leads (pages offer
    # "claim / sign up as my team" only when there are some) and the user's unread notifications (the header's bell),
    # both as of the start of the request.
    led_team_ids: frozenset = field(default_factory=frozenset)
    unread_notifications: int = 0
    # The communities where the member is registered (confirmed) and those their organ is paired with on
    # `communities_on` (the day the scope was read): the member's own claim and sign-up rules read these instead of
    # subqueries of their own (member_communities).
    home_community_ids: frozenset = field(default_factory=frozenset)
    paired_community_ids: frozenset = field(default_factory=frozenset)
    communities_on: date | None = None

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

    def member_communities(self, today):
        """(the member's home communities, the communities their organ is paired with) as of `today`, or None when
        the scope was read on another day (the caller then asks the database itself)."""
        if self.member_id is None or today != self.communities_on:
            return None
        return self.home_community_ids, self.paired_community_ids

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


def _scope_rows(user_id, today):
    """(active member's (id, organ_id, branch_id) or None, {role: ids}, ids of grids the user works, ids of the active
    teams the member leads, the number of unread notifications, the member's home communities (confirmed
    registrations), the communities the member's organ is paired with `today`) in one query.

    Every request needs these before its own work, so the reads go to the database as one UNION ALL rather than
    seven ORM queries.
    """
    from apps.accounts.models import RoleAssignment
    from apps.notifications.models import Notification
    from apps.orgs.models import Member
    from apps.places.models import Grid
    from apps.registrations.models import Pairing, Registration, RegistrationStatus
    from apps.teams.models import Team, TeamStatus

    q = connection.ops.quote_name
    sql = (
        # The active member of the user, read once for the rows that depend on it.
        f"WITH scope_member AS (SELECT id, organ_id, branch_id FROM {q(Member._meta.db_table)}"
        " WHERE user_id = %s AND is_active)"
        f" SELECT '{_MEMBER_ROW}', id, organ_id, branch_id, NULL, NULL, NULL FROM scope_member"
        f" UNION ALL SELECT role, community_id, grid_id, party_org_id, organ_id, district_id, street_id"
        f" FROM {q(RoleAssignment._meta.db_table)} WHERE user_id = %s"
        f" UNION ALL SELECT '{_GRID_ROW}', id, NULL, NULL, NULL, NULL, NULL FROM {q(Grid._meta.db_table)}"
        " WHERE grid_worker_id = %s"
        f" UNION ALL SELECT '{_TEAM_ROW}', id, NULL, NULL, NULL, NULL, NULL FROM {q(Team._meta.db_table)}"
        " WHERE status = %s AND leader_id IN (SELECT id FROM scope_member)"
        f" UNION ALL SELECT '{_UNREAD_ROW}', COUNT(*), NULL, NULL, NULL, NULL, NULL"
        f" FROM {q(Notification._meta.db_table)} WHERE user_id = %s AND read_at IS NULL"
        # The same rules as the subqueries of apps.wishes.permissions and apps.activities.permissions (a
        # confirmed registration; a pairing that has started and not ended), pinned by tests/accounts/test_scope.py.
        f" UNION ALL SELECT '{_HOME_ROW}', community_id, NULL, NULL, NULL, NULL, NULL"
        f" FROM {q(Registration._meta.db_table)} WHERE status = %s AND member_id IN (SELECT id FROM scope_member)"
        f" UNION ALL SELECT '{_PAIRED_ROW}', community_id, NULL, NULL, NULL, NULL, NULL"
        f" FROM {q(Pairing._meta.db_table)} WHERE starts_on <= %s AND (ends_on IS NULL OR ends_on >= %s)"
        " AND organ_id IN (SELECT organ_id FROM scope_member)"
    )
    member, by_role, grids, teams, unread = None, {r: set() for r in Role.values}, set(), set(), 0
    homes, paired = set(), set()
    day = connection.ops.adapt_datefield_value(today)
    params = [user_id, user_id, user_id, TeamStatus.ACTIVE.value, user_id, RegistrationStatus.CONFIRMED.value, day, day]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, *ids in cursor.fetchall():
            if kind == _MEMBER_ROW:
                member = tuple(ids[:3])
            elif kind == _GRID_ROW:
                grids.add(ids[0])
            elif kind == _TEAM_ROW:
                teams.add(ids[0])
            elif kind == _UNREAD_ROW:
                unread = ids[0]
            elif kind == _HOME_ROW:
                homes.add(ids[0])
            elif kind == _PAIRED_ROW:
                paired.add(ids[0])
            else:
                by_role[kind].update(i for i in ids if i is not None)
    return member, by_role, grids, teams, unread, homes, paired


# Row kinds of _scope_rows that cannot be role names.
_MEMBER_ROW, _GRID_ROW, _TEAM_ROW, _UNREAD_ROW = "=member", "=grid", "=team", "=unread"
_HOME_ROW, _PAIRED_ROW = "=home", "=paired"


# Bumped as each request starts (request_started, connected in AccountsConfig.ready): a scope cached on a user
# object is used only within the request it was read in, also when one user object serves several requests (a test
# client's force_authenticate, a worker thread). Another thread's request only makes a scope be read again.
_request_generation = 0


def request_started(**_kwargs):
    global _request_generation
    _request_generation += 1


def scope_for(user):
    """The user's scope, computed once per request (cached on the user object)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS_SCOPE
    cached = getattr(user, "_scope_cache", None)
    if cached is not None and cached[0] == _request_generation:
        return cached[1]
    from apps.orgs.models import PartyOrg

    today = timezone.localdate()
    member, by_role, worked_grids, led_teams, unread, homes, paired = _scope_rows(user.pk, today)
    grid_ids = by_role[Role.GRID_WORKER] | worked_grids
    led = by_role[Role.BRANCH_SECRETARY]
    paths = tuple(PartyOrg.objects.filter(id__in=led).values_list("path", flat=True)) if led else ()
    scope = Scope(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        member_id=member[0] if member else None,
        member_organ_id=member[1] if member else None,
        member_branch_id=member[2] if member else None,
        staff_community_ids=frozenset(by_role[Role.COMMUNITY_STAFF]),
        grid_ids=frozenset(grid_ids),
        party_org_ids=frozenset(led),
        party_org_paths=paths,
        organ_ids=frozenset(by_role[Role.ORGAN_REVIEWER]),
        district_ids=frozenset(by_role[Role.DISTRICT_ADMIN]),
        street_ids=frozenset(by_role[Role.STREET_ADMIN]),
        led_team_ids=frozenset(led_teams),
        unread_notifications=unread,
        home_community_ids=frozenset(homes),
        paired_community_ids=frozenset(paired),
        communities_on=today if member else None,
    )
    user._scope_cache = (_request_generation, scope)
    return scope


def forget_scope(user):
    """Drop the cached scope after the user's roles or membership changed."""
    user.__dict__.pop("_scope_cache", None)
