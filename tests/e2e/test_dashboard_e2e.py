"""The dashboard in a real browser: an organ committee reviewer reads this year's figures, changes the period, opens
the rankings and the zero-service list and downloads the member table; a street administrator reads their street."""

from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from apps.ledger import services as ledger
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceSource
from apps.stats.nodes import Level, Node
from apps.stats.periods import period_of
from apps.stats.selectors import node_metrics
from apps.web.dashboard.forms import default_period
from tests.e2e.conftest import DESKTOP, PHONE, f

LOCAL = ZoneInfo("Asia/Shanghai")


class Organ:
    """Three branches of the reviewer's organ with members who served across the months of this year and last."""

    def __init__(self, world):
        self.world = world
        self.this_year = timezone.localdate().year
        self.last_year = self.this_year - 1
        self.branches = [world.branch] + [
            f.BranchFactory(organ=world.organ, name=name) for name in ("机关第二党支部", "机关第三党支部")
        ]
        names = ("王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄勇")
        self.members = [world.member] + [
            f.MemberFactory(branch=self.branches[n % 3], user=f.UserFactory(name=name)) for n, name in enumerate(names)
        ]
        for member in self.members[:5]:
            f.RegistrationFactory(member=member, grid=world.grid)
        this_month = timezone.localdate().month
        for n, member in enumerate(self.members[:6]):
            for month in range(1, 13, 2 + n % 3):
                self.record(member, self.last_year, month, 60 + 30 * n)
                if month <= this_month:
                    self.record(member, self.this_year, month, 45 + 15 * n)
        self.record(world.other_member, self.last_year, 4, 240, grid=world.other_grid)

    def record(self, member, year, month, minutes, *, grid=None):
        grid = grid or self.world.grid
        start = datetime(year, month, 8, 14, 0, tzinfo=LOCAL)
        if start > timezone.now():
            return
        ledger.record_create(
            member=member,
            community=grid.community,
            grid=grid,
            source=ServiceSource.MANUAL,
            source_id=None,
            category=ServiceCategory.CARE_VISIT,
            content="政策宣讲进社区",
            started_at=start,
            ended_at=start + timedelta(hours=4),
            credited_minutes=minutes,
            residents_served=2,
            status=RecordStatus.APPROVED,
            decided_by=self.world.superuser,
        )


@pytest.fixture
def organ(e2e_world):
    return Organ(e2e_world)


def tile(page, key):
    return page.locator(f'.stat[data-key="{key}"] .value').inner_text()


def test_a_reviewer_reads_the_dashboard_changes_the_period_ranks_and_downloads_the_member_table(
    visit, e2e_world, organ
):
    world = e2e_world
    node = Node(Level.ORGAN, world.organ)
    reviewer = visit(world.reviewer, viewport=DESKTOP)
    reviewer.go("/dashboard/")
    page = reviewer.page
    assert page.locator("h1").first.inner_text().startswith(_("Dashboard"))
    this_year = node_metrics(node=node, period=default_period())
    assert tile(page, "hours") == str(this_year["hours"])
    assert page.locator("#hours-by-month svg title").first.text_content() == _("Hours by month")
    reviewer.shot("dashboard-home-desktop")

    # Last year instead: the figures follow the period.
    page.select_option("#id_kind", "year")
    page.fill("#id_year", str(organ.last_year))
    page.click(".dash-form button[type=submit]")
    page.wait_for_load_state()
    last_year = node_metrics(node=node, period=period_of(year=organ.last_year))
    assert tile(page, "hours") == str(last_year["hours"])
    assert tile(page, "members") == str(last_year["members"])
    assert f"year={organ.last_year}" in page.url

    # The data behind a chart opens without JavaScript's help, as a table.
    page.locator("#hours-by-unit summary").click()
    assert page.locator("#hours-by-unit table").is_visible()
    assert page.locator("#hours-by-unit tbody tr").count() == 3

    # Rankings keep the period.
    page.click(f"nav.subnav a:has-text('{_('Rankings')}')")
    page.wait_for_load_state()
    assert f"year={organ.last_year}" in page.url
    ranks = page.locator("tr.rank-row td.rank").all_inner_texts()
    assert ranks[0] == "1" and len(ranks) == len(organ.members)
    assert ranks == sorted(ranks, key=int)
    reviewer.shot("dashboard-rankings-desktop")

    page.click(f"nav.subnav a:has-text('{_('Zero service')}')")
    page.wait_for_load_state()
    zero = page.locator("tr.member-row th").all_inner_texts()
    assert sorted(zero) == sorted(m.user.name for m in organ.members[6:])
    reviewer.shot("dashboard-zero-service-desktop")

    # The member table of last year, downloaded as a browser does.
    page.click(f"nav.subnav a:has-text('{_('Overview')}')")
    page.wait_for_load_state()
    with page.expect_download() as download_info:
        page.click(f".dash-exports a:has-text('{_('Member service table')}')")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(BytesIO(open(download.path(), "rb").read())).worksheets[0]
    header = [cell.value for cell in sheet[2]]
    assert header[0] == _("No.") and _("Name") in header
    rows = {row[header.index(_("Name"))]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert world.member.user.name in rows
    assert str(organ.last_year) in str(sheet["A1"].value)


def test_the_dashboard_reads_on_a_phone(visit, e2e_world, organ):
    reviewer = visit(e2e_world.reviewer, viewport=PHONE)
    reviewer.go("/dashboard/")
    page = reviewer.page
    assert page.locator(".stat").count() >= 12
    # No sideways scrolling of the page itself on a phone: wide tables scroll inside their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    reviewer.shot("dashboard-home-phone")


def test_a_street_admin_reads_the_geography_dashboard(visit, e2e_world, organ):
    world = e2e_world
    f.CommunityFactory(street=world.street, name="幸福社区")
    admin = visit(world.street_admin, viewport=DESKTOP)
    admin.go(f"/dashboard/?node=street:{world.street.pk}&kind=year&year={organ.last_year}")
    page = admin.page
    metrics = node_metrics(node=Node(Level.STREET, world.street), period=period_of(year=organ.last_year))
    assert tile(page, "hours") == str(metrics["hours"])
    caption = page.locator("#hours-by-unit figcaption").inner_text()
    assert caption == _("Hours by community")
    labels = page.locator("#hours-by-unit tbody th").all_text_contents()
    assert world.community.name in labels and "幸福社区" in labels
    admin.shot("dashboard-geo-desktop")
    # A community of the street opens on its grids.
    page.click("#hours-by-unit summary")
    page.click(f"#hours-by-unit tbody a:has-text('{world.community.name}')")
    page.wait_for_load_state()
    assert page.locator("#hours-by-unit figcaption").inner_text() == _("Hours by grid")
    assert admin.go(f"/dashboard/?node=street:{world.other_street.pk}").status == 404
