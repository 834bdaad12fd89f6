"""Reads on users and roles."""

from apps.accounts.models import RoleAssignment
from apps.accounts.scope import scope_for

_ROLE_RELATED = ("user", "community", "grid", "party_org", "organ", "district", "street")


def role_assignment_list(*, user):
    """Superusers see every assignment; anyone else sees their own."""
    qs = RoleAssignment.objects.select_related(*_ROLE_RELATED).order_by("user_id", "role", "id")
    scope = scope_for(user)
    if scope.is_superuser:
        return qs
    return qs.filter(user_id=scope.user_id) if scope.user_id else qs.none()


def roles_of(*, user):
    return RoleAssignment.objects.filter(user=user).select_related(*_ROLE_RELATED).order_by("role", "id")
