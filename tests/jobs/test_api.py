"""The scheduler's endpoints: the job list and the job history, for superusers only (everyone else: 403)."""

from datetime import datetime, timedelta

import pytest
from django.contrib.admin.sites import site
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from apps.jobs import registry
from apps.jobs.models import JobOutcome, JobRun, SchedulerLease
from tests import factories as f

pytestmark = pytest.mark.django_db

JOBS = "/api/v1/jobs/"
RUNS = "/api/v1/job-runs/"


def make_run(job, outcome=JobOutcome.SUCCESS, minutes_ago=0, **extra):
    started = timezone.now() - timedelta(minutes=minutes_ago)
    return JobRun.objects.create(
        job=job, started_at=started, finished_at=started + timedelta(seconds=2), outcome=outcome, **extra
    )


@pytest.fixture
def runs():
    return {
        "old": make_run("wish_expire", minutes_ago=60, items=4),
        "failed": make_run("wish_expire", JobOutcome.FAILED, minutes_ago=30, error="RuntimeError: boom"),
        "reconcile": make_run("stats_reconcile", minutes_ago=10, items=0),
    }


@pytest.fixture
def admin_client(world, make_client):
    return make_client(world.superuser)


def ids(response):
    assert response.status_code == 200, response.data
    return [row["id"] for row in response.data["results"]]


def test_superusers_read_the_history_newest_first(admin_client, runs):
    response = admin_client.get(RUNS)
    assert ids(response) == [runs["reconcile"].pk, runs["failed"].pk, runs["old"].pk]
    row = response.data["results"][1]
    assert (row["job"], row["outcome"], row["error"], row["duration_ms"]) == (
        "wish_expire",
        "failed",
        "RuntimeError: boom",
        2000,
    )


def test_the_history_filters_by_job_and_outcome(admin_client, runs):
    assert ids(admin_client.get(RUNS, {"job": "wish_expire"})) == [runs["failed"].pk, runs["old"].pk]
    assert ids(admin_client.get(RUNS, {"outcome": "failed"})) == [runs["failed"].pk]
    assert ids(admin_client.get(RUNS, {"job": "stats_reconcile", "outcome": "failed"})) == []


@pytest.mark.parametrize("query", [{"job": "no_such_job"}, {"outcome": "exploded"}, {"started_from": "yesterday"}])
def test_a_bad_filter_is_a_400_not_an_unfiltered_list(admin_client, runs, query):
    response = admin_client.get(RUNS, query)
    assert response.status_code == 400
    assert response.data["code"] == "invalid_input"


def test_one_run_reads_by_id(admin_client, runs):
    response = admin_client.get(f"{RUNS}{runs['failed'].pk}/")
    assert response.status_code == 200 and response.data["outcome"] == "failed"


def test_the_job_list_shows_every_job_in_order_with_next_and_last_run(admin_client, runs):
    before = timezone.now()
    response = admin_client.get(JOBS)

    assert response.status_code == 200
    assert [job["id"] for job in response.data] == registry.job_ids()
    jobs = {job["id"]: job for job in response.data}
    expire = jobs["wish_expire"]
    assert expire["last_run"]["id"] == runs["failed"].pk and expire["last_run"]["outcome"] == "failed"
    assert (expire["kind"], expire["schedule"], expire["misfire_grace_time"]) == ("interval", "interval[0:05:00]", None)
    assert jobs["stats_reconcile"]["misfire_grace_time"] == 6 * 3600
    assert jobs["activity_finish"]["last_run"] is None
    for job in registry.all_jobs():
        next_run = jobs[job.id]["next_run_at"]
        assert next_run is not None
        assert datetime.fromisoformat(next_run) > before


def test_the_job_list_costs_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    for job_id in registry.job_ids():
        for minutes in range(3):
            make_run(job_id, minutes_ago=minutes)
    with django_assert_max_num_queries(2):
        assert admin_client.get(JOBS).status_code == 200


def test_the_history_costs_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    for minutes in range(30):
        make_run("wish_expire", minutes_ago=minutes)
    with django_assert_max_num_queries(2):
        assert admin_client.get(RUNS).status_code == 200


@pytest.mark.parametrize("role", ["member", "staff", "secretary", "reviewer", "district_admin"])
@pytest.mark.parametrize("endpoint", [JOBS, RUNS])
def test_everyone_but_superusers_gets_403(world, make_client, runs, role, endpoint):
    response = make_client(world.user(role)).get(endpoint)
    assert response.status_code == 403
    assert response.data["code"] == "permission_denied"


@pytest.mark.parametrize("endpoint", [JOBS, RUNS])
def test_staff_with_admin_access_but_not_superuser_gets_403(make_client, runs, endpoint):
    staff = f.UserFactory(is_staff=True)
    assert make_client(staff).get(endpoint).status_code == 403


@pytest.mark.parametrize("endpoint", [JOBS, RUNS])
def test_anonymous_users_are_refused(api, endpoint):
    response = api.get(endpoint)
    assert response.status_code in (401, 403)
    assert response.data["code"] == "not_authenticated"


def test_the_history_is_read_only(admin_client, runs):
    assert admin_client.post(RUNS, {"job": "wish_expire"}).status_code == 405
    assert admin_client.delete(f"{RUNS}{runs['old'].pk}/").status_code == 405


def test_the_schema_documents_both_endpoints():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    run_params = {p["name"] for p in schema["paths"][RUNS]["get"]["parameters"]}
    assert {"job", "outcome", "started_from", "started_to", "page"} <= run_params
    listing = schema["paths"][JOBS]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listing["type"] == "array"


# --- admin ------------------------------------------------------------------------------------------------------


def test_the_admin_shows_the_history_read_only_to_superusers(world, runs):
    client = Client()
    client.force_login(world.superuser)
    changelist = reverse("admin:jobs_jobrun_changelist")
    assert client.get(changelist).status_code == 200
    change = client.get(reverse("admin:jobs_jobrun_change", args=[runs["failed"].pk]))
    assert change.status_code == 200 and b"RuntimeError: boom" in change.content
    model_admin = site._registry[JobRun]
    request = type("Request", (), {"user": world.superuser})()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, runs["failed"])
    assert not model_admin.has_delete_permission(request, runs["failed"])
    assert not site._registry[SchedulerLease].has_add_permission(request)


def test_the_admin_hides_the_history_from_staff_who_are_not_superusers(runs):
    from django.contrib.auth.models import Permission

    staff = f.UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_jobrun"))
    client = Client()
    client.force_login(staff)
    assert client.get(reverse("admin:jobs_jobrun_changelist")).status_code == 403
