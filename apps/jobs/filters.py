"""Query filters of the job history; an unknown job or outcome is a 400, never an unfiltered list."""

from django_filters import rest_framework as filters

from apps.core.filters import FilterSet
from apps.jobs import registry
from apps.jobs.models import JobOutcome, JobRun


def _job_choices():
    return [(job_id, job_id) for job_id in registry.job_ids()]


class JobRunFilter(FilterSet):
    job = filters.ChoiceFilter(field_name="job", lookup_expr="exact", choices=_job_choices)
    outcome = filters.ChoiceFilter(field_name="outcome", lookup_expr="exact", choices=JobOutcome.choices)
    started_from = filters.DateFilter(field_name="started_at", lookup_expr="date__gte")
    started_to = filters.DateFilter(field_name="started_at", lookup_expr="date__lte")

    class Meta:
        model = JobRun
        fields = []
