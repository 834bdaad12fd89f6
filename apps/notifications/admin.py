"""Admin of the notification centre: read-only, notifications are created by the services and read by their user."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin
from apps.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "kind", "title", "read_at", "emailed_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__name", "user__phone", "dedupe_key"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
