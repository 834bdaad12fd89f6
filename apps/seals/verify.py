"""Verification of the sealed ledger: recompute the chain, every seal's root and every sealed row's digest, and name
each seal, leaf and row that no longer matches. Read-only; apps.seals.services keeps the outcome.

What each problem means (its `issue`):
- seal_missing: a seal number is absent from the chain (deleted seals);
- seal_altered: a seal's fields no longer give its digest;
- chain_broken: a seal does not name the digest of the seal before it (a seal replaced or reordered);
- leaves_altered: a seal's leaves no longer give its root (sealed entries added, removed, changed or reordered);
- altered: a sealed row's content differs from what was sealed;
- deleted: a sealed row is gone;
- inserted: a row from before the sealed horizon that no seal covers (added behind the ledger's back, or its time
  rewritten into the past);
- record_without_audit: a service record with no audit entry of its creation;
- witness_missing / witness_differs: a seal printed or written outside the database is absent from the chain (a
  restored backup or a truncated chain) or has another digest there (a rewritten chain).
"""

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef

from apps.ledger.models import AuditEntry, ServiceRecord
from apps.ledger.selectors import subject_type_of
from apps.seals.canonical import SOURCES, ZERO, leaf_bytes, row_digest, seal_digest
from apps.seals.models import LeafKind, Seal, SealLeaf

_CHUNK = 20_000
_SETTLED_FIELD = {LeafKind.AUDIT: "audit_settled", LeafKind.RECORD: "record_settled"}
_KIND_NAME = {LeafKind.AUDIT: "audit", LeafKind.RECORD: "record"}


@dataclass(frozen=True)
class Problem:
    subject: str  # "seal", "leaf", "audit", "record", "witness"
    ident: str  # the seal number, leaf position, row id or witness line
    issue: str

    def as_dict(self):
        return {"subject": self.subject, "id": self.ident, "issue": self.issue}

    def __str__(self):
        return f"{self.subject} {self.ident}: {self.issue}"


@dataclass
class Report:
    seals: int = 0
    leaves: int = 0
    last_seal: str = ""
    unsealed: int = 0  # rows not sealed yet, newer than the sealed horizon: normal, the next seal takes them
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems

    def add(self, subject, ident, issue):
        self.problems.append(Problem(subject, str(ident), issue))


def _chain(report):
    """The seals in order and their leaves in position order: seal numbers, digests, links and roots."""
    seals = list(Seal.objects.order_by("seq"))
    report.seals = len(seals)
    leaves = SealLeaf.objects.order_by("position").values_list("position", "kind", "row_id", "digest")
    leaves = leaves.iterator(chunk_size=_CHUNK)
    pending = next(leaves, None)
    previous, expected_seq, expected_position = None, 1, 1
    for seal in seals:
        if seal.seq != expected_seq:
            for missing in range(expected_seq, seal.seq):
                report.add("seal", missing, "seal_missing")
        expected_seq = seal.seq + 1
        fields = {
            "seq": seal.seq,
            "sealed_at": seal.sealed_at,
            "first_position": seal.first_position,
            "last_position": seal.last_position,
            "root": seal.root,
            "previous": seal.previous,
            "audit_settled": seal.audit_settled,
            "record_settled": seal.record_settled,
        }
        if seal_digest(**fields) != seal.digest:
            report.add("seal", seal.seq, "seal_altered")
        if seal.previous != (previous.digest if previous else ZERO) or seal.first_position != expected_position:
            report.add("seal", seal.seq, "chain_broken")
        root, good = hashlib.sha256(), True
        # The leaves of this seal are those with positions in its range; any other leaf breaks the root.
        while pending is not None and pending[0] <= seal.last_position:
            position, kind, row_id, digest = pending
            if position < seal.first_position:
                good = False
            else:
                root.update(leaf_bytes(position, kind, row_id, digest))
            report.leaves += 1
            pending = next(leaves, None)
        if not good or root.hexdigest() != seal.root:
            report.add("seal", seal.seq, "leaves_altered")
        expected_position = seal.last_position + 1
        previous = seal
    while pending is not None:  # leaves beyond the last seal: added by hand
        report.add("leaf", pending[0], "leaves_altered")
        report.leaves += 1
        pending = next(leaves, None)
    if previous is not None:
        report.last_seal = previous.witness
    return previous


