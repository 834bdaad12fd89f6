"""`manage.py runscheduler`: the scheduler process. Start one on every app server: the database elects one leader
that runs the jobs; the others wait as standbys and take over when it dies. `--once` runs every job now and exits,
`--list` prints the jobs."""

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.jobs import registry
from apps.jobs.leader import lease_seconds, make_leader
from apps.jobs.models import JobOutcome
from apps.jobs.runner import run_job
from apps.jobs.scheduler import build_scheduler

logger = logging.getLogger("apps.jobs")


def _positive(text):
    value = float(text)
    if value <= 0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Run the scheduled jobs of apps/jobs/registry.py. Several processes may run: one is elected leader through "
        "the database, the others wait as standbys. --once runs every job once now and exits; --list prints them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once now, in order, and exit.")
        parser.add_argument(
            "--job",
            action="append",
            choices=registry.job_ids(),
            metavar="JOB",
            help="With --once: run only this job (repeatable), e.g. to re-run a failed job after a fix.",
        )
        parser.add_argument("--list", action="store_true", help="Print the jobs and their schedules and exit.")
        parser.add_argument(
            "--lease",
            type=_positive,
            help="Seconds a leader's lease lasts without renewal (SQLite; default SCHEDULER_LEASE_S or 30). The "
            "leader renews every third of it.",
        )
        parser.add_argument(
            "--poll",
            type=_positive,
            help="Seconds between a standby's attempts to become leader (default SCHEDULER_STANDBY_POLL_S or 5).",
        )

    def handle(self, *args, once=False, job=None, list=False, lease=None, poll=None, verbosity=1, **options):  # noqa: A002
        if verbosity < 2:
            # APScheduler says "Running job ..." at INFO for every run; the runner logs one line per run already.
            logging.getLogger("apscheduler").setLevel(logging.WARNING)
        if list:
            return self._list()
        if job and not once:
            raise CommandError("--job goes with --once.")
        if once:
            return self._once(job)
        lease = lease or lease_seconds()
        poll = poll or getattr(settings, "SCHEDULER_STANDBY_POLL_S", 5)
        self._stop = threading.Event()
        self._install_signal_handlers()
        leader = make_leader(lease_s=lease)
        logger.info("scheduler %s starting (%d jobs)", leader.holder, len(registry.all_jobs()))
        try:
            self._loop(leader, renew_every=lease / 3, poll=poll)
        finally:
            leader.release()
            logger.info("scheduler %s stopped", leader.holder)

    # --- one-shot modes ---

    def _list(self):
        now = timezone.now()
        for job in registry.all_jobs():
            next_run = timezone.localtime(job.next_fire_time(now)).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(f"{job.id:<30} {job.schedule:<50} next {next_run}  {job.description}")

    def _once(self, only=None):
        failed = 0
        for job in registry.all_jobs():
            if only and job.id not in only:
                continue
            run = run_job(job.id)
            failed += run.outcome == JobOutcome.FAILED
            line = f"{job.id:<30} {run.outcome:<8} {run.items:>6} items  {run.duration_ms} ms"
            self.stdout.write(self.style.ERROR(line) if run.outcome == JobOutcome.FAILED else line)
        if failed:
            # Every job ran; the exit status tells cron (or a test) that some failed.
            raise SystemExit(1)

    # --- the elected scheduler ---

    def _install_signal_handlers(self):
        def stop(signum, frame):
            logger.info("received %s: shutting down", signal.Signals(signum).name)
            self._stop.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    def _loop(self, leader, *, renew_every, poll):
        standby_logged = False
        while not self._stop.is_set():
            if leader.try_acquire():
                standby_logged = False
                logger.info("became leader (%s): starting the jobs", leader.holder)
                try:
                    self._lead(leader, renew_every=renew_every)
                except Exception:
                    # E.g. the database went away while the scheduler was being built: give the leadership up
                    # and try again as a standby rather than leave the process dead.
                    logger.exception("the scheduler failed (%s)", leader.holder)
                    leader.release()
                    self._stop.wait(poll)
                if not self._stop.is_set():
                    logger.warning("lost leadership (%s): back to standby", leader.holder)
                continue
            if not standby_logged:
                # Said once per stint as standby; the retries themselves are silent.
                logger.info(
                    "waiting as standby (%s): another scheduler is leader; retrying every %gs", leader.holder, poll
                )
                standby_logged = True
            self._stop.wait(poll)

    def _lead(self, leader, *, renew_every):
        """Run the jobs while the leadership lasts: renew it on a timer, stop the scheduler once it is lost."""
        scheduler = build_scheduler(is_leader=leader.is_valid)
        scheduler.start()
        lost = False
        try:
            while not self._stop.wait(renew_every):
                if not leader.renew():
                    lost = True
                    break
        finally:
            # Clean shutdown: let running jobs finish before the lease is released, so the next leader never
            # overlaps them. Leadership lost: stop at once; the running jobs end on their own (they are idempotent).
            scheduler.shutdown(wait=not lost)
