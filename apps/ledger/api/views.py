"""Ledger API: service records (list, detail, manual entry, self-registration, approve, reject, amend, mine) and the
audit trail."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from apps.accounts.scope import scope_for
from apps.ledger import errors, filters, selectors, self_services, services
from apps.ledger.api import serializers


class ServiceRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Services the user may see: their own, those in their geography, those of their organization at the time."""

    filterset_class = filters.ServiceRecordFilter

    @property
    def one_query_pages(self):
        # The member's own records: a page and their total in one query (apps.core.api.pagination).
        return self.action == "mine"

    def get_queryset(self):
        if self.detail:
            return selectors.record_detail_list(user=self.request.user)
        return selectors.record_list(user=self.request.user)

    def get_serializer_class(self):
        if self.detail:
            return serializers.RecordDetailOutputSerializer
        return serializers.RecordOutputSerializer

    def _detail(self, record, **kwargs):
        # Re-read through the selector for the effective figures and amendments after a write.
        record = selectors.record_get(user=self.request.user, pk=record.pk)
        return Response(serializers.RecordDetailOutputSerializer(record).data, **kwargs)

    @extend_schema(
        request=serializers.ManualRecordInputSerializer, responses={201: serializers.RecordDetailOutputSerializer}
    )
    def create(self, request):
        data = serializers.ManualRecordInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.record_create_manual(actor=request.user, **data.validated_data)
        return self._detail(record, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": serializers.SelfServiceInputSerializer},
        responses={201: serializers.RecordDetailOutputSerializer},
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def register(self, request):
        """服务登记: the signed-in member registers a service they did; it waits for the staff of its community."""
        data = serializers.SelfServiceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self_service = self_services.self_service_register(actor=request.user, **data.validated_data)
        return self._detail(self_services.record_of(self_service), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=serializers.RecordDetailOutputSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        record = services.record_approve(record=self.get_object(), actor=request.user)
        return self._detail(record)

    @extend_schema(request=serializers.RejectInputSerializer, responses=serializers.RecordDetailOutputSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        record = self.get_object()
        data = serializers.RejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.record_reject(record=record, actor=request.user, **data.validated_data)
        return self._detail(record)

    @extend_schema(request=serializers.AmendInputSerializer, responses={201: serializers.RecordDetailOutputSerializer})
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        record = self.get_object()
        data = serializers.AmendInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.record_amend(record=record, actor=request.user, **data.validated_data)
        return self._detail(record, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[serializers.PeriodInputSerializer], responses=serializers.RecordOutputSerializer(many=True)
    )
    @action(detail=False, methods=["get"], filterset_class=None)
    def mine(self, request):
        """The signed-in member's records and totals (minutes, hours, services, points) for optional whole days."""
        scope = scope_for(request.user)
        if scope.member_id is None:
            raise errors.not_a_member()
        period = serializers.PeriodInputSerializer(data=request.query_params)
        period.is_valid(raise_exception=True)
        first_day, last_day = period.validated_data.get("start"), period.validated_data.get("end")
        start, end = selectors.day_bounds(first_day, last_day)
        member = request.user.member
        records = (
            selectors.record_list(user=request.user, effective=False)
            .filter(selectors.period_q(start, end), member=member)
            .only(*serializers.RECORD_OUTPUT_COLUMNS)
        )
        totals = selectors.member_summary(member=member, start=start, end=end)
        page = selectors.attach_effective(self.paginate_queryset(records))
        response = self.get_paginated_response(serializers.RecordOutputSerializer(page, many=True).data)
        response.data["totals"] = serializers.TotalsOutputSerializer(
            {**totals, "start": first_day, "end": last_day}
        ).data
        return response


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail, read-only: superusers see all; users holding a role, the entries of subjects they see."""

    serializer_class = serializers.AuditEntryOutputSerializer
    filterset_class = filters.AuditEntryFilter

    def get_queryset(self):
        return selectors.audit_list(user=self.request.user)