def _rows(report, source, horizon):
    """Merge the rows of one kind (by id) with their leaves (by row id): altered, deleted, inserted."""
    name = _KIND_NAME[source.kind]
    leaves = SealLeaf.objects.filter(kind=source.kind).order_by("row_id").values_list("row_id", "digest")
    leaves = leaves.iterator(chunk_size=_CHUNK)
    wanted = source.fields
    rows = source.model.objects.order_by("pk").values_list(*wanted).iterator(chunk_size=_CHUNK)
    # Records are sealed once decided (their status is one of the fields); audit entries once written.
    sealable_statuses = set(source.sealed_filter.get("status__in", ()))
    time_index = wanted.index(source.time_field)
    status_index = wanted.index("status") if sealable_statuses else None
    leaf = next(leaves, None)
    for values in rows:
        row_id = values[0]
        while leaf is not None and leaf[0] < row_id:
            report.add(name, leaf[0], "deleted")
            leaf = next(leaves, None)
        if leaf is not None and leaf[0] == row_id:
            if row_digest(source.kind, values) != bytes(leaf[1]):
                report.add(name, row_id, "altered")
            leaf = next(leaves, None)
            continue
        if status_index is not None and values[status_index] not in sealable_statuses:
            continue  # not decided yet: sealed once it is
        moment = values[time_index]
        if moment is not None and horizon is not None and moment < horizon:
            report.add(name, row_id, "inserted")
        else:
            report.unsealed += 1
    while leaf is not None:
        report.add(name, leaf[0], "deleted")
        leaf = next(leaves, None)


def _records_without_audit(report):
    created = AuditEntry.objects.filter(
        subject_type=subject_type_of(ServiceRecord), subject_id=OuterRef("pk"), action="create"
    )
    for row_id in ServiceRecord.objects.filter(~Exists(created)).order_by("pk").values_list("pk", flat=True):
        report.add("record", row_id, "record_without_audit")


def witness_lines(path=None):
    """The seals written to the witness file, as (seq, digest) pairs (missing file: none)."""
    from pathlib import Path

    path = path or settings.SEAL_WITNESS_FILE
    if not path or not Path(path).exists():
        return []
    pairs = []
    for line in Path(path).read_text(encoding="ascii").splitlines():
        if line.strip():
            pairs.append(parse_witness(line.split()[0]))
    return pairs


def parse_witness(text):
    """`1842:9f3a…` → (1842, "9f3a…"); ValueError when it is not a seal."""
    seq, _, digest = text.strip().partition(":")
    digest = digest.lower()
    if not seq.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(text)
    return int(seq), digest


def _witnesses(report, witnesses):
    if not witnesses:
        return
    digests = dict(Seal.objects.filter(seq__in=[seq for seq, _ in witnesses]).values_list("seq", "digest"))
    for seq, digest in witnesses:
        if seq not in digests:
            report.add("witness", f"{seq}:{digest}", "witness_missing")
        elif digests[seq] != digest:
            report.add("witness", f"{seq}:{digest}", "witness_differs")


def ledger_verify(*, witnesses=None, use_witness_file=True):
    """Verify the whole ledger; returns a Report. `witnesses`: extra (seq, digest) pairs, e.g. read from a printed
    export, checked besides the witness file's."""
    report = Report()
    last = _chain(report)
    for source in SOURCES:
        horizon = getattr(last, _SETTLED_FIELD[source.kind]) if last else None
        _rows(report, source, horizon)
    _records_without_audit(report)
    pairs = list(witnesses or ())
    if use_witness_file:
        pairs += witness_lines()
    _witnesses(report, sorted(set(pairs)))
    return report
