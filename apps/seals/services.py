"""Writes of the sealed ledger: sealing what is not sealed yet (a new link of the chain), its witness outside the
database, and the record of a verification."""

import hashlib
import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.seals.canonical import SOURCES, ZERO, leaf_bytes, row_digest, seal_digest
from apps.seals.models import LedgerCheck, Seal, SealLeaf

logger = logging.getLogger("apps.seals")

# Any fixed key will do, as long as nothing else in the database uses it: "SEAL" + 1.
_SEAL_LOCK_KEY = 0x5345_414C_0001
_SETTLED_FIELD = {"at": "audit_settled", "decided_at": "record_settled"}


def settle_delay():
    """How long a write may stay uncommitted: a row written (or decided) longer ago than this and not sealed by the
    seal that looked at that moment was inserted behind the ledger's back."""
    return timedelta(minutes=settings.SEAL_SETTLE_MINUTES)


def _unsealed(source, floor):
    rows = source.rows().filter(**{f"{source.time_field}__isnull": False})
    if floor is not None:
        rows = rows.filter(**{f"{source.time_field}__gte": floor})
    sealed = SealLeaf.objects.filter(kind=source.kind, row_id=OuterRef("pk"))
    return rows.filter(~Exists(sealed)).order_by(source.time_field, "pk")


def _take(source, *, floor, now, limit):
    """The next `limit` unsealed rows of one kind (by time, then id) with their digests, and the time before which
    every row of that kind is sealed once these are."""
    rows = list(_unsealed(source, floor).values_list(source.time_field, *source.fields)[: limit + 1])
    truncated = len(rows) > limit
    rows = rows[:limit]
    frontier = rows[-1][0] if truncated else now
    settled = min(frontier, now - settle_delay())
    if floor is not None:
        settled = max(settled, floor)
    return [(source.kind, values[1], row_digest(source.kind, values[1:])) for values in rows], settled


def _lock_sealing():
    # PostgreSQL: one sealer at a time, the second waits and then finds nothing left to seal. SQLite: the
    # transaction took the database's write lock when it began (IMMEDIATE), which serialises sealers anyway.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEAL_LOCK_KEY])


def ledger_seal(*, now=None, limit=None):
    """Seal, in one new seal, up to `limit` (SEAL_BATCH_MAX) audit entries and as many decided service records that
    no seal covers yet. Returns the new seal, or None when there was nothing to seal (or another sealer won).

    The write path is not touched: sealing reads committed rows and writes only the seal tables, so claims,
    sign-ups and approvals never wait for it. Idempotent: a row is sealed once (unique leaf per row), and two
    sealers at once produce one seal (the lock; the unique seal number if the lock is bypassed).
    """
    now = now or timezone.now()
    limit = limit or settings.SEAL_BATCH_MAX
    try:
        with transaction.atomic():
            seal = _seal(now=now, limit=limit)
    except IntegrityError:
        logger.warning("another sealer sealed the same rows first; nothing sealed by this one")
        return None
    if seal is not None:
        transaction.on_commit(lambda: witness_write(seal))
    return seal


def _seal(*, now, limit):
    _lock_sealing()
    last = Seal.objects.order_by("-seq").first()
    taken, settled = [], {}
    for source in SOURCES:
        field = _SETTLED_FIELD[source.time_field]
        leaves, settled[field] = _take(source, floor=getattr(last, field, None), now=now, limit=limit)
        taken.extend(leaves)
    if not taken:
        return None
    first = last.last_position + 1 if last else 1
    root = hashlib.sha256()
    leaves = []
    for offset, (kind, row_id, digest) in enumerate(taken):
        position = first + offset
        root.update(leaf_bytes(position, kind, row_id, digest))
        leaves.append(SealLeaf(position=position, kind=kind, row_id=row_id, digest=digest))
    _insert_leaves(leaves)
    fields = {
        "seq": last.seq + 1 if last else 1,
        "sealed_at": now,
        "first_position": first,
        "last_position": first + len(leaves) - 1,
        "root": root.hexdigest(),
        "previous": last.digest if last else ZERO,
        **settled,
    }
    return Seal.objects.create(**fields, digest=seal_digest(**fields))


def _insert_leaves(leaves):
    if connection.vendor != "postgresql":
        SealLeaf.objects.bulk_create(leaves, batch_size=2000)
        return
    # COPY: tens of thousands of leaves a seal when a ledger is sealed for the first time.
    table = connection.ops.quote_name(SealLeaf._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} (position, kind, row_id, digest) FROM STDIN") as copy,
    ):
        for leaf in leaves:
            copy.write_row((leaf.position, int(leaf.kind), leaf.row_id, leaf.digest))


def ledger_seal_all(*, now=None, limit=None):
    """Seal until nothing is left (the scheduled job, and the start of a verification); returns the seals made."""
    made = []
    while (seal := ledger_seal(now=now, limit=limit)) is not None:
        made.append(seal)
    return made


def witness_write(seal):
    """Append the seal to the witness file (SEAL_WITNESS_FILE), a copy outside the database that a restored backup or
    a rewritten chain cannot follow. Best effort: the seal stands whether or not the file can be written."""
    path = settings.SEAL_WITNESS_FILE
    if not path:
        return
    try:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="ascii") as witness:
            witness.write(f"{seal.witness} {seal.sealed_at.isoformat()}\n")
    except OSError:
        logger.exception("could not write seal %s to the witness file %s", seal.seq, path)


@transaction.atomic
def ledger_check_record(*, report, started_at):
    """Keep the outcome of one verification (the dashboard shows the latest)."""
    return LedgerCheck.objects.create(
        started_at=started_at,
        finished_at=timezone.now(),
        ok=report.ok,
        seals=report.seals,
        leaves=report.leaves,
        last_seal=report.last_seal,
        problems=[problem.as_dict() for problem in report.problems[:1000]],
        problem_count=len(report.problems),
    )
