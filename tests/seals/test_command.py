"""`manage.py verify_ledger`: --seal-first seals what is left before verifying, --json prints the outcome as JSON
(and still exits with 1 when something changed), --seal checks a printed seal."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from apps.seals.models import LedgerCheck, Seal
from apps.seals.services import ledger_seal
from tests.seals.conftest import sql

pytestmark = pytest.mark.django_db


def verify(*args):
    out = StringIO()
    call_command("verify_ledger", *args, stdout=out)
    return out.getvalue()


def test_without_seal_first_nothing_is_sealed_and_the_rows_wait_for_the_next_seal(ledger):
    out = verify()
    assert not Seal.objects.exists()
    assert out.startswith("0 seals, 0 sealed entries, ")
    assert "the ledger verifies" in out


def test_seal_first_seals_everything_then_verifies_it(ledger):
    out = verify("--seal-first")
    seal = Seal.objects.get()
    assert f"1 seals, {seal.leaf_count} sealed entries, 0 not sealed yet; last seal {seal.witness}" in out
    assert LedgerCheck.objects.get().last_seal == seal.witness


def test_json_gives_the_outcome_for_a_clean_ledger(ledger):
    outcome = json.loads(verify("--seal-first", "--json"))
    seal = Seal.objects.get()
    assert outcome == {
        "ok": True,
        "seals": 1,
        "sealed_entries": seal.leaf_count,
        "last_seal": seal.witness,
        "unsealed": 0,
        "problems": [],
    }


def test_json_names_each_problem_and_the_command_exits_with_1(ledger):
    ledger_seal()
    record = ledger.approved[0]
    sql("UPDATE ledger_servicerecord SET content = 'x' WHERE id = %s", [record.pk])
    forged = f"{Seal.objects.get().seq}:{'a' * 64}"

    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_ledger", "--json", "--seal", forged, stdout=out)

    assert exit_.value.code == 1
    outcome = json.loads(out.getvalue())
    assert outcome["ok"] is False
    assert outcome["problems"] == [
        {"subject": "record", "id": str(record.pk), "issue": "altered"},
        {"subject": "witness", "id": forged, "issue": "witness_differs"},
    ]
    assert LedgerCheck.objects.get().problem_count == 2


def test_a_printed_seal_typed_in_capitals_verifies(ledger):
    seal = ledger_seal()
    assert "the ledger verifies" in verify("--seal", seal.witness.upper())
