"""The glossary of figures (apps/stats/glossary.py): one label and one meaning per figure, on every surface.

Labels are checked in Chinese, the language people read: two figures never share a label, no other message of the
catalogue reads like a figure's label, the pages and exports take figure labels from the glossary only, and
docs/statistics.md holds the glossary as generated.
"""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from apps.stats import glossary
from apps.stats.nodes import Level, Node
from apps.stats.periods import period_of
from apps.stats.selectors import node_metrics

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Labels that named a figure once, each a second name for one of the glossary's: never again.
RETIRED = ("Times served", "Person-times served", "Micro-wishes claimed", "Members registered", "Number of members")


def chinese(text):
    with translation.override("zh-hans"):
        return str(text)


def catalogue():
    """{(context, msgid): msgstr} of the zh_Hans catalogue (single-line and wrapped entries alike)."""
    entries, text = {}, CATALOGUE.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        fields = {}
        for key in ("msgctxt", "msgid", "msgstr"):
            match = re.search(rf'^{key} ((?:"(?:[^"\\]|\\.)*"\n?)+)', block, re.M)
            if match:
                fields[key] = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1)))
        if fields.get("msgid"):
            entries[(fields.get("msgctxt"), fields["msgid"])] = fields.get("msgstr", "")
    return entries


def test_every_figure_has_its_own_label_in_both_languages():
    english = [str(f.label) for f in glossary.FIGURES]
    assert len(set(english)) == len(english)
    labels = [chinese(f.label) for f in glossary.FIGURES]
    assert len(set(labels)) == len(labels), sorted(label for label in labels if labels.count(label) > 1)
    for f in glossary.FIGURES:
        assert re.search(r"[\u4e00-\u9fff]", chinese(f.label)), f"{f.field}: label not translated"
        assert re.search(r"[\u4e00-\u9fff]", chinese(f.definition)), f"{f.field}: definition not translated"


def _model_field_names():
    """The verbose names of every model field, in English (the admin's column of a stored quantity may say the
    figure's name: it is the same thing)."""
    with translation.override("en"):
        return {
            str(field.verbose_name)
            for model in apps.get_models()
            for field in model._meta.get_fields()
            if hasattr(field, "verbose_name")
        }


def _figure_messages():
    """{msgid: field} of every message whose Chinese is a figure's label, the glossary's own included."""
    labels = {chinese(f.label): f.field for f in glossary.FIGURES}
    return {msgid: labels[msgstr] for (context, msgid), msgstr in catalogue().items() if msgstr in labels}


def test_no_other_message_reads_like_a_figures_label():
    with translation.override("en"):
        own = {str(f.label) for f in glossary.FIGURES}
    clashes = sorted(
        (msgid, field)
        for msgid, field in _figure_messages().items()
        if msgid not in own and msgid not in _model_field_names()
    )
    assert clashes == [], "these messages share a figure's Chinese label: use the glossary's"


TRANSLATED = re.compile(r"""(?:\{% *translate|\b_|\bgettext(?:_lazy)?|\bgettext_noop) *\(? *["']([^"']+)["']""")


def test_pages_and_exports_take_figure_labels_from_the_glossary():
    """A template or a module that writes a figure's label itself (rather than through the glossary: the
    `figure_label` template tag, glossary.label) would let the names drift apart again."""
    figure_messages = _figure_messages()
    sources = [*ROOT.joinpath("apps").rglob("*.html"), *ROOT.joinpath("apps").rglob("*.py")]
    written = sorted(
        (str(path.relative_to(ROOT)), msgid)
        for path in sources
        if path.name != "glossary.py" and "migrations" not in path.parts and path.name != "models.py"
        for msgid in TRANSLATED.findall(path.read_text(encoding="utf-8"))
        if msgid in figure_messages
    )
    assert written == []


@pytest.mark.django_db
def test_every_figure_of_a_node_is_in_the_glossary(world):
    metrics = node_metrics(node=Node(Level.ORGAN, world.organ), period=period_of())
    assert set(metrics) - set(glossary.BY_FIELD) == set()


