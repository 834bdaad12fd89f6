"""Notification pages: every signed-in user's own notifications, newest first, marked read one by one or all."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import ListView

from apps.core.paging import OneQueryPagesMixin
from apps.notifications import links, selectors, services
from apps.web.access import object_or_404
from apps.web.feedback import ActionView


class NotificationListView(LoginRequiredMixin, OneQueryPagesMixin, ListView):
    template_name = "web/notifications/list.html"
    context_object_name = "notifications"
    paginate_by = 20

    def get_queryset(self):
        self.unread_only = self.request.GET.get("unread") == "1"
        return selectors.notification_list(user=self.request.user, unread=True if self.unread_only else None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [{"n": n, "link": links.page_path(n)} for n in context["notifications"]]
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
