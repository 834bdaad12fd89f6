"""Leader election: the lease row (SQLite) and the advisory lock (PostgreSQL) in one process, then two real
`manage.py runscheduler` processes: exactly one leads, and the standby takes over when the leader is killed."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from apps.jobs import leader as leader_module
from apps.jobs.leader import AdvisoryLockLeader, LeaseLeader, make_leader
from apps.jobs.models import SchedulerLease

ROOT = Path(__file__).resolve().parent.parent.parent
on_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the lease row is the SQLite election; PostgreSQL uses an advisory lock"
)


# --- the lease row ----------------------------------------------------------------------------------------------


@on_sqlite
@pytest.mark.django_db
def test_on_sqlite_the_election_is_the_lease_row():
    assert isinstance(make_leader(), LeaseLeader)


@pytest.mark.django_db
def test_the_first_candidate_creates_the_lease_and_a_second_one_waits():
    first, second = LeaseLeader(lease_s=30), LeaseLeader(lease_s=30)

    assert first.try_acquire()
    assert not second.try_acquire()

    lease = SchedulerLease.objects.get()
    assert lease.holder == first.holder
    assert lease.expires_at - lease.heartbeat_at == timedelta(seconds=30)
    assert first.renew() and not second.renew()
    assert first.try_acquire()  # asking again while leader keeps the lease


@pytest.mark.django_db
def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_renew_it():
    first, second = LeaseLeader(lease_s=30), LeaseLeader(lease_s=30)
    assert first.try_acquire()
    # The leader stopped renewing (it died, or hung) and its lease ran out.
    SchedulerLease.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert second.try_acquire()

    assert SchedulerLease.objects.get().holder == second.holder
    assert not first.renew()
    assert not first.is_valid()
    assert not first.try_acquire()


@pytest.mark.django_db
def test_releasing_lets_a_standby_take_over_at_once():
    first, second = LeaseLeader(lease_s=30), LeaseLeader(lease_s=30)
    assert first.try_acquire()

    first.release()

    assert SchedulerLease.objects.get().holder == ""
    assert second.try_acquire()
    first.release()  # releasing a lease one no longer holds changes nothing
    assert SchedulerLease.objects.get().holder == second.holder


@pytest.mark.django_db
def test_a_leader_stops_trusting_its_lease_when_it_may_have_expired(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(leader_module.time, "monotonic", lambda: clock[0])
    leader = LeaseLeader(lease_s=30)
    assert leader.try_acquire() and leader.is_valid()

    clock[0] += 29
    assert leader.is_valid()
    clock[0] += 2  # no renewal for longer than the lease: a standby may have it by now
    assert not leader.is_valid()
    assert leader.renew() and leader.is_valid()


# --- the advisory lock ------------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_one_connection_holds_the_advisory_lock_and_loses_it_with_its_connection():
    first, second = make_leader(), AdvisoryLockLeader()
    assert isinstance(first, AdvisoryLockLeader)
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        assert first.renew()

        # The leader's connection dies (a network cut, a restarted server): the lock goes with it.
        backend = first._query("SELECT pg_backend_pid()", [])
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
        assert not first.renew()
        assert not first.is_valid()
        assert second.try_acquire()
        assert not first.try_acquire()  # it reconnects, as a standby
    finally:
        first.release()
        second.release()


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_releasing_the_lock_lets_the_standby_in():
    first, second = AdvisoryLockLeader(), AdvisoryLockLeader()
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        first.release()
        assert second.try_acquire()
    finally:
        first.release()
        second.release()


# --- two real processes -----------------------------------------------------------------------------------------

LEASE_S = 2  # short, so the standby takes over quickly after kill -9 (only the lease row waits for it)
POLL_S = 0.2
# A bound on waiting, not a speed target: a scheduler process starting Django on a loaded 2-core CI machine has
# taken over 20 s to say anything.
TIMEOUT_S = 60


def database_url():
    """The test database, for a subprocess (pytest-django renamed it; tests/conftest.py's live server does the
    same with the connection it shares)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class SchedulerProcess:
    def __init__(self, log_path):
        self.log_path = log_path
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "server.settings.test",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "manage.py", "runscheduler", "--lease", str(LEASE_S), "--poll", str(POLL_S)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self):
        return self.proc.pid

    def log(self):
        return self.log_path.read_text(errors="replace")

    def led(self):
        return "became leader" in self.log()

    def waits(self):
        return "waiting as standby" in self.log()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def wait_until(condition, what, processes, timeout=TIMEOUT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        dead = [p for p in processes if p.proc.poll() is not None]
        assert not dead, f"a scheduler exited ({dead[0].proc.returncode}):\n{dead[0].log()}"
        time.sleep(0.05)  # polling a condition, not waiting for a fixed time
    logs = "\n---\n".join(p.log() for p in processes)
    pytest.fail(f"timed out after {timeout}s waiting for {what}:\n{logs}")


def lock_owner_pid():
    """The process holding the leadership, as the database sees it."""
    if connection.vendor == "sqlite":
        lease = SchedulerLease.objects.filter(name=leader_module.LEASE_NAME).first()
        return int(lease.holder.split(":")[-2]) if lease and lease.holder else None
    key = leader_module.DEFAULT_LOCK_KEY
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = %s AND l.objid::bigint = %s",
            [(key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF],
        )
        rows = cursor.fetchall()
    assert len(rows) <= 1
    return int(rows[0][0].split()[-1]) if rows else None


@pytest.fixture
def schedulers(transactional_db, tmp_path):
    started = []

    def start(n):
        process = SchedulerProcess(tmp_path / f"scheduler-{n}.log")
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def test_two_schedulers_elect_one_leader_and_the_standby_takes_over_when_it_is_killed(schedulers):
    processes = [schedulers(1), schedulers(2)]

    wait_until(lambda: any(p.led() for p in processes), "a leader", processes)
    wait_until(lambda: sum(p.waits() for p in processes) == 1, "the other to wait as standby", processes)
    leaders = [p for p in processes if p.led()]
    assert len(leaders) == 1, "exactly one leader"
    leader = leaders[0]
    standby = next(p for p in processes if p is not leader)
    assert not standby.led()
    wait_until(lambda: lock_owner_pid() == leader.pid, "the database to show the leader's lock", processes)

    leader.proc.send_signal(signal.SIGKILL)
    leader.proc.wait(timeout=10)
    killed_at = time.monotonic()
    wait_until(standby.led, "the standby to take over", [standby], timeout=LEASE_S + 10)
    assert time.monotonic() - killed_at < LEASE_S + 10
    wait_until(lambda: lock_owner_pid() == standby.pid, "the database to show the new leader's lock", [standby])

    # A clean shutdown releases the leadership at once and exits normally.
    standby.proc.send_signal(signal.SIGTERM)
    assert standby.proc.wait(timeout=15) == 0, standby.log()
    assert lock_owner_pid() is None
    assert "received SIGTERM" in standby.log()
