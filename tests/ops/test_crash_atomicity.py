"""A crash between a claim (or sign-up, confirmation, decision) and its audit entry leaves nothing of the action:
the service's transaction rolls back as a whole, counters and statistics roll-ups included.

Two ways to crash: an exception raised where the audit entry (or the step after the conditional UPDATE) is written,
inside the test; and a real process that dies (`os._exit`) at that point with its transaction open, on a committed
database that the test then inspects.
"""

import sys
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.activities import services as activity_services
from apps.activities.models import Activity, SignUp
from apps.ledger import services as ledger_services
from apps.ledger.models import AuditEntry, RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.notifications.models import Notification
from apps.stats.models import CommunityDayTotal, MemberDayTotal, OrganDayTotal
from apps.wishes import services as wish_services
from apps.wishes.models import Wish, WishClaim, WishStatus
from tests.activities.conftest import ActivityWorld
from tests.ops.conftest import run, server_url
from tests.ops.crash_child import CRASHED
from tests.wishes.conftest import WishWorld

# Everything an action could leave behind.
WATCHED = (
    Wish,
    WishClaim,
    Activity,
    SignUp,
    ServiceRecord,
    AuditEntry,
    Notification,
    MemberDayTotal,
    OrganDayTotal,
    CommunityDayTotal,
)


def everything():
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in WATCHED}


class Crash(Exception):
    pass


class CrashAt:
    """Stands in for a function: when called, records what `probe` sees inside the transaction, then raises."""

    def __init__(self, probe=None):
        self.probe = probe or (lambda: None)
        self.seen = None
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        self.seen = self.probe()
        raise Crash


def past_record(world):
    """A pending record of the member's service last week (written through the ledger service)."""
    start = timezone.now() - timedelta(days=7)
    return ledger_services.record_create(
        member=world.member,
        community=world.community,
        grid=world.grid,
        # A generic record: an activity's carry no residents (they are the activity's).
        source=ServiceSource.MANUAL,
        source_id=None,
        category=ServiceCategory.CLEAN_UP,
        content="社区环境卫生整治",
        started_at=start,
        ended_at=start + timedelta(hours=2),
        credited_minutes=120,
        residents_served=6,
        status=RecordStatus.PENDING,
    )


# --- an exception at the crash point, in this process (SQLite and PostgreSQL) -------------------------------------


@pytest.mark.parametrize("where", ["audit", "claim_row"])
def test_crash_in_wish_claim_leaves_the_wish_published_without_claim_or_audit(world, monkeypatch, where):
    w = WishWorld(world)
    wish = w.wish()
    before = everything()
    crash = CrashAt(lambda: Wish.objects.get(pk=wish.pk).status)
    if where == "audit":
        monkeypatch.setattr(wish_services, "audit_log", crash)
    else:  # the step right after the conditional UPDATE: inserting the claim row
        monkeypatch.setattr(WishClaim.objects, "create", crash)

    with pytest.raises(Crash):
        wish_services.wish_claim(wish=wish, actor=world.member.user)

    assert crash.seen == WishStatus.CLAIMED  # the UPDATE had been written when the crash came
    assert everything() == before
    monkeypatch.undo()
    claim = wish_services.wish_claim(wish=wish, actor=world.member.user)  # nothing stuck: the claim works now
    assert claim.member == world.member


def test_crash_in_signup_create_leaves_no_sign_up_and_the_place_count_unchanged(world, monkeypatch):
    aw = ActivityWorld(world)
    activity = aw.activity(capacity=2)
    before = everything()
    crash = CrashAt(lambda: Activity.objects.get(pk=activity.pk).confirmed_count)
    monkeypatch.setattr(activity_services, "audit_log", crash)

    with pytest.raises(Crash):
        activity_services.signup_create(activity=activity, member=world.member)

    assert crash.seen == 1  # the place had been taken when the crash came
    assert everything() == before
    assert Activity.objects.get(pk=activity.pk).confirmed_count == 0


