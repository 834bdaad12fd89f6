"""What the service report's tests share (tests/stats/test_report.py, tests/web/test_dashboard_report.py): an organ
whose members' names look like formulas, and the report's Word document and PDF read back as text."""

import re
import shutil
import subprocess
from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from docx.table import Table as DocxTable

from apps.ledger import services as ledger
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceSource
from apps.stats.nodes import Level, Node
from apps.stats.periods import year_period
from tests import factories as f

LOCAL = ZoneInfo("Asia/Shanghai")
YEAR = 2024
PERIOD = year_period(YEAR)
# Names a spreadsheet would read as formulas (three members' and a branch's): the report writes them as typed.
FORMULA_NAMES = ("=SUM(A1:A9)", "+86张伟", "-李娜", "@第二党支部")


def at(month, day, hour=9, year=YEAR):
    return datetime(year, month, day, hour, tzinfo=LOCAL)


class OrganWorld:
    """world.organ with two branches: a registered member with three services (one a confirmed wish), a registered
    member with one service, two unregistered members without services whose names look like formulas, another
    registered one without services, a member of the other organ who served too, and a service of next year."""

    def __init__(self, world):
        self.world = world
        self.branch, self.branch2 = world.branch, f.BranchFactory(organ=world.organ, name=FORMULA_NAMES[3])
        self.active = world.member
        f.RegistrationFactory(member=self.active, grid=world.grid)
        self.light = f.MemberFactory(branch=self.branch2, job_title="副科长")
        f.RegistrationFactory(member=self.light, grid=world.grid)
        self.formula = [
            f.MemberFactory(branch=self.branch, job_title="科员", user=f.UserFactory(name=FORMULA_NAMES[0])),
            f.MemberFactory(branch=self.branch2, user=f.UserFactory(name=FORMULA_NAMES[1])),
        ]
        self.resting = f.MemberFactory(branch=self.branch2, user=f.UserFactory(name=FORMULA_NAMES[2]))
        f.RegistrationFactory(member=self.resting, grid=world.grid)
        self.record(self.active, at(3, 1), 90, residents=5)
        self.record(self.active, at(6, 1), 150, residents=3)
        self.record(self.active, at(7, 1), 60, residents=1, source=ServiceSource.WISH, source_id=991)
        self.record(self.light, at(4, 2), 60, residents=2)
        self.record(self.active, at(1, 5, year=YEAR + 1), 600)  # next year: not in the period
        self.record(world.other_member, at(3, 1), 120, grid=world.other_grid)
        self.node = Node(Level.ORGAN, world.organ)

    def record(self, member, start, minutes, *, residents=0, grid=None, source=ServiceSource.MANUAL, source_id=None):
        grid = grid or self.world.grid
        return ledger.record_create(
            member=member,
            community=grid.community,
            grid=grid,
            source=source,
            source_id=source_id,
            category=ServiceCategory.CLEAN_UP,
            content="社区环境卫生整治",
            started_at=start,
            ended_at=start + timedelta(minutes=minutes),
            credited_minutes=minutes,
            residents_served=residents,
            status=RecordStatus.APPROVED,
            decided_by=self.world.staff,
        )


# --- reading the files back ---------------------------------------------------------------------------------------


def docx_sections(content):
    """{heading: {"paragraphs": [...], "rows": [[cell text, ...], ...]}} of a report's Word document, in order, with
    "" for what stands above the first heading (the title and the time of generation)."""
    document = Document(BytesIO(content))
    sections, current = {"": {"paragraphs": [], "rows": []}}, ""
    for block in document.iter_inner_content():
        if isinstance(block, DocxTable):
            sections[current]["rows"] = [[cell.text for cell in row.cells] for row in block.rows]
        elif block.style.name == "Heading 1":
            current = block.text
            sections[current] = {"paragraphs": [], "rows": []}
        elif block.text:
            sections[current]["paragraphs"].append(block.text)
    return sections


def docx_text(content):
    document = Document(BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)


def pdf_text(content, tmp_path):
    """The PDF's text as laid out on the page (-layout keeps a table's row on one line)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def squeezed(text):
    """Text without whitespace: a PDF breaks a sentence wherever its line ends."""
    return re.sub(r"\s+", "", text)
