"""The ledger's scheduled jobs: the nightly verification alerts the superusers when a sealed row was changed behind
the application's back, and the latest seal goes every morning to the district administrators and the superusers,
once a day, and not before anything is sealed."""

from datetime import timedelta

import pytest
from django.core import mail

from apps.accounts.models import Role
from apps.jobs.models import JobOutcome
from apps.jobs.runner import run_job
from apps.notifications.models import NotificationKind
from apps.seals.models import LedgerCheck, Seal
from tests import factories as f
from tests.jobs.conftest import NOW, notes
from tests.seals.conftest import Ledger, sql

pytestmark = pytest.mark.django_db

SEAL_KIND = NotificationKind.LEDGER_SEAL


def run(job_id, now=NOW):
    result = run_job(job_id, now=now)
    assert result.outcome == JobOutcome.SUCCESS, result.error
    return result.items


@pytest.fixture
def sealed(world):
    ledger = Ledger(world)
    assert run("ledger_seal") == 1
    return ledger


# --- the nightly verification ------------------------------------------------------------------------------------


def test_a_clean_ledger_verifies_and_alerts_nobody(sealed):
    assert run("ledger_verify") == 0
    assert LedgerCheck.objects.get().ok
    assert not notes(kind="job_failed").exists()


def test_a_tampered_record_is_named_to_the_superusers_once_a_day(world, sealed):
    record = sealed.approved[1]
    sql("UPDATE ledger_servicerecord SET credited_minutes = 600 WHERE id = %s", [record.pk])

    assert run("ledger_verify") == 1

    check = LedgerCheck.objects.get()
    assert not check.ok and check.problems == [{"subject": "record", "id": str(record.pk), "issue": "altered"}]
    alert = notes(world.superuser, "job_failed").get()
    assert alert.dedupe_key == f"ledger_verify:{NOW.date().isoformat()}"
    assert f"record {record.pk}: altered" in alert.body
    assert alert.subject_params == {"job": "ledger_verify"}
    # Only the superusers are alerted; the district administrators get the seal itself, in the morning.
    assert notes(kind="job_failed").count() == 1

    # The same night's second run finds it again but tells nobody twice; the next night tells again.
    assert run("ledger_verify", NOW + timedelta(hours=1)) == 1
    assert notes(world.superuser, "job_failed").count() == 1
    assert run("ledger_verify", NOW + timedelta(days=1)) == 1
    assert notes(world.superuser, "job_failed").count() == 2


# --- the morning's seal ------------------------------------------------------------------------------------------


def test_nothing_sealed_sends_nothing(world):
    assert run("ledger_seal_send") == 0
    assert not notes(kind=SEAL_KIND).exists()


def test_the_latest_seal_goes_to_district_administrators_and_superusers_once_a_day(
    world, sealed, django_capture_on_commit_callbacks
):
    world.district_admin.email = "qu@example.org"
    world.district_admin.save(update_fields=["email"])
    second_admin = f.UserFactory(name="另一区管理员", is_superuser=True)  # a superuser holding the role too: told once
    f.RoleFactory(user=second_admin, role=Role.DISTRICT_ADMIN, district=world.street.district)
    gone = f.UserFactory(name="离任区管理员", is_active=False)
    f.RoleFactory(user=gone, role=Role.DISTRICT_ADMIN, district=world.street.district)
    seal = Seal.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        assert run("ledger_seal_send") == 3

    told = set(notes(kind=SEAL_KIND).values_list("user_id", flat=True))
    assert told == {world.district_admin.pk, world.superuser.pk, second_admin.pk}
    message = notes(world.district_admin, SEAL_KIND).get()
    assert message.dedupe_key == f"ledger_seal_send:{NOW.date().isoformat()}"
    assert seal.witness in message.body
    assert f"verify_ledger --seal {seal.witness}" in message.body
    # By e-mail to whoever has an address, through the notifications' own channel.
    assert [m.to for m in mail.outbox] == [["qu@example.org"]]
    assert seal.witness in mail.outbox[0].body

    # Later the same day: nobody is told twice, even about a newer seal.
    sealed.record(9)
    run("ledger_seal", NOW + timedelta(hours=2))
    assert run("ledger_seal_send", NOW + timedelta(hours=3)) == 0
    assert notes(kind=SEAL_KIND).count() == 3

    # The next morning: the newest seal, to the same people.
    assert run("ledger_seal_send", NOW + timedelta(days=1)) == 3
    newest = Seal.objects.order_by("-seq").first()
    assert newest.seq == 2
    assert newest.witness in notes(world.superuser, SEAL_KIND).order_by("-created_at", "-pk").first().body


def test_the_other_roles_get_no_seal(world, sealed):
    run("ledger_seal_send")
    others = ("member", "other_member", "staff", "grid_worker", "secretary", "reviewer", "street_admin", "outsider")
    for name in others:
        assert not notes(world.user(name), SEAL_KIND).exists(), name
