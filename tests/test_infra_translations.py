"""The translation check finds every untranslated or fuzzy message, and only those."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("check_translations", ROOT / "scripts" / "check_translations.py")
check = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("check_translations", check)  # dataclasses look their module up there
_spec.loader.exec_module(check)

PO = r"""# header comment
#, fuzzy
msgid ""
msgstr ""
"POT-Creation-Date: 2026-11-23 17:26+0800\n"
"Content-Type: text/plain; charset=UTF-8\n"

msgid "Done"
msgstr "完成"

msgid "Missing"
msgstr ""

#, fuzzy, python-format
msgid "Hello %(name)s"
msgstr "你好 %(name)s"

msgctxt "wish state"
msgid "Open"
msgstr ""

msgctxt "door"
msgid "Open"
msgstr "打开"

msgid ""
"A message written "
"on two lines"
msgstr ""
"一条写成"
"两行的消息"

msgid "One item"
msgid_plural "%(count)d items"
msgstr[0] ""

msgid "One day"
msgid_plural "%(count)d days"
msgstr[0] "%(count)d 天"
msgid "Right after, no blank line"
msgstr ""

#~ msgid "Removed from the code"
#~ msgstr ""
"""


def found():
    return [(kind, entry.msgctxt, entry.msgid) for kind, entry in check.problems(check.parse_po(PO))]


def test_untranslated_fuzzy_and_plural_messages_are_reported_with_their_context():
    assert found() == [
        ("untranslated", None, "Missing"),
        ("fuzzy", None, "Hello %(name)s"),
        ("untranslated", "wish state", "Open"),
        ("untranslated", None, "One item"),
        ("untranslated", None, "Right after, no blank line"),
    ]


def test_the_header_and_obsolete_entries_are_not_messages_to_translate():
    messages = [entry.msgid for entry in check.parse_po(PO)]
    assert "Removed from the code" not in messages
    assert all(msgid for _, _, msgid in found())


def test_continuation_lines_are_joined():
    entry = next(e for e in check.parse_po(PO) if e.msgid.startswith("A message"))
    assert entry.msgid == "A message written on two lines"
    assert entry.translations == ["一条写成两行的消息"]


def test_a_fully_translated_file_has_no_problems():
    assert check.problems(check.parse_po('msgid ""\nmsgstr ""\n\nmsgid "Done"\nmsgstr "完成"\n')) == []


def test_only_the_creation_date_differs_is_recognised_as_unchanged():
    later = PO.replace("2026-11-23 17:26+0800", "2026-11-24 09:00+0800")
    assert check.VOLATILE_HEADER.sub("", PO) == check.VOLATILE_HEADER.sub("", later)
    assert check.VOLATILE_HEADER.sub("", PO) != check.VOLATILE_HEADER.sub("", later.replace("完成", "好"))
