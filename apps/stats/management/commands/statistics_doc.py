"""Writes the glossary of figures (apps/stats/glossary.py) into docs/statistics.md, or checks that it is there."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.stats import glossary


class Command(BaseCommand):
    help = "Print the glossary section of docs/statistics.md; --write puts it in the file, --check compares."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--write", action="store_true", help="rewrite the generated section of the file")
        group.add_argument("--check", action="store_true", help="exit 1 when the file's section is out of date")

    def handle(self, *args, write, check, **options):
        path = Path(settings.BASE_DIR) / glossary.DOC_PATH
        current = path.read_text(encoding="utf-8")
        try:
            wanted = glossary.document_with_glossary(current)
        except ValueError as error:
            raise CommandError(
                f"{path} has no generated section ({glossary.DOC_START} ... {glossary.DOC_END})"
            ) from error
        if write:
            if wanted != current:
                path.write_text(wanted, encoding="utf-8")
            self.stdout.write(f"{path}: glossary {'updated' if wanted != current else 'already up to date'}")
        elif check:
            if wanted != current:
                raise CommandError(f"{path} is out of date: run manage.py statistics_doc --write")
            self.stdout.write(f"{path}: glossary up to date")
        else:
            self.stdout.write(glossary.render_markdown())
