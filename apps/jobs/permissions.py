"""Who may read the scheduler's job list and history: superusers only."""

from rest_framework.permissions import BasePermission


class IsSuperuser(BasePermission):
    """The job history shows internals (errors, hosts) of the whole platform: superusers only. Anyone else gets a
    403, not a 404: the endpoint is not an object in someone's scope, and its existence is no secret."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_superuser)
