"""The year-end report (年度报告) of an organ, a Party organization, a street or a district for any period: the
standard sentences of a Party committee's report filled in with the node's figures, every figure with its unit, the
table of its branches (or streets and communities), the rankings, the zero-service and unregistered members, and
the definitions (口径说明) of every figure it names; at the foot of every page, the latest seal of the ledger.

This module builds one plain structure (a Report: sections of sentences and tables whose cells are text) from
apps.stats.selectors and apps.stats.areas, so that every number equals the dashboard's; apps.stats.report_docx and
apps.stats.report_pdf only lay it out, as a Word document and as a PDF.
"""

import re
from dataclasses import dataclass
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from apps.core.figures import percent_of
from apps.seals.printed import PrintedSeal, printed_seal
from apps.stats import areas, exports, glossary, selectors
from apps.stats.nodes import Level

REPORT_LEVELS = (Level.ORGAN, Level.PARTY_ORG, Level.DISTRICT, Level.STREET)
REPORT_LEVEL_INVALID = gettext_lazy(
    "The service report is made for an organ, a Party organization, a street or a district: use level organ, "
    "party_org, street or district."
)
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
REPORT_FORMATS = tuple(CONTENT_TYPES)
RANKING_TOP = 10
DASH = "—"  # no rate, no figure
RATES = ("registration_rate", "wish_completion_rate", "target_completion_rate")

# The unit each figure is counted in, as the figures table prints it (rates carry their % in the value).
_PERSONS = pgettext_lazy("unit of a figure", "persons")
_TIMES = pgettext_lazy("unit of a figure", "times")
_PERSON_TIMES = pgettext_lazy("unit of a figure", "person-times")
_HOURS = pgettext_lazy("unit of a figure", "hours")
_WISHES = pgettext_lazy("unit of a figure", "wishes")
UNITS = {
    "members": _PERSONS,
    "registered_members": _PERSONS,
    "services": _TIMES,
    "person_times": _PERSON_TIMES,
    "members_served": _PERSONS,
    "hours": _HOURS,
    "minutes": pgettext_lazy("unit of a figure", "minutes"),
    "residents_served": _PERSON_TIMES,
    "wish_services": _PERSON_TIMES,
    "points": pgettext_lazy("unit of a figure", "points"),
    "wishes_claimed": _WISHES,
    "wishes_fulfilled": _WISHES,
    "wishes_confirmed": _WISHES,
    "wishes_solved": _WISHES,
    "activities_organized": _TIMES,
    "activities_joined": _TIMES,
    "zero_service_members": _PERSONS,
    "target_hours": _HOURS,
    "below_target_members": _PERSONS,
    "stars": pgettext_lazy("unit of a figure", "stars"),
    "households_paired": pgettext_lazy("unit of a figure", "households"),
    "households_visited": pgettext_lazy("unit of a figure", "households"),
}


# --- the structure ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    numeric: bool = False
    width: float = 1.0  # relative to the other columns


@dataclass(frozen=True)
class Table:
    columns: tuple
    rows: tuple  # tuples of cell texts, one per column
    empty: str = ""  # said in place of the table when it has no rows


@dataclass(frozen=True)
class Section:
    key: str  # stable, for the renderers and the tests: "summary", "figures", "branches", ...
    heading: str
    paragraphs: tuple = ()
    table: Table | None = None
    notes: tuple = ()  # under the table


@dataclass(frozen=True)
class Report:
    title: str
    generated: str
    sections: tuple
    fields: tuple = ()  # the glossary figures the report names, in the glossary's order
    seal: PrintedSeal | None = None  # the latest seal when the figures were read, at the foot of every page

    def section(self, key):
        return next((section for section in self.sections if section.key == key), None)


# --- values as the report prints them ---------------------------------------------------------------------------


def value_text(field_name, value):
    """A figure as text: counts and hours as they are (hours come rounded: 391.7), rates as percentages with one
    decimal (12.4%), an empty figure as a dash."""
    if value is None:
        return DASH
    if field_name in RATES:
        return f"{percent_of(value)}%"
    return str(value)


def _figure_column(field_name, width=1.0):
    return Column(glossary.label(field_name), numeric=True, width=width)


def _now_text():
    return timezone.localtime().strftime("%Y-%m-%d %H:%M")


# --- the sentences ----------------------------------------------------------------------------------------------


