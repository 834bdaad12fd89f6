"""Writes of the jobs app beyond recording runs: trimming the job history."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.jobs.models import JobRun


def history_days():
    """How many days of job runs are kept (JOB_HISTORY_DAYS, default 90; 0 keeps them all)."""
    return getattr(settings, "JOB_HISTORY_DAYS", 90)


@transaction.atomic
def job_runs_prune(*, now=None):
    """Delete the runs that started more than JOB_HISTORY_DAYS days before `now`; returns how many were deleted.

    The history is an operations log (some 4,000 runs a day), not the audit trail: it is kept for a bounded time.
    """
    days = history_days()
    if not days:
        return 0
    now = now or timezone.now()
    deleted, _per_model = JobRun.objects.filter(started_at__lt=now - timedelta(days=days)).delete()
    return deleted
