"""`manage.py verify_ledger`: recompute the seal chain and every sealed row, name what changed, keep the outcome."""

import json
import os

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.seals.services import ledger_check_record, ledger_seal_all
from apps.seals.verify import ledger_verify, parse_witness


class Command(BaseCommand):
    help = (
        "Verify the ledger against its seals: every seal, every sealed service record and audit entry, the witness "
        "file and any printed seals given with --seal. Exits with status 1 when something changed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seal",
            action="append",
            default=[],
            metavar="NUMBER:DIGEST",
            help="A seal printed on an export, a year-end document or a certificate, or sent by e-mail; repeatable.",
        )
        parser.add_argument("--seal-first", action="store_true", help="Seal what is not sealed yet before verifying.")
        parser.add_argument("--json", action="store_true", help="Print the outcome as JSON.")
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="Processes verifying at once on PostgreSQL (default: the number of CPUs).",
        )

    def handle(self, *args, **options):
        try:
            witnesses = [parse_witness(text) for text in options["seal"]]
        except ValueError as exc:
            raise CommandError(f"not a seal (NUMBER:DIGEST, 64 hexadecimal digits): {exc}") from exc
        if options["seal_first"]:
            ledger_seal_all()
        started = timezone.now()
        report = ledger_verify(witnesses=witnesses, workers=max(1, options["workers"]))
        ledger_check_record(report=report, started_at=started)
        if options["json"]:
            outcome = {
                "ok": report.ok,
                "seals": report.seals,
                "sealed_entries": report.leaves,
                "last_seal": report.last_seal,
                "unsealed": report.unsealed,
                "problems": [problem.as_dict() for problem in report.problems],
            }
            self.stdout.write(json.dumps(outcome, indent=2))
        else:
            self.stdout.write(
                f"{report.seals} seals, {report.leaves} sealed entries, {report.unsealed} not sealed yet; "
                f"last seal {report.last_seal or '-'}"
            )
            for problem in report.problems:
                self.stdout.write(str(problem))
            if report.ok:
                self.stdout.write(self.style.SUCCESS("the ledger verifies"))
        if not report.ok:
            raise SystemExit(1)
