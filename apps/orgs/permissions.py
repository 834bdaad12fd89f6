"""Who may change organizations: built on apps.accounts.scope."""

from apps.accounts.scope import scope_for
from apps.core.errors import Forbidden


def require_manage_party_org(actor, party_org):
    """Organ reviewers manage their organ's tree; branch secretaries their own subtree; superusers everything."""
    if actor is not None and not scope_for(actor).covers_party_org(party_org):
        raise Forbidden("not_in_your_organization")


def require_superuser(actor):
    if actor is not None and not scope_for(actor).is_superuser:
        raise Forbidden()


def sees_full_contact(viewer, member):
    """The member themself and whoever manages their organization see the full phone and ID number."""
    scope = scope_for(viewer)
    return scope.member_id == member.id or scope.covers_party_org(member.branch)
