"""Notification pages: every signed-in user's own notifications, newest first, marked read one by one or all."""

import re

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django.views.generic import ListView

from apps.notifications import selectors, services
from apps.notifications.models import NotificationKind
from apps.web.access import object_or_404
from apps.web.feedback import ActionView

# Notifications store the API address of what they are about; the page shows the web page of the same thing. Who
# receives a kind decides which side's page it is (wish claims and expiries go to the community's staff).
_STAFF_WISH_KINDS = {NotificationKind.WISH_CLAIMED, NotificationKind.WISH_EXPIRED}
_WISH = re.compile(r"^/api/v1/wishes/(?P<pk>[0-9]+)/$")
_ACTIVITY = re.compile(r"^/api/v1/activities/(?P<pk>[0-9]+)/$")
_REGISTRATIONS = re.compile(r"^/api/v1/registrations/(?:[0-9]+/)?$")


def _exists(path):
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def page_link(notification):
    """The page a notification leads to, or "" when no page shows its subject (yet)."""
    link = notification.link or ""
    if not link.startswith("/api/"):
        return link if link.startswith("/") else ""
    if match := _WISH.match(link):
        name = "staff:wish-detail" if notification.kind in _STAFF_WISH_KINDS else "member:wish"
        path = reverse(name, args=[match["pk"]])
    elif match := _ACTIVITY.match(link):
        path = reverse("member:activity", args=[match["pk"]])
    elif _REGISTRATIONS.match(link):
        path = reverse("profile:registration")
    elif link == "/api/v1/activities/":
        path = reverse("member:home")
    else:
        return ""
    return path if _exists(path) else ""


class NotificationListView(LoginRequiredMixin, ListView):
    template_name = "web/notifications/list.html"
    context_object_name = "notifications"
    paginate_by = 20

    def get_queryset(self):
        self.unread_only = self.request.GET.get("unread") == "1"
        return selectors.notification_list(user=self.request.user, unread=True if self.unread_only else None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [{"n": n, "link": page_link(n)} for n in context["notifications"]]
        context["unread_only"] = self.unread_only
        context["extra_query"] = "unread=1" if self.unread_only else ""
        return context


class NotificationReadView(LoginRequiredMixin, ActionView):
    def perform(self, request, pk):
        notification = object_or_404(selectors.notification_list(user=request.user), pk)
        services.notification_mark_read(user=request.user, notification=notification)
        return ""

    def redirect_to(self, **kwargs):
        return reverse("notifications:list")


class NotificationReadAllView(LoginRequiredMixin, ActionView):
    def perform(self, request):
        marked = services.notifications_mark_all_read(user=request.user)
        return _("Marked %(marked)s notifications read.") % {"marked": marked}

    def redirect_to(self, **kwargs):
        return reverse("notifications:list")
