"""Sealing: what is sealed and when, the chain it forms, batches, idempotence, a crash and two sealers at once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.ledger import services as ledger_services
from apps.ledger.models import AuditEntry, ServiceRecord
from apps.seals import services
from apps.seals.canonical import AUDIT_FIELDS, RECORD_FIELDS, ZERO
from apps.seals.models import LeafKind, Seal, SealLeaf
from apps.seals.services import ledger_seal, ledger_seal_all
from apps.seals.verify import ledger_verify
from tests.seals.conftest import Ledger

pytestmark = pytest.mark.django_db


def sealed(kind):
    return set(SealLeaf.objects.filter(kind=kind).values_list("row_id", flat=True))


def test_nothing_to_seal_makes_no_seal(db):
    assert ledger_seal() is None
    assert not Seal.objects.exists()


def test_a_seal_covers_every_audit_entry_and_every_decided_record_but_not_a_pending_one(ledger):
    seal = ledger_seal()

    assert seal.seq == 1 and seal.previous == ZERO
    assert sealed(LeafKind.AUDIT) == set(AuditEntry.objects.values_list("pk", flat=True))
    decided = {record.pk for record in [*ledger.approved, ledger.rejected]}
    assert sealed(LeafKind.RECORD) == decided
    assert seal.first_position == 1 and seal.last_position == SealLeaf.objects.count()
    assert ledger_verify().ok


def test_a_record_is_sealed_in_the_seal_after_its_decision_and_the_seals_form_a_chain(ledger, world):
    first = ledger_seal()
    ledger_services.record_approve(record=ledger.pending, actor=world.staff)

    second = ledger_seal()

    assert second.seq == 2 and second.previous == first.digest
    assert second.first_position == first.last_position + 1
    covered = SealLeaf.objects.filter(position__gte=second.first_position)
    assert set(covered.values_list("kind", "row_id")) == {
        (LeafKind.RECORD, ledger.pending.pk),
        (LeafKind.AUDIT, AuditEntry.objects.get(subject_id=ledger.pending.pk, action="approve").pk),
    }
    assert ledger_verify().ok


def test_sealing_again_seals_nothing_twice(ledger):
    ledger_seal()
    assert ledger_seal() is None
    assert Seal.objects.count() == 1


def test_a_small_batch_seals_everything_in_several_seals_and_leaves_no_gap(ledger):
    seals = ledger_seal_all(limit=2)

    assert len(seals) > 2
    assert sealed(LeafKind.AUDIT) == set(AuditEntry.objects.values_list("pk", flat=True))
    assert len(sealed(LeafKind.RECORD)) == 4
    assert [seal.seq for seal in seals] == list(range(1, len(seals) + 1))
    assert ledger_verify().ok


def test_the_horizon_stays_behind_the_settle_delay_so_a_late_commit_is_still_sealed(ledger, world, settings):
    settings.SEAL_SETTLE_MINUTES = 60
    now = timezone.now()
    seal = ledger_seal(now=now)
    assert seal.audit_settled == now - timedelta(minutes=60)

    # A write whose transaction began before the seal and committed after it: its time is before the seal's.
    entry = ledger_services.audit_log(actor=world.staff, subject=ledger.pending, action="note", reason="late")
    AuditEntry.objects.filter(pk=entry.pk).update(at=now - timedelta(minutes=5))

    ledger_seal()
    assert entry.pk in sealed(LeafKind.AUDIT)
    assert ledger_verify().ok


def test_a_crash_while_sealing_leaves_nothing_half_sealed(ledger, monkeypatch):
    def crash(**fields):
        raise RuntimeError("power cut")

    monkeypatch.setattr(Seal.objects, "create", crash)
    with pytest.raises(RuntimeError):
        ledger_seal()
    assert not SealLeaf.objects.exists()

    monkeypatch.undo()
    assert ledger_seal().seq == 1
    assert ledger_verify().ok


def test_each_seal_is_appended_to_the_witness_file(
    ledger, world, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.SEAL_WITNESS_FILE = str(tmp_path / "witness.txt")
    with django_capture_on_commit_callbacks(execute=True):
        first = ledger_seal()
    ledger_services.record_approve(record=ledger.pending, actor=world.staff)
    with django_capture_on_commit_callbacks(execute=True):
        second = ledger_seal()

    lines = (tmp_path / "witness.txt").read_text().splitlines()
    assert [line.split()[0] for line in lines] == [first.witness, second.witness]


@pytest.mark.django_db(transaction=True)
def test_two_sealers_at_once_make_one_chain_with_every_row_once(world):
    Ledger(world)
    barrier = threading.Barrier(2)
    results, failures = [], []

    def seal():
        try:
            barrier.wait(timeout=10)
            results.append(ledger_seal())
        except Exception as exc:  # noqa: BLE001 - the test reports any failure of either thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=seal) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures
    made = [seal for seal in results if seal is not None]
    assert len(made) == 1 and Seal.objects.count() == 1
    assert (
        SealLeaf.objects.count() == AuditEntry.objects.count() + ServiceRecord.objects.exclude(status="pending").count()
    )
    assert ledger_verify().ok


def test_the_lock_is_bypassed_the_unique_seal_number_still_refuses_a_second_chain(ledger, monkeypatch):
    first = ledger_seal()
    # A second sealer that read the chain before the first committed: it would add seal 1 again.
    SealLeaf.objects.filter(position__gte=first.first_position).delete()
    monkeypatch.setattr(services.Seal.objects, "order_by", lambda *a: Seal.objects.none())

    assert ledger_seal() is None
    assert Seal.objects.count() == 1


@pytest.mark.parametrize(("model", "fields"), [(AuditEntry, AUDIT_FIELDS), (ServiceRecord, RECORD_FIELDS)])
def test_the_encoding_covers_every_column_so_a_new_one_is_a_decision(model, fields):
    # The field lists are a contract with every seal ever made: a column added later is either added to its list
    # (with a way to verify seals made before it) or left out on purpose, here.
    columns = {field.attname for field in model._meta.concrete_fields} - {"updated_at"}
    assert set(fields) == columns


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_verifying_in_worker_processes_finds_what_one_process_finds(world):
    ledger = Ledger(world)
    ledger_seal()
    record = ledger.approved[1]
    ServiceRecord.objects.filter(pk=record.pk).update(credited_minutes=999)

    alone = ledger_verify(workers=1)
    together = ledger_verify(workers=3)

    assert {str(p) for p in together.problems} == {str(p) for p in alone.problems} == {f"record {record.pk}: altered"}
    assert (together.seals, together.leaves, together.last_seal) == (alone.seals, alone.leaves, alone.last_seal)
