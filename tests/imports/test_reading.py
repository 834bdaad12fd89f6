"""Reading an uploaded file: Excel and CSV in the encodings Excel writes, what is refused as a whole (kept in the
history with the reason), blank rows, row numbers as the spreadsheet shows them, numbers typed into text columns,
and the limits on rows and bytes."""

import codecs

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.errors import DomainError
from apps.imports.models import ImportBatch, ImportRow, ImportStatus, RowAction
from apps.imports.services import import_check_step, import_start
from tests.imports.conftest import MEM_HEADER, PHONES, checked, csv_file, plan, xlsx_file

pytestmark = pytest.mark.django_db


def roster_row(name, phone, branch="ZB-A1", job_title="", address="", status=""):
    return [name, phone, branch, "", job_title, address, status]


ROWS = [roster_row("李四", PHONES[0], job_title="科员"), roster_row("王五", PHONES[1], branch="ZB-A2")]


def start(coded, file):
    return import_start(kind="members", file=file, actor=coded.world.reviewer)


def check(coded, file, **options):
    return checked("members", file, coded.world.reviewer, **options)


def read_values(batch):
    return [(r.row_number, r.data["name"], r.data["phone"], r.data["branch_code"]) for r in plan(batch).values()]


def refused(batch):
    """The batch was kept in the history as refused, with a reason and no rows."""
    batch.refresh_from_db()
    assert batch.status == ImportStatus.INVALID
    assert batch.file_error.strip()
    assert batch.checked_at is not None
    assert not batch.rows.exists()
    return batch.file_error


EXPECTED = [(2, "李四", PHONES[0], "ZB-A1"), (3, "王五", PHONES[1], "ZB-A2")]


# --- formats ---


def test_an_xlsx_file_is_read_row_by_row(coded):
    batch = check(coded, xlsx_file(MEM_HEADER, ROWS))
    assert batch.status == ImportStatus.READY
    assert batch.rows_total == 2
    assert read_values(batch) == EXPECTED
    assert plan(batch)[2].data["job_title"] == "科员"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_a_csv_file_is_read_in_the_encodings_excel_writes(coded, encoding):
    file = csv_file(MEM_HEADER, ROWS, encoding=encoding)
    if encoding == "utf-8-sig":
        assert file.read(3) == codecs.BOM_UTF8
        file.seek(0)
    batch = check(coded, file)
    assert batch.status == ImportStatus.READY
    assert read_values(batch) == EXPECTED


def test_columns_are_found_by_their_header_in_any_order_with_the_templates_stars(coded):
    header = ["手机号码*", "备注", "党支部编码 *", "姓 名*"]
    rows = [[PHONES[0], "不读这一列", "ZB-A1", "李四"]]
    batch = check(coded, xlsx_file(header, rows))
    assert batch.status == ImportStatus.READY
    assert read_values(batch) == [(2, "李四", PHONES[0], "ZB-A1")]


# --- files refused as a whole ---