def _summary(node, period, metrics):
    """The standard sentences of a report, each a translated message whose placeholders take the figures."""
    values = {name: value_text(name, value) for name, value in metrics.items()}
    values.update(node=exports.node_title(node), period=exports.period_title(period))
    sentences = []
    if node.is_org:
        sentences.append(
            _(
                "%(node)s has %(members)s members now; %(registered_members)s of them have registered with the "
                "community where they live, a registration rate of %(registration_rate)s."
            )
            % values
        )
        sentences.append(
            _(
                "%(period)s, %(node)s organized its members to do volunteer service %(services)s times and to claim "
                "and solve %(wishes_solved)s micro-wishes of the communities."
            )
            % values
        )
    else:
        sentences.append(_("%(members)s members are registered with the communities of %(node)s now.") % values)
        sentences.append(
            _(
                "%(period)s, members did volunteer service in %(node)s %(services)s times and claimed and solved "
                "%(wishes_solved)s micro-wishes of its residents."
            )
            % values
        )
    sentences.append(
        _(
            "Members served %(person_times)s person-times (%(members_served)s members) for %(hours)s hours in all, "
            "and served residents %(residents_served)s times."
        )
        % values
    )
    if node.is_org:
        sentences.append(
            _(
                "Its Party organizations organized %(activities_organized)s service activities, and its members took "
                "part in %(activities_joined)s service activities."
            )
            % values
        )
    else:
        sentences.append(
            _(
                "%(activities_organized)s service activities were held there, and members served in "
                "%(activities_joined)s service activities there."
            )
            % values
        )
    if metrics["wishes_claimed"]:
        if node.is_org:
            claims = _(
                "Its members claimed %(wishes_claimed)s micro-wishes in the period; %(wishes_fulfilled)s of them were "
                "fulfilled and %(wishes_confirmed)s confirmed by the community, a completion rate of "
                "%(wish_completion_rate)s."
            )
        else:
            claims = _(
                "%(wishes_claimed)s micro-wishes of its residents were claimed in the period; %(wishes_fulfilled)s of "
                "them were fulfilled and %(wishes_confirmed)s confirmed by the community, a completion rate of "
                "%(wish_completion_rate)s."
            )
        sentences.append(claims % values)
    sentences.append(
        _("The services earned %(points)s points; %(wish_services)s person-times were micro-wish services.") % values
    )
    sentences.append(
        _(
            "Against the hour target of %(target_hours)s hours for the period, %(below_target_members)s members fell "
            "short, a target completion rate of %(target_completion_rate)s; %(zero_service_members)s members did no "
            "service."
        )
        % values
    )
    if "stars" in metrics:
        sentences.append(_("The branch reaches a star level of %(stars)s.") % values)
    return tuple(sentences)


# --- the tables -------------------------------------------------------------------------------------------------


class _Builder:
    """Collects the sections and remembers every glossary figure a table or a sentence names, for the definitions."""

    def __init__(self):
        self.sections = []
        self.used = set()

    def figures(self, *names):
        self.used.update(names)

    def add(self, section):
        self.sections.append(section)


def _figures_section(builder, metrics):
    """Every figure node_metrics gives for the node: its label, its value, its unit."""
    names = [figure.field for figure in glossary.FIGURES if figure.field in metrics]
    builder.figures(*names)
    rows = tuple((glossary.label(name), value_text(name, metrics[name]), str(UNITS.get(name, ""))) for name in names)
    columns = (Column(_("Figure"), width=3), Column(_("Value"), numeric=True, width=1.5), Column(_("Unit"), width=1))
    return Section("figures", _("Main figures"), table=Table(columns, rows))


# The dashboard's branch table (web/dashboard/_parts_table.html with branch_rows), column for column.
BRANCH_FIELDS = (
    "members",
    "registered_members",
    "registration_rate",
    "members_served",
    "wishes_solved",
    "activities_organized",
    "activities_joined",
    "hours",
    "person_times",
    "points",
    "average_points",
    "stars",
)
# The dashboard's places table: the members registered there now are its "registered members".
PLACE_FIELDS = (
    ("registered_members", "members"),
    ("members_served", "members_served"),
    ("hours", "hours"),
    ("person_times", "person_times"),
    ("residents_served", "residents_served"),
    ("points", "points"),
)


def _branches_section(builder, node, period):
    rows = selectors.branch_rows(node=node, period=period)
    builder.figures(*BRANCH_FIELDS)
    columns = (Column(_("Branch"), width=3), *(_figure_column(name) for name in BRANCH_FIELDS))
    lines = tuple((row["name"], *(value_text(name, row[name]) for name in BRANCH_FIELDS)) for row in rows)
    return Section("branches", _("Service of each branch"), table=Table(columns, lines, empty=_("No branches here.")))


