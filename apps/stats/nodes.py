"""The nodes statistics are asked for: the city, the organization tree (organ, Party org, member), the geography
tree (district, street, community, grid) and volunteer teams; who may see each; and how each filters roll-ups,
records and members.

A node's figures count only the services attributed to it: at an organization node the organ and branch the member
belonged to *when serving* (so a member who moves keeps past hours with the old organ), at a place the community and
grid where the service was done, at a volunteer team the services its members did as the team. The city counts
everything.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from apps.accounts.scope import scope_for
from apps.orgs.models import Member, Organ, PartyOrg
from apps.places.models import Community, District, Grid, Street
from apps.registrations.models import Registration, RegistrationStatus
from apps.stats import errors
from apps.teams.models import MembershipStatus, Team, TeamMembership
from apps.teams.permissions import team_visible_q


class Level(models.TextChoices):
    CITY = "city", _("City")
    ORGAN = "organ", _("Organ")
    PARTY_ORG = "party_org", _("Party organization")
    MEMBER = "member", _("Member")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")
    TEAM = "team", _("Volunteer team")


ORG_LEVELS = (Level.ORGAN, Level.PARTY_ORG, Level.MEMBER)
GEO_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID)
_MODELS = {
    Level.ORGAN: Organ,
    Level.PARTY_ORG: PartyOrg,
    Level.MEMBER: Member,
    Level.DISTRICT: District,
    Level.STREET: Street,
    Level.COMMUNITY: Community,
    Level.GRID: Grid,
    Level.TEAM: Team,
}


@dataclass(frozen=True)
class Node:
    level: str
    obj: object = None  # None for the city

    @property
    def pk(self):
        return self.obj.pk if self.obj is not None else None

    @property
    def name(self):
        if self.level == Level.CITY:
            return str(_("The whole city"))
        if self.level == Level.MEMBER:
            return self.obj.user.name
        return self.obj.name

    @property
    def is_org(self):
        return self.level in ORG_LEVELS

    @property
    def is_geo(self):
        return self.level in GEO_LEVELS

    # --- what the node counts ---
    def service_q(self, *, grid="grid"):
        """Services attributed to the node, on a model with member, organ, branch, community and grid fields
        (ServiceRecord: grid="grid"; MemberDayTotal: grid="grid_key")."""
        level, pk = self.level, self.pk
        if level == Level.CITY:
            return Q()
        if level == Level.ORGAN:
            return Q(organ_id=pk)
        if level == Level.PARTY_ORG:
            return Q(branch__path__startswith=self.obj.path)
        if level == Level.MEMBER:
            return Q(member_id=pk)
        if level == Level.TEAM:
            return Q(team_id=pk)
        if level == Level.DISTRICT:
            return Q(community__street__district_id=pk)
        if level == Level.STREET:
            return Q(community__street_id=pk)
        if level == Level.COMMUNITY:
            return Q(community_id=pk)
        return Q(community_id=self.obj.community_id, **{grid: pk})

    def claim_q(self):
        """Wish claims attributed to the node: by its members (or a branch of it, for a group claim) at an
        organization node, on wishes located in it at a place."""
        level, pk = self.level, self.pk
        if level == Level.CITY:
            return Q()
        if level == Level.ORGAN:
            return _either_claimant(Q(member__organ_id=pk), Q(branch__organ_id=pk))
        if level == Level.PARTY_ORG:
            path = self.obj.path
            return _either_claimant(Q(member__branch__path__startswith=path), Q(branch__path__startswith=path))
        if level == Level.MEMBER:
            return Q(member_id=pk)
        if level == Level.TEAM:
            return Q(team_id=pk)
        return _place_q(level, pk, community="wish__community", grid="wish__grid")

    def activity_q(self):
        """Activities the node organized (organization) or that took place in it (place); None for a member."""
        level, pk = self.level, self.pk
        if level == Level.CITY:
            return Q()
        if level == Level.ORGAN:
            return Q(organizer_party_org__organ_id=pk)
        if level == Level.PARTY_ORG:
            return Q(organizer_party_org__path__startswith=self.obj.path)
        if level == Level.MEMBER:
            return None
        if level == Level.TEAM:
            return Q(organizer_team_id=pk)
        return _place_q(level, pk, community="community", grid="grid")

    def place_q(self, *, community="community", grid="grid"):
        """Objects located in the place (a geography node), on a model with a community and a grid field
        (Registration, Activity)."""
        return _place_q(self.level, self.pk, community=community, grid=grid)

    def members(self):
        """The node's members now: the active members of an organization node, the active members with a
        confirmed registration in a place."""
        members = Member.objects.filter(is_active=True)
        level, pk = self.level, self.pk
        if level == Level.CITY:
            return members
        if level == Level.ORGAN:
            return members.filter(organ_id=pk)
        if level == Level.PARTY_ORG:
            return members.filter(branch__path__startswith=self.obj.path)
        if level == Level.MEMBER:
            return members.filter(pk=pk)
        if level == Level.TEAM:
            in_team = TeamMembership.objects.filter(team_id=pk, member=OuterRef("pk"), status=MembershipStatus.ACTIVE)
            return members.filter(Exists(in_team))
        registered_here = Registration.objects.filter(
            self.place_q(),
            member=OuterRef("pk"),
            status=RegistrationStatus.CONFIRMED,
        )
        return members.filter(Exists(registered_here))


def _either_claimant(by_member, by_branch):
    """Claims by a member of the node or by one of its branches, as the union of two indexed lookups: the plain OR
    across two outer joins makes PostgreSQL scan every claim of the city (measured in docs/performance.md)."""
    from apps.wishes.models import WishClaim

    by_members = WishClaim.objects.filter(by_member).order_by().values("pk")
    by_branches = WishClaim.objects.filter(by_branch).order_by().values("pk")
    # A claim is by a member or by a branch, never both (a DB constraint): UNION ALL counts nothing twice.
    return Q(pk__in=by_members.union(by_branches, all=True))


def _place_q(level, pk, *, community, grid):
    if level == Level.DISTRICT:
        return Q(**{f"{community}__street__district_id": pk})
    if level == Level.STREET:
        return Q(**{f"{community}__street_id": pk})
    if level == Level.COMMUNITY:
        return Q(**{f"{community}_id": pk})
    return Q(**{f"{grid}_id": pk})


def registered_q():
    """On a Member queryset: members holding a confirmed registration with a residential community."""
    return Exists(Registration.objects.filter(member=OuterRef("pk"), status=RegistrationStatus.CONFIRMED))


# --- who may see a node -----------------------------------------------------------------------------------------


def may_view(user, node):
    """Superusers see every node. District administrators see the city (its organ ranking is theirs to read) and
    their geography; street administrators their street; community staff their community and its grids; grid
    workers their grids; organ reviewers their organ, its Party orgs and members; branch secretaries their Party-org
    subtree and its members; a member themselves."""
    scope = scope_for(user)
    if scope.is_superuser:
        return True
    level, obj = node.level, node.obj
    if level == Level.CITY:
        return bool(scope.district_ids)
    if level == Level.ORGAN:
        return scope.covers_organ(obj.pk)
    if level == Level.PARTY_ORG:
        return scope.covers_party_org(obj)
    if level == Level.MEMBER:
        return obj.pk == scope.member_id or scope.covers_party_org(obj.branch)
    if level == Level.TEAM:
        return Team.objects.filter(team_visible_q(user), pk=obj.pk).exists()
    if level == Level.DISTRICT:
        return obj.pk in scope.district_ids
    if level == Level.STREET:
        return obj.pk in scope.street_ids or obj.district_id in scope.district_ids
    community = obj if level == Level.COMMUNITY else obj.community
    covers_community = (
        scope.manages_community(community.pk)
        or community.street_id in scope.street_ids
        or community.street.district_id in scope.district_ids
    )
    if level == Level.COMMUNITY:
        return covers_community
    return covers_community or scope.works_grid(obj.pk)


_SELECT = {
    Level.PARTY_ORG: ("organ",),
    Level.MEMBER: ("user", "organ", "branch"),
    Level.COMMUNITY: ("street",),
    Level.GRID: ("community__street",),
    Level.TEAM: ("organ",),
}


def node_get(*, user, level, pk=None):
    """The node the user asked for, or a 404 if it does not exist or the user may not see it."""
    if level not in Level.values:
        raise errors.Invalid("level_invalid", errors.LEVEL_INVALID)
    if level == Level.CITY:
        node = Node(Level.CITY)
    else:
        model = _MODELS[level]
        obj = model.objects.select_related(*_SELECT.get(level, ())).filter(pk=pk).first() if pk else None
        if obj is None:
            raise errors.node_not_found()
        node = Node(level, obj)
    if not may_view(user, node):
        raise errors.node_not_found()
    return node


def default_node(user):
    """The node a user's dashboard opens on: their widest organization or place, else their own figures."""
    scope = scope_for(user)
    if scope.is_superuser or scope.district_ids and len(scope.district_ids) > 1:
        return Node(Level.CITY)
    for level, ids in (
        (Level.ORGAN, scope.organ_ids),
        (Level.PARTY_ORG, scope.party_org_ids),
        (Level.DISTRICT, scope.district_ids),
        (Level.STREET, scope.street_ids),
        (Level.COMMUNITY, scope.staff_community_ids),
        (Level.GRID, scope.grid_ids),
    ):
        if ids:
            return node_get(user=user, level=level, pk=min(ids))
    if scope.member_id:
        return node_get(user=user, level=Level.MEMBER, pk=scope.member_id)
    return None
