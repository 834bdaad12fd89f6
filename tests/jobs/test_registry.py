"""The job list: one entry per job of the issue, schedules as documented, and the scheduler built from it with
coalescing, one instance per job, each job's misfire grace, and the catch-up of cron runs missed while down."""

import inspect
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.jobs import registry
from apps.jobs.models import JobOutcome, JobRun
from apps.jobs.registry import ANY_DELAY, DAY, HOUR
from apps.jobs.scheduler import build_scheduler, missed_fire_time
from tests.jobs.conftest import at

EXPECTED = {
    "wish_release_overdue_claims": ("interval[0:05:00]", ANY_DELAY),
    "wish_expire": ("interval[0:05:00]", ANY_DELAY),
    "wish_remind_claim_deadlines": ("interval[0:10:00]", ANY_DELAY),
    "activity_close_signups": ("interval[0:01:00]", ANY_DELAY),
    "waitlist_promote": ("interval[0:01:00]", ANY_DELAY),
    "activity_remind_starts": ("interval[0:05:00]", ANY_DELAY),
    "activity_finish": ("interval[0:05:00]", ANY_DELAY),
    "ledger_seal": ("interval[0:01:00]", ANY_DELAY),
    "ledger_verify": ("cron[hour='2', minute='0']", 6 * HOUR),
    "ledger_seal_send": ("cron[hour='6', minute='30']", ANY_DELAY),
    "stats_reconcile": ("cron[hour='2', minute='30']", 6 * HOUR),
    "members_remind_no_service": ("cron[day='1', hour='9', minute='0']", 7 * DAY),
    "members_remind_unregistered": ("cron[day_of_week='mon', hour='9', minute='30']", 3 * DAY),
    "households_remind_unvisited": ("cron[hour='9', minute='45']", ANY_DELAY),
    "job_runs_prune": ("cron[hour='3', minute='15']", ANY_DELAY),
    "codes_prune": ("cron[hour='3', minute='20']", ANY_DELAY),
}


def test_the_registry_holds_every_job_of_the_issue_with_its_schedule_and_grace():
    assert {job.id: (job.schedule, job.misfire_grace_time) for job in registry.all_jobs()} == EXPECTED


def test_job_ids_are_unique_and_fit_the_history():
    ids = registry.job_ids()
    assert len(ids) == len(set(ids))
    assert max(len(i) for i in ids) <= JobRun._meta.get_field("job").max_length


@pytest.mark.parametrize("job", registry.all_jobs(), ids=lambda job: job.id)
def test_every_job_calls_a_function_taking_now(job):
    assert "now" in inspect.signature(job.func).parameters
    assert str(job.description)


def test_claims_are_released_before_wishes_expire_and_signups_close_before_activities_finish():
    ids = registry.job_ids()
    assert ids.index("wish_release_overdue_claims") < ids.index("wish_expire")
    assert ids.index("activity_close_signups") < ids.index("activity_finish")


def test_interval_jobs_fire_on_round_times_whatever_process_asks():
    job = registry.get_job("wish_expire")
    assert job.next_fire_time(at(2025, 5, 6, 10, 2)) == at(2025, 5, 6, 10, 5)
    assert job.next_fire_time(at(2025, 5, 6, 10, 5)) == at(2025, 5, 6, 10, 10)  # strictly after


def test_cron_jobs_fire_at_their_local_times():
    assert registry.get_job("stats_reconcile").next_fire_time(at(2025, 5, 6, 10)) == at(2025, 5, 7, 2, 30)
    assert registry.get_job("members_remind_no_service").next_fire_time(at(2025, 5, 6, 10)) == at(2025, 6, 1, 9)
    # 2025-05-06 is a Tuesday: the next Monday is the 12th.
    assert registry.get_job("members_remind_unregistered").next_fire_time(at(2025, 5, 6, 10)) == at(2025, 5, 12, 9, 30)


# --- catching up after downtime ---------------------------------------------------------------------------------


def test_no_history_means_nothing_to_catch_up():
    job = registry.get_job("stats_reconcile")
    assert missed_fire_time(job, last_started=None, now=at(2025, 5, 6, 3)) is None


def test_a_cron_run_missed_within_its_grace_is_caught_up():
    job = registry.get_job("stats_reconcile")
    # Last ran on the 3rd; the scheduler was down on the nights of the 4th and 5th; it is 03:00 on the 6th.
    missed = missed_fire_time(job, last_started=at(2025, 5, 3, 2, 30), now=at(2025, 5, 6, 3))
    assert missed == at(2025, 5, 6, 2, 30)


def test_a_cron_run_missed_beyond_its_grace_waits_for_its_next_time():
    job = registry.get_job("stats_reconcile")
    assert missed_fire_time(job, last_started=at(2025, 5, 3, 2, 30), now=at(2025, 5, 6, 9)) is None


def test_a_cron_job_that_ran_on_time_has_nothing_to_catch_up():
    job = registry.get_job("members_remind_no_service")
    assert missed_fire_time(job, last_started=at(2025, 5, 1, 9), now=at(2025, 5, 20, 9)) is None
    assert missed_fire_time(job, last_started=at(2025, 5, 1, 9), now=at(2025, 6, 5, 9)) == at(2025, 6, 1, 9)


def scheduled(scheduler):
    return {job.id: job for job in scheduler.get_jobs()}


@pytest.fixture
def started():
    """Start a built scheduler paused (next run times computed, nothing runs) and shut it down afterwards."""
    schedulers = []

    def start(scheduler):
        scheduler.start(paused=True)
        schedulers.append(scheduler)
        return scheduled(scheduler)

    yield start
    for scheduler in schedulers:
        scheduler.shutdown(wait=False)


@pytest.mark.django_db
def test_the_scheduler_holds_every_job_coalesced_one_instance_with_its_grace(started):
    before = timezone.now()
    jobs = started(build_scheduler(is_leader=lambda: True))
    after = timezone.now()

    assert sorted(jobs) == sorted(registry.job_ids())
    for job in registry.all_jobs():
        aps = jobs[job.id]
        assert (aps.coalesce, aps.max_instances, aps.misfire_grace_time) == (True, 1, job.misfire_grace_time)
        assert str(aps.trigger) == job.schedule
        assert before < aps.next_run_time <= job.next_fire_time(after)


def nothing(*, now):
    return 0


@pytest.mark.django_db
def test_the_scheduler_runs_at_once_a_cron_job_missed_while_no_scheduler_ran(monkeypatch, started):
    nightly = {"trigger": "cron", "hour": 2, "minute": 30}
    monkeypatch.setattr(
        registry,
        "JOBS",
        (
            registry.Job("late_is_fine", nothing, nightly, "", ANY_DELAY),
            registry.Job("late_is_useless", nothing, nightly, "", 60),
            registry.Job("never_ran", nothing, nightly, "", ANY_DELAY),
        ),
    )
    now = timezone.now()
    three_days_ago = now - timedelta(days=3)
    for job_id in ("late_is_fine", "late_is_useless"):
        JobRun.objects.create(job=job_id, started_at=three_days_ago, outcome=JobOutcome.SUCCESS)

    jobs = started(build_scheduler(is_leader=lambda: True, now=now))

    next_night = registry.get_job("never_ran").next_fire_time(now)
    assert jobs["late_is_fine"].next_run_time == now  # missed nights: one run now, then the usual schedule
    assert jobs["late_is_useless"].next_run_time == next_night  # missed by more than a minute: skipped
    assert jobs["never_ran"].next_run_time == next_night  # a first start catches nothing up