_PLACE_SECTIONS = {
    Level.STREET: ("streets", gettext_lazy("Service of each street"), gettext_lazy("Street")),
    Level.COMMUNITY: ("communities", gettext_lazy("Service of each community"), gettext_lazy("Community")),
}


def _places_section(builder, node, period, level):
    """The streets of a district, or the communities of a street or of a district (with their street), as the
    dashboard's places tab lists them."""
    key, heading, header = _PLACE_SECTIONS[level]
    rows = areas.place_rows(node=node, period=period, level=level)
    with_street = level == Level.COMMUNITY and node.level == Level.DISTRICT
    builder.figures(*(name for name, _key in PLACE_FIELDS))
    columns = [Column(str(header), width=2.5)]
    if with_street:
        columns.append(Column(_("Street"), width=2))
    columns += [_figure_column(name) for name, _key in PLACE_FIELDS]
    lines = []
    for row in rows:
        line = [row["name"], *([row["street"]] if with_street else [])]
        line += [value_text(name, row[key]) for name, key in PLACE_FIELDS]
        lines.append(tuple(line))
    return Section(key, str(heading), table=Table(tuple(columns), tuple(lines), empty=_("No places here.")))


def _member_ranking_section(builder, node, period):
    """The members with the most service hours, as the dashboard's member ranking shows them (the heading says how
    many: a branch of six has no top ten)."""
    rows = selectors.ranking(node=node, period=period, of="members", metric="hours")[:RANKING_TOP]
    names = ("hours", "points", "person_times", "stars")
    builder.figures(*names)
    columns = (
        Column(_("Rank"), numeric=True, width=0.8),
        Column(_("Name"), width=1.6),
        Column(_("Branch"), width=2.6),
        *(_figure_column(name) for name in names),
    )
    lines = tuple(
        (str(row["rank"]), row["name"], row["branch"], *(value_text(name, row[name]) for name in names)) for row in rows
    )
    heading = _("Top %(count)d members by service hours") % {"count": len(lines) or RANKING_TOP}
    return Section("ranking", heading, table=Table(columns, lines, empty=_("Nobody to rank here.")))


def _community_ranking_section(builder, node, period):
    """The communities with the most service hours, as the dashboard's community ranking shows them."""
    rows = selectors.ranking(node=node, period=period, of="communities", metric="hours")[:RANKING_TOP]
    with_street = node.level == Level.DISTRICT
    names = ("hours", "points", "person_times")
    builder.figures("registered_members", "members_served", *names)
    columns = [Column(_("Rank"), numeric=True, width=0.8), Column(_("Community"), width=2.4)]
    if with_street:
        columns.append(Column(_("Street"), width=2))
    columns += [_figure_column(name) for name in ("registered_members", "members_served", *names)]
    lines = []
    for row in rows:
        line = [str(row["rank"]), row["name"], *([row["street"]] if with_street else [])]
        line += [str(row["members"]), str(row["members_served"]), *(value_text(name, row[name]) for name in names)]
        lines.append(tuple(line))
    heading = _("Top %(count)d communities by service hours") % {"count": len(lines) or RANKING_TOP}
    return Section("ranking", heading, table=Table(tuple(columns), tuple(lines), empty=_("Nobody to rank here.")))


def _member_list_section(key, heading, intro, members, *, with_organ):
    """A list of members as the dashboard lists them: no phone numbers (the report is printed and passed around, as
    the Excel lists are); at a place, where members come from several organs, with their organ."""
    columns = [Column(_("No."), numeric=True, width=0.7), Column(_("Name"), width=1.6)]
    if with_organ:
        columns.append(Column(_("Organ"), width=3))
    columns += [Column(_("Branch"), width=3), Column(_("Job title"), width=1.8)]
    lines = []
    for number, member in enumerate(members, start=1):
        line = [str(number), member.user.name, *([member.organ.name] if with_organ else [])]
        line += [member.branch.name, member.job_title or DASH]
        lines.append(tuple(line))
    count = _("%(count)d members in total.") % {"count": len(lines)}
    return Section(
        key,
        heading,
        paragraphs=(str(intro),),
        table=Table(tuple(columns), tuple(lines), empty=_("Nobody on this list.")),
        notes=(count,),
    )


