"""Who may see and act on service records and the audit trail, in terms of the one scope helper."""

from django.db.models import Q

from apps.accounts.scope import scope_for
from apps.ledger import errors


def record_visible_q(user):
    """The member's own records; records that happened in the user's geography (community staff, grid worker,
    street/district admins); records of the user's organ or Party-org subtree *at the time of service*."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    q = scope.geo_q(community="community", grid="grid") | scope.org_q(organ="organ", branch="branch")
    if scope.member_id is not None:
        q |= Q(member_id=scope.member_id)
    return q


def require_community_staff(actor, community_id):
    """Approving, rejecting, correcting and entering records belongs to the staff where the service took place."""
    if not scope_for(actor).manages_community(community_id):
        raise errors.not_community_staff()


def require_not_own_service(actor, member):
    """Nobody certifies their own service, whatever roles they hold (superusers included)."""
    if actor is not None and member.user_id == actor.pk:
        raise errors.own_service()


def may_read_audit(user):
    """The audit trail is for people who act on others' records: superusers and users holding a role."""
    scope = scope_for(user)
    return scope.is_superuser or scope.is_community_side or scope.is_org_side or scope.is_geo_admin
