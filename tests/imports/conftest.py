"""Import files made in the tests (Excel workbooks and CSV files with given rows), the file formats' headers, and
the shared world with codes on its organs and branches (rosters name branches by code)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from apps.orgs.models import Organ, PartyOrg
from tests import factories as f

# The headers of each kind of file: the file format, fixed whatever language the pages are in.
GEO_HEADER = ["层级", "编码", "名称", "上级编码", "地址", "联系电话", "经度", "纬度", "坐标系"]
ORG_HEADER = ["类型", "编码", "名称", "上级编码", "简称", "机关类别"]
MEM_HEADER = ["姓名", "手机号码", "党支部编码", "机关编码", "职务", "家庭住址", "在职状态"]
STAFF_HEADER = ["姓名", "手机号码", "角色", "所辖编码"]

# Mobile numbers for the files: the factories number their users 139xxxxxxxx, these never collide with them.
PHONES = [f"1860000{n:04d}" for n in range(100)]


def xlsx_file(header, rows, *, name="import.xlsx", title="数据", extra_sheets=(), merge=None):
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    for extra in extra_sheets:
        book.create_sheet(extra)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


def csv_file(header, rows, *, name="import.csv", encoding="utf-8-sig"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(encoding), content_type="text/csv")


def run_check(batch, actor):
    """Check every chunk, as the page does by posting again until the check ends."""
    from apps.imports.services import import_check_step

    for _ in range(10_000):
        if batch.status != "checking":
            return batch
        batch = import_check_step(batch=batch, actor=actor)
    raise AssertionError("the check never ended")


def checked(kind, file, actor, **options):
    """Upload a file and check it to the end: the batch as the preview shows it."""
    from apps.imports.services import import_start

    return run_check(import_start(kind=kind, file=file, actor=actor, **options), actor)


def plan(batch):
    """{row number: row} of a checked batch (file rows only: the deactivations of a full roster are row 0)."""
    return {row.row_number: row for row in batch.rows.filter(row_number__gt=0)}


def error_columns(row):
    return [e["column"] for e in row.errors]


@pytest.fixture
def check():
    return run_check


class Coded:
    """The shared world with codes: organ A (JG-A) with its committee (JG-A-DW) and branches ZB-A1 (the world's
    branch, with world.member) and ZB-A2; organ B (JG-B) with branch ZB-B1 (world.other_member)."""

    def __init__(self, world):
        self.world = world
        Organ.objects.filter(pk=world.organ.pk).update(code="JG-A")
        Organ.objects.filter(pk=world.other_organ.pk).update(code="JG-B")
        PartyOrg.objects.filter(pk=world.branch.pk).update(code="ZB-A1")
        PartyOrg.objects.filter(pk=world.other_branch.pk).update(code="ZB-B1")
        PartyOrg.objects.filter(pk=f.committee_of(world.organ).pk).update(code="JG-A-DW")
        self.branch2 = f.BranchFactory(organ=world.organ, name="机关第二党支部", code="ZB-A2")
        for obj in (world.organ, world.other_organ, world.branch, world.other_branch):
            obj.refresh_from_db()


@pytest.fixture
def coded(world):
    return Coded(world)
