"""Serializers of the notifications API: the list's query parameters and the notification as its user sees it."""

from rest_framework import serializers

from apps.core.serializers import InputSerializer
from apps.notifications.models import Notification, NotificationKind


class NotificationListQuerySerializer(InputSerializer):
    # default=None: DRF reads a boolean missing from a query string as false, which would hide unread ones.
    unread = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true: only unread; false: only read; absent: all"
    )
    kind = serializers.ChoiceField(choices=NotificationKind.choices, required=False)


class NotificationOutputSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at", "is_read"]
        read_only_fields = fields


class MarkAllReadOutputSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="how many unread notifications were marked read")


class UnreadCountOutputSerializer(serializers.Serializer):
    unread = serializers.IntegerField()
