"""The latest seal printed on every file the platform produces: the Excel exports, the attendance sheet, the service
report (Word and PDF), the volunteer service certificate and the registration certificate. Each is built from a sealed
ledger and read back as a reader would (openpyxl, python-docx, pdftotext); before the first seal each says so."""

import shutil
import subprocess
from datetime import date
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext as _
from docx import Document
from openpyxl import load_workbook

from apps.activities import exports as attendance
from apps.ledger import services as ledger_services
from apps.ledger.certificates import certificate_issue, certificate_pdf
from apps.registrations import certificate as registration_certificate
from apps.registrations import selectors as registration_selectors
from apps.registrations import services as registration_services
from apps.registrations.models import RegistrationStatus
from apps.seals.models import Seal
from apps.seals.printed import SEAL_PURPOSE, fitted_lines, printed_seal
from apps.seals.selectors import seal_witness_line
from apps.seals.services import ledger_seal_all
from apps.stats import exports, report
from apps.stats.nodes import Level, Node
from apps.stats.periods import year_period
from tests import factories as f
from tests.activities_hours.conftest import at, make_activity, make_signup
from tests.seals.conftest import DAY

pytestmark = pytest.mark.django_db

PERIOD = year_period(DAY.year)
NOTHING_SEALED = _("Ledger seal: nothing sealed yet")


def seal_now():
    """Seal what is not sealed yet, as the scheduler's job does now, and return the latest seal. (A seal made with a
    later `now` would put the next seal's horizon after the rows written meanwhile.)"""
    ledger_seal_all()
    return Seal.objects.order_by("-seq").first()


def pdf_text(content, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "file.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def sheet_texts(sheet):
    return [str(value) for row in sheet.iter_rows(values_only=True) for value in row if value is not None]


def docx_footer_texts(content):
    document = Document(BytesIO(content))
    return [paragraph.text for section in document.sections for paragraph in section.footer.paragraphs]


# --- the Excel exports ----------------------------------------------------------------------------------------------

WORKBOOKS = {
    "members": (exports.member_table_workbook, Level.ORGAN),
    "branches": (exports.branch_summary_workbook, Level.ORGAN),
    "lists": (exports.unregistered_and_zero_service_workbook, Level.ORGAN),
    "places": (exports.place_summary_workbook, Level.STREET),
    "organs": (exports.organs_in_area_workbook, Level.COMMUNITY),
}


def node_of(world, level):
    return Node(level, {Level.ORGAN: world.organ, Level.STREET: world.street, Level.COMMUNITY: world.community}[level])


@pytest.mark.parametrize("kind", WORKBOOKS)
def test_every_sheet_of_a_statistics_export_ends_with_the_latest_seal_and_prints_it_in_its_footer(ledger, world, kind):
    seal_now()
    ledger_services.record_approve(record=ledger.pending, actor=world.staff)
    latest = seal_now()  # a second seal: the file prints the latest
    build, level = WORKBOOKS[kind]

    book = load_workbook(BytesIO(build(node=node_of(world, level), period=PERIOD)))

    tables = [sheet for sheet in book.worksheets if sheet.title != _("Definitions")]
    assert tables
    for sheet in tables:
        last = [sheet.cell(row, 1).value for row in (sheet.max_row - 1, sheet.max_row)]
        assert last == [seal_witness_line(latest), str(SEAL_PURPOSE)]
        assert latest.witness in last[0]
        assert sheet.oddFooter.left.text == seal_witness_line(latest)
    assert book.properties.description == seal_witness_line(latest)
    assert not any(f"1:{Seal.objects.get(seq=1).digest}" in text for text in sheet_texts(tables[0]))


def test_a_statistics_export_before_the_first_seal_says_nothing_is_sealed_yet(world):
    book = load_workbook(BytesIO(exports.member_table_workbook(node=node_of(world, Level.ORGAN), period=PERIOD)))
    sheet = book.active
    assert [sheet.cell(row, 1).value for row in (sheet.max_row - 1, sheet.max_row)] == [
        NOTHING_SEALED,
        str(SEAL_PURPOSE),
    ]


def test_a_statistics_export_reads_the_seal_once(ledger, world):
    seal_now()
    node = node_of(world, Level.ORGAN)
    with CaptureQueriesContext(connection) as queries:
        exports.unregistered_and_zero_service_workbook(node=node, period=PERIOD)  # two sheets, one seal
    assert sum('"seals_seal"' in query["sql"] for query in queries.captured_queries) == 1


# --- the attendance sheet -------------------------------------------------------------------------------------------


@pytest.fixture
def activity(world):
    return make_activity(
        community=world.community, created_by=world.staff, starts_at=at(2026, 3, 2, 9), ends_at=at(2026, 3, 2, 11)
    )


def test_the_attendance_sheet_ends_with_the_latest_seal(ledger, world, activity):
    latest = seal_now()
    make_signup(activity=activity, member=world.member, checked_in_at=at(2026, 3, 2, 9))

    sheet = load_workbook(
        BytesIO(attendance.attendance_workbook(activity=activity, rows=activity.signups.all()))
    ).active

    assert [sheet.cell(row, 1).value for row in (sheet.max_row - 1, sheet.max_row)] == [
        seal_witness_line(latest),
        str(SEAL_PURPOSE),
    ]
    assert latest.witness in sheet_texts(sheet)[-2]
    assert sheet.oddFooter.left.text == seal_witness_line(latest)


def test_the_attendance_sheet_before_the_first_seal_says_nothing_is_sealed_yet(world, activity):
    sheet = load_workbook(BytesIO(attendance.attendance_workbook(activity=activity, rows=[]))).active
    assert sheet.cell(sheet.max_row - 1, 1).value == NOTHING_SEALED


# --- the service report ---------------------------------------------------------------------------------------------


def test_the_word_report_has_the_latest_seal_in_its_footer(ledger, world):
    latest = seal_now()

    content = report.report_file(node=node_of(world, Level.ORGAN), period=PERIOD, file_format="docx")

    footer = docx_footer_texts(content)
    assert seal_witness_line(latest) in footer and str(SEAL_PURPOSE) in footer
    assert any(latest.witness in text for text in footer)


def test_the_pdf_report_has_the_latest_seal_at_the_foot_of_every_page(ledger, world, tmp_path):
    # Enough members for the report to run onto a second page.
    for _number in range(60):
        f.MemberFactory(branch=world.branch)
    latest = seal_now()

    text = pdf_text(report.report_file(node=node_of(world, Level.ORGAN), period=PERIOD, file_format="pdf"), tmp_path)

    pages = text.split("\f")[:-1]
    assert len(pages) > 1
    for page in pages:
        assert latest.witness in page
        assert "".join(str(SEAL_PURPOSE).split()) in "".join(page.split())


def test_reports_before_the_first_seal_say_nothing_is_sealed_yet(world, tmp_path):
    node = node_of(world, Level.ORGAN)
    assert NOTHING_SEALED in docx_footer_texts(report.report_file(node=node, period=PERIOD, file_format="docx"))
    text = pdf_text(report.report_file(node=node, period=PERIOD, file_format="pdf"), tmp_path)
    assert "".join(NOTHING_SEALED.split()) in "".join(text.split())


# --- the certificates -----------------------------------------------------------------------------------------------


def test_the_service_certificate_prints_the_latest_seal_when_it_is_downloaded(ledger, world, tmp_path):
    seal_now()
    certificate = certificate_issue(
        member=world.member, actor=world.member.user, period_start=date(2026, 5, 1), period_end=date(2026, 5, 31)
    )
    latest = seal_now()  # seals the certificate's issue too

    text = pdf_text(certificate_pdf(certificate, base_url="https://example.org"), tmp_path)

    assert latest.seq == 2
    assert latest.witness in text
    assert "".join(str(SEAL_PURPOSE).split()) in "".join(text.split())


def test_the_service_certificate_before_the_first_seal_says_nothing_is_sealed_yet(ledger, world, tmp_path):
    certificate = certificate_issue(
        member=world.member, actor=world.member.user, period_start=date(2026, 5, 1), period_end=date(2026, 5, 31)
    )
    text = pdf_text(certificate_pdf(certificate, base_url="https://example.org"), tmp_path)
    assert "".join(NOTHING_SEALED.split()) in "".join(text.split())


@pytest.fixture
def confirmed(world):
    registration = f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.PENDING)
    registration_services.registration_confirm(registration=registration, actor=world.staff)
    return registration_selectors.registration_certificate_get(user=world.member.user, registration_id=registration.pk)


