"""Past one machine: two app servers and two schedulers against one PostgreSQL (docs/deployment.md, "Several app
servers").

On the suite's PostgreSQL test database (loopback), with production's settings (`server.settings.bench`: production's
plus the bare endpoints, and `/media/` served from MEDIA_ROOT as nginx serves it) and gunicorn configuration: two
gunicorn instances (separate processes on separate ports, two sync workers each) sharing one media directory, and two
`manage.py runscheduler` processes. Asserted:

- the claim race and the sign-up race of the load benchmark (tests/bench/load/scenarios.py), with the members
  alternating between the two servers, keep their exact outcome: one winner and every other claim
  `409 wish_already_claimed`; exactly `capacity` confirmed and the rest waitlisted at positions 1..n in the
  database's order, with every check of the benchmark;
- a photo uploaded through server A is listed by server B and served by it, byte for byte;
- exactly one scheduler leads: one holder of the advisory lock in pg_locks, one "became leader" and one "waiting as
  standby"; the jobs it runs are recorded with its process id, never the standby's;
- when the leader is killed (kill -9), the standby holds the lock within SCHEDULER_STANDBY_POLL_S (plus a margin for
  a loaded machine) and runs the jobs from then on.

The races use all 200 members, as the benchmark does (a few seconds each; the whole test takes 30–45 s on a 2-core
machine).
"""

import io
import secrets
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from PIL import Image

from apps.jobs.models import JobOutcome, JobRun
from tests.bench.load import scenarios
from tests.bench.load.client import Call, send
from tests.bench.load.data import build
from tests.bench.load.server import Gunicorn, Scheduler, server_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MEMBERS = 200
CAPACITY = 30
WORKERS = 2  # per server
POLL_S = 1  # SCHEDULER_STANDBY_POLL_S: a standby tries to take over every second
TAKEOVER_MARGIN_S = 5  # on top of POLL_S: a standby's query on a loaded 2-core machine
# Bounds on waiting for processes to start and jobs to run, not speed targets (Django starting on a loaded CI machine
# has taken over 20 s).
START_S = 60
LOCK_KEY = 0x5342_4452_0019  # not production's default, so that nothing else in the cluster holds it
# Cron jobs whose missed run a new leader catches up at once (docs/operations.md): one for each leader.
FIRST_LEADERS_JOB, SECOND_LEADERS_JOB = "codes_prune", "job_runs_prune"


