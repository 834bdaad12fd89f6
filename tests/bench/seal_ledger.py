"""The sealed-ledger benchmark (issue #18): on the statistics benchmark's city (2,000,000 service records in the
year at scale 1, plus the year before), write the audit trail the services would have written (a `create` entry per
record, an `approve` or `reject` entry per decided one), then time sealing all of it from nothing (how many entries a
second the sealing job can take) and verifying the whole ledger. The report is Markdown.

    DATABASE_URL=postgres://... .venv/bin/python -m tests.bench.seal_ledger [--scale 1] [--reuse] [--write FILE]

See docs/performance.md for the whole procedure (a throwaway PostgreSQL cluster from scripts/postgres.sh).
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

START_MARK = "<!-- bench:seals:start -->"
END_MARK = "<!-- bench:seals:end -->"
VERIFY_TARGET_S = 60  # issue #18: the 2,000,000-record ledger with its audit entries verifies in under 60 s
APPROVALS_PER_S = 200  # issue #18: sealing keeps up with 200 approvals a second (a record and an entry each)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.seal_ledger",
        description="Seal and verify the benchmark city's ledger with its audit trail; time both.",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 100,000 members, 2,000,000 records (default)")
    parser.add_argument("--year", type=int, help="benchmark year (default: last year)")
    parser.add_argument("--seed", type=int, default=20250101, help="random seed of the city (default: %(default)s)")
    parser.add_argument("--reuse", action="store_true", help="use the city already in the database (e.g. stats_city's)")
    parser.add_argument("--verify-repeat", type=int, default=3, help="timed verifications (default: %(default)s)")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="verifying processes (default: the CPUs)"
    )
    parser.add_argument("--write", type=Path, metavar="FILE", help="replace the benchmark section of FILE")
    return parser.parse_args(argv)


def _say(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def write_audit_trail():
    """The audit entries the services write for each record of the city, written by SQL from the records: `create`
    at an original's creation (the state it was entered with), `approve` / `reject` at its decision, and for an
    amendment the `amend` entry on its original that names it. Returns how many were written."""
    from django.db import connection

    from apps.ledger.models import AuditEntry, ServiceRecord
    from apps.ledger.selectors import subject_type_of

    audit, records = AuditEntry._meta.db_table, ServiceRecord._meta.db_table
    obj = "json_build_object" if connection.vendor == "postgresql" else "json_object"
    state = "'credited_minutes', credited_minutes, 'residents_served', residents_served"
    columns = "at, actor_id, subject_type, subject_id, action, before, after, reason"
    statements = [
        # created (pending), by whoever recorded it
        f"INSERT INTO {audit} ({columns}) SELECT created_at, recorded_by_id, %s, id, 'create', NULL, "
        f"{obj}('status', 'pending', {state}, 'category', category), '' FROM {records} WHERE amends_id IS NULL "
        "ORDER BY id",
        # decided
        f"INSERT INTO {audit} ({columns}) SELECT decided_at, decided_by_id, %s, id, "
        f"CASE status WHEN 'approved' THEN 'approve' ELSE 'reject' END, {obj}('status', 'pending', {state}), "
        f"{obj}('status', status, {state}), decision_reason FROM {records} "
        "WHERE amends_id IS NULL AND status IN ('approved', 'rejected') AND decided_at IS NOT NULL "
        "ORDER BY decided_at, id",
        # amendments: on the original, naming the amendment
        f"INSERT INTO {audit} ({columns}) SELECT created_at, recorded_by_id, %s, amends_id, 'amend', NULL, "
        f"{obj}({state}, 'amendment', id), '' FROM {records} WHERE amends_id IS NOT NULL ORDER BY id",
    ]
    written = 0
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, [subject_type_of(ServiceRecord)])
            written += cursor.rowcount
    return written


def main(argv=None):
    args = parse_args(argv)
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to the database to fill (see docs/performance.md).")
    from tests.bench.stats_city import setup_django

    os.environ.setdefault("SEAL_WITNESS_FILE", "")
    setup_django()
    from django.core.management import call_command
    from django.db import connection, transaction

    from apps.ledger.models import AuditEntry, ServiceRecord
    from apps.orgs.models import Member
    from apps.seals.models import Seal, SealLeaf
    from apps.seals.services import ledger_seal_all
    from apps.seals.verify import ledger_verify

    from . import city, measure

    call_command("migrate", verbosity=0)
    plan = city.plan_for(scale=args.scale, year=args.year, seed=args.seed)
    load = {}
    if Member.objects.exists():
        if not args.reuse:
            sys.exit("The database already holds members: give an empty database, or --reuse.")
        _say("reusing the city in the database")
    else:
        _say(f"generating {plan}")
        started = time.perf_counter()
        city.generate(plan, progress=_say)
        load["generate"] = time.perf_counter() - started
    if not AuditEntry.objects.exists():
        _say("writing the audit trail")
        started = time.perf_counter()
        with transaction.atomic():
            load["audit_entries"] = write_audit_trail()
        load["audit"] = time.perf_counter() - started
    if SealLeaf.objects.exists():
        _say("removing the seals of an earlier run")
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {SealLeaf._meta.db_table}, {Seal._meta.db_table}")
    city.analyze()

    facts = {
        "records": ServiceRecord.objects.count(),
        "decided": ServiceRecord.objects.exclude(status="pending").count(),
        "audit": AuditEntry.objects.count(),
    }
    _say(f"sealing {facts['audit']:,} audit entries and {facts['decided']:,} decided records")
    started, cpu = time.perf_counter(), _cpu()
    seals = ledger_seal_all()
    seal_s, seal_cpu = time.perf_counter() - started, _cpu() - cpu
    leaves = SealLeaf.objects.count()
    city.analyze()
    _say(f"sealed {leaves:,} entries in {len(seals)} seals: {seal_s:.1f} s")

    verify_runs = []
    for run in range(args.verify_repeat):
        started, cpu = time.perf_counter(), _cpu()
        report = ledger_verify(use_witness_file=False, workers=args.workers)
        verify_runs.append((time.perf_counter() - started, _cpu() - cpu))
        _say(f"verification {run + 1}: {verify_runs[-1][0]:.1f} s, {len(report.problems)} problems")
        if not report.ok:
            _say(f"first problems: {[str(p) for p in report.problems[:5]]}")

    section = _report(
        plan, facts, load, seals, leaves, seal_s, seal_cpu, verify_runs, report, measure.machine(), args.workers
    )
    print(section)
    if args.write:
        write_section_marked(args.write, section)
        _say(f"wrote {args.write}")
    return 0 if report.ok else 1


def write_section_marked(path, section):
    text = path.read_text(encoding="utf-8")
    block = f"{START_MARK}\n{section.rstrip()}\n{END_MARK}"
    if START_MARK in text:
        head, rest = text.split(START_MARK, 1)
        text = head + block + rest.split(END_MARK, 1)[1]
    else:
        text = f"{text.rstrip()}\n\n{block}\n"
    path.write_text(text, encoding="utf-8")


def _report(plan, facts, load, seals, leaves, seal_s, seal_cpu, verify_runs, report, info, workers):
    best = min(seconds for seconds, _ in verify_runs)
    median = sorted(seconds for seconds, _ in verify_runs)[len(verify_runs) // 2]
    per_second = leaves / seal_s if seal_s else 0
    needed = APPROVALS_PER_S * 2
    lines = [
        f"### Run of {time.strftime('%Y-%m-%d')} at scale {plan.scale:g}",
        "",
        "| Machine | |",
        "|---|---|",
        *(f"| {key} | {value} |" for key, value in info.items()),
        "",
        "| Data | |",
        "|---|---|",
        f"| Service records (all years) | {facts['records']:,} |",
        f"| of them decided (sealed) | {facts['decided']:,} |",
        f"| Audit entries | {facts['audit']:,} |",
        f"| Sealed entries | {leaves:,} in {len(seals):,} seals |",
        "",
        "| Measure | Result | Target | Met |",
        "|---|---:|---:|:---:|",
        f"| Sealing from nothing (wall) | {seal_s:.1f} s, {per_second:,.0f} entries/s | "
        f"{needed:,} entries/s ({APPROVALS_PER_S} approvals/s) | {'yes' if per_second >= needed else 'no'} |",
        f"| Sealing, CPU of the sealing process | {seal_cpu:.1f} s | | |",
        f"| Verification of the whole ledger, {workers} processes (median of {len(verify_runs)}) | "
        f"{median:.1f} s (best {best:.1f} s) | "
        f"{VERIFY_TARGET_S} s | {'yes' if median < VERIFY_TARGET_S else 'no'} |",
        f"| Verification, CPU of the main process (median) | "
        f"{sorted(cpu for _, cpu in verify_runs)[len(verify_runs) // 2]:.1f} s | | |",
        f"| Verification outcome | {'verifies' if report.ok else f'{len(report.problems)} problems'} | | |",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
