"""The attendance sheet of an activity as an Excel workbook (openpyxl), with the latest seal of the ledger under it."""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from apps.core.spreadsheets import append_row, header_footer_text
from apps.seals.printed import printed_seal

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _local(value):
    # Excel has no time zones: write the local wall-clock time as text, as people on site read it.
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _columns():
    """(header, width, value of a row) for every column; headers translated when the sheet is built."""
    return [
        (_("Name"), 12, lambda s: s.member.user.name),
        (_("Organ"), 24, lambda s: s.member.organ.name),
        (_("Branch"), 20, lambda s: s.member.branch.name),
        (_("Sign-up status"), 12, lambda s: s.get_status_display()),
        (_("Checked in at"), 18, lambda s: _local(s.checked_in_at)),
        (_("Checked out at"), 18, lambda s: _local(s.checked_out_at)),
        (_("Check-in method"), 14, lambda s: s.get_checkin_method_display() if s.checkin_method else ""),
        (_("Distance (m)"), 12, lambda s: round(s.checkin_distance_m) if s.checkin_distance_m is not None else None),
        (_("Attendance"), 10, lambda s: s.get_attendance_display() if s.attendance else ""),
        (_("Credited minutes"), 12, lambda s: s.credited_minutes),
        (_("Hours"), 14, lambda s: s.get_hours_status_display()),
        (_("Flags"), 24, _flags),
    ]


def _flags(signup):
    flags = []
    if signup.no_show:
        flags.append(_("No-show"))
    if signup.checkout_missing:
        flags.append(_("Check-out missing"))
    if signup.disputed_at is not None:
        flags.append(_("Disputed"))
    return ", ".join(flags)


def attendance_workbook(*, activity, rows):
    """Bytes of an .xlsx file: header row frozen, one line per sign-up, a totals line, then the latest seal's line
    and what it is for (also in the footer of every printed page and in the file's description)."""
    columns = _columns()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Attendance")[:31]
    append_row(sheet, [header for header, _width, _value in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, (_header, width, _value) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width

    rows = list(rows)
    for signup in rows:
        append_row(sheet, [value(signup) for _header, _width, value in columns])

    minutes_column = [header for header, _w, _v in columns].index(_("Credited minutes")) + 1
    totals = [""] * len(columns)
    totals[0] = _("Total")
    totals[1] = _("%(count)d sign-ups") % {"count": len(rows)}
    # A value, not a =SUM formula: viewers and parsers that do not calculate would show it empty.
    totals[minutes_column - 1] = sum(signup.credited_minutes or 0 for signup in rows)
    append_row(sheet, totals)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)

    seal = printed_seal()  # once the sign-ups are read
    append_row(sheet, [])
    for line in seal.lines:
        append_row(sheet, [line])
    sheet.oddFooter.left.text = header_footer_text(seal.line)
    sheet.oddFooter.left.size = 8
    workbook.properties.description = seal.line

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def attendance_filename(activity):
    return f"attendance-{activity.pk}-{timezone.localdate(activity.starts_at):%Y%m%d}.xlsx"
