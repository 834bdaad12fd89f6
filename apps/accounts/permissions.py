"""Who may appoint whom: built on apps.accounts.scope. Appointments follow the trees downwards."""

from apps.accounts.errors import APPOINT_REFUSED
from apps.accounts.models import Role
from apps.accounts.scope import scope_for
from apps.core.errors import Forbidden


def _district_of(role, node):
    """The district a geographic node lies in (None for the organization side)."""
    if role == Role.DISTRICT_ADMIN:
        return node.pk
    if role == Role.STREET_ADMIN:
        return node.district_id
    if role == Role.COMMUNITY_STAFF:
        return node.street.district_id
    if role == Role.GRID_WORKER:
        return node.community.street.district_id
    return None


def may_appoint(actor, role, node):
    """A superuser appoints anyone. A district administrator appoints street administrators, community staff and grid
    workers in its district, and organ reviewers; a street administrator community staff and grid workers in its
    street; an organ reviewer its organ's branch secretaries and other reviewers of its organ."""
    scope = scope_for(actor)
    if scope.is_superuser:
        return True
    if role in (Role.STREET_ADMIN, Role.COMMUNITY_STAFF, Role.GRID_WORKER):
        if _district_of(role, node) in scope.district_ids:
            return True
        street_id = {Role.COMMUNITY_STAFF: lambda n: n.street_id, Role.GRID_WORKER: lambda n: n.community.street_id}
        return role in street_id and street_id[role](node) in scope.street_ids
    if role == Role.ORGAN_REVIEWER:
        return bool(scope.district_ids) or scope.covers_organ(node.pk)
    if role == Role.BRANCH_SECRETARY:
        return scope.covers_organ(node.organ_id)
    return False


def require_appoint(actor, role, node):
    if actor is not None and not may_appoint(actor, role, node):
        raise Forbidden("may_not_appoint", APPOINT_REFUSED)
