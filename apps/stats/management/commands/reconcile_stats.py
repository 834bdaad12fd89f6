"""`manage.py reconcile_stats`: compare the statistics roll-ups with the ledger, report differences, fix with --fix."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from apps.stats.rollups import rebuild, reconcile

_SHOWN = 20


def _day(text):
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(_("Give days as YYYY-MM-DD, not %(text)s.") % {"text": text}) from exc


class Command(BaseCommand):
    help = (
        "Recompute the statistics roll-up tables from the approved ledger and report every difference; --fix "
        "rewrites the differing rows, --rebuild recomputes all of them. Exits with status 1 if differences remain."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_day, help="First day to check (YYYY-MM-DD); default: all days.")
        parser.add_argument("--until", type=_day, help="Last day to check (YYYY-MM-DD); default: all days.")
        parser.add_argument("--fix", action="store_true", help="Rewrite the differing rows from the ledger.")
        parser.add_argument("--rebuild", action="store_true", help="Recompute every roll-up row from the ledger.")

    def handle(self, *args, since=None, until=None, fix=False, verbosity=1, **options):
        rebuild_all = options["rebuild"]
        if since and until and until < since:
            raise CommandError(_("--until cannot be before --since."))
        progress = self._progress if verbosity >= 2 else None
        if rebuild_all:
            rebuild(progress=progress)
            self.stdout.write(self.style.SUCCESS(_("The roll-up tables were recomputed from the ledger.")))
            return
        report = reconcile(first_day=since, last_day=until, fix=fix, progress=progress)
        if report.clean:
            self.stdout.write(
                self.style.SUCCESS(
                    _("No difference: %(n)d roll-up rows match the ledger.") % {"n": report.rows_checked}
                )
            )
            return
        self.stdout.write(
            self.style.WARNING(
                _("%(n)d roll-up rows differ from the ledger (of %(total)d checked).")
                % {"n": len(report.differences), "total": report.rows_checked}
            )
        )
        for difference in report.differences[:_SHOWN]:
            self.stdout.write(
                f"  {difference.table} ({', '.join(str(part) for part in difference.key)}): "
                + _("stored %(stored)s, ledger %(expected)s")
                % {"stored": difference.stored or "—", "expected": difference.expected or "—"}
            )
        if len(report.differences) > _SHOWN:
            self.stdout.write(_("  ... and %(n)d more.") % {"n": len(report.differences) - _SHOWN})
        if report.fixed:
            self.stdout.write(self.style.SUCCESS(_("Fixed: the differing rows were rewritten from the ledger.")))
            return
        self.stdout.write(_("Run again with --fix to rewrite them from the ledger."))
        raise SystemExit(1)

    def _progress(self, message):
        self.stdout.write(_("Checking %(what)s ...") % {"what": message})
