"""Rounding (docs/statistics.md): hours are summed in minutes and divided by 60 once, in decimal, rounded half up to
one decimal (apps.core.figures), so that the API, the dashboard and the Excel exports show the same figure for the
same node: 23,499 minutes (391.65 h) is 391.7, 23,505 minutes (391.75 h) is 391.8, 3 minutes 0.1 and 2 minutes 0.0.
Rates are rounded the same way to four decimals."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from io import BytesIO
from zipfile import ZipFile
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from apps.core.figures import hours_of, percent_of, rate_of, ratio_of
from apps.ledger import services as ledger
from apps.ledger.certificates import hours_text
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceSource
from apps.web.templatetags.web import hours as hours_filter

LOCAL = ZoneInfo("Asia/Shanghai")
YEAR = 2024
CASES = [(23_499, "391.7"), (23_505, "391.8"), (3, "0.1"), (2, "0.0"), (0, "0.0"), (90, "1.5"), (195, "3.3")]


@pytest.mark.parametrize(("minutes", "shown"), CASES)
def test_hours_are_rounded_once_half_up(minutes, shown):
    assert hours_of(minutes) == Decimal(shown) and str(hours_of(minutes)) == shown
    assert hours_filter(minutes) == hours_text(minutes) == shown
    assert float(hours_of(minutes)) == float(shown)  # what the API writes: the shortest form is the rounded figure


def test_rates_are_rounded_half_up_to_four_decimals_and_shown_as_percent_with_one():
    assert rate_of(12_345, 100_000) == Decimal("0.1235")  # binary floats give round(0.12345, 4) == 0.1234
    assert rate_of(1, 8) == Decimal("0.1250")
    assert rate_of(2, 3) == Decimal("0.6667")
    assert rate_of(5, 0) is None
    assert percent_of(Decimal("0.1235")) == Decimal("12.4")
    assert percent_of(Decimal("0.1225")) == Decimal("12.3")  # half up, not half even
    assert ratio_of(1, 20, 1) == Decimal("0.1")  # 0.05: half up
    assert ratio_of(1, 40, 1) == Decimal("0.0")  # 0.025


def serve(world, minutes):
    """One approved manual service of world.member in YEAR, long enough to credit `minutes`."""
    start = datetime(YEAR, 3, 1, 9, 0, tzinfo=LOCAL)
    record = ledger.record_create(
        member=world.member,
        community=world.community,
        grid=world.grid,
        source=ServiceSource.MANUAL,
        source_id=None,
        category=ServiceCategory.CARE_VISIT,
        content="入户走访困难群众",
        started_at=start,
        ended_at=start + timedelta(minutes=max(minutes, 1)),
        credited_minutes=minutes,
    )
    assert record.status == RecordStatus.PENDING
    ledger.record_approve(record=record, actor=world.staff)


def dashboard_hours(world):
    browser = Client()
    browser.force_login(world.reviewer)
    html = browser.get(
        reverse("dashboard:home"), {"node": f"organ:{world.organ.pk}", "kind": "year", "year": YEAR}
    ).content.decode()
    return re.search(r'data-key="hours">\s*<div class="value">([^<]*)</div>', html).group(1)


def export_hours(world, client):
    """The member's hours in the member table export (number format 0.0): the cell's value, the total's, and the
    number as the file stores it."""
    response = client.get(reverse("stats-export-members"), {"level": "organ", "id": world.organ.pk, "year": YEAR})
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(BytesIO(content)).active
    line = next(row for row in sheet.iter_rows(min_row=3) if row[1].value == world.member.user.name)
    # The hours are the table's one column of one decimal (the other numbers are counts and points).
    cell = next(cell for cell in line if cell.number_format == "0.0")
    column = cell.column
    total = sheet.cell(line[0].row + 1, column)
    with ZipFile(BytesIO(content)) as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode()
    stored = re.search(rf'<c r="{cell.coordinate}"[^>]*><v>([^<]*)</v>', xml).group(1)
    return cell.value, total.value, stored


@pytest.mark.parametrize(("minutes", "shown"), CASES[:4])
def test_the_api_the_dashboard_and_the_export_show_the_same_rounded_hours(world, make_client, minutes, shown):
    serve(world, minutes)
    client = make_client(world.reviewer)
    response = client.get("/api/v1/stats/summary/", {"level": "organ", "id": world.organ.pk, "year": YEAR})
    metrics = response.json()["metrics"]
    assert metrics["minutes"] == minutes
    assert metrics["hours"] == float(shown)
    assert f'"hours":{shown}' in response.content.decode().replace(" ", "")  # a JSON number, as documented

    assert dashboard_hours(world) == shown

    value, total, stored = export_hours(world, client)
    assert value == total == float(shown)
    assert Decimal(stored) == Decimal(shown)  # the cell holds the rounded figure, not 391.65 shown as 391.7
