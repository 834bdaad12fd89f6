"""The downloadable Excel template of each kind of import: Chinese headers, one example row, drop-down lists for the
columns that take fixed values, and a sheet that explains each column."""

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from apps.core.spreadsheets import append_row, set_value
from apps.imports.reading import INSTRUCTIONS_SHEET

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_HEADER_FILL = PatternFill("solid", fgColor="FCE4D6")
_ROWS_WITH_LISTS = 50000


def template_workbook(importer_cls):
    """The template as .xlsx bytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = importer_cls.sheet_title
    for index, column in enumerate(importer_cls.columns, start=1):
        cell = set_value(sheet.cell(row=1, column=index), column.header + ("*" if column.required else ""))
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = _HEADER_FILL
        if column.help:
            cell.comment = Comment(str(column.help), "")
        set_value(sheet.cell(row=2, column=index), column.example)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = column.width
        if column.choices:
            labels = ",".join(label for label, _value in column.choices)
            validation = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=not column.required)
            validation.error = _("Choose one of: %(choices)s") % {"choices": labels.replace(",", "、")}
            validation.showErrorMessage = True
            validation.add(f"{letter}2:{letter}{_ROWS_WITH_LISTS}")
            sheet.add_data_validation(validation)
        else:
            # Codes and mobile numbers stay text, so Excel keeps leading zeros and never writes 1.39E+10.
            sheet.cell(row=2, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet(INSTRUCTIONS_SHEET)
    append_row(notes, [_("Column"), _("Required"), _("Values"), _("Notes")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in importer_cls.columns:
        append_row(
            notes,
            [
                column.header,
                _("yes") if column.required else _("no"),
                "、".join(label for label, _v in column.choices),
                str(column.help),
            ],
        )
    append_row(notes, [])
    append_row(notes, [_("Fill one row per record under the headers of the first sheet and delete the example row.")])
    append_row(
        notes, [_("Do not merge cells, rename the headers or add sheets. CSV files with the same headers work too.")]
    )
    for letter, width in zip("ABCD", (14, 8, 30, 70), strict=True):
        notes.column_dimensions[letter].width = width
    out = BytesIO()
    book.save(out)
    return out.getvalue()