@pytest.mark.parametrize("where", ["wish_audit", "record_audit"])
def test_crash_in_wish_confirm_leaves_no_service_record_and_roll_ups_unchanged(world, monkeypatch, where):
    w = WishWorld(world)
    wish = w.fulfilled()
    before = everything()
    crash = CrashAt(lambda: ServiceRecord.objects.filter(source_id=wish.pk).count())
    if where == "wish_audit":  # after the records (and their roll-ups) were written
        monkeypatch.setattr(wish_services, "audit_log", crash)
    else:  # inside record_create, after the record row was inserted
        monkeypatch.setattr(ledger_services, "audit_log", crash)

    with pytest.raises(Crash):
        wish_services.wish_confirm(wish=wish, actor=world.staff, rating=5)

    assert crash.seen == 1
    assert everything() == before
    assert Wish.objects.get(pk=wish.pk).status == WishStatus.FULFILLED


@pytest.mark.parametrize("where", ["audit", "rollup"])
def test_crash_in_record_approve_leaves_the_record_pending_and_roll_ups_unchanged(world, monkeypatch, where):
    record = past_record(world)
    before = everything()
    crash = CrashAt(lambda: ServiceRecord.objects.get(pk=record.pk).status)
    # The audit entry, or the step after it: the statistics roll-up of the approved record.
    monkeypatch.setattr(ledger_services, "audit_log" if where == "audit" else "rollup_record", crash)

    with pytest.raises(Crash):
        ledger_services.record_approve(record=record, actor=world.staff)

    assert crash.seen == RecordStatus.APPROVED
    assert everything() == before
    assert not MemberDayTotal.objects.exists()  # a pending record counts nowhere yet


# --- a real process dying with its transaction open (SQLite and PostgreSQL) ---------------------------------------


def _test_database_url():
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    return server_url(settings_dict, settings_dict["NAME"])


def crash_in_child(case, pk, actor):
    env_db = {
        "DATABASE_URL": _test_database_url(),
        "DJANGO_SETTINGS_MODULE": "server.settings.test",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    import os

    done = run(
        [sys.executable, "-m", "tests.ops.crash_child", case, str(pk), str(actor.pk)],
        env={**os.environ, **env_db},
        check=False,
        timeout=120,
    )
    assert done.returncode == CRASHED, f"the child did not die at the crash point:\n{done.stdout}\n{done.stderr}"


@pytest.mark.django_db(transaction=True)
def test_process_killed_after_the_claim_update_leaves_the_wish_published(world):
    w = WishWorld(world)
    wish = w.wish()
    before = everything()

    crash_in_child("wish_claim", wish.pk, world.member.user)

    assert everything() == before
    claim = wish_services.wish_claim(wish=wish, actor=world.member.user)  # no lock or row left behind
    assert claim.wish_id == wish.pk


@pytest.mark.django_db(transaction=True)
def test_process_killed_in_sign_up_leaves_the_place_free(world):
    aw = ActivityWorld(world)
    activity = aw.activity(capacity=1)
    before = everything()

    crash_in_child("signup_create", activity.pk, world.member.user)

    assert everything() == before
    signup = activity_services.signup_create(activity=activity, member=world.member)
    assert signup.status == "confirmed"


@pytest.mark.django_db(transaction=True)
def test_process_killed_in_wish_confirm_leaves_no_hours(world):
    w = WishWorld(world)
    wish = w.fulfilled()
    before = everything()

    crash_in_child("wish_confirm", wish.pk, world.staff)

    assert everything() == before


@pytest.mark.django_db(transaction=True)
def test_process_killed_in_record_approve_leaves_the_record_pending(world):
    record = past_record(world)
    before = everything()

    crash_in_child("record_approve", record.pk, world.staff)

    assert everything() == before
    ledger_services.record_approve(record=record, actor=world.staff)
    assert MemberDayTotal.objects.filter(member=world.member).exists()
