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
- record_without_audit: a service record with no audit entry of its creation (an amendment: none of the
  original's `amend` entries names it);
- witness_missing / witness_differs: a seal printed or written outside the database is absent from the chain (a
  restored backup or a truncated chain) or has another digest there (a rewritten chain).

`records_check` and `certificate_check` are the cheap check of a few service records (a certificate's) against
their sealed entries, for the public certificate page: no chain, no other rows; the latest full verification says
the rest.
"""

import hashlib
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    Exists,
    IntegerField,
    JSONField,
    Max,
    Min,
    OuterRef,
    Q,
    TextField,
    UUIDField,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from apps.ledger.certificates import certificate_records
from apps.ledger.models import AuditEntry, RecordStatus, ServiceRecord
from apps.ledger.selectors import subject_type_of
from apps.seals.canonical import (
    SEAL_FIELDS,
    SOURCES,
    ZERO,
    leaf_bytes,
    plain,
    plain_digest,
    row_digest,
    seal_digest,
    source_of,
)
from apps.seals.models import LeafKind, LedgerCheck, Seal, SealLeaf
from apps.seals.selectors import ledger_check_latest

_CHUNK = 20_000
_RANGE = 50_000  # ids a query of the verifier reads
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


def _roots_in_sql():
    """PostgreSQL: every seal's root, leaf count and position range computed by the database (the same bytes as
    leaf_bytes, hashed in order), which spares reading every leaf into Python."""
    leaf = (
        "int8send(l.position) || decode(lpad(to_hex(l.kind::integer), 2, '0'), 'hex') || int8send(l.row_id) || l.digest"
    )
    sql = (
        f"SELECT s.seq, encode(sha256(string_agg({leaf}, ''::bytea ORDER BY l.position)), 'hex'), count(*) "
        f"FROM {Seal._meta.db_table} s JOIN {SealLeaf._meta.db_table} l "
        "ON l.position BETWEEN s.first_position AND s.last_position GROUP BY s.seq"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {seq: (root, count) for seq, root, count in cursor.fetchall()}


def _roots_in_python(seals):
    """Other databases: the same, reading the leaves in position order."""
    roots = {}
    leaves = SealLeaf.objects.order_by("position").values_list("position", "kind", "row_id", "digest")
    leaves = iter(leaves.iterator(chunk_size=_CHUNK))
    pending = next(leaves, None)
    for seal in seals:
        root, count = hashlib.sha256(), 0
        while pending is not None and pending[0] < seal.first_position:
            pending = next(leaves, None)  # between seals: counted below as outside every seal
        while pending is not None and pending[0] <= seal.last_position:
            root.update(leaf_bytes(*pending))
            count += 1
            pending = next(leaves, None)
        roots[seal.seq] = (root.hexdigest(), count)
    return roots


def _chain(report):
    """The seals in order: numbers, digests, links, and the root and count of each seal's leaves."""
    seals = list(Seal.objects.order_by("seq"))
    report.seals = len(seals)
    roots = _roots_in_sql() if connection.vendor == "postgresql" else _roots_in_python(seals)
    previous, expected_seq, expected_position = None, 1, 1
    for seal in seals:
        for missing in range(expected_seq, seal.seq):
            report.add("seal", missing, "seal_missing")
        expected_seq = seal.seq + 1
        fields = {name: getattr(seal, name) for name in SEAL_FIELDS}
        if seal_digest(**fields) != seal.digest:
            report.add("seal", seal.seq, "seal_altered")
        if seal.previous != (previous.digest if previous else ZERO) or seal.first_position != expected_position:
            report.add("seal", seal.seq, "chain_broken")
        root, count = roots.get(seal.seq, (None, 0))
        report.leaves += count
        if root != seal.root or count != seal.leaf_count:
            report.add("seal", seal.seq, "leaves_altered")
        expected_position = seal.last_position + 1
        previous = seal
    # Leaves beyond the chain's ends: written by hand. (Within it the positions are contiguous, or a seal is
    # missing or its link broken, which is named above.)
    end = previous.last_position if previous else 0
    stray = SealLeaf.objects.filter(Q(position__gt=end) | Q(position__lt=1)).order_by("position")
    for position in stray.values_list("position", flat=True)[:1000]:
        report.add("leaf", position, "leaves_altered")
    if previous is not None:
        report.last_seal = previous.witness
    return previous


def _field(model, attname):
    """The model field behind an attribute name (`member_id` is the foreign key `member`; `source_id` a field)."""
    return next(field for field in model._meta.concrete_fields if field.attname == attname)


def _select(model, fields):
    """The SELECT list of a kind's fields and, for each field the database cannot hand over in its plain form,
    the function that makes it plain (apps.seals.canonical): PostgreSQL gives datetimes as microseconds and UUIDs
    as text itself (far cheaper than parsing them in Python), SQLite's values go through the ORM's converters."""
    quote, postgres = connection.ops.quote_name, connection.vendor == "postgresql"
    columns, converters = [], []
    for index, name in enumerate(fields):
        field = _field(model, name)
        column = f"r.{quote(field.column)}"
        if postgres and isinstance(field, DateTimeField):
            columns.append(f"(extract(epoch FROM {column}) * 1000000)::bigint")
            continue
        if postgres and isinstance(field, UUIDField):
            columns.append(f"{column}::text")
            continue
        columns.append(column)
        functions = connection.ops.get_db_converters(field.get_col(model._meta.db_table))
        functions += field.get_db_converters(connection)
        if functions or isinstance(field, DateTimeField | UUIDField):
            converters.append((index, _converter(functions, field)))
    return ", ".join(columns), converters


def _converter(functions, field):
    def convert(value):
        for function in functions:
            value = function(value, field, connection)
        return plain(value)

    return convert


def _sql_value(field, column):
    """PostgreSQL: SQL giving a field's value as it stands in the canonical encoding (apps.seals.canonical), or None
    for a field the database cannot write that way."""
    target = field.target_field if field.is_relation else field
    if isinstance(target, DateTimeField):
        return f"coalesce(((extract(epoch FROM {column}) * 1000000)::bigint)::text, 'null')"
    if isinstance(target, UUIDField):
        return f"coalesce(to_json({column}::text)::text, 'null')"
    if isinstance(target, JSONField):
        return f"coalesce({column}::text, 'null')"
    if isinstance(target, CharField | TextField):
        return f"coalesce(to_json({column})::text, 'null')"
    if isinstance(target, BooleanField):
        return f"CASE WHEN {column} THEN 'true' WHEN NOT {column} THEN 'false' ELSE 'null' END"
    if isinstance(target, IntegerField):
        return f"coalesce({column}::text, 'null')"
    return None


def _sql_digest(source):
    """PostgreSQL: SQL computing a row's digest (the SHA-256 of its canonical encoding) from the row `r` itself, so
    that only the rows whose digest differs from their leaf's come back to Python; None when the database cannot
    (a field it cannot write as the encoding does, or a database not in UTF-8)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_encoding")
        if cursor.fetchone()[0].upper() not in ("UTF8", "UTF-8"):
            return None
    quote = connection.ops.quote_name
    values = [_sql_value(field, f"r.{quote(field.column)}") for field in source.model_fields]
    if None in values:
        return None
    text = f"'[{int(source.kind)},' || " + " || ',' || ".join(values) + " || ']'"
    return f"sha256(convert_to({text}, 'UTF8'))"


def _check(report, source, horizon, rows):
    """Rows as (plain values..., the sealed digest or None): altered, inserted, or not sealed yet."""
    name, kind, width = _KIND_NAME[source.kind], int(source.kind), len(source.fields)
    sealable_statuses = set(source.sealed_filter.get("status__in", ()))
    time_index = source.fields.index(source.time_field)
    status_index = source.fields.index("status") if sealable_statuses else None
    for row in rows:
        values, sealed = row[:width], row[width]
        if sealed is not None:
            if plain_digest(kind, values) != bytes(sealed):
                report.add(name, values[0], "altered")
            continue
        if status_index is not None and values[status_index] not in sealable_statuses:
            continue  # not decided yet: sealed once it is
        moment = values[time_index]
        if moment is not None and horizon is not None and moment < horizon:
            report.add(name, values[0], "inserted")
        else:
            report.unsealed += 1


def _rows(report, source, horizon, id_range=None):
    """One kind's rows (in `id_range`, by id) each with the digest it was sealed with: altered and inserted rows;
    then the sealed rows that are gone.

    On PostgreSQL the database computes each row's digest and hands over only the rows that are not sealed or whose
    digest differs from their leaf's; those are then encoded again in Python (the encoding's reference), so a
    value PostgreSQL writes otherwise (a float, say) costs time, never a false alarm."""
    model, table = source.model, connection.ops.quote_name(source.model._meta.db_table)
    leaves = connection.ops.quote_name(SealLeaf._meta.db_table)
    columns, converters = _select(model, source.fields)
    # Plain queries over ranges of ids, not one server-side cursor: each is two index range scans (the rows, their
    # leaves) merged, planned for all its rows (a cursor is planned for its first ones), in memory one at a time.
    join = f"FROM {table} r LEFT JOIN {leaves} l ON l.kind = %s AND l.row_id = r.id AND l.row_id BETWEEN %s AND %s"
    digest = _sql_digest(source)
    condition = f"AND (l.digest IS NULL OR l.digest <> {digest})" if digest else ""
    sql = f"SELECT {columns}, l.digest {join} WHERE r.id BETWEEN %s AND %s {condition} ORDER BY r.id"
    horizon = plain(horizon)
    kind = int(source.kind)
    low, high = id_range if id_range is not None else _id_ranges(model, 1)[0] or (1, 0)

    def converted(rows):
        for row in rows:
            values = list(row)
            for index, convert in converters:
                values[index] = convert(values[index])
            yield values

    with connection.cursor() as cursor:
        for start in range(low, high + 1, _RANGE):
            end = min(high, start + _RANGE - 1)
            cursor.execute(sql, [kind, start, end, start, end])
            _check(report, source, horizon, converted(cursor.fetchall()))
    name = _KIND_NAME[source.kind]
    gone = SealLeaf.objects.filter(kind=source.kind).exclude(Exists(model.objects.filter(pk=OuterRef("row_id"))))
    if id_range is not None:
        gone = gone.filter(row_id__range=id_range)
    for row_id in gone.order_by("row_id").values_list("row_id", flat=True):
        report.add(name, row_id, "deleted")


def _records_without_audit(report):
    """Every record was written with an audit entry: its own `create`, or for an amendment the `amend` entry of the
    original that names it."""
    entries = AuditEntry.objects.filter(subject_type=subject_type_of(ServiceRecord))
    created = entries.filter(subject_id=OuterRef("pk"), action="create")
    amended = (
        entries.filter(subject_id=OuterRef("amends_id"), action="amend")
        .annotate(amendment=Cast(KT("after__amendment"), BigIntegerField()))
        .filter(amendment=OuterRef("pk"))
    )
    orphans = ServiceRecord.objects.filter(~Exists(created)).filter(Q(amends__isnull=True) | ~Exists(amended))
    for row_id in orphans.order_by("pk").values_list("pk", flat=True):
        report.add("record", row_id, "record_without_audit")


def witness_lines(path=None):
    """The seals written to the witness file, as (seq, digest) pairs (missing file: none)."""

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


def _id_ranges(model, parts):
    """`parts` ranges of ids covering the table (by the smallest and largest id), for verifying in parallel."""
    bounds = model.objects.aggregate(low=Min("pk"), high=Max("pk"))
    low, high = bounds["low"], bounds["high"]
    if low is None:
        return [None]
    step = max(1, (high - low + 1 + parts - 1) // parts)
    return [(start, min(high, start + step - 1)) for start in range(low, high + 1, step)]


def _gone_beyond_the_table(report):
    """Sealed rows gone from either end of their table: the row parts look for gone rows among the ids between the
    smallest and the largest id left, so the oldest or the newest rows deleted lie outside every part. (An empty
    table has no parts with ids: its part looks at every leaf.)"""
    for source in SOURCES:
        bounds = source.model.objects.aggregate(low=Min("pk"), high=Max("pk"))
        if bounds["low"] is None:
            continue
        beyond = SealLeaf.objects.filter(kind=source.kind).filter(
            Q(row_id__lt=bounds["low"]) | Q(row_id__gt=bounds["high"])
        )
        for row_id in beyond.order_by("row_id").values_list("row_id", flat=True):
            report.add(_KIND_NAME[source.kind], row_id, "deleted")


def _run_part(part):
    """One independent piece of a verification; returns its Report. Runs in this process or in a worker."""
    report = Report()
    if part[0] == "chain":
        _chain(report)
        _records_without_audit(report)
        _gone_beyond_the_table(report)
    else:
        _, kind, horizon, id_range = part
        _rows(report, source_of(kind), horizon, id_range)
    return report


def _parts(workers):
    last = Seal.objects.order_by("-seq").first()
    parts = [("chain",)]
    for source in SOURCES:
        horizon = getattr(last, _SETTLED_FIELD[source.kind]) if last else None
        # Audit entries are the most rows: split them so that every worker has a share.
        pieces = max(1, workers - 1) if source.kind == LeafKind.AUDIT and workers > 1 else 1
        parts += [("rows", source.kind, horizon, id_range) for id_range in _id_ranges(source.model, pieces)]
    return parts


def _in_workers(parts, workers):
    """PostgreSQL: the parts in `workers` processes, each with its own connection (forked with none open)."""
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=connections.close_all) as pool:
        return list(pool.map(_run_part, parts))


def ledger_verify(*, witnesses=None, use_witness_file=True, workers=1):
    """Verify the whole ledger; returns a Report. `witnesses`: extra (seq, digest) pairs, e.g. read from a printed
    export, checked besides the witness file's. `workers` > 1 verifies in that many processes on PostgreSQL (each
    reads a committed snapshot of its own: run it on a quiet ledger, or expect rows sealed meanwhile to count as
    not sealed yet); elsewhere, and by default, in this process."""
    parallel = workers > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block
    parts = _parts(workers if parallel else 1)
    pieces = _in_workers(parts, workers) if parallel else [_run_part(part) for part in parts]
    report = Report()
    for piece in pieces:
        report.seals += piece.seals
        report.leaves += piece.leaves
        report.unsealed += piece.unsealed
        report.last_seal = report.last_seal or piece.last_seal
        report.problems += piece.problems
    pairs = list(witnesses or ())
    if use_witness_file:
        pairs += witness_lines()
    _witnesses(report, sorted(set(pairs)))
    return report


# --- a few records: a certificate's ----------------------------------------------------------------------------

VERIFIED = "verified"  # every record sealed and unchanged
NOT_SEALED = "not_sealed"  # nothing changed, but some records were decided moments ago and are not sealed yet
ALTERED = "altered"  # records changed since they were sealed, added behind the ledger's back, or gone


@dataclass(frozen=True)
class RecordsCheck:
    """The outcome of checking some service records against their sealed entries. Counts only: it names no row, so a
    public page may show it whoever the records belong to."""

    records: int = 0  # the ledger rows looked at (a certificate's services and their approved amendments)
    sealed: int = 0  # sealed, and unchanged since
    not_sealed: int = 0  # decided after the last seal's horizon: the next seal takes them
    altered: int = 0  # changed since they were sealed, or unsealed though older than the horizon (inserted)
    missing: int = 0  # a certificate's services the ledger no longer gives (deleted, or changed out of its period)
    figures_match: bool = True  # a certificate's hours and number of services are still what the ledger gives
    sealed_by: datetime | None = None  # when the rows not sealed yet will be, if the scheduler seals every minute
    ledger_check: LedgerCheck | None = None  # the latest full verification of the ledger, or None

    @property
    def status(self):
        if self.altered or self.missing or not self.figures_match:
            return ALTERED
        return NOT_SEALED if self.not_sealed else VERIFIED


def records_check(records, *, now=None):
    """Check service records (a queryset) against their sealed entries: each row's digest is recomputed with the
    sealer's own encoding (apps.seals.canonical) and compared with its leaf. A row without a leaf is not sealed yet
    if it was decided after the latest seal's horizon (sealed within a minute or so), and inserted behind the
    ledger's back (counted as altered) if before it, as the full verification decides.

    Cheap enough for a public page (a certificate's few hundred rows): one query for the rows, one for their leaves,
    one for the latest seal, one for the latest verification. The chain above the leaves is not recomputed here: the
    latest full verification (`ledger_check`) says whether it held.
    """
    now = now or timezone.now()
    source = source_of(LeafKind.RECORD)
    rows = list(records.order_by().values_list(*source.fields))
    ids = [values[0] for values in rows]
    leaves = dict(SealLeaf.objects.filter(kind=source.kind, row_id__in=ids).values_list("row_id", "digest"))
    last = Seal.objects.order_by("-seq").only("record_settled").first()
    horizon = last.record_settled if last is not None else None
    sealable = set(source.sealed_filter["status__in"])
    time_index, status_index = source.fields.index(source.time_field), source.fields.index("status")
    sealed = not_sealed = altered = 0
    for values in rows:
        digest = leaves.get(values[0])
        if digest is not None:
            if row_digest(source.kind, values) == bytes(digest):
                sealed += 1
            else:
                altered += 1
            continue
        moment = values[time_index]
        if values[status_index] not in sealable:
            not_sealed += 1  # not decided: sealed once it is (a certificate counts none)
        elif moment is None or (horizon is not None and moment < horizon):
            altered += 1  # decided without a time, or before the horizon: the application wrote neither
        else:
            not_sealed += 1
    # `ledger_seal` runs at every full minute: a row decided by now is sealed by the run after the next one at worst.
    sealed_by = now.replace(second=0, microsecond=0) + timedelta(minutes=2) if not_sealed else None
    return RecordsCheck(
        records=len(rows),
        sealed=sealed,
        not_sealed=not_sealed,
        altered=altered,
        sealed_by=sealed_by,
        ledger_check=ledger_check_latest(),
    )


def certificate_check(certificate, *, now=None):
    """Whether the records behind a certificate verify: the services it counts (apps.ledger.certificates:
    certificate_records as of its issue) and their amendments approved by then, checked against their sealed
    entries (records_check); and whether they still give the certificate's number of services and hours, which
    finds a record deleted or moved out of the certificate (its row is gone from the query, not changed in it) and a
    certificate whose figures were rewritten."""
    as_of = certificate.issued_at
    originals = certificate_records(
        member=certificate.member, period_start=certificate.period_start, period_end=certificate.period_end, as_of=as_of
    )
    counted = dict(originals.values_list("pk", "effective_minutes"))
    amendments = Q(amends_id__in=list(counted), status=RecordStatus.APPROVED, decided_at__lte=as_of)
    check = records_check(ServiceRecord.objects.filter(Q(pk__in=list(counted)) | amendments), now=now)
    figures_match = (
        len(counted) == certificate.record_count and max(sum(counted.values()), 0) == certificate.total_minutes
    )
    return replace(check, missing=max(certificate.record_count - len(counted), 0), figures_match=figures_match)
