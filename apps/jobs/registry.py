"""THE list of scheduled jobs: what each runs, when, and how a late run is treated. Nothing else schedules work.

Every job is *due-based*: it asks its app what is due at `now` (wishes past their deadline, activities that have
started, claims due within a day...) and calls that app's service for each, and every service is idempotent. So
  - a run that comes late handles everything that fell due meanwhile (one late run catches up a whole outage);
  - a second run finds nothing left to do (reminders carry a dedupe key, so nobody is told twice).
That decides the APScheduler settings of every job (apps/jobs/scheduler.py):
  - coalesce=True: after downtime or a stall, the missed runs of a job collapse into one run, since one run does
    the work of all of them;
  - max_instances=1: a slow run is never overlapped by the next one of the same job;
  - misfire_grace_time: how late a run may still start. None (however late) for the frequent jobs, whose late run
    is exactly the catch-up wanted; a bound for the nightly and periodic jobs, chosen per job below, past which
    the run is left to its next occurrence. The scheduler applies the same rule across restarts, from the job
    history: a cron job whose last fire time was missed while no scheduler ran is started at once if that time is
    still within its grace.
The order of JOBS is the order of `runscheduler --once`: claims are released before wishes expire (a released
wish past its own deadline expires in the same pass), sign-ups close before the finishing of activities.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.accounts.codes import codes_prune
from apps.activities.hours import activity_finish_due
from apps.activities.reminders import activity_remind_starts
from apps.activities.services import activity_close_signups_due
from apps.households.reminders import households_remind_unvisited
from apps.jobs import tasks
from apps.jobs.services import job_runs_prune
from apps.registrations.reminders import members_remind_unregistered
from apps.stats.reminders import members_remind_no_service
from apps.wishes.reminders import wish_remind_claim_deadlines
from apps.wishes.services import wish_expire_due, wish_release_overdue_claims

# Interval triggers count from a fixed origin, so every process (the scheduler, a web worker answering
# GET /api/v1/jobs/, a standby taking over) computes the same fire times: every 5 minutes means :00, :05, :10 ...
_INTERVAL_ORIGIN = (2000, 1, 1)  # local midnight
HOUR = 3600
DAY = 24 * HOUR
# The frequent due-based jobs: a late run is the catch-up itself, so it may start however late.
ANY_DELAY = None


@dataclass(frozen=True)
class Job:
    id: str
    func: object  # a callable taking now= (an aware datetime) and returning how many objects it touched
    trigger: dict  # APScheduler trigger: {"trigger": "interval" | "cron", **its arguments}
    description: str
    misfire_grace_time: int | None  # seconds a run may start late; None: however late

    @property
    def kind(self):
        return self.trigger["trigger"]

    def build_trigger(self, tz=None):
        tz = tz or ZoneInfo(settings.TIME_ZONE)
        args = {key: value for key, value in self.trigger.items() if key != "trigger"}
        if self.kind == "interval":
            args.setdefault("start_date", datetime(*_INTERVAL_ORIGIN, tzinfo=tz))
            return IntervalTrigger(timezone=tz, **args)
        if self.kind == "cron":
            return CronTrigger(timezone=tz, **args)
        raise ValueError(f"unknown trigger {self.kind!r} for job {self.id}")

    def next_fire_time(self, after):
        """The first fire time strictly after `after` (an aware datetime)."""
        trigger = self.build_trigger()
        fire = trigger.get_next_fire_time(None, after)
        if fire is not None and fire <= after:  # triggers answer "at or after"
            fire = trigger.get_next_fire_time(fire, after)
        return fire

    @property
    def schedule(self):
        """The schedule in APScheduler's words, e.g. "interval[0:05:00]" or "cron[day='1', hour='9', minute='0']"."""
        return str(self.build_trigger())


def _interval(minutes):
    return {"trigger": "interval", "minutes": minutes}


