"""The Excel exports (openpyxl): the organ committee's member service table, branch summary and list of
unregistered and zero-service members of an organ or a Party org; and, for street and district administrators, the
summary of a place's parts (streets, communities, grids) and the ranking of the organs serving in a place. Every
figure comes from apps.stats.selectors and apps.stats.areas; this module only lays the figures out.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from apps.activities.exports import XLSX_CONTENT_TYPE
from apps.core.errors import Invalid
from apps.core.figures import hours_of, ratio_of
from apps.core.spreadsheets import append_row, header_footer_text, new_cell
from apps.registrations.models import Registration, RegistrationStatus
from apps.seals.printed import printed_seal
from apps.stats import areas, glossary, selectors
from apps.stats.counting import residents_of
from apps.stats.nodes import GEO_LEVELS, Level, node_get

__all__ = [
    "XLSX_CONTENT_TYPE",
    "branch_summary_filename",
    "branch_summary_workbook",
    "export_node_get",
    "member_table_filename",
    "member_table_workbook",
    "organs_in_area_filename",
    "organs_in_area_workbook",
    "place_summary_filename",
    "place_summary_workbook",
    "unregistered_and_zero_service_filename",
    "unregistered_and_zero_service_workbook",
    "xlsx_response",
]

EXPORT_LEVELS = (Level.ORGAN, Level.PARTY_ORG)
EXPORT_LEVEL_INVALID = gettext_lazy(
    "Exports are made for an organ or a Party organization: use level organ or party_org."
)
# The place summary: the parts of a district, a street or a community; the organs serving in any place.
PLACE_SUMMARY_LEVELS = tuple(areas.PARTS)
PLACE_SUMMARY_TITLES = {
    Level.DISTRICT: gettext_lazy("Service summary of the streets and communities"),
    Level.STREET: gettext_lazy("Service summary of the communities"),
    Level.COMMUNITY: gettext_lazy("Service summary of the grids"),
}
PLACE_SUMMARY_LEVEL_INVALID = gettext_lazy(
    "The place summary is made for a district, a street or a community: use level district, street or community."
)
ORGANS_IN_AREA_LEVELS = GEO_LEVELS
ORGANS_IN_AREA_LEVEL_INVALID = gettext_lazy(
    "The ranking of the organs serving in an area is made for a place: use level district, street, community or grid."
)

TITLE_ROW, HEADER_ROW = 1, 2
ONE_DECIMAL = "0.0"
RATE_FORMAT = "0.0%"
DASH = "—"  # no star, no rate
# Hours, rates and averages come as Decimals already rounded half up (apps.core.figures): a number cell holds exactly
# that value ("391.7"), and the number format only shows it.
NUMBERS = int | float | Decimal
MAX_WIDTH = 48

_TITLE_FONT = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP = Alignment(vertical="top", wrap_text=True)
# Characters Windows, macOS or Linux refuse in a file name, and control characters.
_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def export_node_get(*, user, level, pk, levels=EXPORT_LEVELS, message=EXPORT_LEVEL_INVALID):
    """The node to export (by default an organ or a Party org), or a 404 if the user may not see it; a level the
    export is not made for is refused with `message`."""
    if level not in levels:
        raise Invalid("export_level_invalid", message)
    return node_get(user=user, level=level, pk=pk)


# --- names -------------------------------------------------------------------------------------------------------


def node_title(node):
    """The organ's name, or the Party org's name after its organ's unless it already says it; a grid's name after
    its community's (grids are numbered within their community)."""
    if node.level == Level.PARTY_ORG and not node.obj.name.startswith(node.obj.organ.name):
        return _("%(organ)s %(party_org)s") % {"organ": node.obj.organ.name, "party_org": node.obj.name}
    if node.level == Level.GRID:
        return f"{node.obj.community.name} {node.obj.name}"
    return node.name


