"""Reads of the notification centre: a user sees only their own notifications, newest first."""

from apps.notifications.models import Notification


def notification_list(*, user, unread=None, kind=None):
    """The user's own notifications; `unread` True / False keeps only unread / read ones, None both."""
    if not user.is_authenticated:
        return Notification.objects.none()
    queryset = Notification.objects.filter(user=user)
    if unread is not None:
        queryset = queryset.filter(read_at__isnull=unread)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("-created_at", "-id")


def unread_count(*, user):
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
