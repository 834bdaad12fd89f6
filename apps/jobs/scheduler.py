"""The APScheduler side of `runscheduler`: one BackgroundScheduler with every job of the registry, the misfire
rules of each (see apps/jobs/registry.py), and the catch-up of cron runs missed while no scheduler was running."""

import logging
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from django.conf import settings
from django.db import close_old_connections
from django.db.models import Max
from django.utils import timezone

from apps.jobs import registry, runner
from apps.jobs.models import JobRun

logger = logging.getLogger("apps.jobs")

_MAX_MISSED = 10_000  # fire times looked at when catching up (a daily job after 27 years of downtime)


def missed_fire_time(job, *, last_started, now):
    """The latest fire time of `job` after its last run and not after `now`, if it is still within the job's
    misfire grace (the rule APScheduler applies while running, applied across a restart); else None.

    Without any recorded run there is nothing to catch up: a first start waits for the first fire time.
    """
    if last_started is None:
        return None
    latest, fire = None, job.next_fire_time(last_started)
    for _i in range(_MAX_MISSED):
        if fire is None or fire > now:
            break
        latest, fire = fire, job.next_fire_time(fire)
    if latest is None:
        return None
    grace = job.misfire_grace_time
    if grace is not None and (now - latest).total_seconds() > grace:
        return None
    return latest


def last_runs():
    """{job id: start of its last recorded run}."""
    return dict(JobRun.objects.values_list("job").annotate(last=Max("started_at")).order_by())


def run_scheduled(job_id, is_leader):
    """What APScheduler calls: run the job unless this process can no longer be sure it is the leader. The
    job's thread gets fresh database connections, as a request would."""
    close_old_connections()
    try:
        if not is_leader():
            runner.skip_job(job_id, reason="not the leader any more")
            return
        runner.run_job(job_id)
    finally:
        close_old_connections()


def build_scheduler(*, is_leader, now=None, catch_up=True):
    """A BackgroundScheduler (not started) with every job of the registry. `is_leader()` is asked before each run.

    Cron jobs whose fire time passed while no scheduler ran (known from the job history) and is still within
    their grace are set to run at once; every job then follows its trigger.
    """
    tz = ZoneInfo(settings.TIME_ZONE)
    scheduler = BackgroundScheduler(
        timezone=tz,
        # Jobs are short and few; a pool as large as the job list means a slow job never delays another.
        executors={"default": ThreadPoolExecutor(max_workers=len(registry.all_jobs()))},
        job_defaults={"coalesce": True, "max_instances": 1},
    )
    now = now or timezone.now()
    history = last_runs() if catch_up else {}
    for job in registry.all_jobs():
        options = {}
        if job.kind == "cron":
            missed = missed_fire_time(job, last_started=history.get(job.id), now=now)
            if missed is not None:
                logger.info("job %s missed its run of %s: running it now", job.id, timezone.localtime(missed))
                options["next_run_time"] = now
        scheduler.add_job(
            run_scheduled,
            trigger=job.build_trigger(tz),
            args=[job.id, is_leader],
            id=job.id,
            name=job.id,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=job.misfire_grace_time,
            **options,
        )
    return scheduler
