"""Who reads the seals and the verifications of the ledger: the platform's administrators, that is the district
administrators and the superusers. A seal holds no personal data, but the state of the whole ledger is the business
of those who answer for it; organ committees, secretaries, street administrators and community staff see their own
figures, not the platform's bookkeeping."""

from rest_framework.permissions import BasePermission

from apps.accounts.scope import scope_for


def may_read_seals(user):
    scope = scope_for(user)
    return scope.is_superuser or bool(scope.district_ids)


class IsLedgerAdministrator(BasePermission):
    """District administrators and superusers; anyone else gets a 403 (the endpoint is not an object in someone's
    scope, and its existence is no secret)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and may_read_seals(user))
