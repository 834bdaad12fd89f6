"""Smoke test of the sealing and verification benchmark at a tiny scale, on the test database: the audit trail it
writes by SQL is the one the services write (every record has its `create` entry, every decided one its decision,
every amendment its `amend` entry on the original), the whole ledger seals and verifies, and the report and its
section in the performance document are written. Timings are printed by the benchmark, never asserted."""

from collections import Counter

import pytest

from apps.ledger.models import AuditEntry, RecordStatus, ServiceRecord
from apps.seals.models import SealLeaf
from apps.seals.services import ledger_seal_all
from apps.seals.verify import ledger_verify
from tests.bench import city, measure, seal_ledger

pytestmark = pytest.mark.django_db

YEAR = 2025


def test_the_tiny_ledger_gets_its_audit_trail_seals_and_verifies(tmp_path):
    plan = city.plan_for(scale=0.0005, year=YEAR)
    city.generate(plan)
    AuditEntry.objects.all().delete()  # the benchmark writes the trail itself, for a ledger built without it

    written = seal_ledger.write_audit_trail()

    originals = ServiceRecord.objects.filter(amends__isnull=True)
    decided = originals.filter(status__in=[RecordStatus.APPROVED, RecordStatus.REJECTED])
    amendments = ServiceRecord.objects.filter(amends__isnull=False)
    actions = Counter(AuditEntry.objects.values_list("action", flat=True))
    assert written == sum(actions.values()) == originals.count() + decided.count() + amendments.count()
    assert actions["create"] == originals.count()
    assert actions["approve"] == originals.filter(status=RecordStatus.APPROVED).count()
    assert actions["reject"] == originals.filter(status=RecordStatus.REJECTED).count()
    assert actions["amend"] == amendments.count() > 0
    amended = AuditEntry.objects.filter(action="amend").values_list("subject_id", "after")
    assert {(subject, after["amendment"]) for subject, after in amended} == set(
        amendments.values_list("amends_id", "pk")
    )

    seals = ledger_seal_all(limit=500)
    leaves = SealLeaf.objects.count()
    assert len(seals) > 1  # several seals: the chain links them
    assert leaves == written + ServiceRecord.objects.exclude(status=RecordStatus.PENDING).count()
    report = ledger_verify(use_witness_file=False)
    assert report.ok, [str(problem) for problem in report.problems[:5]]

    facts = {"records": ServiceRecord.objects.count(), "decided": 1, "audit": written}
    section = seal_ledger._report(plan, facts, {}, seals, leaves, 1.0, 1.0, [(2.0, 1.0)], report, measure.machine(), 1)
    assert f"| Sealed entries | {leaves:,} in {len(seals):,} seals |" in section
    assert "| Verification outcome | verifies |" in section
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\nkept\n", encoding="utf-8")
    seal_ledger.write_section_marked(doc, section)
    seal_ledger.write_section_marked(doc, section)  # replaced, not appended twice
    text = doc.read_text(encoding="utf-8")
    assert text.count(seal_ledger.START_MARK) == 1 and "kept" in text
