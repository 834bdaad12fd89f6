"""Serializers of the notifications API: the list's query parameters and the notification as its user sees it."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.serializers import InputSerializer
from apps.notifications import links
from apps.notifications.models import Notification, NotificationKind, SubjectType


class NotificationListQuerySerializer(InputSerializer):
    # default=None: DRF reads a boolean missing from a query string as false, which would hide unread ones.
    unread = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true: only unread; false: only read; absent: all"
    )
    kind = serializers.ChoiceField(choices=NotificationKind.choices, required=False)


class NotificationSubjectSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        source="subject_type", choices=SubjectType.choices, help_text="what the notification is about"
    )
    id = serializers.IntegerField(
        source="subject_id", allow_null=True, help_text="the object's id (null: none, e.g. the member's registration)"
    )


class NotificationOutputSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)
    subject = serializers.SerializerMethodField(help_text="what it is about; null when it names no object")
    link = serializers.SerializerMethodField(help_text="the API path of the subject, or an empty string")
    page = serializers.SerializerMethodField(
        help_text="the path of the web page on which the recipient handles it, or an empty string"
    )

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "subject", "link", "page", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    @extend_schema_field(NotificationSubjectSerializer(allow_null=True))
    def get_subject(self, notification):
        if not notification.subject_type:
            return None
        return NotificationSubjectSerializer(notification).data

    def get_link(self, notification) -> str:
        return links.api_path(notification)

    def get_page(self, notification) -> str:
        return links.page_path(notification)


class MarkAllReadOutputSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="how many unread notifications were marked read")


class UnreadCountOutputSerializer(serializers.Serializer):
    unread = serializers.IntegerField()
