"""The canonical encoding of a sealed row and the digests built on it: the same bytes on SQLite and PostgreSQL,
whatever the driver hands back, so a digest computed today can be recomputed years later on another database.

A row is encoded as the JSON array `[kind, value, value, ...]` of the fields below in this order, without spaces,
in UTF-8 (non-ASCII characters as they are): datetimes as integer microseconds since 1970-01-01 00:00 UTC, UUIDs as
text, foreign keys as their ids. A JSON field's value is written as PostgreSQL writes a `jsonb` value: object keys
ordered by their length in UTF-8 bytes, then bytewise; `", "` between items and `": "` after keys. So PostgreSQL
can compute a row's digest itself (apps.seals.verify) and the same bytes come out of Python on any database. The
fields are every column of the row that carries meaning; `updated_at` does not.
"""

import hashlib
import json
from datetime import UTC, datetime, timedelta
from uuid import UUID

from django.db.models import JSONField

from apps.ledger.models import AuditEntry, RecordStatus, ServiceRecord
from apps.seals.models import LeafKind

AUDIT_FIELDS = ("id", "at", "actor_id", "subject_type", "subject_id", "action", "before", "after", "reason")
RECORD_FIELDS = (
    "id",
    "created_at",
    "member_id",
    "organ_id",
    "branch_id",
    "community_id",
    "grid_id",
    "team_id",
    "source",
    "source_id",
    "category",
    "content",
    "started_at",
    "ended_at",
    "credited_minutes",
    "residents_served",
    "status",
    "recorded_by_id",
    "decided_by_id",
    "decided_at",
    "decision_reason",
    "amends_id",
    "occasion",
)
# A service record is sealed once it is decided: from then on it never changes (a correction is a new row).
SEALED_RECORD_STATUSES = (RecordStatus.APPROVED, RecordStatus.REJECTED)

ZERO = "0" * 64


class Source:
    """Where the leaves of one kind come from: the model, its fields, and the time column sealing follows."""

    def __init__(self, kind, model, fields, time_field, sealed_filter=None):
        self.kind = kind
        self.model = model
        self.fields = fields
        self.time_field = time_field
        self.sealed_filter = sealed_filter or {}
        self.model_fields = [
            next(field for field in model._meta.concrete_fields if field.attname == name) for name in fields
        ]
        # Positions of the JSON fields among the values (written as jsonb writes them).
        self.json_at = frozenset(i for i, field in enumerate(self.model_fields) if isinstance(field, JSONField))

    def rows(self):
        """The rows that are sealed once they exist (audit entries) or once they are decided (records)."""
        return self.model.objects.filter(**self.sealed_filter)


SOURCES = (
    Source(LeafKind.AUDIT, AuditEntry, AUDIT_FIELDS, "at"),
    Source(LeafKind.RECORD, ServiceRecord, RECORD_FIELDS, "decided_at", {"status__in": SEALED_RECORD_STATUSES}),
)


_JSON_AT = {int(source.kind): source.json_at for source in SOURCES}


def source_of(kind):
    return next(source for source in SOURCES if source.kind == kind)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def plain(value):
    """A value as the encoding holds it. Exact and cheap: the verifier encodes millions of rows."""
    if isinstance(value, datetime):
        return (value - _EPOCH) // _MICROSECOND
    if isinstance(value, UUID):
        return str(value)
    return value


def _jsonb_key(key):
    encoded = key.encode("utf-8")
    return len(encoded), encoded


def jsonb_text(value):
    """A JSON value as PostgreSQL's jsonb output writes it (keys by length, then bytewise; ", " and ": ")."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda item: _jsonb_key(item[0]))
        return "{" + ", ".join(f"{_ENCODER.encode(key)}: {jsonb_text(item)}" for key, item in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(jsonb_text(item) for item in value) + "]"
    return _ENCODER.encode(value)


def encode(kind, values):
    """A row's canonical encoding (text), from values already plain."""
    json_at = _JSON_AT[kind]
    if not json_at:
        return _ENCODER.encode([kind, *values])
    parts = [jsonb_text(value) if i in json_at else _ENCODER.encode(value) for i, value in enumerate(values)]
    return f"[{kind}," + ",".join(parts) + "]"


def plain_digest(kind, values):
    """SHA-256 (32 bytes) of a row's canonical encoding, from values already plain."""
    return hashlib.sha256(encode(kind, values).encode("utf-8")).digest()


def row_digest(kind, values):
    """SHA-256 (32 bytes) of a row's canonical encoding; `values` in the order of its kind's fields."""
    return plain_digest(int(kind), [plain(value) for value in values])


def leaf_bytes(position, kind, row_id, digest):
    """A leaf as it enters its seal's root: position, kind and row id (8 + 1 + 8 bytes, big-endian), then the
    row's digest. Moving, retyping or renumbering a leaf changes the root as surely as changing the row."""
    return position.to_bytes(8, "big") + int(kind).to_bytes(1, "big") + row_id.to_bytes(8, "big") + bytes(digest)


SEAL_FIELDS = (
    "seq",
    "sealed_at",
    "first_position",
    "last_position",
    "root",
    "previous",
    "audit_settled",
    "record_settled",
)


def seal_digest(*, seq, sealed_at, first_position, last_position, root, previous, audit_settled, record_settled):
    """The digest of a seal: everything the seal says, the previous seal's digest included."""
    encoded = json.dumps(
        [
            seq,
            plain(sealed_at),
            first_position,
            last_position,
            root,
            previous,
            plain(audit_settled),
            plain(record_settled),
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(encoded.encode("ascii")).hexdigest()