def period_title(period):
    """The period as people name it: 2026年, 2026年第1季度, 2026年3月, 2026年3月5日, or a range of days."""
    first = period.first_day
    if period.kind == "year":
        return _("Year %(year)d") % {"year": first.year}
    if period.kind == "quarter":
        return _("Q%(quarter)d %(year)d") % {"year": first.year, "quarter": (first.month - 1) // 3 + 1}
    if period.kind == "month":
        return _("%(year)d-%(month)02d") % {"year": first.year, "month": first.month}
    if period.kind == "day":
        return _("%(year)d-%(month)02d-%(day)02d") % {"year": first.year, "month": first.month, "day": first.day}
    return _("%(start)s to %(end)s") % {"start": first.isoformat(), "end": period.last_day.isoformat()}


def _filename(*parts):
    name = "_".join(_UNSAFE_IN_FILENAME.sub("-", str(part)).strip(" .") for part in parts)
    return f"{name}.xlsx"


def member_table_filename(*, node, period):
    return _filename(node_title(node), period_title(period), _("Member service table"))


def branch_summary_filename(*, node, period):
    return _filename(node_title(node), period_title(period), _("Branch service summary"))


def unregistered_and_zero_service_filename(*, node, period):
    return _filename(node_title(node), period_title(period), _("Unregistered and zero-service members"))


def place_summary_filename(*, node, period):
    return _filename(node_title(node), period_title(period), PLACE_SUMMARY_TITLES[node.level])


def organs_in_area_filename(*, node, period):
    return _filename(node_title(node), period_title(period), _("Organs serving in the area"))


def xlsx_response(content, *, filename, fallback):
    """The workbook as a download, for the API and the dashboard pages alike. The Chinese file name goes in RFC 5987's
    filename*, with an ASCII name for the rare client that only reads filename."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    return response


# --- sheets ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column: its header, its value in a row, its number format, and its value in the totals row."""

    header: str
    value: Callable[[dict], Any]
    number_format: str | None = None
    total: Callable[[list], Any] | None = None


def _display_width(value):
    """How many columns of the default font a value takes: CJK and full-width characters count double."""
    if value is None:
        return 0
    if isinstance(value, float):
        text = f"{value:.1f}"
    else:
        text = str(value)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _cell(sheet, value, *, font=None, number_format=None, fill=None, alignment=None):
    cell = new_cell(sheet, value)
    if font is not None:
        cell.font = font
    if number_format is not None:
        cell.number_format = number_format
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _write_table(workbook, *, sheet_title, title, columns, rows, totals=False, notes=()):
    """A sheet of the workbook (write-only: streamed, no per-cell bookkeeping): a title row, the header row (frozen
    with the title above it), one line per row numbered from 1, a totals line if asked, then notes, and last the
    latest seal's line with what it is for (also in the footer of every printed page).

    Write-only sheets need their layout before the first row, so values are computed first and widths from them."""
    headers = [_("No."), *(column.header for column in columns)]
    _note_figures(workbook, title, headers)
    formats = [None, *(column.number_format for column in columns)]
    body = [[index, *(column.value(row) for column in columns)] for index, row in enumerate(rows, start=1)]
    total_line = None
    if totals:
        total_line = [_("Total"), *(column.total(rows) if column.total else None for column in columns)]

    sheet = workbook.create_sheet(sheet_title[:31])
    last_column = get_column_letter(len(headers))
    too_wide = set()  # columns whose longest text wraps in a column of the largest width
    for index, header in enumerate(headers):
        widest = max(
            (_display_width(line[index]) for line in (*body, *([total_line] if total_line else []))),
            default=0,
        )
        width = max(widest, _display_width(header), 4) + 2
        if width > MAX_WIDTH:
            width = MAX_WIDTH
            too_wide.add(index)
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.merged_cells.add(f"A{TITLE_ROW}:{last_column}{TITLE_ROW}")
    sheet.row_dimensions[TITLE_ROW].height = 28
    sheet.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    seal = _workbook_seal(workbook)
    sheet.oddFooter.left.text = header_footer_text(seal.line)
    sheet.oddFooter.left.size = 8

    sheet.append([_cell(sheet, title, font=_TITLE_FONT, alignment=Alignment(horizontal="center"))])
    sheet.append([_cell(sheet, header, font=_BOLD, fill=_HEADER_FILL, alignment=_CENTER) for header in headers])
    formatted = [index for index, number_format in enumerate(formats) if number_format]
    for line in body:
        for index in formatted:
            if isinstance(line[index], NUMBERS):
                line[index] = _cell(sheet, line[index], number_format=formats[index])
        for index in too_wide:
            if _display_width(line[index]) > MAX_WIDTH - 2:
                line[index] = _cell(sheet, line[index], alignment=_WRAP)
        append_row(sheet, line)
    if total_line is not None:
        numbers = [isinstance(value, NUMBERS) for value in total_line]
        sheet.append(
            [
                _cell(sheet, value, font=_BOLD, number_format=formats[index] if numbers[index] else None)
                for index, value in enumerate(total_line)
            ]
        )
    for note in notes:
        append_row(sheet, [note])
    for line in seal.lines:
        append_row(sheet, [line])
    return sheet


def _workbook_seal(workbook):
    """The latest seal, read once per workbook: when its first sheet is laid out, its data read."""
    seal = workbook.__dict__.get("_seal")
    if seal is None:
        seal = workbook.__dict__["_seal"] = printed_seal()
        workbook.properties.description = seal.line
    return seal


def _note_figures(workbook, title, headers):
    """Remember the sheet's title and the glossary figures among its headers, for the definitions sheet."""
    notes = workbook.__dict__.setdefault("_definitions", {"titles": [], "fields": []})
    notes["titles"].append(title)
    for header in headers:
        field = glossary.field_of_label(header)
        if field and field not in notes["fields"]:
            notes["fields"].append(field)


def _write_definitions(workbook):
    """The sheet 口径说明: what each figure of the workbook means, which services it counts, which date puts them in
    the period (apps/stats/glossary.py, as docs/statistics.md), and what was exported when."""
    notes = workbook.__dict__.get("_definitions")
    if not notes or not notes["fields"]:
        return
    headers = [_("Figure"), _("Definition"), _("Counts"), _("Date in the period")]
    sheet = workbook.create_sheet(_("Definitions")[:31])
    for index, width in enumerate((20, 70, 50, 40), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append([_cell(sheet, _("Definitions of the figures"), font=_TITLE_FONT)])
    for title in notes["titles"]:
        append_row(sheet, [title])
    append_row(sheet, [_generated_note()])
    sheet.append([])
    sheet.append([_cell(sheet, header, font=_BOLD, fill=_HEADER_FILL, alignment=_CENTER) for header in headers])
    for field in notes["fields"]:
        figure = glossary.figure(field)
        counts, date = figure.counts, figure.date
        sheet.append(
            [
                _cell(sheet, str(figure.label), font=_BOLD, alignment=_WRAP),
                _cell(sheet, str(figure.definition), alignment=_WRAP),
                _cell(sheet, f"{counts.name}: {counts.text}", alignment=_WRAP),
                _cell(sheet, f"{date.name}: {date.text}", alignment=_WRAP),
            ]
        )


def _workbook_bytes(workbook):
    _write_definitions(workbook)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _hours(minutes):
    return hours_of(minutes)


def _now_text():
    return timezone.localtime().strftime("%Y-%m-%d %H:%M")


def _generated_note():
    return _("Generated at %(time)s.") % {"time": _now_text()}


def _stars(stars):
    return "★" * stars if stars else DASH


def _total(rows, key):
    return sum(row[key] for row in rows)


def _sum(key):
    return lambda rows: _total(rows, key)


def _figure(field, *, key=None, total=None):
    """A column of a summed figure, headed with its glossary label: the rows' `key` (default: the field), totalled
    (or, for a distinct count, with the node's own `total`, since its parts may share a service)."""
    key = key or field
    return Column(glossary.label(field), lambda r: r[key], total=_sum(key) if total is None else lambda rows: total)


# --- 1. the member service table (党员服务情况统计表) ---------------------------------------------------------------


def _evaluation_text(row):
    """The community evaluations of the year; a member never registered and not evaluated cannot be rated
    competent or better in the year-end review (民主评议), which the table says instead of leaving a blank."""
    evaluations = row["evaluations"]
    if not evaluations:
        return _("Not evaluated") if row["registered"] else _("Not registered: cannot be rated competent or better")
    if len(evaluations) == 1:
        return evaluations[0]["grade_label"]
    return _("; ").join(
        _("%(community)s: %(grade)s") % {"community": e["community"], "grade": e["grade_label"]} for e in evaluations
    )


def member_table_workbook(*, node, period):
    """Bytes of an .xlsx file: one line per member of the node with their figures in the period, and the totals."""
    rows = selectors.member_table(node=node, period=period)
    target_hours = _hours(selectors.target_minutes(period))
    # Members who served in one activity each count its residents: the totals line gives the node's own figure.
    residents = residents_of(node, period)
    columns = [
        Column(_("Name"), lambda r: r["name"], total=lambda rows: _("%(count)d members") % {"count": len(rows)}),
        Column(_("Branch"), lambda r: r["branch"]),
        Column(
            _("Registered community"),
            lambda r: r["community"] if r["registered"] else _("Not registered"),
            total=lambda rows: _("%(count)d registered") % {"count": sum(1 for r in rows if r["registered"])},
        ),
        _figure("person_times"),
        Column(
            glossary.label("hours"),
            lambda r: r["hours"],
            ONE_DECIMAL,
            total=lambda rows: _hours(_total(rows, "minutes")),
        ),
        _figure("residents_served", total=residents),
        _figure("wish_services"),
        _figure("points"),
        Column(glossary.label("stars"), lambda r: _stars(r["stars"])),
        Column(
            _("Target met"),
            lambda r: _("Met") if r["meets_target"] else _("Not met"),
            total=lambda rows: _("%(count)d met") % {"count": sum(1 for r in rows if r["meets_target"])},
        ),
        Column(_("Community evaluation"), _evaluation_text),
    ]
    note = _(
        "Generated at %(time)s. Hour target: %(annual)s hours a year, %(target)s hours for this period. "
        "Figures count approved service records only."
    ) % {"time": _now_text(), "annual": selectors.annual_hour_target(), "target": target_hours}
    workbook = Workbook(write_only=True)
    _write_table(
        workbook,
        sheet_title=_("Member service table"),
        title=_("%(node)s %(period)s member service table")
        % {"node": node_title(node), "period": period_title(period)},
        columns=columns,
        rows=rows,
        totals=True,
        notes=[note],
    )
    return _workbook_bytes(workbook)


# --- 2. the branch summary (支部服务情况汇总表) ---------------------------------------------------------------------


def _ratio(part, whole, digits):
    return ratio_of(part, whole, digits)


def branch_summary_workbook(*, node, period):
    """Bytes of an .xlsx file: one line per Party branch of the node with its figures in the period, and the
    totals, where rates and averages are worked out from the totals rather than added up."""
    rows = selectors.branch_rows(node=node, period=period)
    # Two branches whose members served in one activity each count it, and a member who moved between two branches in
    # the period served in both: the totals line gives the node's own distinct counts, not the sums of its lines.
    distinct = selectors.service_counts(node=node, period=period)
    members_served = len(selectors.member_minutes(node, period))
    columns = [
        Column(_("Party branch"), lambda r: r["name"]),
        _figure("members"),
        Column(
            glossary.label("registered_members"), lambda r: r["registered_members"], total=_sum("registered_members")
        ),
        Column(
            glossary.label("registration_rate"),
            lambda r: r["registration_rate"] if r["registration_rate"] is not None else DASH,
            RATE_FORMAT,
            total=lambda rows: _or_dash(_ratio(_total(rows, "registered_members"), _total(rows, "members"), 4)),
        ),
        _figure("members_served", total=members_served),
        _figure("wishes_solved", total=distinct["wishes_solved"]),
        _figure("activities_organized"),
        _figure("activities_joined", total=distinct["activities_joined"]),
        _figure("person_times"),
        Column(
            glossary.label("hours"),
            lambda r: r["hours"],
            ONE_DECIMAL,
            total=lambda rows: _hours(_total(rows, "minutes")),
        ),
        _figure("residents_served", total=residents_of(node, period)),
        _figure("points"),
        Column(
            glossary.label("average_points"),
            lambda r: r["average_points"],
            ONE_DECIMAL,
            total=lambda rows: _or_dash(_ratio(_total(rows, "points"), _total(rows, "members"), 1)),
        ),
        Column(glossary.label("stars"), lambda r: _stars(r["stars"])),
    ]
    workbook = Workbook(write_only=True)
    _write_table(
        workbook,
        sheet_title=_("Branch service summary"),
        title=_("%(node)s %(period)s branch service summary")
        % {"node": node_title(node), "period": period_title(period)},
        columns=columns,
        rows=rows,
        totals=True,
        notes=[_generated_note()],
    )
    return _workbook_bytes(workbook)


def _or_dash(value):
    return DASH if value is None else value


# --- 3. unregistered and zero-service members (未报到及零服务党员名单) ----------------------------------------------


def _member_columns():
    # No phone numbers: these lists get printed and passed around, and must not spread members' contact data.
    return [
        Column(_("Name"), lambda m: m.user.name),
        Column(_("Branch"), lambda m: m.branch.name),
        Column(_("Job title"), lambda m: m.job_title),
    ]


def _count_note(members):
    return _("%(count)d members in total.") % {"count": len(members)}


def unregistered_and_zero_service_workbook(*, node, period):
    """Bytes of an .xlsx file with two sheets: the node's members not registered with a residential community
    (now), and its members with no service in the period, each with a count line."""
    unregistered = list(selectors.unregistered_members(node=node))
    zero_service = list(selectors.zero_service_members(node=node, period=period))
    communities = dict(
        Registration.objects.filter(
            member_id__in=[m.pk for m in zero_service], status=RegistrationStatus.CONFIRMED
        ).values_list("member_id", "community__name")
    )
    today = timezone.localdate()
    workbook = Workbook(write_only=True)
    _write_table(
        workbook,
        sheet_title=_("Unregistered"),
        title=_("%(node)s unregistered members (as of %(date)s)")
        % {"node": node_title(node), "date": today.isoformat()},
        columns=_member_columns(),
        rows=unregistered,
        notes=[_count_note(unregistered), _generated_note()],
    )
    _write_table(
        workbook,
        sheet_title=_("Zero service"),
        title=_("%(node)s %(period)s zero-service members")
        % {"node": node_title(node), "period": period_title(period)},
        columns=[
            *_member_columns(),
            Column(_("Registered community"), lambda m: communities.get(m.pk) or _("Not registered")),
        ],
        rows=zero_service,
        notes=[_count_note(zero_service), _generated_note()],
    )
    return _workbook_bytes(workbook)


# --- 4. the place summary (辖区服务情况汇总表) and the organs serving in a place (在辖区服务的机关排行) ---

_PART_HEADERS = {
    Level.STREET: gettext_lazy("Street"),
    Level.COMMUNITY: gettext_lazy("Community"),
    Level.GRID: gettext_lazy("Grid"),
}
_PART_SHEETS = {
    Level.STREET: gettext_lazy("Streets"),
    Level.COMMUNITY: gettext_lazy("Communities"),
    Level.GRID: gettext_lazy("Grids"),
}


def _place_figure_columns(members_served_total, residents_total):
    """The figures of a place or of an organ in a place. Members who served are distinct people and residents are
    counted once per service: their totals are the place's own counts (a member who served in two communities is one
    member of the street; an activity two organs served in is one activity's residents), not the lines' sums."""
    return [
        _figure("registered_members", key="members"),
        Column(
            glossary.label("members_served"), lambda r: r["members_served"], total=lambda rows: members_served_total
        ),
        _figure("person_times"),
        Column(
            glossary.label("hours"),
            lambda r: r["hours"],
            ONE_DECIMAL,
            total=lambda rows: _hours(_total(rows, "minutes")),
        ),
        _figure("residents_served", total=residents_total),
        _figure("wish_services"),
        _figure("points"),
    ]


def _place_note():
    return _(
        "Members registered: active members with a confirmed registration there now. The other figures count the "
        "approved services done there in the period."
    )


def place_summary_workbook(*, node, period):
    """Bytes of an .xlsx file: one line per part of the place with its figures in the period, and the totals: the
    streets of a district (and, on a second sheet, its communities with their street), the communities of a street,
    the grids of a community (with a line for what was recorded without a grid)."""
    members_served = len(selectors.member_minutes(node, period))
    levels = [areas.PARTS[node.level]]
    if node.level == Level.DISTRICT:
        levels.append(Level.COMMUNITY)
    workbook = Workbook(write_only=True)
    for level in levels:
        rows = areas.place_rows(node=node, period=period, level=level)
        columns = [Column(str(_PART_HEADERS[level]), lambda r: r["name"])]
        if level == Level.COMMUNITY and node.level == Level.DISTRICT:
            columns.append(Column(_("Street"), lambda r: r["street"]))
        columns += _place_figure_columns(members_served, residents_of(node, period))
        _write_table(
            workbook,
            sheet_title=str(_PART_SHEETS[level]),
            title=_("%(node)s %(period)s service summary: %(parts)s")
            % {"node": node_title(node), "period": period_title(period), "parts": _PART_SHEETS[level]},
            columns=columns,
            rows=rows,
            totals=True,
            notes=[_place_note(), _generated_note()],
        )
    return _workbook_bytes(workbook)


def organs_in_area_workbook(*, node, period):
    """Bytes of an .xlsx file: the organs serving in the place ranked by service hours in the period (competition
    ranks), each with the figures of its members' services done there, and the totals, which are the place's."""
    rows = selectors.ranking(node=node, period=period, of="organs", metric="hours")
    members_served = len(selectors.member_minutes(node, period))
    columns = [
        Column(_("Rank"), lambda r: r["rank"]),
        Column(_("Organ"), lambda r: r["name"]),
        *_place_figure_columns(members_served, residents_of(node, period)),
    ]
    note = _(
        "Ranked by service hours. Listed: every organ whose members served here in the period or have members "
        "registered here now; its figures count its members' approved services done here."
    )
    workbook = Workbook(write_only=True)
    _write_table(
        workbook,
        sheet_title=_("Organs serving in the area"),
        title=_("%(node)s %(period)s organs serving in the area")
        % {"node": node_title(node), "period": period_title(period)},
        columns=columns,
        rows=rows,
        totals=True,
        notes=[note, _place_note(), _generated_note()],
    )
    return _workbook_bytes(workbook)
