"""Who may see and act on households, in terms of the one scope helper (apps.accounts.scope).

- Seeing a household (its name, phone, address, situation): the staff of its community, the member paired with it
  and the active members of the team paired with it while the pairing is open, superusers. Nobody else, not even
  grid workers or street and district administrators: everyone else reads a household as 404.
- Recording, editing, closing households, pairing and ending pairings: the staff of its community (superusers).
- Registering a visit: the paired member, or an active member of the paired team (who serves as the team).
"""

from django.db.models import Exists, OuterRef, Q

from apps.accounts.scope import scope_for
from apps.households import errors
from apps.teams.models import MembershipStatus, TeamMembership


def _my_teams(member_id):
    """Subquery of the teams in which `member_id` is an active member."""
    return TeamMembership.objects.filter(member_id=member_id, status=MembershipStatus.ACTIVE).values("team_id")


def paired_with_q(member_id, prefix=""):
    """Q on HouseholdPairing (or through `prefix`, e.g. "pairings__"): open pairings of the member or of a team in
    which the member is active."""
    return Q(**{f"{prefix}ended_on__isnull": True}) & (
        Q(**{f"{prefix}member_id": member_id}) | Q(**{f"{prefix}team_id__in": _my_teams(member_id)})
    )


def household_visible_q(user):
    """Q on Household: the households `user` may see (see the module's docstring)."""
    from apps.households.models import HouseholdPairing

    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    q = Q(pk__in=[])
    if scope.staff_community_ids:
        q |= Q(community_id__in=scope.staff_community_ids)
    if scope.member_id is not None:
        paired = HouseholdPairing.objects.filter(paired_with_q(scope.member_id), household=OuterRef("pk"))
        q |= Q(Exists(paired))
    return q


def pairing_visible_q(user):
    """Q on HouseholdPairing: every pairing of a household the staff manage; a member's own open pairings (and their
    teams')."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    q = Q(pk__in=[])
    if scope.staff_community_ids:
        q |= Q(household__community_id__in=scope.staff_community_ids)
    if scope.member_id is not None:
        q |= paired_with_q(scope.member_id)
    return q


def may_manage_household(user, household):
    return scope_for(user).manages_community(household.community_id)


def require_community_staff(actor, community_id):
    if not scope_for(actor).manages_community(community_id):
        raise errors.not_community_staff()


def is_paired(user, pairing):
    """Whether `user` is the pairing's member, or an active member of its team (the pairing open or not)."""
    scope = scope_for(user)
    if scope.member_id is None:
        return False
    if pairing.member_id is not None:
        return pairing.member_id == scope.member_id
    return TeamMembership.objects.filter(
        team_id=pairing.team_id, member_id=scope.member_id, status=MembershipStatus.ACTIVE
    ).exists()
