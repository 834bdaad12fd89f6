"""The organ committee's Excel exports: workbook content against the selectors, totals, layout, file names, and the
download endpoints' permissions, errors and headers."""

from datetime import date, datetime, timedelta
from io import BytesIO
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from openpyxl import load_workbook

from apps.accounts.models import Role
from apps.ledger import services as ledger
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceSource
from apps.orgs.models import Organ
from apps.registrations.models import Evaluation, EvaluationGrade
from apps.seals.printed import SEAL_PURPOSE
from apps.seals.selectors import seal_witness_line
from apps.stats import exports, selectors
from apps.stats.errors import PERIOD_INVALID
from apps.stats.models import StarRule, StarSubject
from apps.stats.nodes import Level, Node
from apps.stats.periods import period_of, year_period
from tests import factories as f
from tests.stats.conftest import hours_half_up

pytestmark = pytest.mark.django_db

# The routes as server/urls.py mounts them under /api/v1/ (this module is the URLconf of the API tests).

LOCAL = ZoneInfo("Asia/Shanghai")
YEAR = 2024
PERIOD = year_period(YEAR)
TITLE_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3


def at(month, day, hour=9):
    return datetime(YEAR, month, day, hour, tzinfo=LOCAL)


class OrganWorld:
    """world.organ with two branches: a registered member with services, a wish and an evaluation; a registered
    member with one service; an unregistered member with nothing; a member of the other organ who served too."""

    def __init__(self, world):
        self.world = world
        self.branch = world.branch
        self.branch2 = f.BranchFactory(organ=world.organ, name="第二党支部")
        self.active = world.member
        f.RegistrationFactory(member=self.active, grid=world.grid)
        self.light = f.MemberFactory(branch=self.branch2, job_title="副科长")
        f.RegistrationFactory(member=self.light, grid=world.grid)
        self.idle = f.MemberFactory(branch=self.branch, job_title="科员")
        self.record(self.active, at(3, 1), 90, residents=5)
        self.record(self.active, at(6, 1), 150, residents=3)
        self.record(self.active, at(7, 1), 60, residents=1, source=ServiceSource.WISH, source_id=991)
        self.record(self.light, at(4, 2), 60, residents=2)
        self.record(self.active, datetime(YEAR + 1, 1, 5, 9, tzinfo=LOCAL), 600)  # next year: not in the period
        self.record(world.other_member, at(3, 1), 120, grid=world.other_grid)
        Evaluation.objects.create(
            member=self.active,
            community=world.community,
            year=YEAR,
            grade=EvaluationGrade.EXCELLENT,
            evaluated_by=world.staff,
            evaluated_at=timezone.now(),
        )
        StarRule.objects.create(year=YEAR, subject=StarSubject.MEMBER, **_thresholds(10, 20, 30, 40, 50))
        StarRule.objects.create(year=YEAR, subject=StarSubject.BRANCH, **_thresholds(5, 10, 15, 20, 25))
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


def _thresholds(*points):
    names = ("one_star", "two_stars", "three_stars", "four_stars", "five_stars")
    return dict(zip(names, points, strict=True))


@pytest.fixture
def organ(world, settings):
    settings.ANNUAL_HOUR_TARGET = 4  # 240 minutes a year: the active member meets it, the others do not
    return OrganWorld(world)


def open_book(content):
    return load_workbook(BytesIO(content))


def values(sheet, row):
    return [cell.value for cell in sheet[row]]


def body(sheet, count):
    return [values(sheet, row) for row in range(FIRST_ROW, FIRST_ROW + count)]


# --- the member service table ------------------------------------------------------------------------------------

MEMBER_HEADERS = (
    "No.",
    "Name",
    "Branch",
    "Registered community",
    "Person-times",
    "Service hours",
    "Residents served",
    "Wish services",
    "Points",
    "Star level",
    "Target met",
    "Community evaluation",
)


