"""Thin API views of residents' requests (居民点单) for staff and grid workers: list, read and decide (选单)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.errors import NotFound
from apps.residents import selectors, services
from apps.residents.api import serializers as s


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ResidentRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """居民点单: requests residents sent through a community's poster, for the worker of their grid and the
    community's staff to accept into a new wish, merge into an open wish, or decline with a reason.

    Only the community's staff and the grid's worker see a request (anyone else: an empty list, 404).
    """

    serializer_class = s.RequestOutputSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.request_list(user=self.request.user)

    def _respond(self, request_obj):
        fresh = selectors.request_get(user=self.request.user, pk=request_obj.pk) or request_obj
        return Response(self.get_serializer(fresh).data)

    @extend_schema(request=s.RequestAcceptInputSerializer, responses=s.RequestOutputSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept into a new wish (the wishes' rules: a grid worker's wish waits for the community's verification)."""
        obj = self.get_object()
        data = _validated(s.RequestAcceptInputSerializer, request.data)
        return self._respond(services.resident_request_accept(request=obj, actor=request.user, **data))

    @extend_schema(request=s.RequestMergeInputSerializer, responses=s.RequestOutputSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Merge into an open wish of the request's community asking for the same."""
        obj = self.get_object()
        data = _validated(s.RequestMergeInputSerializer, request.data)
        wish = selectors.merge_target(user=request.user, pk=data["wish"].pk)
        if wish is None:
            raise NotFound()
        return self._respond(services.resident_request_merge(request=obj, actor=request.user, wish=wish))

    @extend_schema(request=s.RequestDeclineInputSerializer, responses=s.RequestOutputSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline with a reason the resident reads on the tracking page."""
        obj = self.get_object()
        data = _validated(s.RequestDeclineInputSerializer, request.data)
        return self._respond(services.resident_request_decline(request=obj, actor=request.user, **data))
