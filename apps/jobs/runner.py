"""Running one job and recording the run (JobRun): the only way jobs are run, by the scheduler, `--once` or tests."""

import logging
import os
import socket
import traceback

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.jobs import registry
from apps.jobs.models import JobOutcome, JobRun

logger = logging.getLogger("apps.jobs")

_ERROR_MAX = 4000  # characters of traceback kept on the run (the end of it: where it failed)
_HOST = socket.gethostname()[: JobRun._meta.get_field("host").max_length]


def _error_text(exc):
    """The exception line first, then the end of the traceback."""
    head = f"{type(exc).__name__}: {exc}"
    trace = "".join(traceback.format_exception(exc))
    if len(trace) > _ERROR_MAX:
        trace = "…" + trace[-_ERROR_MAX:]
    return f"{head}\n\n{trace}"


def _save(run, fields=None):
    """Record the run; the history must never be the reason a job fails or the scheduler stops."""
    try:
        run.save(update_fields=fields)
    except Exception:
        logger.exception("could not record the run of job %s", run.job)


def run_job(job_id, *, now=None):
    """Run the job `job_id` of the registry at `now` (default: the current time) and return its JobRun.

    The run is recorded as running first, then as success (with the number of items the job touched) or failed
    (with the error and the end of its traceback). Every exception is caught and logged: a failing job never stops
    the scheduler or the jobs after it. A failure also alerts the superusers, at most once per job and day.
    """
    job = registry.get_job(job_id)
    run = JobRun(job=job.id, started_at=timezone.now(), outcome=JobOutcome.RUNNING, host=_HOST, pid=os.getpid())
    _save(run)
    try:
        items = job.func(now=now or timezone.now())
    except Exception as exc:
        run.outcome = JobOutcome.FAILED
        run.error = _error_text(exc)
        logger.exception("job %s failed", job.id)
    else:
        run.outcome = JobOutcome.SUCCESS
        run.items = max(int(items or 0), 0)
    run.finished_at = timezone.now()
    _save(run, None if run.pk is None else ["outcome", "items", "error", "finished_at"])
    logger.info("job %s: %s, %d items, %d ms", job.id, run.outcome, run.items, run.duration_ms)
    if run.outcome == JobOutcome.FAILED:
        _alert_failure(run)
    return run


def skip_job(job_id, *, reason):
    """Record that a due run was not started (e.g. the scheduler is no longer sure to be the leader)."""
    now = timezone.now()
    run = JobRun(
        job=job_id,
        started_at=now,
        finished_at=now,
        outcome=JobOutcome.SKIPPED,
        error=reason,
        host=_HOST,
        pid=os.getpid(),
    )
    _save(run)
    logger.warning("job %s skipped: %s", job_id, reason)
    return run


def _alert_failure(run):
    from apps.jobs.alerts import alert_superusers
    from apps.notifications import links

    try:
        with translation.override(settings.LANGUAGE_CODE):
            title = _("Scheduled job failed: %(job)s") % {"job": run.job}
            body = _("The job %(job)s failed at %(time)s on %(host)s: %(error)s") % {
                "job": run.job,
                "time": timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M:%S"),
                "host": run.host,
                "error": run.error.splitlines()[0] if run.error else "",
            }
        alert_superusers(
            title=title,
            body=body,
            subject=links.job_runs(run.job, failed_only=True),
            dedupe_key=f"job_failed:{run.job}:{timezone.localdate(run.started_at).isoformat()}",
        )
    except Exception:
        logger.exception("could not alert the superusers about the failure of job %s", run.job)