@pytest.mark.parametrize(
    "name, content",
    [
        ("roster.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504),
        ("roster.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504),  # an old workbook renamed
        ("roster.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"),
        ("roster.txt", "党员名单：李四、王五，都在机关第一党支部。\n".encode()),
        ("roster.xlsx", b"PK\x03\x04 not really a workbook"),
    ],
)
def test_a_file_that_is_not_a_template_is_refused_and_kept_in_the_history(coded, name, content):
    batch = start(coded, SimpleUploadedFile(name, content))
    refused(batch)
    assert ImportBatch.objects.filter(pk=batch.pk, file_name=name, created_by=coded.world.reviewer).exists()
    # Nothing more is checked for a refused file.
    assert import_check_step(batch=batch, actor=coded.world.reviewer).status == ImportStatus.INVALID
    assert not ImportRow.objects.filter(batch=batch).exists()


def test_merged_cells_are_refused_naming_the_range(coded):
    batch = start(coded, xlsx_file(MEM_HEADER, ROWS, merge="E2:F3"))
    assert "E2:F3" in refused(batch)


def test_a_workbook_with_another_sheet_is_refused_naming_the_sheets(coded):
    batch = start(coded, xlsx_file(MEM_HEADER, ROWS, extra_sheets=["备注"]))
    error = refused(batch)
    assert "备注" in error
    assert "数据" in error


def test_the_templates_instructions_sheet_is_ignored(coded):
    batch = check(coded, xlsx_file(MEM_HEADER, ROWS, extra_sheets=["填写说明"]))
    assert batch.status == ImportStatus.READY
    assert read_values(batch) == EXPECTED


@pytest.mark.parametrize("make", [xlsx_file, csv_file])
def test_a_missing_required_column_is_refused_naming_its_header(coded, make):
    header = [h for h in MEM_HEADER if h != "党支部编码"]
    rows = [[v for h, v in zip(MEM_HEADER, row, strict=True) if h != "党支部编码"] for row in ROWS]
    error = refused(start(coded, make(header, rows)))
    assert "党支部编码" in error
    assert "姓名" not in error


def test_a_renamed_column_is_not_guessed_and_its_template_header_is_named(coded):
    header = ["手机" if h == "手机号码" else h for h in MEM_HEADER]
    error = refused(start(coded, xlsx_file(header, ROWS)))
    assert "手机号码" in error


def test_a_file_with_only_its_header_is_refused(coded):
    refused(start(coded, xlsx_file(MEM_HEADER, [])))
    refused(start(coded, csv_file(MEM_HEADER, [])))


def test_a_file_with_no_rows_at_all_is_refused(coded):
    refused(start(coded, SimpleUploadedFile("empty.csv", b"")))


# --- rows ---


def test_blank_rows_are_skipped_and_rows_keep_the_spreadsheets_numbers(coded):
    rows = [
        ROWS[0],
        [None] * 7,
        ["", "  ", "", "", "", "", ""],
        ROWS[1],
    ]
    batch = check(coded, xlsx_file(MEM_HEADER, rows))
    assert batch.status == ImportStatus.READY
    assert [(n, name) for n, name, _p, _b in read_values(batch)] == [(2, "李四"), (5, "王五")]


def test_blank_csv_lines_are_skipped_and_rows_keep_their_line_numbers(coded):
    rows = [ROWS[0], ["", "", "", "", "", "", ""], [" ", "", "", "", "", "", ""], ROWS[1]]
    batch = check(coded, csv_file(MEM_HEADER, rows))
    assert [(n, name) for n, name, _p, _b in read_values(batch)] == [(2, "李四"), (5, "王五")]


def test_row_errors_carry_the_spreadsheets_row_number(coded):
    rows = [ROWS[0], [None] * 7, roster_row("", PHONES[2]), ROWS[1]]
    batch = check(coded, xlsx_file(MEM_HEADER, rows))
    assert batch.status == ImportStatus.INVALID
    errors = plan(batch)[4]
    assert errors.action == RowAction.ERROR
    assert [e["column"] for e in errors.errors] == ["姓名"]


def test_numbers_typed_into_text_cells_are_read_as_text(coded):
    rows = [
        roster_row("李四", float(PHONES[0])),  # what Excel stores when a mobile number is typed as a number
        roster_row("王五", int(PHONES[1]), branch="ZB-A2"),
    ]
    batch = check(coded, xlsx_file(MEM_HEADER, rows))
    assert batch.status == ImportStatus.READY
    assert read_values(batch) == EXPECTED


@pytest.mark.parametrize("write_only", [False, True], ids=["excel-like", "write-only"])
def test_a_sheet_read_from_any_row_gives_what_openpyxl_gives(write_only):
    """A check step opens the workbook without measuring its sheet and passes over the rows already checked without
    reading their cells (openpyxl's write-only mode saves no dimension, Excel does): the rows it gets from any row on
    are still openpyxl's own, gaps and missing cells included."""
    import io

    import openpyxl

    from apps.imports.reading import _open_workbook, _sheet_values

    book = openpyxl.Workbook(write_only=write_only)
    sheet = book.create_sheet("数据") if write_only else book.active
    for row in [MEM_HEADER, ["李四", PHONES[0]], [], [None, None, "ZB-A1"], [" "], [], [1.0, None, None, None, "x"]]:
        sheet.append(row)
    if not write_only:
        sheet["H12"] = "far"
    out = io.BytesIO()
    book.save(out)

    reference = openpyxl.load_workbook(io.BytesIO(out.getvalue()), read_only=True, data_only=True).worksheets[0]
    reference.reset_dimensions()
    ours = _open_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    assert (ours.max_row, ours.max_column) == (None, None)
    for first in range(1, 15):
        assert list(_sheet_values(ours, first)) == list(reference.iter_rows(min_row=first, values_only=True))


# --- limits ---


def test_a_file_with_more_rows_than_the_limit_is_refused_naming_the_limit(coded, settings):
    settings.IMPORT_MAX_ROWS = 5
    rows = [roster_row(f"党员{i}", PHONES[i]) for i in range(6)]
    error = refused(start(coded, xlsx_file(MEM_HEADER, rows)))
    assert "5" in error
    assert "6" in error


def test_a_file_at_the_row_limit_is_checked(coded, settings):
    settings.IMPORT_MAX_ROWS = 5
    rows = [roster_row(f"党员{i}", PHONES[i]) for i in range(5)]
    batch = check(coded, csv_file(MEM_HEADER, rows))
    assert batch.status == ImportStatus.READY
    assert batch.counts[RowAction.CREATE] == 5


def test_a_file_larger_than_the_byte_limit_is_refused_and_nothing_is_stored(coded, settings):
    file = xlsx_file(MEM_HEADER, ROWS)
    settings.IMPORT_MAX_BYTES = file.size - 1
    with pytest.raises(DomainError) as caught:
        start(coded, file)
    assert caught.value.code == "import_file_too_large"
    assert not ImportBatch.objects.exists()


def test_no_file_is_refused(coded):
    with pytest.raises(DomainError) as caught:
        start(coded, None)
    assert caught.value.code == "import_file_required"
    assert not ImportBatch.objects.exists()
