"""The canonical encoding: JSON values written as PostgreSQL's jsonb writes them, so that PostgreSQL computes the
very digests Python seals with, and a value it writes otherwise falls back to Python without a false alarm."""

import pytest
from django.db import connection
from django.utils import timezone

from apps.ledger.models import AuditEntry, ServiceRecord
from apps.seals import verify
from apps.seals.canonical import AUDIT_FIELDS, encode, jsonb_text, row_digest, source_of
from apps.seals.models import LeafKind
from apps.seals.services import ledger_seal
from apps.seals.verify import ledger_verify
from tests.seals.conftest import sql

pytestmark = pytest.mark.django_db

AWKWARD = [
    {"status": "approved", "b": 1, "aa": None, "é": True, "zz": [1, "二", {"y": False, "x": []}]},
    {"reason": 'quote " backslash \\ newline \n tab \t bell \x07 slash / 中文 \u2028', "n": -12},
    {"nested": {"deeper": {"list": [[], {}, [None]]}}, "": "empty key"},
    [],
    {},
    None,
]


def test_jsonb_text_orders_keys_by_length_then_bytes_and_spaces_as_jsonb_does():
    assert jsonb_text({"bb": 1, "a": 2, "ab": [1, {"d": None, "c": True}]}) == (
        '{"a": 2, "ab": [1, {"c": true, "d": null}], "bb": 1}'
    )
    # "é" is two bytes in UTF-8: after every one-byte key, before three-byte ones.
    assert jsonb_text({"é": 1, "zz": 2, "y": 3, "中": 4}) == '{"y": 3, "zz": 2, "é": 1, "中": 4}'
    assert jsonb_text('a\n"中') == '"a\\n\\"中"'


def test_a_row_is_a_compact_array_with_its_json_values_as_jsonb_writes_them():
    values = [7, 1_700_000_000_000_000, 3, "ledger.servicerecord", 9, "approve", {"b": 1, "a": 2}, None, "理由"]
    assert len(values) == len(AUDIT_FIELDS)
    assert encode(int(LeafKind.AUDIT), values) == (
        '[1,7,1700000000000000,3,"ledger.servicerecord",9,"approve",{"a": 2, "b": 1},null,"理由"]'
    )


def _audit(world, before, after):
    return AuditEntry.objects.create(
        at=timezone.now(),
        actor=world.staff,
        subject_type="ledger.servicerecord",
        subject_id=1,
        action="approve",
        before=before,
        after=after,
        reason='理由 "引号" \\ \n',
    )


@pytest.mark.postgres
def test_postgresql_computes_the_digest_python_seals_with(world):
    entries = [_audit(world, before, after) for before, after in zip(AWKWARD, reversed(AWKWARD), strict=True)]
    source = source_of(LeafKind.AUDIT)
    digest = verify._sql_digest(source)
    assert digest is not None
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT r.id, {digest} FROM {table} r WHERE r.id = ANY(%s)", [[e.pk for e in entries]])
        in_sql = {pk: bytes(value) for pk, value in cursor.fetchall()}
    rows = AuditEntry.objects.filter(pk__in=in_sql).values_list(*AUDIT_FIELDS)
    assert in_sql == {values[0]: row_digest(LeafKind.AUDIT, values) for values in rows}


@pytest.mark.postgres
def test_postgresql_computes_a_records_digest_too(ledger):
    source = source_of(LeafKind.RECORD)
    digest = verify._sql_digest(source)
    table = connection.ops.quote_name(ServiceRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT r.id, {digest} FROM {table} r")
        in_sql = {pk: bytes(value) for pk, value in cursor.fetchall()}
    rows = ServiceRecord.objects.values_list(*source.fields)
    assert in_sql == {values[0]: row_digest(LeafKind.RECORD, values) for values in rows}


def test_a_value_the_database_writes_otherwise_still_verifies_and_a_change_to_it_is_found(world):
    # A float: Python writes 1e-05, PostgreSQL's jsonb 0.00001. The database's digest differs, Python's does not.
    entry = _audit(world, {"ratio": 1e-05}, {"ratio": 0.5, "list": [1.25]})
    ledger_seal(now=timezone.now())
    assert ledger_verify().ok

    after = '{"ratio": 0.5, "list": [1.5]}'
    sql(f"UPDATE {AuditEntry._meta.db_table} SET after = %s WHERE id = %s", [after, entry.pk])
    assert [str(problem) for problem in ledger_verify().problems] == [f"audit {entry.pk}: altered"]
