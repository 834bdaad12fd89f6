"""Who may organize, see, sign up for and run activities, in terms of the one scope helper (apps.accounts.scope)."""

from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from apps.accounts.scope import scope_for
from apps.activities import errors
from apps.activities.models import ActivityStatus, Audience, SignUp
from apps.core.errors import Forbidden
from apps.registrations.models import Pairing, Registration, RegistrationStatus

_NOTHING = Q(pk__in=[])


def _any(parts):
    parts = [p for p in parts if p is not None]
    return reduce(or_, parts) if parts else _NOTHING


def active_pairings(today):
    return Pairing.objects.filter(Q(starts_on__lte=today), Q(ends_on__isnull=True) | Q(ends_on__gte=today))


# --- organizing -------------------------------------------------------------------------------------------------


def _secretary_of(actor, party_org):
    return any(party_org.path.startswith(p) for p in scope_for(actor).party_org_paths)


def require_may_organize(actor, *, community, grid=None, party_org=None, today=None):
    """Staff of the community, the worker of the (given) grid in it, or the secretary of `party_org` whose organ is
    paired with the community today. Anyone else: 403."""
    scope = scope_for(actor)
    if party_org is None:
        if scope.manages_community(community.pk) or (grid is not None and scope.works_grid(grid.pk)):
            return
    elif scope.is_superuser or _secretary_of(actor, party_org):
        today = today or timezone.localdate()
        if active_pairings(today).filter(organ_id=party_org.organ_id, community_id=community.pk).exists():
            return
    raise Forbidden("not_activity_organizer", errors.NOT_ORGANIZER)


def organizer_q(user, prefix=""):
    """Q on Activity: the activities the user runs (staff of the community, the grid's worker, whoever created it,
    the secretaries over the organizing branch)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    if scope.user_id is None:
        return _NOTHING
    parts = [Q(**{f"{prefix}created_by": scope.user_id})]
    if scope.staff_community_ids:
        parts.append(Q(**{f"{prefix}community__in": scope.staff_community_ids}))
    if scope.grid_ids:
        parts.append(Q(**{f"{prefix}grid__in": scope.grid_ids}))
    parts.extend(Q(**{f"{prefix}organizer_party_org__path__startswith": p}) for p in scope.party_org_paths)
    return _any(parts)


def is_organizer(user, activity):
    scope = scope_for(user)
    if scope.is_superuser or scope.manages_community(activity.community_id):
        return True
    if scope.user_id is not None and activity.created_by_id == scope.user_id:
        return True
    if activity.grid_id is not None and scope.works_grid(activity.grid_id):
        return True
    party_org = activity.organizer_party_org
    return party_org is not None and _secretary_of(user, party_org)


def require_organizer(user, activity):
    if not is_organizer(user, activity):
        raise errors.not_organizer()


# --- signing up -------------------------------------------------------------------------------------------------


def member_eligible(member, activity, *, today=None):
    """Whether `member` may sign up, by the activity's audience."""
    if activity.audience == Audience.ANYONE:
        return True
    registered = Registration.objects.filter(
        member=member, community_id=activity.community_id, status=RegistrationStatus.CONFIRMED
    ).exists()
    if registered:
        return True
    if activity.audience != Audience.PAIRED:
        return False
    today = today or timezone.localdate()
    return active_pairings(today).filter(organ_id=member.organ_id, community_id=activity.community_id).exists()


def eligible_q(scope, today, prefix=""):
    """Q on Activity: activities whose audience admits the scope's member."""
    if scope.member_id is None:
        return _NOTHING
    known = scope.member_communities(today)  # the ids the scope read, or subqueries when it was read on another day
    if known is not None:
        registered, paired = known
    else:
        registered = Registration.objects.filter(member_id=scope.member_id, status=RegistrationStatus.CONFIRMED)
        registered = registered.values("community_id")
        paired = active_pairings(today).filter(organ_id=scope.member_organ_id).values("community_id")
    return (
        Q(**{f"{prefix}audience": Audience.ANYONE})
        | Q(**{f"{prefix}community__in": registered})
        | Q(**{f"{prefix}audience": Audience.PAIRED, f"{prefix}community__in": paired})
    )


def _own_signup_exists(scope):
    return Exists(SignUp.objects.filter(activity=OuterRef("pk"), member_id=scope.member_id))


def _org_signup_exists(scope):
    return Exists(
        SignUp.objects.filter(scope.org_q(organ="member__organ", branch="member__branch"), activity=OuterRef("pk"))
    )


def activity_visible_q(user, *, now=None):
    """Q on Activity: what the user may see (everything else reads as 404).

    Staff, grid workers and street/district admins: every activity in their geography. Organizers: what they run.
    Members: open activities they may join, and every activity they signed up for. Reviewers and secretaries:
    activities their members signed up for.
    """
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    if scope.user_id is None:
        return _NOTHING
    today = timezone.localdate(now or timezone.now())
    parts = [organizer_q(user)]
    if scope.is_community_side or scope.is_geo_admin:
        parts.append(scope.geo_q())
    if scope.is_member:
        parts.append(Q(status=ActivityStatus.OPEN) & eligible_q(scope, today))
        parts.append(Q(_own_signup_exists(scope)))
    if scope.is_org_side:
        parts.append(Q(_org_signup_exists(scope)))
    return _any(parts)


def activity_signup_target_q(user, *, now=None):
    """Q on Activity: what a sign-up request may address. Besides the visible ones, the activities the member could
    have joined that are no longer open, so a latecomer hears "sign-up closed" (409) instead of 404; drafts and
    activities outside the member's audience stay invisible."""
    scope = scope_for(user)
    today = timezone.localdate(now or timezone.now())
    return activity_visible_q(user, now=now) | (~Q(status=ActivityStatus.DRAFT) & eligible_q(scope, today))


def signup_visible_q(user):
    """Q on SignUp: the member's own, those of activities the user runs or covers geographically, and those of the
    members of the user's organ (reviewer) or Party-org subtree (secretary)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    if scope.user_id is None:
        return _NOTHING
    parts = [organizer_q(user, prefix="activity__")]
    if scope.member_id is not None:
        parts.append(Q(member_id=scope.member_id))
    if scope.is_community_side or scope.is_geo_admin:
        parts.append(scope.geo_q(community="activity__community", grid="activity__grid"))
    if scope.is_org_side:
        parts.append(scope.org_q(organ="member__organ", branch="member__branch"))
    return _any(parts)


def is_own_signup(user, signup):
    scope = scope_for(user)
    return scope.member_id is not None and signup.member_id == scope.member_id


def require_own_signup(user, signup):
    if not is_own_signup(user, signup):
        raise errors.not_own_signup()
