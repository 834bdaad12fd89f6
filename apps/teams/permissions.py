"""Who may see, form, manage and decide on volunteer teams, in terms of the one scope helper (apps.accounts.scope).

- Seeing: the members of the team's organ (and anyone who was ever in the team), the organ's Party committee
  (reviewers), the secretaries of its Party organizations, superusers. Everyone else reads a team as 404.
- Forming, editing, dissolving, setting the leader ("managing"): the organ's reviewers for every team of the organ;
  a branch secretary for the teams formed by a Party organization they lead (or one below it); superusers.
- Accepting, declining, removing members ("deciding"): the team's leader, and whoever manages the team.
- Applying and leaving: members, for themselves, in the teams of their own organ.
- Releasing a dissolved team's claims and cancelling its sign-ups: whoever dissolved it (whoever manages the team),
  inside the dissolution (apps.teams.services.team_dissolve); `actor=None` is the system, as everywhere here.
"""

from django.db.models import Exists, OuterRef, Q

from apps.accounts.scope import scope_for
from apps.orgs.models import PartyOrg
from apps.teams import errors
from apps.teams.models import TeamMembership


def _led_organ_ids(scope):
    """The organs of the Party organizations the user leads as secretary."""
    if not scope.party_org_ids:
        return set()
    return set(PartyOrg.objects.filter(pk__in=scope.party_org_ids).values_list("organ_id", flat=True))


def team_visible_q(user):
    """Q on Team: the teams `user` may see at all."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    if scope.user_id is None:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    if scope.member_id is not None:
        was_in = TeamMembership.objects.filter(team=OuterRef("pk"), member_id=scope.member_id)
        q |= Q(organ_id=scope.member_organ_id) | Q(Exists(was_in))
    organs = set(scope.organ_ids) | _led_organ_ids(scope)
    if organs:
        q |= Q(organ_id__in=organs)
    return q


def team_managed_q(user):
    """Q on Team: the teams `user` manages (edit, dissolve, set the leader, and decide on members)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    q = Q(pk__in=[])
    if scope.organ_ids:
        q |= Q(organ_id__in=scope.organ_ids)
    for path in scope.party_org_paths:
        q |= Q(party_org__path__startswith=path)
    return q


def may_manage_team(user, team):
    scope = scope_for(user)
    if scope.is_superuser or scope.covers_organ(team.organ_id):
        return True
    return team.party_org is not None and any(team.party_org.path.startswith(p) for p in scope.party_org_paths)


def may_form_team(user, *, organ, party_org=None):
    """A reviewer of the organ (with or without a Party organization); a secretary only for a Party organization they
    lead or one below it; a superuser anywhere."""
    scope = scope_for(user)
    if scope.is_superuser or scope.covers_organ(organ.pk):
        return True
    return party_org is not None and any(party_org.path.startswith(p) for p in scope.party_org_paths)


def may_form_any_team(user):
    """Whether the user forms teams at all (the pages' button)."""
    scope = scope_for(user)
    return scope.is_superuser or bool(scope.organ_ids or scope.party_org_ids)


def may_decide(user, team):
    scope = scope_for(user)
    return (scope.member_id is not None and scope.member_id == team.leader_id) or may_manage_team(user, team)


def may_wind_up_team(actor, team):
    """Whether `actor` may release the wishes a dissolved team claimed and cancel the sign-ups its leader made:
    whoever manages the team (the one who dissolved it), once it is dissolved; the system (None) too."""
    if team.is_active:
        return False
    return actor is None or may_manage_team(actor, team)


def require_manage_team(actor, team):
    if actor is not None and not may_manage_team(actor, team):
        raise errors.not_team_manager()


def require_form_team(actor, *, organ, party_org):
    if actor is not None and not may_form_team(actor, organ=organ, party_org=party_org):
        raise errors.not_team_manager()


def require_decide(actor, team):
    if actor is not None and not may_decide(actor, team):
        raise errors.not_team_decider()
