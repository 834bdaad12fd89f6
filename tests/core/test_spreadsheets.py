"""Spreadsheet cells (apps.core.spreadsheets): text is written as text whatever it starts with, never as a formula
or an error value, exactly as given; numbers, dates and empty cells keep their type; in normal and write-only mode.
"""

import zipfile
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from apps.core.spreadsheets import append_row, new_cell, set_value

FORMULA_LIKE = ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)", "\t=1", "＝1", "-5", "=1+1"]


def saved(workbook):
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_xml(content):
    with zipfile.ZipFile(BytesIO(content)) as archive:
        return "".join(
            archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/worksheets/sheet")
        )


def new_sheet(write_only):
    workbook = Workbook(write_only=write_only)
    return workbook, workbook.create_sheet("data") if write_only else workbook.active


@pytest.mark.parametrize("write_only", [False, True], ids=["normal", "write-only"])
def test_every_text_is_written_as_the_exact_text_and_never_a_formula(write_only):
    workbook, sheet = new_sheet(write_only)
    append_row(sheet, FORMULA_LIKE)
    content = saved(workbook)

    xml = sheet_xml(content)
    assert "<f>" not in xml and "<f " not in xml
    assert xml.count('t="inlineStr"') == len(FORMULA_LIKE)
    cells = load_workbook(BytesIO(content)).worksheets[0][1]
    assert [cell.value for cell in cells] == FORMULA_LIKE
    assert {cell.data_type for cell in cells} == {"s"}
    assert all(cell.quotePrefix for cell in cells)  # Excel keeps them text when the cell is edited again


@pytest.mark.parametrize("write_only", [False, True], ids=["normal", "write-only"])
def test_numbers_stay_numbers_and_plain_text_gets_no_quote_prefix(write_only):
    workbook, sheet = new_sheet(write_only)
    append_row(sheet, [3, 2.5, -1, None, "张三", "#N/A", date(2026, 3, 2), True])
    cells = load_workbook(BytesIO(saved(workbook))).worksheets[0][1]

    assert [cell.value for cell in cells[:3]] == [3, 2.5, -1]
    assert {cell.data_type for cell in cells[:3]} == {"n"}
    assert cells[3].value is None
    assert (cells[4].value, cells[4].data_type, cells[4].quotePrefix) == ("张三", "s", False)
    assert (cells[5].value, cells[5].data_type) == ("#N/A", "s")  # text, not Excel's error value
    assert cells[6].value.date() == date(2026, 3, 2)
    assert cells[7].value is True


@pytest.mark.parametrize("write_only", [False, True], ids=["normal", "write-only"])
def test_a_styled_cell_keeps_its_text_its_style_and_its_quote_prefix(write_only):
    workbook, sheet = new_sheet(write_only)
    cell = new_cell(sheet, "=1")
    cell.font = Font(bold=True)
    append_row(sheet, [cell, "=2"])
    content = saved(workbook)

    assert "<f>" not in sheet_xml(content)
    first, second = load_workbook(BytesIO(content)).worksheets[0][1][:2]
    assert (first.value, first.font.bold, first.quotePrefix) == ("=1", True, True)
    assert (second.value, second.data_type) == ("=2", "s")


def test_set_value_keeps_text_in_a_cell_of_a_normal_sheet():
    workbook = Workbook()
    sheet = workbook.active
    cell = set_value(sheet.cell(row=2, column=3), "=SUM(A1:A2)")
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=SUM(A1:A2)", "s", True)
    # A carriage return comes back as a line feed (XML normalizes line ends) but the cell is text all the same.
    carriage = set_value(sheet.cell(row=4, column=3), "\r=1")
    assert (carriage.data_type, carriage.quotePrefix) == ("s", True)
    set_value(sheet.cell(row=3, column=3), 7)
    content = saved(workbook)

    assert "<f>" not in sheet_xml(content)
    reloaded = load_workbook(BytesIO(content)).active
    assert reloaded["C2"].value == "=SUM(A1:A2)"
    assert (reloaded["C3"].value, reloaded["C3"].data_type) == (7, "n")


def test_every_module_that_writes_a_workbook_uses_these_helpers():
    """A module that builds a workbook (imports openpyxl's Workbook) writes its cells through this module; reading
    uploads (apps/imports/reading.py) does not build one."""
    apps_dir = Path(__file__).resolve().parents[2] / "apps"
    writers = [path for path in apps_dir.rglob("*.py") if "from openpyxl import Workbook" in path.read_text()]
    assert writers  # the exports and the import templates
    for path in writers:
        assert "from apps.core.spreadsheets import" in path.read_text(), path