def test_retired_names_of_figures_appear_nowhere():
    sources = [*ROOT.joinpath("apps").rglob("*.py"), *ROOT.joinpath("apps").rglob("*.html")]
    found = [
        (str(path.relative_to(ROOT)), name)
        for path in sources
        for name in RETIRED
        if f'"{name}"' in path.read_text(encoding="utf-8")
    ]
    assert found == []


def test_the_statistics_doc_holds_the_glossary_as_generated():
    document = (ROOT / glossary.DOC_PATH).read_text(encoding="utf-8")
    assert glossary.DOC_START in document and glossary.DOC_END in document
    assert glossary.document_with_glossary(document) == document, "run: manage.py statistics_doc --write"
    call_command("statistics_doc", "--check")


def test_the_check_fails_on_a_stale_doc(tmp_path, settings):
    (tmp_path / "docs").mkdir()
    (tmp_path / glossary.DOC_PATH).write_text(
        f"# Statistics\n\n{glossary.DOC_START}\nold table\n{glossary.DOC_END}\n", encoding="utf-8"
    )
    settings.BASE_DIR = tmp_path
    with pytest.raises(CommandError, match="out of date"):
        call_command("statistics_doc", "--check")
    call_command("statistics_doc", "--write")
    call_command("statistics_doc", "--check")
    assert "`hours`" in (tmp_path / glossary.DOC_PATH).read_text(encoding="utf-8")


@pytest.mark.django_db
def test_every_export_with_figures_defines_them_on_its_definitions_sheet(world):
    from io import BytesIO

    from openpyxl import load_workbook

    from apps.stats import exports

    node, period = Node(Level.ORGAN, world.organ), period_of(year=2026)
    with translation.override("zh-hans"):
        book = load_workbook(BytesIO(exports.member_table_workbook(node=node, period=period)))
        assert book.sheetnames[-1] == "口径说明"
        table, definitions = book.worksheets[0], book.worksheets[-1]
        headers = [cell.value for cell in table[2]]
        figures = [glossary.field_of_label(header) for header in headers if glossary.field_of_label(header)]
        assert figures == ["person_times", "hours", "residents_served", "wish_services", "points", "stars"]
        rows = [[cell.value for cell in row] for row in definitions.iter_rows()]
        assert rows[1][0] == table.cell(1, 1).value  # the sheet's title: the node and the period
        defined = {row[0]: row for row in rows if row and row[0] in headers}
        assert list(defined) == headers_in_order(headers, figures)
        hours = glossary.figure("hours")
        assert defined[str(hours.label)][1:] == [
            str(hours.definition),
            f"{hours.counts.name}: {hours.counts.text}",
            f"{hours.date.name}: {hours.date.text}",
        ]


def headers_in_order(headers, figures):
    return [header for header in headers if glossary.field_of_label(header) in figures]


def test_the_api_describes_every_figure_with_the_glossarys_definition():
    from apps.stats.api.serializers import MetricsOutputSerializer

    fields = MetricsOutputSerializer().fields
    figures = [name for name in fields if name in glossary.BY_FIELD]
    assert set(figures) == set(fields)
    for name in figures:
        assert str(fields[name].help_text) == str(glossary.figure(name).definition), name


@pytest.mark.parametrize(
    "serializer", ["RankingRowOutputSerializer", "MemberRowOutputSerializer", "BranchRowOutputSerializer"]
)
def test_the_api_rows_describe_their_figures_with_the_glossarys_definitions(serializer):
    from apps.stats.api import serializers

    fields = getattr(serializers, serializer)().fields
    figures = [name for name in fields if name in glossary.BY_FIELD]
    assert {"person_times", "hours", "residents_served"} <= set(figures)
    if serializer == "RankingRowOutputSerializer":
        # Rows of rankings at a place say what `members` and `members_served` mean there (registered there, served
        # there): their own descriptions, tested by the area tests.
        figures = [name for name in figures if name not in ("members", "members_served")]
    for name in figures:
        assert str(fields[name].help_text) == str(glossary.figure(name).definition), (serializer, name)