def database_url():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def lock_holders():
    """The process ids holding the scheduler's advisory lock in this database, as PostgreSQL sees them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = %s AND l.objid::bigint = %s"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [(LOCK_KEY >> 32) & 0xFFFFFFFF, LOCK_KEY & 0xFFFFFFFF],
        )
        return [int(name.split()[-1]) for (name,) in cursor.fetchall()]


def wait_until(condition, what, schedulers, timeout=START_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    logs = "\n---\n".join(s.log()[-3000:] for s in schedulers)
    pytest.fail(f"timed out after {timeout} s waiting for {what}:\n{logs}")


def a_missed_run(job):
    """History saying `job` last ran two days ago: the next leader to start runs it at once (the catch-up)."""
    at = timezone.now() - timedelta(days=2)
    JobRun.objects.create(job=job, started_at=at, finished_at=at, outcome=JobOutcome.SUCCESS, host="earlier", pid=1)


def runs_of(job, pid):
    return JobRun.objects.filter(job=job, pid=pid, outcome=JobOutcome.SUCCESS)


def multipart(fields, files):
    """A multipart/form-data body (as a browser's form upload) and its content type."""
    boundary = uuid.uuid4().hex
    body = io.BytesIO()
    for name, value in fields.items():
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        body.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
        )
        body.write(content + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def processes(transactional_db):
    """Whatever the test starts is stopped before the database is emptied."""
    started = []
    yield started
    for process in reversed(started):
        process.stop()


def per_server(servers, result):
    """{server's port: {status: count}} of a race whose members alternated over `servers`."""
    counts = {}
    for address, answer in zip(scenarios.spread(servers, len(result.answers)), result.answers, strict=True):
        counts.setdefault(address[1], Counter())[answer.status] += 1
    return counts


def test_two_app_servers_and_two_schedulers_keep_the_races_exact_and_elect_one_leader(processes, settings, tmp_path):
    secret = secrets.token_urlsafe(50)
    settings.SECRET_KEY = secret  # the sessions built here are signed as the servers will read them
    data = build(members=MEMBERS, organs=2, capacity=CAPACITY, wishes=0, activities=0, records_per_member=0)
    media = tmp_path / "media"  # the shared disk (in production: S3 or a network file system)
    env = server_env(
        database_url(),
        SECRET_KEY=secret,
        MEDIA_ROOT=media,
        SCHEDULER_LOCK_KEY=LOCK_KEY,
        SCHEDULER_STANDBY_POLL_S=POLL_S,
    )
    a_missed_run(FIRST_LEADERS_JOB)
    test_started = timezone.now()

    schedulers = [Scheduler(env=env, log_path=tmp_path / f"scheduler-{n}.log") for n in (1, 2)]
    gunicorns = [Gunicorn(env=env, workers=WORKERS, log_path=tmp_path / f"gunicorn-{n}.log") for n in (1, 2)]
    for process in (*schedulers, *gunicorns):
        processes.append(process)
        process.start() if isinstance(process, Scheduler) else process.launch()
    for server in gunicorns:
        server.wait_ready(START_S)
    servers = [server.address for server in gunicorns]

    # --- one leader ---
    wait_until(lambda: any(s.led() for s in schedulers), "a leader", schedulers)
    wait_until(lambda: any(s.waits() for s in schedulers), "a standby", schedulers)
    leaders = [s for s in schedulers if s.led()]
    assert len(leaders) == 1, "\n---\n".join(s.log() for s in schedulers)
    [leader] = leaders
    [standby] = [s for s in schedulers if s is not leader]
    assert standby.waits() and not standby.led()
    wait_until(lambda: lock_holders() == [leader.pid], "the leader's lock in pg_locks", schedulers)
    wait_until(lambda: runs_of(FIRST_LEADERS_JOB, leader.pid).exists(), "the leader's first run", schedulers)

    # --- the races, the members alternating between the two servers (the scheduler runs meanwhile) ---
    claim = scenarios.claim_race(servers[0], data, servers=servers)
    assert claim.passed, [c for c in claim.checks if not c[1]]
    assert claim.statuses == {201: 1, 409: MEMBERS - 1}
    claims = per_server(servers, claim)
    assert sorted(sum(c.values()) for c in claims.values()) == [MEMBERS // 2, MEMBERS // 2]
    assert all(set(c) <= {201, 409} and c[409] >= MEMBERS // 2 - 1 for c in claims.values()), claims

    signup = scenarios.signup_race(servers[0], data, servers=servers)
    assert signup.passed, [c for c in signup.checks if not c[1]]
    assert signup.statuses == {201: MEMBERS}
    assert {port: dict(c) for port, c in per_server(servers, signup).items()} == {
        port: {201: MEMBERS // 2} for _, port in servers
    }

    # --- a photo uploaded through server A, listed and served by server B ---
    started = timezone.localtime() - timedelta(days=1)
    photo = png_bytes()
    body, content_type = multipart(
        {
            "community": data.community_id,
            "place": "压测小区1栋",
            "category": "care_visit",
            "content": "入户走访",
            "started_at": started.isoformat(),
            "ended_at": (started + timedelta(hours=1)).isoformat(),
        },
        {"photo": ("visit.png", photo, "image/png")},
    )
    member = data.member_sessions[0]
    register = Call("register", "POST", "/api/v1/service-records/register/", member, body, content_type=content_type)
    created = send(servers[0], register, csrf_token=data.csrf_token)
    assert created.status == 201, created.body[:500]
    record = created.json()["id"]
    listed = send(servers[1], Call("record", "GET", f"/api/v1/service-records/{record}/", member), csrf_token="x")
    assert listed.status == 200, listed.body[:500]
    url = listed.json()["self_service"]["photo"]
    assert url.startswith("/media/services/") and url.endswith(".png")
    served = send(servers[1], Call("photo", "GET", url, member, accept="image/*"), csrf_token="x")
    on_disk = Path(media, url.removeprefix("/media/")).read_bytes()
    assert served.status == 200 and served.body == on_disk
    with Image.open(io.BytesIO(served.body)) as image:  # the re-encoded upload
        assert (image.format, image.size) == ("PNG", (16, 12))

    # --- the leader dies: the standby takes over and runs the jobs ---
    a_missed_run(SECOND_LEADERS_JOB)  # the running leader built its schedule already: only a new one catches it up
    leader.kill()
    killed, killed_at = time.monotonic(), timezone.now()
    wait_until(lambda: lock_holders() == [standby.pid], "the standby to take the lock", [standby])
    takeover_s = time.monotonic() - killed
    assert takeover_s <= POLL_S + TAKEOVER_MARGIN_S, f"took over after {takeover_s:.1f} s"
    wait_until(lambda: runs_of(SECOND_LEADERS_JOB, standby.pid).exists(), "the new leader's first run", [standby])
    assert "became leader" in standby.log()

    # Every job run of the test was recorded by the leader of its time, none by a standby.
    runs = list(JobRun.objects.filter(started_at__gte=test_started).values_list("job", "pid", "started_at"))
    assert {pid for _, pid, _ in runs} == {leader.pid, standby.pid}, runs
    assert all(at < killed_at for _, pid, at in runs if pid == leader.pid), runs
    assert all(at > killed_at for _, pid, at in runs if pid == standby.pid), runs
    assert not JobRun.objects.filter(started_at__gte=test_started, outcome=JobOutcome.FAILED).exists()

    # Both servers still answer after the scheduler's hand-over (the app servers do not depend on it).
    for address in servers:
        assert send(address, Call("ok", "GET", "/bench/ok-signed-in/", member), csrf_token="x").body == b"ok"