def test_member_table_has_a_title_a_frozen_header_and_one_line_per_member_equal_to_the_selector(organ, world):
    sheet = open_book(exports.member_table_workbook(node=organ.node, period=PERIOD)).active
    rows = selectors.member_table(node=organ.node, period=PERIOD)
    assert len(rows) == 3

    assert sheet.title == _("Member service table")
    title = sheet.cell(TITLE_ROW, 1).value
    assert title == _("%(node)s %(period)s member service table") % {
        "node": world.organ.name,
        "period": _("Year %(year)d") % {"year": YEAR},
    }
    assert "A1:L1" in {str(cells) for cells in sheet.merged_cells.ranges}
    assert values(sheet, HEADER_ROW) == [_(header) for header in MEMBER_HEADERS]
    assert sheet.freeze_panes == f"A{FIRST_ROW}"

    for index, (line, row) in enumerate(zip(body(sheet, len(rows)), rows, strict=True), start=1):
        assert line[:3] == [index, row["name"], row["branch"]]
        assert line[4:9] == [
            row["person_times"],
            row["hours"],
            row["residents_served"],
            row["wish_services"],
            row["points"],
        ]
    # Sorted by branch then name, as the selector gives them; figures of the other organ and of next year left out.
    by_name = {line[1]: line for line in body(sheet, len(rows))}
    active = by_name[organ.active.user.name]
    assert active[3] == world.community.name
    assert active[4:9] == [3, 5.0, 9, 1, 15 + 25 + (10 + 5)]  # the wish earns its bonus
    assert active[9] == "★★★★★"
    assert active[10] == _("Met")
    assert active[11] == EvaluationGrade.EXCELLENT.label
    light = by_name[organ.light.user.name]
    assert light[4:11] == [1, 1.0, 2, 0, 10, "★", _("Not met")]
    assert light[11] == _("Not evaluated")
    assert world.other_member.user.name not in by_name


def test_unregistered_member_without_an_evaluation_cannot_be_rated_competent(organ):
    sheet = open_book(exports.member_table_workbook(node=organ.node, period=PERIOD)).active
    idle = next(line for line in body(sheet, 3) if line[1] == organ.idle.user.name)
    assert idle[3] == _("Not registered")
    assert idle[4:10] == [0, 0, 0, 0, 0, "—"]
    assert idle[11] == _("Not registered: cannot be rated competent or better")


def test_a_member_evaluated_by_two_communities_shows_both(organ, world):
    Evaluation.objects.create(
        member=organ.active,
        community=world.other_community,
        year=YEAR,
        grade=EvaluationGrade.COMPETENT,
        evaluated_by=world.staff,
        evaluated_at=timezone.now(),
    )
    sheet = open_book(exports.member_table_workbook(node=organ.node, period=PERIOD)).active
    active = next(line for line in body(sheet, 3) if line[1] == organ.active.user.name)
    assert world.community.name in active[11] and world.other_community.name in active[11]
    assert str(EvaluationGrade.EXCELLENT.label) in active[11] and str(EvaluationGrade.COMPETENT.label) in active[11]


def test_member_table_totals_add_up_the_member_lines_and_the_footnote_gives_the_target(organ):
    sheet = open_book(exports.member_table_workbook(node=organ.node, period=PERIOD)).active
    rows = selectors.member_table(node=organ.node, period=PERIOD)
    totals = values(sheet, FIRST_ROW + len(rows))
    assert totals[0] == _("Total")
    assert totals[1] == _("%(count)d members") % {"count": 3}
    assert totals[3] == _("%(count)d registered") % {"count": 2}
    assert totals[4] == sum(row["person_times"] for row in rows) == 4
    assert totals[5] == float(hours_half_up(sum(row["minutes"] for row in rows))) == 6.0
    assert totals[6] == sum(row["residents_served"] for row in rows) == 11
    assert totals[7] == sum(row["wish_services"] for row in rows) == 1
    assert totals[8] == sum(row["points"] for row in rows)
    assert totals[10] == _("%(count)d met") % {"count": 1}
    assert sheet.cell(FIRST_ROW + len(rows), 1).font.bold

    note = sheet.cell(FIRST_ROW + len(rows) + 1, 1).value
    template = _(
        "Generated at %(time)s. Hour target: %(annual)s hours a year, %(target)s hours for this period. "
        "Figures count approved service records only."
    )
    generated, target = (template % {"time": "|", "annual": 4, "target": 4.0}).split("|")
    assert note.startswith(f"{generated}{timezone.localdate():%Y-%m-%d}")
    assert note.endswith(target)
    # Last, the ledger's seal and what it is for (nothing sealed here: tests/seals/test_printed.py seals).
    seal = [sheet.cell(FIRST_ROW + len(rows) + offset, 1).value for offset in (2, 3)]
    assert seal == [seal_witness_line(), str(SEAL_PURPOSE)]
    assert sheet.max_row == FIRST_ROW + len(rows) + 3


