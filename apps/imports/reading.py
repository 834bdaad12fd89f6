"""Reading an uploaded table (Excel .xlsx or CSV) a row at a time, so memory stays flat however long the file is.

openpyxl's read-only mode and the csv module both stream; nothing here holds more than one row. Problems with the
file as a whole (wrong type, merged cells, extra sheets, missing columns) raise FileProblem with a plain message.
"""

import codecs
import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from apps.core.text import clean_text

INSTRUCTIONS_SHEET = "填写说明"  # the templates' second sheet; ignored when reading
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format


class FileProblem(Exception):
    def __init__(self, message):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Column:
    """A column of an import file. `header` is the file format (the templates' Chinese header), not UI text, so a
    file fills in the same way whatever language the uploader's pages are in; `aliases` are other accepted headers."""

    key: str
    header: str
    required: bool = False
    choices: tuple = ()  # ((label in the file, stored value), ...): the template offers them as a drop-down list
    example: str = ""
    help: str = ""
    aliases: tuple = ()
    width: int = 16

    def accepts(self, text):
        return text == self.header or text in self.aliases


def _clean_header(value):
    return "".join(str(value or "").split()).rstrip("*")


def _cell_text(value):
    """A cell as text: numbers Excel stored as floats lose a trailing .0 (a code or mobile number typed as a number);
    text is cleaned as all free text is (apps.core.text: no direction controls, trimmed)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(value)


class Table:
    """An open import file: `columns` maps each expected column key to its index; `rows(skip)` yields
    (row number as the spreadsheet shows it, {key: text}) for each non-empty row after the first `skip` data rows."""

    first_number = 2  # the number rows() gives the first data row: the header is row 1

    def __init__(self, *, header, expected, total):
        self.total = total
        self.columns = _map_columns(header, expected)

    def _record(self, values):
        return {key: _cell_text(values[i]) if i < len(values) else "" for key, i in self.columns.items()}


def _map_columns(header, expected):
    cleaned = [_clean_header(h) for h in header]
    found, missing = {}, []
    for column in expected:
        index = next((i for i, text in enumerate(cleaned) if column.accepts(text)), None)
        if index is None:
            if column.required:
                missing.append(column.header)
        else:
            found[column.key] = index
    if missing:
        raise FileProblem(
            _("The first row must hold the template's column headers; missing: %(columns)s. Download the template.")
            % {"columns": "、".join(missing)}
        )
    return found


class _XlsxTable(Table):
    def __init__(self, file, expected, *, count):
        self._file = file
        try:
            self._book = _open_workbook(file)
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise FileProblem(_("The file could not be read as an Excel workbook (.xlsx).")) from exc
        sheets = [name for name in self._book.sheetnames if name != INSTRUCTIONS_SHEET]
        if len(sheets) != 1:
            raise FileProblem(
                _("The workbook has %(n)d sheets (%(names)s); keep only the sheet with the data.")
                % {"n": len(sheets), "names": "、".join(sheets)}
            )
        self._sheet = self._book[sheets[0]]
        # The stored dimension can be missing or stale (files written by other programs): read up to the last row.
        self._sheet.reset_dimensions()
        merged = _merged_ranges(self._sheet)
        if merged:
            raise FileProblem(
                _("The sheet has merged cells (%(ranges)s); unmerge them so that every row holds its own values.")
                % {"ranges": "、".join(merged[:5])}
            )
        header = next(self._sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
        super().__init__(header=header, expected=expected, total=None)
        self.total = self._count_rows() if count else None

    def _count_rows(self):
        """Data rows up to the last one that holds a value (formatted but empty rows below it do not count)."""
        last = 0
        for index, values in enumerate(self._sheet.iter_rows(min_row=2, values_only=True), start=1):
            if any(_cell_text(v) for v in values):  # a cell holding only spaces is blank too
                last = index
        return last

    def rows(self, skip=0):
        for number, values in enumerate(_sheet_values(self._sheet, 2 + skip), start=2 + skip):
            if any(_cell_text(v) for v in values):  # a cell holding only spaces is blank too
                yield number, self._record(values)

    def close(self):
        self._book.close()


def _sheet_values(sheet, first_row):
    """The values of each row from `first_row` on, as openpyxl's `iter_rows(min_row=first_row, values_only=True)`
    gives them on an unsized read-only sheet (a missing row as an empty list), but without reading the cells of the
    rows before: a check step that starts at row 8,002 goes past the first 8,000 rows at the cost of their XML."""
    from openpyxl.worksheet._reader import WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_row(self, row):
            try:
                number = int(row.get("r")) if row.get("r") is not None else self.row_counter + 1
            except ValueError:
                return super().parse_row(row)
            if number >= first_row:
                return super().parse_row(row)
            self.row_counter = number
            return number, []

    book = sheet.parent
    expected = first_row
    with sheet._get_source() as source:
        parser = Parser(
            source,
            sheet._shared_strings,
            data_only=book.data_only,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, cells in parser.parse():
            while expected < number:  # rows missing from the file are empty
                expected += 1
                yield []
            if expected == number:
                expected += 1
                yield sheet._get_row(cells, values_only=True)


def _open_workbook(file):
    """openpyxl's `load_workbook(file, read_only=True, data_only=True)`, except that its sheets are not measured on
    opening. A sheet saved without its dimension (openpyxl's write-only mode and other programs leave it out) would
    otherwise be read through to its last row at every opening, that is at every check step, only for the reader to
    set the dimension aside (`reset_dimensions`)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class UnmeasuredSheet(ReadOnlyWorksheet):
        def _get_size(self):
            pass  # the dimension stays unknown, as reset_dimensions leaves it

    class Reader(ExcelReader):
        def read_worksheets(self):  # the read-only branch of ExcelReader.read_worksheets
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files:
                    continue
                if "chartsheet" in rel.Type:
                    self.read_chartsheet(sheet, rel)
                    continue
                ws = UnmeasuredSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)

    reader = Reader(file, read_only=True, data_only=True)
    reader.read()
    return reader.wb


