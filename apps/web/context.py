"""Template context for every page: the navigation the user's roles open, and the unread notification count."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.scope import scope_for
from apps.notifications.selectors import unread_count
from apps.web.access import is_community_side, is_dashboard_user, is_manager, is_member


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": [], "unread_notifications": 0}
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
    return {"nav_sections": sections, "unread_notifications": unread_count(user=user)}
