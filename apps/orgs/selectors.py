"""Reads on organs, Party organizations and members, scoped by apps.accounts.scope."""

from django.db.models import Exists, OuterRef, Q

from apps.accounts.scope import scope_for
from apps.orgs.models import Member, MemberAffiliation, Organ, PartyOrg


def organ_list(*, user):
    """Organs are reference data: every signed-in user may list them."""
    return Organ.objects.all()


def party_org_list(*, user):
    return PartyOrg.objects.select_related("organ", "parent")


def member_visibility_q(scope):
    """Members a scope may see: itself; its organs/branches; members registered (active) in its geography."""
    if scope.is_superuser:
        return Q()
    from apps.registrations.models import ACTIVE_REGISTRATION_STATUSES, Registration

    parts = Q(pk__in=[])
    if scope.member_id:
        parts |= Q(pk=scope.member_id)
    if scope.is_org_side:
        parts |= scope.org_q(organ="organ", branch="branch")
    if scope.is_community_side or scope.is_geo_admin:
        registered_here = Registration.objects.filter(
            scope.geo_q(), member=OuterRef("pk"), status__in=ACTIVE_REGISTRATION_STATUSES
        )
        parts |= Q(Exists(registered_here))
    return parts


def member_list(*, user):
    scope = scope_for(user)
    return (
        Member.objects.filter(member_visibility_q(scope))
        .select_related("user", "organ", "branch")
        .order_by("organ_id", "branch_id", "id")
    )


def member_get(*, user, pk):
    return member_list(user=user).filter(pk=pk).first()


def member_affiliations(*, member):
    return (
        MemberAffiliation.objects.filter(member=member).select_related("organ", "branch").order_by("started_on", "id")
    )
