"""The scheduler's read-only endpoints, for superusers: the job list and the job history."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.jobs import filters, selectors
from apps.jobs.api import serializers as s
from apps.jobs.permissions import IsSuperuser


class JobRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Every run of every scheduled job, newest first (job, start, end, outcome, items touched, error)."""

    permission_classes = [IsSuperuser]
    serializer_class = s.JobRunOutputSerializer
    filterset_class = filters.JobRunFilter
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.job_run_list()


class JobListView(APIView):
    """The scheduled jobs in the order `runscheduler --once` runs them, with their next run and last run."""

    permission_classes = [IsSuperuser]

    @extend_schema(responses=s.JobOutputSerializer(many=True))
    def get(self, request):
        return Response(s.JobOutputSerializer(selectors.job_overview(), many=True).data)