JOBS = (
    Job(
        "wish_release_overdue_claims",
        wish_release_overdue_claims,
        _interval(5),
        _("Release claims past their claim deadline; the wishes are published again."),
        misfire_grace_time=ANY_DELAY,
    ),
    Job(
        "wish_expire",
        wish_expire_due,
        _interval(5),
        _("Expire published wishes past their deadline."),
        misfire_grace_time=ANY_DELAY,
    ),
    Job(
        "wish_remind_claim_deadlines",
        wish_remind_claim_deadlines,
        _interval(10),
        _("Remind claimants whose claim deadline is near (WISH_REMIND_BEFORE_H)."),
        misfire_grace_time=ANY_DELAY,
    ),
    Job(
        "activity_close_signups",
        activity_close_signups_due,
        _interval(1),
        _("Close sign-up of activities that have started."),
        misfire_grace_time=ANY_DELAY,
    ),
    Job(
        "waitlist_promote",
        tasks.promote_waitlists,
        _interval(1),
        _("Give free places of running activities to their waitlists."),
        misfire_grace_time=ANY_DELAY,
    ),
    Job(
        "activity_remind_starts",
        activity_remind_starts,
        _interval(5),
        _("Remind signed-up members before an activity starts (ACTIVITY_REMIND_BEFORE_MIN)."),
        misfire_grace_time=ANY_DELAY,
    ),
    Job(
        "activity_finish",
        activity_finish_due,
        _interval(5),
        _("Finish ended activities: mark no-shows, close missing check-outs, write pending hours."),
        misfire_grace_time=ANY_DELAY,
    ),
    Job(
        "ledger_seal",
        tasks.seal_ledger,
        _interval(1),
        _("Seal new audit entries and decided service records into the ledger's hash chain (every minute)."),
        misfire_grace_time=ANY_DELAY,
    ),
    Job(
        "ledger_verify",
        tasks.verify_ledger,
        {"trigger": "cron", "hour": 2, "minute": 0},
        _("Verify the whole ledger against its seals and alert the superusers about any change (nightly)."),
        # Reads every sealed row: at night; a missed night is verified the next one.
        misfire_grace_time=6 * HOUR,
    ),
    Job(
        "ledger_seal_send",
        tasks.send_ledger_seal,
        {"trigger": "cron", "hour": 6, "minute": 30},
        _("Send the latest seal of the ledger to the district administrators and the superusers (daily)."),
        # One message a day (named by its day): a run however late sends that day's seal once.
        misfire_grace_time=ANY_DELAY,
    ),
    Job(
        "stats_reconcile",
        tasks.reconcile_statistics,
        {"trigger": "cron", "hour": 2, "minute": 30},
        _("Reconcile the statistics roll-ups with the ledger and repair differences (nightly)."),
        # Heavy: run it in the night or not at all; tomorrow's run checks the same days again.
        misfire_grace_time=6 * HOUR,
    ),
    Job(
        "members_remind_no_service",
        members_remind_no_service,
        {"trigger": "cron", "day": 1, "hour": 9, "minute": 0},
        _("Remind members with no service this quarter and send branch secretaries their list (monthly)."),
        # A round is named by its month, so a run a few days late still sends the right reminders once.
        misfire_grace_time=7 * DAY,
    ),
    Job(
        "members_remind_unregistered",
        members_remind_unregistered,
        {"trigger": "cron", "day_of_week": "mon", "hour": 9, "minute": 30},
        _("Remind members not registered with a residential community (weekly)."),
        # A reminder is named by its ISO week: late in the same week is fine, later waits for next week.
        misfire_grace_time=3 * DAY,
    ),
    Job(
        "households_remind_unvisited",
        households_remind_unvisited,
        {"trigger": "cron", "hour": 9, "minute": 45},
        _(
            "Remind members paired with a household they have not visited (HOUSEHOLD_VISIT_REMIND_DAYS) and tell the "
            "community's staff (HOUSEHOLD_VISIT_ESCALATE_DAYS) (daily)."
        ),
        # Each reminder is named by its pairing and overdue spell: a run however late sends each one once.
        misfire_grace_time=ANY_DELAY,
    ),
    Job(
        "job_runs_prune",
        job_runs_prune,
        {"trigger": "cron", "hour": 3, "minute": 15},
        _("Delete job runs older than JOB_HISTORY_DAYS (daily)."),
        misfire_grace_time=ANY_DELAY,  # cheap, and deleting old rows late harms nobody
    ),
    Job(
        "codes_prune",
        codes_prune,
        {"trigger": "cron", "hour": 3, "minute": 20},
        _("Delete one-time codes sent more than a day ago (daily)."),
        misfire_grace_time=ANY_DELAY,
    ),
)


def all_jobs():
    """Every job, in the order `runscheduler --once` runs them."""
    return JOBS


def get_job(job_id):
    for job in JOBS:
        if job.id == job_id:
            return job
    raise KeyError(job_id)


def job_ids():
    return [job.id for job in JOBS]