def test_member_table_formats_hours_with_one_decimal_and_sizes_columns_for_chinese(organ):
    sheet = open_book(exports.member_table_workbook(node=organ.node, period=PERIOD)).active
    hours = sheet.cell(FIRST_ROW, MEMBER_HEADERS.index("Service hours") + 1)
    assert hours.number_format == "0.0"
    # Every column is wide enough for its header and values, CJK characters counting double.
    assert exports._display_width("张三 12") == 7
    for column in sheet.iter_cols(min_row=HEADER_ROW, max_row=FIRST_ROW + 3):
        letter = column[0].column_letter
        widest = max(exports._display_width(cell.value) for cell in column)
        width = sheet.column_dimensions[letter].width
        assert widest < width <= widest + 4 or width == exports.MAX_WIDTH, letter
    long_texts = [cell for cell in sheet["L"] if exports._display_width(cell.value) > exports.MAX_WIDTH - 2]
    assert all(cell.alignment.wrap_text for cell in long_texts)


def test_a_quarter_counts_only_its_services_and_the_target_is_pro_rated(organ):
    quarter = period_of(year=YEAR, quarter=2)
    sheet = open_book(exports.member_table_workbook(node=organ.node, period=quarter)).active
    assert _("Q%(quarter)d %(year)d") % {"quarter": 2, "year": YEAR} in sheet.cell(TITLE_ROW, 1).value
    active = next(line for line in body(sheet, 3) if line[1] == organ.active.user.name)
    assert active[4:6] == [1, 2.5]  # the June service only
    assert active[10] == _("Met")  # 150 minutes against a quarter's share of 240
    note = sheet.cell(FIRST_ROW + 4, 1).value
    assert str(hours_half_up(selectors.target_minutes(quarter))) in note


def test_a_party_org_export_counts_only_its_members(organ, world):
    node = Node(Level.PARTY_ORG, organ.branch2)
    sheet = open_book(exports.member_table_workbook(node=node, period=PERIOD)).active
    assert values(sheet, FIRST_ROW)[1] == organ.light.user.name
    assert values(sheet, FIRST_ROW + 1)[0] == _("Total")
    assert world.organ.name in sheet.cell(TITLE_ROW, 1).value and organ.branch2.name in sheet.cell(TITLE_ROW, 1).value


def test_the_export_does_not_query_per_member(organ, world):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            exports.member_table_workbook(node=organ.node, period=PERIOD)
            exports.branch_summary_workbook(node=organ.node, period=PERIOD)
            exports.unregistered_and_zero_service_workbook(node=organ.node, period=PERIOD)
        return len(queries)

    before = count_queries()
    for _index in range(10):
        member = f.MemberFactory(branch=organ.branch2)
        f.RegistrationFactory(member=member, grid=world.grid)
        organ.record(member, at(5, 5), 30)
        f.MemberFactory(branch=organ.branch)
    assert count_queries() == before


# --- the branch summary -----------------------------------------------------------------------------------------


