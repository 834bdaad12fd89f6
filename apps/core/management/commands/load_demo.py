"""`manage.py load_demo`: load the fictional demo city (idempotently) and print its demo logins."""

import time
import unicodedata

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fixtures.demo_city import demo_counts, demo_logins, load_demo_city

_PROGRESS_EVERY = 50


def _width(text):
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text, width):
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "Load the fictional demo city 青岚区 (safe to run again: nothing is duplicated) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--print-logins", action="store_true", help="Only print the table of demo logins; load nothing."
        )

    def handle(self, *args, print_logins=False, verbosity=1, **options):
        self.verbosity = verbosity
        if not print_logins:
            self._load()
        self._print_logins()

    def _load(self):
        started = time.monotonic()
        created = load_demo_city(progress=self._progress)
        elapsed = time.monotonic() - started
        if self.verbosity < 1:
            return
        if created:
            self.stdout.write(self.style.SUCCESS(_("Demo city loaded in %(s).1f s.") % {"s": elapsed}))
            added = ", ".join(f"{label} {n}" for label, n in created.items())
            self.stdout.write(_("Added: %(added)s") % {"added": added})
        else:
            self.stdout.write(self.style.SUCCESS(_("The demo city is already loaded; nothing to add.")))
        self.stdout.write(_("In the database now:"))
        for label, n in demo_counts().items():
            self.stdout.write(f"  {_pad(label, 26)}{n:>6}")
        self.stdout.write("")

    def _progress(self, label, done, total):
        if self.verbosity >= 1 and (done % _PROGRESS_EVERY == 0 or done == total):
            self.stdout.write(f"  {label}: {done}/{total}")

    def _print_logins(self):
        rows = [(_("Role"), _("Name"), _("Mobile number"), _("Password"), _("Scope"))]
        rows += [(r.role, r.name, r.phone, r.password, r.scope) for r in demo_logins()]
        widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        self.stdout.write(_("Demo logins (the same password for every demo account):"))
        for n, row in enumerate(rows):
            line = "  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
            self.stdout.write(self.style.MIGRATE_HEADING(line) if n == 0 else line)
