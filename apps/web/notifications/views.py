"""Notification pages."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView


class NotificationListView(LoginRequiredMixin, TemplateView):
    template_name = "web/notifications/list.html"
