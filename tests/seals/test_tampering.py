"""Tampering behind the application's back, with raw SQL as a database administrator would: every change to a
sealed record, audit entry, seal or sealed entry is found, and the verifier names exactly what changed."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.ledger import services as ledger_services
from apps.ledger.models import AuditEntry, ServiceRecord
from apps.seals.canonical import RECORD_FIELDS, row_digest
from apps.seals.models import LeafKind, LedgerCheck, Seal
from apps.seals.services import ledger_seal, ledger_seal_all
from apps.seals.verify import ledger_verify
from tests.seals.conftest import sql

pytestmark = pytest.mark.django_db

RECORDS = "ledger_servicerecord"
AUDIT = "ledger_auditentry"


def problems():
    return {(p.subject, p.ident, p.issue) for p in ledger_verify().problems}


@pytest.fixture
def sealed(ledger):
    ledger_seal()
    assert ledger_verify().ok
    return ledger


def audit_of(record, action):
    return AuditEntry.objects.get(subject_id=record.pk, action=action, subject_type="ledger.servicerecord")


def test_one_field_of_an_approved_record(sealed):
    record = sealed.approved[1]
    sql(f"UPDATE {RECORDS} SET credited_minutes = 600 WHERE id = %s", [record.pk])
    assert problems() == {("record", str(record.pk), "altered")}


def test_the_status_of_a_rejected_record(sealed):
    sql(f"UPDATE {RECORDS} SET status = 'approved' WHERE id = %s", [sealed.rejected.pk])
    assert problems() == {("record", str(sealed.rejected.pk), "altered")}


def test_a_decided_record_set_back_to_pending(sealed):
    record = sealed.approved[0]
    sql(f"UPDATE {RECORDS} SET status = 'pending' WHERE id = %s", [record.pk])
    assert problems() == {("record", str(record.pk), "altered")}


def test_many_rows_at_once(sealed):
    ids = [record.pk for record in sealed.approved]
    sql(f"UPDATE {RECORDS} SET content = 'x' WHERE status = 'approved'")
    assert problems() == {("record", str(pk), "altered") for pk in ids}


def test_one_audit_entry(sealed):
    entry = audit_of(sealed.rejected, "reject")
    sql(f"UPDATE {AUDIT} SET reason = '' WHERE id = %s", [entry.pk])
    assert problems() == {("audit", str(entry.pk), "altered")}


def test_the_json_of_an_audit_entry(sealed):
    entry = audit_of(sealed.approved[0], "create")
    AuditEntry.objects.filter(pk=entry.pk).update(after={**entry.after, "credited_minutes": 1})
    assert problems() == {("audit", str(entry.pk), "altered")}


def test_audit_entries_reordered_by_swapping_their_times(sealed):
    first, second = audit_of(sealed.approved[0], "create"), audit_of(sealed.approved[2], "create")
    sql(f"UPDATE {AUDIT} SET at = %s WHERE id = %s", [second.at, first.pk])
    sql(f"UPDATE {AUDIT} SET at = %s WHERE id = %s", [first.at, second.pk])
    assert problems() == {("audit", str(first.pk), "altered"), ("audit", str(second.pk), "altered")}


def test_a_deleted_audit_entry(sealed):
    entry = audit_of(sealed.approved[2], "create")
    sql(f"DELETE FROM {AUDIT} WHERE id = %s", [entry.pk])
    # The record lost the entry of its creation too.
    assert problems() == {
        ("audit", str(entry.pk), "deleted"),
        ("record", str(sealed.approved[2].pk), "record_without_audit"),
    }


def test_a_deleted_record(sealed):
    record = sealed.approved[2]
    sql(f"DELETE FROM {RECORDS} WHERE id = %s", [record.pk])
    assert problems() == {("record", str(record.pk), "deleted")}


def test_the_newest_and_the_oldest_rows_deleted(sealed):
    # Deleted at either end of their table, they lie outside the ids left in it: still found gone. (The pending
    # record, the newest row, is not sealed: deleting it too leaves the rejected one the newest sealed record.)
    sql(f"DELETE FROM {RECORDS} WHERE id IN (%s, %s)", [sealed.pending.pk, sealed.rejected.pk])
    oldest = AuditEntry.objects.order_by("pk").first()  # the creation of the world's first organ
    assert oldest.subject_type == "orgs.organ"
    sql(f"DELETE FROM {AUDIT} WHERE id = %s", [oldest.pk])
    assert problems() == {("record", str(sealed.rejected.pk), "deleted"), ("audit", str(oldest.pk), "deleted")}


def test_an_audit_entry_inserted_into_the_past(sealed, world):
    long_ago = timezone.now() - timedelta(days=3)
    sql(
        f"INSERT INTO {AUDIT} (at, actor_id, subject_type, subject_id, action, reason) VALUES (%s, %s, %s, %s, %s, %s)",
        [long_ago, world.staff.pk, "ledger.servicerecord", sealed.approved[0].pk, "approve", ""],
    )
    inserted = AuditEntry.objects.order_by("-pk").first()
    assert problems() == {("audit", str(inserted.pk), "inserted")}


def test_a_record_inserted_into_the_past_without_its_audit_trail(sealed):
    source = sealed.approved[0]
    long_ago = timezone.now() - timedelta(days=3)
    columns = (
        "created_at, updated_at, member_id, organ_id, branch_id, community_id, grid_id, source, category, content, "
        "started_at, ended_at, residents_served, decision_reason"
    )
    sql(
        f"INSERT INTO {RECORDS} ({columns}, credited_minutes, status, decided_at) "
        f"SELECT {columns}, 480, 'approved', %s FROM {RECORDS} WHERE id = %s",
        [long_ago, source.pk],
    )
    inserted = ServiceRecord.objects.order_by("-pk").first()
    assert problems() == {
        ("record", str(inserted.pk), "inserted"),
        ("record", str(inserted.pk), "record_without_audit"),
    }


def test_an_altered_seal(sealed):
    sql("UPDATE seals_seal SET root = %s WHERE seq = 1", ["0" * 64])
    assert problems() == {("seal", "1", "seal_altered"), ("seal", "1", "leaves_altered")}


def test_a_seal_rewritten_with_its_digest_breaks_the_link_to_the_next(sealed, world):
    ledger_services.record_approve(record=sealed.pending, actor=world.staff)
    ledger_seal()
    sql("UPDATE seals_seal SET digest = %s WHERE seq = 1", ["f" * 64])
    assert problems() == {("seal", "1", "seal_altered"), ("seal", "2", "chain_broken")}


def test_a_sealed_entry_rewritten_to_match_an_altered_record(sealed):
    record = sealed.approved[0]
    sql(f"UPDATE {RECORDS} SET credited_minutes = 600 WHERE id = %s", [record.pk])
    values = ServiceRecord.objects.filter(pk=record.pk).values_list(*RECORD_FIELDS).get()
    sql(
        "UPDATE seals_sealleaf SET digest = %s WHERE kind = %s AND row_id = %s",
        [row_digest(LeafKind.RECORD, values), LeafKind.RECORD, record.pk],
    )
    assert problems() == {("seal", "1", "leaves_altered")}


def test_a_truncated_chain_is_found_by_the_witness_file(
    ledger, world, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.SEAL_WITNESS_FILE = str(tmp_path / "witness.txt")
    with django_capture_on_commit_callbacks(execute=True):
        ledger_seal()
    ledger_services.record_approve(record=ledger.pending, actor=world.staff)
    with django_capture_on_commit_callbacks(execute=True):
        second = ledger_seal()

    # An old backup restored, or the last seal cut off with its entries: the database alone looks consistent.
    sql("DELETE FROM seals_sealleaf WHERE position >= %s", [second.first_position])
    sql("DELETE FROM seals_seal WHERE seq = 2")
    assert problems() == {("witness", second.witness, "witness_missing")}

    # Sealing again makes another seal 2, which the witness does not know.
    ledger_seal()
    assert problems() == {("witness", second.witness, "witness_differs")}


def test_a_printed_seal_given_by_hand_proves_the_ledger_unchanged_or_not(sealed):
    seal = Seal.objects.get()
    assert ledger_verify(witnesses=[(seal.seq, seal.digest)]).ok
    forged = (seal.seq, "a" * 64)
    assert {(p.subject, p.issue) for p in ledger_verify(witnesses=[forged]).problems} == {
        ("witness", "witness_differs")
    }


def test_the_command_names_the_change_exits_with_1_and_keeps_the_outcome(sealed, capsys):
    call_command("verify_ledger")
    assert LedgerCheck.objects.get().ok

    record = sealed.approved[0]
    sql(f"UPDATE {RECORDS} SET residents_served = 99 WHERE id = %s", [record.pk])
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_ledger")
    assert exit_.value.code == 1
    assert f"record {record.pk}: altered" in capsys.readouterr().out
    check = LedgerCheck.objects.order_by("-started_at", "-pk").first()
    assert not check.ok and check.problems == [{"subject": "record", "id": str(record.pk), "issue": "altered"}]


def test_the_command_refuses_a_malformed_seal(sealed):
    with pytest.raises(CommandError):
        call_command("verify_ledger", seal=["12:xyz"])


def test_verification_after_sealing_all_is_clean_for_a_ledger_written_through_the_services(ledger, world):
    ledger_seal_all(limit=3)
    ledger_services.record_approve(record=ledger.pending, actor=world.staff)
    report = ledger_verify()
    assert report.ok and report.unsealed == 2  # the approval's entry and the newly decided record


def test_an_amendment_carries_its_audit_entry_on_the_original_and_losing_it_is_found(sealed, world):
    original = sealed.approved[0]
    ledger_services.record_amend(
        record=original, actor=world.staff, credited_minutes=60, residents_served=1, reason="时长登记有误"
    )
    ledger_seal()
    assert ledger_verify().ok

    entry = audit_of(original, "amend")
    amendment = entry.after["amendment"]
    AuditEntry.objects.filter(pk=entry.pk).update(after={**entry.after, "amendment": None})
    assert problems() == {("audit", str(entry.pk), "altered"), ("record", str(amendment), "record_without_audit")}


def test_a_sealed_entry_added_beyond_the_last_seal(sealed):
    seal = Seal.objects.get()
    sql(
        "INSERT INTO seals_sealleaf (position, kind, row_id, digest) VALUES (%s, %s, %s, %s)",
        [seal.last_position + 1, LeafKind.RECORD, sealed.pending.pk, b"\0" * 32],
    )
    # The pending record now has a leaf that matches nothing: it reads as altered too.
    assert problems() == {
        ("leaf", str(seal.last_position + 1), "leaves_altered"),
        ("record", str(sealed.pending.pk), "altered"),
    }
