"""Thin API views of the notification centre: each user reads and marks only their own notifications."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.notifications import selectors, services
from apps.notifications.api import serializers as s


class NotificationViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """通知: the signed-in user's own notifications, newest first. Anyone else's reads as 404."""

    serializer_class = s.NotificationOutputSerializer
    filter_backends = []  # the list's parameters are validated below and applied by the selector
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.notification_list(user=self.request.user)

    @extend_schema(parameters=[s.NotificationListQuerySerializer])
    def list(self, request):
        """The user's notifications, newest first; `unread` and `kind` narrow the list."""
        query = s.NotificationListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        notifications = selectors.notification_list(user=request.user, **query.validated_data)
        page = self.paginate_queryset(notifications)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=None, responses=s.NotificationOutputSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notification read (marking it again keeps the first time)."""
        notification = services.notification_mark_read(user=request.user, notification=self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=s.MarkAllReadOutputSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every unread notification read; answers how many there were."""
        marked = services.notifications_mark_all_read(user=request.user)
        return Response(s.MarkAllReadOutputSerializer({"marked": marked}).data)

    @extend_schema(responses=s.UnreadCountOutputSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        """How many notifications are unread (for the badge on the bell)."""
        count = selectors.unread_count(user=request.user)
        return Response(s.UnreadCountOutputSerializer({"unread": count}).data)