def _definitions_section(fields):
    """口径说明: what each figure of the report means, which services it counts and which date puts them in the
    period, from the glossary (as every Excel export's definitions sheet)."""
    columns = (
        Column(_("Figure"), width=1.3),
        Column(_("Definition"), width=3),
        Column(_("Counts"), width=2.2),
        Column(_("Date in the period"), width=2.2),
    )
    lines = []
    for name in fields:
        figure = glossary.figure(name)
        counts, date = figure.counts, figure.date
        lines.append(
            (str(figure.label), str(figure.definition), f"{counts.name}: {counts.text}", f"{date.name}: {date.text}")
        )
    return Section("definitions", _("Definitions of the figures"), table=Table(columns, tuple(lines)))


# --- the report -------------------------------------------------------------------------------------------------


def report_title(*, node, period):
    return _("%(node)s %(period)s volunteer service report") % {
        "node": exports.node_title(node),
        "period": exports.period_title(period),
    }


def build_report(*, node, period):
    """The report of an organ, a Party organization, a street or a district for the period (see the module)."""
    if node.level not in REPORT_LEVELS:
        raise ValueError(f"no report is made for a {node.level}")
    metrics = selectors.node_metrics(node=node, period=period)
    builder = _Builder()
    builder.figures(*metrics)
    builder.add(Section("summary", _("General situation"), paragraphs=_summary(node, period, metrics)))
    builder.add(_figures_section(builder, metrics))
    if node.is_org:
        builder.add(_branches_section(builder, node, period))
        builder.add(_member_ranking_section(builder, node, period))
    else:
        if node.level == Level.DISTRICT:
            builder.add(_places_section(builder, node, period, Level.STREET))
        builder.add(_places_section(builder, node, period, Level.COMMUNITY))
        builder.add(_community_ranking_section(builder, node, period))
    builder.add(
        _member_list_section(
            "zero_service",
            glossary.label("zero_service_members"),
            _("Members of this organization or place with no approved service in the period."),
            list(selectors.zero_service_members(node=node, period=period)),
            with_organ=node.is_geo,
        )
    )
    # A place counts only the members registered in it, so its list of unregistered members is empty by definition
    # (as its registration rate is): only an organization's report has one.
    if node.is_org:
        builder.add(
            _member_list_section(
                "unregistered",
                _("Unregistered members"),
                _(
                    "Members without a confirmed registration with a residential community (now; the period does "
                    "not matter)."
                ),
                list(selectors.unregistered_members(node=node)),
                with_organ=False,
            )
        )
    fields = tuple(figure.field for figure in glossary.FIGURES if figure.field in builder.used)
    builder.add(_definitions_section(fields))
    return Report(
        title=report_title(node=node, period=period),
        generated=_("Generated at %(time)s.") % {"time": _now_text()},
        sections=tuple(builder.sections),
        fields=fields,
        seal=printed_seal(),  # once every figure is read
    )


# --- files ------------------------------------------------------------------------------------------------------

# Characters Windows, macOS or Linux refuse in a file name, and control characters (as the Excel exports' names).
_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def report_node_get(*, user, level, pk):
    """The node to report on, or a 404 if the user may not see it (the Excel exports' check); a level the report is
    not made for is refused (422 export_level_invalid)."""
    return exports.export_node_get(user=user, level=level, pk=pk, levels=REPORT_LEVELS, message=REPORT_LEVEL_INVALID)


def report_filename(*, node, period, file_format):
    """The file name people see, as the Excel exports name theirs: node_period_title.docx."""
    parts = (exports.node_title(node), exports.period_title(period), _("Volunteer service report"))
    name = "_".join(_UNSAFE_IN_FILENAME.sub("-", str(part)).strip(" .") for part in parts)
    return f"{name}.{file_format}"


def report_fallback_filename(*, node, period, file_format):
    """An ASCII name for the rare client that only reads filename=."""
    return f"service-report-{node.level}-{node.pk}-{period.label.replace('/', '_')}.{file_format}"


def report_file(*, node, period, file_format):
    """The report as the bytes of a .docx or a .pdf file."""
    report = build_report(node=node, period=period)
    if file_format == "docx":
        from apps.stats.report_docx import render_docx

        return render_docx(report)
    if file_format == "pdf":
        from apps.stats.report_pdf import render_pdf

        return render_pdf(report)
    raise ValueError(f"no report is made as {file_format!r}")


def report_response(*, node, period, file_format):
    """The report as a download, for the API and the dashboard alike (the Chinese file name in RFC 5987's
    filename*, as the Excel exports)."""
    content = report_file(node=node, period=period, file_format=file_format)
    filename = report_filename(node=node, period=period, file_format=file_format)
    fallback = report_fallback_filename(node=node, period=period, file_format=file_format)
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    return response
