#!/usr/bin/env python
"""Refresh locale/zh_Hans from the code and fail while any message is untranslated or fuzzy; compile on success.

Run with the project's virtual environment: `.venv/bin/python scripts/check_translations.py` (scripts/test does).
Options: --no-makemessages checks the .po file as it is; --no-compile skips compilemessages.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = "zh_Hans"
PO_FILE = ROOT / "locale" / LOCALE / "LC_MESSAGES" / "django.po"
# Directories whose strings are not shipped in the product (or are not ours).
IGNORE = [".venv", "venv", "node_modules", "tests", "staticfiles", "media", "var", "docs", "scripts"]
# makemessages rewrites this header line on every run; ignoring it keeps the file unchanged when nothing else is.
VOLATILE_HEADER = re.compile(r'^"POT-Creation-Date: .*\\n"\n', re.MULTILINE)


@dataclass
class Entry:
    """One message of a .po file: its flags and its fields, keyed (name, plural index), e.g. ("msgstr", 1)."""

    line: int
    flags: set[str] = field(default_factory=set)
    fields: dict[tuple[str, int], str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.fields.get(("msgid", 0), "")

    @property
    def msgctxt(self) -> str | None:
        return self.fields.get(("msgctxt", 0))

    @property
    def translations(self) -> list[str]:
        return [value for (name, _), value in self.fields.items() if name == "msgstr"]

    @property
    def label(self) -> str:
        text = repr(self.msgid)
        if self.msgctxt is not None:
            text = f"{text} (context {self.msgctxt!r})"
        return text


KEYWORD = re.compile(r"(msgctxt|msgid|msgid_plural|msgstr)(?:\[(\d+)\])?")


def parse_po(text: str) -> list[Entry]:
    """Parse the entries of a .po file (the header, msgid "", included); obsolete #~ entries are skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    key: tuple[str, int] | None = None  # the field a continuation line ("...") extends
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, key = None, None
            continue
        if line.startswith("#~"):
            continue
        has_translation = current is not None and any(name == "msgstr" for name, _ in current.fields)
        # A comment or a new msgctxt/msgid after a msgstr starts the next entry even without a blank line.
        if current is None or (has_translation and not line.startswith(('"', "msgstr"))):
            current, key = Entry(line=number), None
            entries.append(current)
        if line.startswith("#"):
            if line.startswith("#,"):
                current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith('"'):
            if key is None:
                raise ValueError(f"line {number}: a string outside any field")
            current.fields[key] += ast.literal_eval(line)
            continue
        keyword, _, rest = line.partition(" ")
        match = KEYWORD.fullmatch(keyword)
        if not match:
            raise ValueError(f"line {number}: cannot parse {raw!r}")
        key = (match.group(1), int(match.group(2) or 0))
        current.fields[key] = ast.literal_eval(rest.strip())
    return [entry for entry in entries if entry.fields]


def problems(entries: list[Entry]) -> list[tuple[str, Entry]]:
    """Every message that is not ready to ship: fuzzy, or with an empty translation (any plural form)."""
    found = []
    for entry in entries:
        if entry.msgid == "" and entry.msgctxt is None:
            continue  # the header: msgfmt reads it even when marked fuzzy
        if "fuzzy" in entry.flags:
            found.append(("fuzzy", entry))
        elif not entry.translations or not all(entry.translations):
            found.append(("untranslated", entry))
    return found


def run(*args: str) -> None:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"check_translations: `manage.py {' '.join(args)}` failed (exit {result.returncode})")


def make_messages() -> None:
    before = PO_FILE.read_text(encoding="utf-8") if PO_FILE.exists() else None
    (ROOT / "locale").mkdir(exist_ok=True)
    ignores = [f"--ignore={name}" for name in IGNORE]
    run("makemessages", "-l", LOCALE, "--no-location", "--no-obsolete", *ignores)
    after = PO_FILE.read_text(encoding="utf-8")
    if before is not None and VOLATILE_HEADER.sub("", before) == VOLATILE_HEADER.sub("", after):
        PO_FILE.write_text(before, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-makemessages", action="store_true", help="check locale/ as it is")
    parser.add_argument("--no-compile", action="store_true", help="do not run compilemessages on success")
    options = parser.parse_args(argv)

    if not options.no_makemessages:
        make_messages()
    if not PO_FILE.exists():
        print(f"check_translations: {PO_FILE.relative_to(ROOT)} does not exist", file=sys.stderr)
        return 1
    entries = parse_po(PO_FILE.read_text(encoding="utf-8"))
    found = problems(entries)
    relative = PO_FILE.relative_to(ROOT)
    total = sum(1 for entry in entries if entry.msgid or entry.msgctxt is not None)
    if found:
        print(f"{relative}: {len(found)} of {total} messages need a translation:", file=sys.stderr)
        for kind, entry in found:
            print(f"  {relative}:{entry.line}: {kind}: {entry.label}", file=sys.stderr)
        print(
            "Translate them (and remove '#, fuzzy' once checked), then run scripts/check_translations.py again.",
            file=sys.stderr,
        )
        return 1
    if not options.no_compile:
        run("compilemessages", "-l", LOCALE, "--ignore=.venv", "--ignore=node_modules")
    print(f"{relative}: all {total} messages translated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
