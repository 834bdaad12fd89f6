"""Electing the one active scheduler among several `runscheduler` processes, through the database they share.

PostgreSQL: a session-level advisory lock (pg_try_advisory_lock) held on a dedicated connection opened for this
purpose and kept for the life of the process. The server releases the lock the moment that connection ends, so a
killed leader (kill -9, a crashed machine once TCP keepalives notice) frees it without any timeout of ours; a
leader that loses the connection has lost the lock and must stop scheduling.

SQLite: a lease row (SchedulerLease). Acquiring is one conditional UPDATE — "take the row if it is mine or has
expired" — so two standbys racing for an expired lease cannot both win; the holder renews it every lease/3
seconds; a holder that dies simply stops renewing and the lease expires after SCHEDULER_LEASE_S seconds.

Both implement the same interface: try_acquire() -> bool, renew() -> bool, release(), and is_valid() (may the
holder still act as leader right now).
"""

import copy
import logging
import os
import socket
import time
from datetime import timedelta
from uuid import uuid4

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from apps.jobs.models import SchedulerLease

logger = logging.getLogger("apps.jobs")

LEASE_NAME = "scheduler"
# The advisory lock key: any constant the application uses for nothing else (advisory locks are per database).
DEFAULT_LOCK_KEY = 0x5342_4452_0001  # "SBDR" + 1


def lease_seconds():
    return getattr(settings, "SCHEDULER_LEASE_S", 30)


def holder_id():
    """Who holds the leadership: host, process and a random part (a pid can be reused after a restart)."""
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:12]}"
    return holder[-SchedulerLease._meta.get_field("holder").max_length :]


class Leader:
    """The interface of both elections."""

    holder = ""

    def try_acquire(self) -> bool:
        raise NotImplementedError

    def renew(self) -> bool:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError

    def is_valid(self) -> bool:
        raise NotImplementedError


def _reset_connection():
    """After a database error, drop this thread's connection if it is broken, so the next attempt reconnects."""
    connections[DEFAULT_DB_ALIAS].close_if_unusable_or_obsolete()


class LeaseLeader(Leader):
    """The SQLite election: the SchedulerLease row named `name`."""

    def __init__(self, *, name=LEASE_NAME, lease_s=None, holder=None):
        self.name = name
        self.lease_s = lease_s or lease_seconds()
        self.holder = holder or holder_id()
        self._valid_until = None  # time.monotonic() until which the lease we last wrote is surely ours

    @property
    def _lease(self):
        return timedelta(seconds=self.lease_s)

    def _granted(self, started):
        # Counted from before the write, on the monotonic clock: conservative whatever the write's duration.
        self._valid_until = started + self.lease_s

    def try_acquire(self):
        started, now = time.monotonic(), timezone.now()
        fields = {"holder": self.holder, "acquired_at": now, "heartbeat_at": now, "expires_at": now + self._lease}
        try:
            with transaction.atomic():
                takeable = Q(holder=self.holder) | Q(expires_at__lt=now)
                taken = SchedulerLease.objects.filter(takeable, name=self.name).update(**fields)
                if not taken:
                    if SchedulerLease.objects.filter(name=self.name).exists():
                        return False
                    # First start ever: create the row. Two processes racing here both try the insert; the unique
                    # name lets one win, the other gets an IntegrityError and stays a standby.
                    with transaction.atomic():
                        SchedulerLease.objects.create(name=self.name, **fields)
        except IntegrityError:
            return False
        except DatabaseError:
            logger.exception("could not try to acquire the scheduler lease")
            _reset_connection()
            return False
        self._granted(started)
        return True

    def renew(self):
        """Push the lease forward if it is still ours (nobody took it over); False means leadership is lost."""
        started, now = time.monotonic(), timezone.now()
        try:
            renewed = SchedulerLease.objects.filter(name=self.name, holder=self.holder).update(
                heartbeat_at=now, expires_at=now + self._lease
            )
        except DatabaseError:
            logger.exception("could not renew the scheduler lease")
            _reset_connection()
            renewed = 0
        if renewed:
            self._granted(started)
        else:
            self._valid_until = None
        return bool(renewed)

    def release(self):
        """Give the lease up at once (clean shutdown), so a standby need not wait for it to expire."""
        self._valid_until = None
        try:
            now = timezone.now()
            SchedulerLease.objects.filter(name=self.name, holder=self.holder).update(
                holder="", heartbeat_at=now, expires_at=now
            )
        except DatabaseError:
            logger.exception("could not release the scheduler lease")

    def is_valid(self):
        return self._valid_until is not None and time.monotonic() < self._valid_until


