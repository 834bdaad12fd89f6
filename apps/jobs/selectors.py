"""Reads of the scheduler's state: the job history and the job list with each job's next and last run."""

from dataclasses import dataclass

from django.db.models import Max
from django.utils import timezone

from apps.jobs import registry
from apps.jobs.models import JobRun


def job_run_list():
    return JobRun.objects.all().order_by("-started_at", "-id")


@dataclass(frozen=True)
class JobOverview:
    job: registry.Job
    next_run_at: object  # aware datetime
    last_run: JobRun | None

    @property
    def id(self):
        return self.job.id

    @property
    def description(self):
        return self.job.description

    @property
    def schedule(self):
        return self.job.schedule

    @property
    def kind(self):
        return self.job.kind

    @property
    def misfire_grace_time(self):
        return self.job.misfire_grace_time


def job_overview(*, now=None):
    """Every job of the registry in order, with its next fire time (triggers are deterministic, so any process
    computes what the leader will do) and its last recorded run: two queries whatever the history's length."""
    now = now or timezone.now()
    jobs = registry.all_jobs()
    last_ids = (
        JobRun.objects.filter(job__in=[job.id for job in jobs])
        .values("job")
        .annotate(last_id=Max("id"))
        .values_list("last_id", flat=True)
        .order_by()
    )
    last = {run.job: run for run in JobRun.objects.filter(pk__in=list(last_ids))}
    return [JobOverview(job, job.next_fire_time(now), last.get(job.id)) for job in jobs]
