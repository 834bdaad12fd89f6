"""Running a job records it (JobRun); a failing job is recorded as failed, alerts the superusers and never stops
the jobs after it."""

import os

import pytest
from django.core.management import CommandError, call_command

from apps.jobs import registry, scheduler
from apps.jobs.models import JobOutcome, JobRun
from apps.jobs.registry import ANY_DELAY, Job
from apps.jobs.runner import run_job
from tests.jobs.conftest import NOW, notes

pytestmark = pytest.mark.django_db


class Calls:
    def __init__(self):
        self.nows = []


@pytest.fixture
def calls():
    return Calls()


@pytest.fixture
def fake_jobs(monkeypatch, calls):
    """A registry of three jobs: one touching two items, one failing, one touching five."""

    def two(*, now):
        calls.nows.append(("two", now))
        # While a job runs, its run is already recorded as running.
        assert JobRun.objects.get(job="two", finished_at__isnull=True).outcome == JobOutcome.RUNNING
        return 2

    def boom(*, now):
        calls.nows.append(("boom", now))
        raise RuntimeError("the database said no")

    def five(*, now):
        calls.nows.append(("five", now))
        return 5

    jobs = tuple(
        Job(job_id, func, {"trigger": "interval", "minutes": 5}, job_id, ANY_DELAY)
        for job_id, func in (("two", two), ("boom", boom), ("five", five))
    )
    monkeypatch.setattr(registry, "JOBS", jobs)
    return jobs


def test_a_successful_run_is_recorded_with_its_items(fake_jobs, calls):
    run = run_job("two", now=NOW)

    assert calls.nows == [("two", NOW)]
    run.refresh_from_db()
    assert (run.job, run.outcome, run.items, run.error) == ("two", JobOutcome.SUCCESS, 2, "")
    assert run.started_at <= run.finished_at
    assert run.pid == os.getpid() and run.host


def test_a_failing_run_is_recorded_as_failed_with_the_error_and_its_traceback(fake_jobs):
    run = run_job("boom", now=NOW)

    run.refresh_from_db()
    assert run.outcome == JobOutcome.FAILED
    assert run.finished_at is not None and run.items == 0
    assert run.error.startswith("RuntimeError: the database said no")
    assert "in boom" in run.error  # the traceback, down to the failing function


def test_a_failing_job_alerts_the_superusers_once_a_day(world, fake_jobs):
    run_job("boom", now=NOW)
    run_job("boom", now=NOW)

    alert = notes(world.superuser, "job_failed").get()
    assert "boom" in alert.title
    assert "the database said no" in alert.body
    assert not notes(world.member.user, "job_failed").exists()


def test_once_runs_every_job_in_order_even_after_a_failure_and_exits_with_status_1(fake_jobs, calls, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("runscheduler", "--once")

    assert exit_info.value.code == 1
    assert [name for name, _now in calls.nows] == ["two", "boom", "five"]
    outcomes = dict(JobRun.objects.values_list("job", "outcome"))
    assert outcomes == {"two": JobOutcome.SUCCESS, "boom": JobOutcome.FAILED, "five": JobOutcome.SUCCESS}
    assert JobRun.objects.get(job="five").items == 5
    out = capsys.readouterr().out
    assert "boom" in out and "failed" in out


def test_once_exits_normally_when_every_job_succeeds(monkeypatch, fake_jobs):
    monkeypatch.setattr(registry, "JOBS", tuple(job for job in fake_jobs if job.id != "boom"))
    call_command("runscheduler", "--once")
    assert set(JobRun.objects.values_list("outcome", flat=True)) == {JobOutcome.SUCCESS}


def test_once_with_job_runs_only_that_job(fake_jobs, calls):
    call_command("runscheduler", "--once", "--job", "five")
    assert [name for name, _now in calls.nows] == ["five"]
    assert list(JobRun.objects.values_list("job", flat=True)) == ["five"]


def test_job_without_once_is_refused(fake_jobs):
    with pytest.raises(CommandError):
        call_command("runscheduler", "--job", "five")
    assert not JobRun.objects.exists()


def test_a_scheduler_unsure_of_its_leadership_records_the_run_as_skipped(monkeypatch, fake_jobs, calls):
    # The thread's connection is the test's transaction here: keep it open.
    monkeypatch.setattr(scheduler, "close_old_connections", lambda: None)

    scheduler.run_scheduled("five", is_leader=lambda: False)
    scheduler.run_scheduled("two", is_leader=lambda: True)

    assert [name for name, _now in calls.nows] == ["two"]
    assert JobRun.objects.get(job="five").outcome == JobOutcome.SKIPPED
    assert JobRun.objects.get(job="two").outcome == JobOutcome.SUCCESS


def test_list_prints_every_job_with_its_schedule(capsys):
    call_command("runscheduler", "--list")
    out = capsys.readouterr().out
    for job in registry.all_jobs():
        assert job.id in out
    assert "cron[hour='2', minute='30']" in out
