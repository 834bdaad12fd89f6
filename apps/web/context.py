"""Template context for every page: the navigation the user's roles open, and the unread notification count."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.scope import scope_for
from apps.web.access import is_community_side, is_dashboard_user, is_manager, is_member, is_organ_side


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": [], "nav_key": (), "unread_notifications": 0}
    scope = scope_for(user)
    sections = []
    if is_member(scope):
        sections.append({"key": "member", "label": _("My service"), "url": reverse("member:home")})
    if is_community_side(scope):
        sections.append({"key": "staff", "label": _("Community desk"), "url": reverse("staff:home")})
    if is_dashboard_user(scope):
        sections.append({"key": "dashboard", "label": _("Dashboard"), "url": reverse("dashboard:home")})
    if is_manager(scope):
        sections.append({"key": "manage", "label": _("Management"), "url": reverse("manage:home")})
    elif is_organ_side(scope):
        # Branch secretaries import nothing: their management pages are the organ's pairings and receipts.
        sections.append({"key": "manage", "label": _("Management"), "url": reverse("manage:receipts")})
    if user.is_superuser:
        # Superusers only (not every is_staff user): the admin site edits every table, so no one else is shown it.
        sections.append({"key": "admin", "label": _("Admin site"), "url": reverse("admin:index")})
    # Counted with the scope, in its query (apps/accounts/scope.py).
    return {
        "nav_sections": sections,
        # All the navigation shows but the labels of the keys ({% memo %} in base.html).
        "nav_key": tuple((s["key"], s["url"]) for s in sections),
        "unread_notifications": scope.unread_notifications,
    }
