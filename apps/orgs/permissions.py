"""Who may change organizations: built on apps.accounts.scope."""

from apps.accounts.scope import scope_for
from apps.core.errors import Forbidden


def require_manage_party_org(actor, party_org):
    """Organ reviewers manage their organ's tree; branch secretaries their own subtree; superusers everything."""
    if actor is not None and not scope_for(actor).covers_party_org(party_org):
        raise Forbidden("not_in_your_organization")


def require_build_party_org_tree(actor, party_org):
    """Adding or renaming Party organizations: whoever manages that part of the tree, and district administrators,
    who put their district's organs on the platform with their trees (but do not manage their members)."""
    if actor is None:
        return
    scope = scope_for(actor)
    if not (scope.district_ids or scope.covers_party_org(party_org)):
        raise Forbidden("not_in_your_organization")


def require_create_organ(actor):
    """Organs are put on the platform by district administrators (for their district) and superusers."""
    if actor is not None:
        scope = scope_for(actor)
        if not (scope.is_superuser or scope.district_ids):
            raise Forbidden()


def require_superuser(actor):
    if actor is not None and not scope_for(actor).is_superuser:
        raise Forbidden()


def sees_full_contact(viewer, member):
    """The member themself and whoever manages their organization see the full phone and ID number."""
    scope = scope_for(viewer)
    return scope.member_id == member.id or scope.covers_party_org(member.branch)