def test_branch_summary_has_one_line_per_branch_equal_to_the_selector_and_recomputed_rates(organ, world):
    sheet = open_book(exports.branch_summary_workbook(node=organ.node, period=PERIOD)).active
    rows = selectors.branch_rows(node=organ.node, period=PERIOD)
    assert [row["name"] for row in rows] == [organ.branch.name, organ.branch2.name]

    assert sheet.cell(TITLE_ROW, 1).value == _("%(node)s %(period)s branch service summary") % {
        "node": world.organ.name,
        "period": _("Year %(year)d") % {"year": YEAR},
    }
    headers = values(sheet, HEADER_ROW)
    assert headers[:4] == [_("No."), _("Party branch"), _("Members"), _("Registered members")]
    assert headers[4] == _("Registration rate") and headers[-1] == _("Star level")
    assert sheet.freeze_panes == f"A{FIRST_ROW}"
    keys = (
        "members",
        "registered_members",
        "registration_rate",
        "members_served",
        "wishes_solved",
        "activities_organized",
        "activities_joined",
        "person_times",
        "hours",
        "residents_served",
        "points",
        "average_points",
    )
    for line, row in zip(body(sheet, 2), rows, strict=True):
        assert line[1] == row["name"]
        assert line[2:14] == [row[key] for key in keys]
    first = body(sheet, 1)[0]
    assert first[2:5] == [2, 1, 0.5]  # the active and the idle member, one registered
    assert sheet.cell(FIRST_ROW, 5).number_format == "0.0%"

    totals = values(sheet, FIRST_ROW + 2)
    assert totals[0] == _("Total")
    assert totals[2:4] == [3, 2]
    assert totals[4] == round(2 / 3, 4)  # recomputed from the totals, not 0.5 + 1.0
    assert totals[5] == selectors.node_metrics(node=organ.node, period=PERIOD)["members_served"] == 2  # distinct
    assert totals[9] == sum(row["person_times"] for row in rows) == 4
    assert totals[10] == 6.0
    assert totals[12] == sum(row["points"] for row in rows)
    assert totals[13] == round(totals[12] / 3, 1)  # the organ's average, not a sum of averages
    assert totals[14] is None


def test_the_totals_lines_count_the_residents_of_a_service_shared_by_two_branches_once(organ):
    # One wish served by a member of each branch: 6 residents, which each branch counts and the organ counts once.
    organ.record(organ.active, at(8, 1), 60, residents=6, source=ServiceSource.WISH, source_id=992)
    organ.record(organ.light, at(8, 1), 60, source=ServiceSource.WISH, source_id=992)
    residents = selectors.node_metrics(node=organ.node, period=PERIOD)["residents_served"]
    assert residents == 5 + 3 + 1 + 2 + 6
    members = open_book(exports.member_table_workbook(node=organ.node, period=PERIOD)).active
    assert values(members, FIRST_ROW + 3)[MEMBER_HEADERS.index("Residents served")] == residents
    branches = open_book(exports.branch_summary_workbook(node=organ.node, period=PERIOD)).active
    assert values(branches, FIRST_ROW + 2)[11] == residents


def test_branch_summary_of_a_branch_without_members_shows_no_rate(organ, world):
    f.BranchFactory(organ=world.organ, name="第三党支部")
    sheet = open_book(exports.branch_summary_workbook(node=organ.node, period=PERIOD)).active
    empty = next(line for line in body(sheet, 3) if line[1] == "第三党支部")
    assert empty[2:5] == [0, 0, "—"]
    assert empty[14] == "—"


# --- unregistered and zero-service members ----------------------------------------------------------------------