def _merged_ranges(sheet):
    """The merged ranges of a sheet, read from its XML in pieces (openpyxl's read-only mode does not report them)."""
    found, tail = set(), b""
    with sheet._get_source() as xml:
        while chunk := xml.read(1 << 16):
            text = tail + chunk
            start = 0
            while (at := text.find(_MERGE_TAG, start)) >= 0:
                end = text.find(b'"', at + len(_MERGE_TAG))
                if end < 0:
                    break
                found.add(text[at + len(_MERGE_TAG) : end].decode("ascii", "replace"))
                start = end
            tail = text[-64:]
    return sorted(found)


_MERGE_TAG = b'<mergeCell ref="'


class _CsvTable(Table):
    def __init__(self, file, expected, *, count):
        file.seek(0)
        encoding = _guess_encoding(file.read(1 << 16))
        file.seek(0)
        self._file = file
        self._encoding = encoding
        text = self._text()
        try:
            reader = csv.reader(text)
            header = next(reader, [])
            super().__init__(header=header, expected=expected, total=None)
            self.total = sum(1 for values in reader if any(v.strip() for v in values)) if count else None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise FileProblem(_("The CSV file could not be read: save it again as CSV (UTF-8).")) from exc
        finally:
            text.detach()  # closing the text layer would close the uploaded file under it

    def _text(self):
        self._file.seek(0)
        return io.TextIOWrapper(self._file, encoding=self._encoding, newline="")

    def rows(self, skip=0):
        text = self._text()
        try:
            reader = csv.reader(text)
            next(reader, None)
            for number, values in enumerate(reader, start=2):
                if number < 2 + skip:
                    continue
                if any(v.strip() for v in values):
                    yield number, self._record(values)
        finally:
            text.detach()

    def close(self):
        pass


def _guess_encoding(head):
    """UTF-8 (with or without the BOM Excel writes), else GB18030: what Excel on a Chinese Windows saves as CSV."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A cut multi-byte character at the end of the sample is still UTF-8.
        if exc.start < len(head) - 3:
            return "gb18030"
    return "utf-8"


def open_table(file, file_name, expected, *, count=True):
    """Open an uploaded file as a Table of the expected columns, or raise FileProblem. `count=False` leaves `total`
    unset (a whole pass over the file) for a reader that already knows it."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    lower = (file_name or "").lower()
    if head.startswith(_ZIP_MAGIC) and lower.endswith((".xlsx", ".xlsm")):
        return _XlsxTable(file, expected, count=count)
    if head.startswith(_OLE_MAGIC) or lower.endswith(".xls"):
        raise FileProblem(
            _("Old Excel files (.xls) cannot be read: save the file as .xlsx or CSV and upload it again.")
        )
    if lower.endswith(".csv") and not head.startswith(_ZIP_MAGIC):
        return _CsvTable(file, expected, count=count)
    raise FileProblem(_("Upload an Excel workbook (.xlsx) or a CSV file made from the template."))