def test_both_halves_of_the_registration_certificate_carry_the_latest_seal(confirmed, tmp_path):
    latest = seal_now()  # seals the registration's confirmation

    text = pdf_text(
        registration_certificate.registration_certificate_pdf(confirmed, base_url="https://e.org"), tmp_path
    )

    assert text.count(latest.witness) == 2  # the certificate the member keeps and the receipt the organ keeps
    assert "".join(str(SEAL_PURPOSE).split()) in "".join(text.split())


def test_the_registration_certificate_before_the_first_seal_says_nothing_is_sealed_yet(confirmed, tmp_path):
    text = pdf_text(
        registration_certificate.registration_certificate_pdf(confirmed, base_url="https://e.org"), tmp_path
    )
    assert "".join(text.split()).count("".join(NOTHING_SEALED.split())) == 2


# --- the line on a narrow page --------------------------------------------------------------------------------------


def width_of(text):
    return len(text)  # one unit a character


def test_a_line_that_fits_is_kept_whole():
    line = "Ledger seal No. 7 of 2026-12-04 13:05: 7:" + "a" * 64
    assert fitted_lines(line, width=len(line), string_width=width_of) == [line]


def test_a_line_too_wide_is_broken_before_the_seal_whose_number_and_digest_stay_whole():
    witness = "1842:" + "9f3a" * 16
    line = f"Ledger seal No. 1842 of 2026-12-04 13:05: {witness}"

    lines = fitted_lines(line, width=len(witness) + 2, string_width=width_of)

    assert lines == ["Ledger seal No. 1842 of 2026-12-04 13:05:", witness]
    chinese = f"台账存证 第1842号（2026-12-04 13:05）：{witness}"
    assert fitted_lines(chinese, width=len(witness), string_width=width_of)[-1] == witness


def test_on_a_page_too_narrow_for_the_digest_it_goes_on_over_lines_and_loses_nothing():
    witness = "3:" + "0123456789abcdef" * 4
    lines = fitted_lines(f"Seal: {witness}", width=20, string_width=width_of)
    assert all(len(line) <= 20 for line in lines)
    assert "".join(lines[1:]) == witness


def test_the_purpose_is_broken_between_words_or_chinese_characters():
    assert fitted_lines("one two three", width=8, string_width=width_of) == ["one two", "three"]
    assert fitted_lines("凭此存证可核验台账", width=4, string_width=width_of) == ["凭此存证", "可核验台", "账"]


def test_printed_seal_reads_the_latest_seal(ledger):
    assert printed_seal().line == NOTHING_SEALED
    latest = seal_now()
    assert printed_seal().lines == (seal_witness_line(latest), str(SEAL_PURPOSE))