class AdvisoryLockLeader(Leader):
    """The PostgreSQL election: a session advisory lock on a dedicated connection."""

    def __init__(self, *, key=None, alias=DEFAULT_DB_ALIAS, holder=None, lease_s=None):
        self.lease_s = lease_s or lease_seconds()
        self.key = key if key is not None else getattr(settings, "SCHEDULER_LOCK_KEY", DEFAULT_LOCK_KEY)
        self.alias = alias
        self.holder = holder or holder_id()
        self._conn = None
        self._held = False

    def _connect(self):
        """A new connection with the settings of `alias`, outside Django's per-thread connections (so no request
        or job ever closes it, and CONN_MAX_AGE does not apply), with TCP keepalives so a dead peer is noticed."""
        conn = connections.create_connection(self.alias)
        conn.settings_dict = copy.deepcopy(conn.settings_dict)
        options = conn.settings_dict.setdefault("OPTIONS", {})
        options.pop("pool", None)
        keepalive = max(int(self.lease_s // 3), 1)
        options.setdefault("keepalives", 1)
        options.setdefault("keepalives_idle", keepalive)
        options.setdefault("keepalives_interval", keepalive)
        options.setdefault("keepalives_count", 3)
        # Tells in pg_stat_activity which process holds the lock.
        options.setdefault("application_name", f"runscheduler {os.getpid()}")
        conn.ensure_connection()
        return conn

    def _drop(self):
        self._held = False
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # the connection is already broken: nothing left to close
                logger.debug("closing the scheduler's lock connection failed", exc_info=True)
            self._conn = None

    def _query(self, sql, params):
        with self._conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def try_acquire(self):
        if self._held:
            return self.renew()
        try:
            if self._conn is None:
                self._conn = self._connect()
            self._held = bool(self._query("SELECT pg_try_advisory_lock(%s)", [self.key]))
        except DatabaseError:
            logger.exception("could not try to acquire the scheduler's advisory lock")
            self._drop()
            return False
        return self._held

    def renew(self):
        """Check that the dedicated connection is alive and still holds the lock."""
        if not self._held or self._conn is None:
            return False
        try:
            # A bigint key is stored in pg_locks as classid (high 32 bits) and objid (low 32 bits), objsubid 1.
            held = self._query(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = pg_backend_pid() AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1)",
                [(self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF],
            )
        except DatabaseError:
            logger.exception("the scheduler's lock connection failed: leadership lost")
            self._drop()
            return False
        if not held:
            self._held = False
        return bool(held)

    def release(self):
        if self._conn is not None and self._held:
            try:
                self._query("SELECT pg_advisory_unlock(%s)", [self.key])
            except DatabaseError:
                logger.exception("could not release the scheduler's advisory lock")
        self._drop()

    def is_valid(self):
        return self._held


def make_leader(*, alias=DEFAULT_DB_ALIAS, lease_s=None):
    """The election that fits the database: the advisory lock on PostgreSQL, the lease row elsewhere."""
    if connections[alias].vendor == "postgresql":
        return AdvisoryLockLeader(alias=alias, lease_s=lease_s)
    return LeaseLeader(lease_s=lease_s)