def test_lists_workbook_has_the_unregistered_and_the_zero_service_sheets_without_phone_numbers(organ, world):
    book = open_book(exports.unregistered_and_zero_service_workbook(node=organ.node, period=PERIOD))
    assert book.sheetnames == [_("Unregistered"), _("Zero service")]  # no figure: no definitions sheet

    unregistered = book[_("Unregistered")]
    assert values(unregistered, HEADER_ROW) == [_("No."), _("Name"), _("Branch"), _("Job title")]
    assert unregistered.freeze_panes == f"A{FIRST_ROW}"
    assert values(unregistered, FIRST_ROW) == [1, organ.idle.user.name, organ.branch.name, "科员"]
    assert unregistered.cell(FIRST_ROW + 1, 1).value == _("%(count)d members in total.") % {"count": 1}

    # The light member served in spring only: in the third quarter they and the idle member had no service.
    third_quarter = period_of(year=YEAR, quarter=3)
    book = open_book(exports.unregistered_and_zero_service_workbook(node=organ.node, period=third_quarter))
    zero = book[_("Zero service")]
    assert values(zero, HEADER_ROW) == [_("No."), _("Name"), _("Branch"), _("Job title"), _("Registered community")]
    expected = selectors.zero_service_members(node=organ.node, period=third_quarter)
    assert [line[1] for line in body(zero, 2)] == [m.user.name for m in expected]
    assert {line[1]: line[4] for line in body(zero, 2)} == {
        organ.idle.user.name: _("Not registered"),
        organ.light.user.name: world.community.name,
    }
    assert zero.cell(FIRST_ROW + 2, 1).value == _("%(count)d members in total.") % {"count": 2}

    phones = {organ.active.user.phone, organ.light.user.phone, organ.idle.user.phone}
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert not any(str(value) in phones for value in row if value is not None)


def test_lists_of_a_year_everyone_served_have_an_empty_zero_service_sheet(organ, world):
    organ.record(organ.idle, at(8, 8), 30)
    sheet = open_book(exports.unregistered_and_zero_service_workbook(node=organ.node, period=PERIOD))[_("Zero service")]
    assert sheet.cell(FIRST_ROW, 1).value == _("%(count)d members in total.") % {"count": 0}


# --- file names -------------------------------------------------------------------------------------------------


def test_file_names_are_chinese_and_safe_for_every_file_system(organ, world):
    year = _("Year %(year)d") % {"year": YEAR}
    assert exports.member_table_filename(node=organ.node, period=PERIOD) == (
        f"{world.organ.name}_{year}_{_('Member service table')}.xlsx"
    )
    world.organ.name = '青岚区/教育局:"机关"'
    name = exports.branch_summary_filename(
        node=organ.node, period=period_of(start=date(2024, 1, 1), end=date(2024, 3, 31))
    )
    assert name.endswith(".xlsx") and name.startswith("青岚区-教育局-机关")
    assert not set('\\/:*?"<>|') & set(name)
    assert "2024-01-01" in name and "2024-03-31" in name
    assert _("Unregistered and zero-service members") in exports.unregistered_and_zero_service_filename(
        node=organ.node, period=PERIOD
    )


# --- the API ----------------------------------------------------------------------------------------------------

ROUTES = ("stats-export-members", "stats-export-branches", "stats-export-lists")


