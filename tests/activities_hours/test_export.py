"""The attendance sheet as Excel: opens with openpyxl, translated headers, frozen header row, totals, the seal."""

from io import BytesIO

import pytest
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from apps.seals.printed import SEAL_PURPOSE
from apps.seals.selectors import seal_witness_line
from tests import factories as f
from tests.activities_hours.conftest import at, make_signup

pytestmark = pytest.mark.django_db


def download(client, activity):
    response = client.get(f"/api/v1/activities/{activity.pk}/attendance.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(BytesIO(response.content)).active


def table_and_seal(sheet):
    """The rows under the header up to the totals line, and the two lines after the blank one under it: the ledger's
    seal and what it is for (tests/seals/test_printed.py seals the ledger)."""
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    table, blank, seal = rows[:-3], rows[-3], rows[-2:]
    assert not any(blank) and all(not any(line[1:]) for line in seal)
    return table, [line[0] for line in seal]


def test_excel_sheet_has_headers_rows_and_totals(make_client, world, activity, finished):
    make_signup(activity=activity, member=f.MemberFactory(), checked_in_at=at(2026, 3, 2, 10))
    sheet = download(make_client(world.staff), activity)
    headers = [cell.value for cell in sheet[1]]
    # Headers go through gettext (Chinese once the zh-hans catalogue has them; tests run in zh-hans).
    assert headers[:3] == [_("Name"), _("Organ"), _("Branch")]
    assert _("Credited minutes") in headers
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 12
    minutes_col = headers.index(_("Credited minutes"))
    rows, seal = table_and_seal(sheet)
    assert len(rows) == 3  # two sign-ups and the totals line
    assert rows[0][0] == world.member.user.name
    assert rows[0][4] == "2026-03-02 09:00"  # local Asia/Shanghai wall-clock time
    assert rows[-1][0] == _("Total")
    assert rows[-1][minutes_col] == 120
    assert seal == [seal_witness_line(), str(SEAL_PURPOSE)]


def test_excel_of_an_empty_activity_has_a_zero_total(make_client, world, activity):
    sheet = download(make_client(world.staff), activity)
    rows, _seal = table_and_seal(sheet)
    assert rows[-1][0] == _("Total")
    assert 0 in rows[-1]