def url(route, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{reverse(route)}?{query}"


def test_routes_are_under_api_v1_stats_exports():
    assert reverse("stats-export-members") == "/api/v1/stats/exports/members/"
    assert reverse("stats-export-branches") == "/api/v1/stats/exports/branches/"
    assert reverse("stats-export-lists") == "/api/v1/stats/exports/unregistered-and-zero-service/"


@pytest.mark.parametrize("route", ROUTES)
def test_the_organ_reviewer_downloads_an_xlsx_with_a_chinese_file_name(organ, world, make_client, route):
    response = make_client(world.reviewer).get(url(route, level="organ", id=world.organ.pk, year=YEAR))
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    builder, filename = {
        "stats-export-members": (exports.member_table_workbook, exports.member_table_filename),
        "stats-export-branches": (exports.branch_summary_workbook, exports.branch_summary_filename),
        "stats-export-lists": (
            exports.unregistered_and_zero_service_workbook,
            exports.unregistered_and_zero_service_filename,
        ),
    }[route]
    name = filename(node=organ.node, period=PERIOD)
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert disposition.encode("ascii")  # headers stay ASCII: the Chinese name only percent-encoded
    book = open_book(response.content)
    expected = open_book(builder(node=organ.node, period=PERIOD))
    assert book.sheetnames == expected.sheetnames
    assert values(book.worksheets[0], HEADER_ROW) == values(expected.worksheets[0], HEADER_ROW)
    assert book.worksheets[0].max_row == expected.worksheets[0].max_row


def test_the_branch_secretary_exports_their_branch_only(organ, world, make_client):
    client = make_client(world.secretary)
    response = client.get(url("stats-export-members", level="party_org", id=world.branch.pk, year=YEAR))
    assert response.status_code == 200
    sheet = open_book(response.content).active
    expected = selectors.member_table(node=Node(Level.PARTY_ORG, world.branch), period=PERIOD)
    assert [line[1] for line in body(sheet, 2)] == [row["name"] for row in expected]
    assert {row["name"] for row in expected} == {organ.active.user.name, organ.idle.user.name}
    assert values(sheet, FIRST_ROW + 2)[0] == _("Total")
    assert client.get(url("stats-export-members", level="party_org", id=organ.branch2.pk)).status_code == 404
    assert client.get(url("stats-export-members", level="organ", id=world.organ.pk)).status_code == 404


@pytest.mark.parametrize("route", ROUTES)
def test_a_reviewer_of_another_organ_and_a_member_get_404(organ, world, make_client, route):
    other_reviewer = f.UserFactory(name="别的机关党委")
    f.RoleFactory(user=other_reviewer, role=Role.ORGAN_REVIEWER, organ=world.other_organ)
    for user in (other_reviewer, world.member.user, world.staff, world.outsider):
        response = make_client(user).get(url(route, level="organ", id=world.organ.pk))
        assert response.status_code == 404, user
        assert response.data["code"] == "stats_node_not_found"
    missing = Organ.objects.order_by("-pk").first().pk + 1
    response = make_client(world.superuser).get(url(route, level="organ", id=missing))
    assert response.status_code == 404


@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_users_must_log_in(organ, world, api, route):
    response = api.get(url(route, level="organ", id=world.organ.pk))
    assert response.status_code in (401, 403)
    assert response.data["code"] == "not_authenticated"


def test_levels_other_than_organ_and_party_org_are_refused_with_422(organ, world, make_client):
    client = make_client(world.superuser)
    for level, pk in (("member", world.member.pk), ("community", world.community.pk), ("city", 1), ("nonsense", 1)):
        response = client.get(url("stats-export-members", level=level, id=pk))
        assert response.status_code == 422, level
        assert response.data["code"] == "export_level_invalid"
        assert response.data["detail"] == str(exports.EXPORT_LEVEL_INVALID)


def test_bad_parameters_give_400_with_field_errors_and_bad_periods_422(organ, world, make_client):
    client = make_client(world.reviewer)
    response = client.get(url("stats-export-branches", level="organ", id=world.organ.pk, year="twenty", day="x"))
    assert response.status_code == 400
    assert set(response.data["fields"]) == {"year", "day"}
    response = client.get(reverse("stats-export-branches"))
    assert response.status_code == 400
    assert set(response.data["fields"]) == {"level", "id"}

    response = client.get(url("stats-export-branches", level="organ", id=world.organ.pk, quarter=2))
    assert response.status_code == 422
    assert response.data == {"code": "period_invalid", "detail": str(PERIOD_INVALID)}


def test_the_period_parameters_choose_the_period(organ, world, make_client):
    response = make_client(world.reviewer).get(
        url("stats-export-members", level="organ", id=world.organ.pk, start="2024-06-01", end="2024-07-31")
    )
    assert response.status_code == 200
    sheet = open_book(response.content).active
    active = next(line for line in body(sheet, 3) if line[1] == organ.active.user.name)
    assert active[4:6] == [2, 3.5]  # the June service and the July wish
    assert "2024-06-01" in sheet.cell(TITLE_ROW, 1).value


def test_the_schema_documents_the_exports_without_warnings():
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS
    operation = schema["paths"]["/api/v1/stats/exports/members/"]["get"]
    assert {"level", "id", "year", "quarter", "month", "day", "start", "end"} <= {
        p["name"] for p in operation["parameters"]
    }
    content = operation["responses"]["200"]["content"]
    assert content[exports.XLSX_CONTENT_TYPE]["schema"] == {"type": "string", "format": "binary"}
