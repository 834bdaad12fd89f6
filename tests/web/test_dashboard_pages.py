"""The dashboard pages: role gates and scope (404 outside it), the figures against the statistics selectors and the
ledger rows written here, period validation, the SVG charts, rankings with ties, lists, exports, query counts."""

import re
from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from apps.accounts.models import Role
from apps.ledger import services as ledger
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceSource
from apps.registrations.models import Evaluation, EvaluationGrade
from apps.stats import errors, glossary
from apps.stats.nodes import Level, Node
from apps.stats.periods import period_of
from apps.stats.selectors import node_breakdown, node_metrics
from apps.web.dashboard.forms import default_period
from tests import factories as f
from tests.stats.conftest import hours_half_up

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
YEAR = 2025
PAGES = ("home", "rankings", "members", "branches", "zero_service", "unregistered", "evaluations")


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


def page_url(name="home", **params):
    url = reverse(f"dashboard:{name}")
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def year_params(node_value, year=YEAR):
    return {"node": node_value, "kind": "year", "year": year}


class Dash:
    """The shared world plus a second branch in the organ, members with approved services across months of YEAR,
    a pending and a rejected record that must not count, and a member of the other organ."""

    def __init__(self, world):
        self.world = world
        self.branch2 = f.BranchFactory(organ=world.organ, name="第二党支部")
        self.m2 = f.MemberFactory(branch=self.branch2, user=f.UserFactory(name="李娜"))
        self.m3 = f.MemberFactory(branch=self.branch2, user=f.UserFactory(name="张伟"))
        self.m4 = f.MemberFactory(branch=self.branch2, user=f.UserFactory(name="陈静"))
        f.RegistrationFactory(member=world.member, grid=world.grid)
        f.RegistrationFactory(member=self.m2, grid=world.grid)
        # (member, month, minutes, residents): approved services of YEAR
        self.approved = [
            (world.member, 3, 120, 2),
            (world.member, 5, 90, 1),
            (self.m2, 3, 60, 3),
            (self.m2, 11, 45, 0),
        ]
        for member, month, minutes, residents in self.approved:
            # Manual entries in two categories: world.member's care visits, m2's night patrols.
            category = ServiceCategory.NIGHT_PATROL if member == self.m2 else ServiceCategory.CARE_VISIT
            self.record(member, month, minutes, residents, category=category)
        pending = self.record(self.m3, 4, 300, 5, status=RecordStatus.PENDING)
        rejected = self.record(self.m3, 6, 300, 5, status=RecordStatus.PENDING)
        ledger.record_reject(record=rejected, actor=world.staff, reason="时长与签到记录不符")
        assert pending.status == RecordStatus.PENDING
        self.record(world.other_member, 7, 200, 1, grid=world.other_grid)

    def record(
        self,
        member,
        month,
        minutes,
        residents,
        *,
        grid=None,
        status=RecordStatus.APPROVED,
        category=ServiceCategory.CARE_VISIT,
    ):
        grid = grid or self.world.grid
        start = datetime(YEAR, month, 10, 9, 0, tzinfo=LOCAL)
        return ledger.record_create(
            member=member,
            community=grid.community,
            grid=grid,
            source=ServiceSource.MANUAL,
            source_id=None,
            category=category,
            content="入户走访困难群众",
            started_at=start,
            ended_at=start + timedelta(hours=5),
            credited_minutes=minutes,
            residents_served=residents,
            status=status,
            decided_by=self.world.superuser if status == RecordStatus.APPROVED else None,
        )

    def organ_minutes(self):
        return sum(minutes for member, _m, minutes, _r in self.approved if member.organ_id == self.world.organ.pk)


@pytest.fixture
def dash(world):
    return Dash(world)


def tiles(html):
    """{key: value text} of the headline tiles."""
    return dict(re.findall(r'data-key="(\w+)">\s*<div class="value">([^<]*)</div>', html))


def figure(html, chart_id):
    match = re.search(rf'<figure class="chart" id="{chart_id}">(.*?)</figure>', html, re.S)
    assert match, chart_id
    return match.group(1)


def bar_heights(svg):
    return [float(h) for h in re.findall(r'<rect class="bar" [^>]*height="([\d.]+)"', svg)]


def bar_widths(svg):
    return [float(w) for w in re.findall(r'<rect class="bar" [^>]*width="([\d.]+)"', svg)]


# --- gates and scope --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "staff", "grid_worker", "outsider"])
@pytest.mark.parametrize("page", PAGES)
def test_members_and_community_staff_are_refused_every_dashboard_page(world, role, page):
    response = browser_for(world.user(role)).get(page_url(page))
    assert response.status_code == 403


def test_the_export_is_refused_to_a_member_too(world):
    url = reverse("dashboard:export", args=["members"]) + f"?node=organ:{world.organ.pk}"
    assert browser_for(world.member.user).get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(world):
    response = Client().get(page_url("rankings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_a_reviewer_opens_on_their_organ_and_sees_its_branches_in_the_node_select(world, dash):
    response = browser_for(world.reviewer).get(page_url())
    assert response.status_code == 200
    assert response.context["node"] == Node(Level.ORGAN, world.organ)
    assert response.context["period"] == default_period()
    body = response.content.decode()
    for value in (f"organ:{world.organ.pk}", f"party_org:{world.branch.pk}", f"party_org:{dash.branch2.pk}"):
        assert f'value="{value}"' in body
    assert f'value="organ:{world.other_organ.pk}"' not in body
    assert f'value="party_org:{world.other_branch.pk}"' not in body


@pytest.mark.parametrize("page", PAGES)
def test_another_organs_nodes_read_as_404_on_every_page(world, page):
    client = browser_for(world.reviewer)
    for node in (f"organ:{world.other_organ.pk}", f"party_org:{world.other_branch.pk}", "city"):
        assert client.get(page_url(page, node=node)).status_code == 404, node


def test_a_node_that_does_not_exist_is_a_404(world):
    assert browser_for(world.reviewer).get(page_url(node="organ:999999")).status_code == 404


def test_a_branch_secretary_is_limited_to_their_branch(world, dash):
    client = browser_for(world.secretary)
    response = client.get(page_url())
    assert response.context["node"] == Node(Level.PARTY_ORG, world.branch)
    body = response.content.decode()
    assert f'value="party_org:{world.branch.pk}"' in body
    assert f'value="party_org:{dash.branch2.pk}"' not in body
    assert f'value="organ:{world.organ.pk}"' not in body
    assert client.get(page_url(node=f"organ:{world.organ.pk}")).status_code == 404
    assert client.get(page_url(node=f"party_org:{dash.branch2.pk}")).status_code == 404


def test_a_street_admin_sees_their_street_with_its_communities(world, dash):
    second = f.CommunityFactory(street=world.street)
    client = browser_for(world.street_admin)
    response = client.get(page_url(**year_params(f"street:{world.street.pk}")))
    assert response.status_code == 200
    assert response.context["node"] == Node(Level.STREET, world.street)
    html = response.content.decode()
    by_unit = figure(html, "hours-by-unit")
    assert _("Hours by community") in by_unit
    assert world.community.name in by_unit and second.name in by_unit
    assert world.other_community.name not in html
    # The children chart's bars are the communities' hours, as the breakdown selector says.
    rows = node_breakdown(node=Node(Level.STREET, world.street), period=period_of(year=YEAR), by="children")
    assert {row["name"] for row in rows} == {world.community.name, second.name}
    assert len(bar_widths(by_unit)) == len(rows)
    assert client.get(page_url(node=f"street:{world.other_street.pk}")).status_code == 404
    assert client.get(page_url(node=f"community:{world.other_community.pk}")).status_code == 404


def test_a_street_admin_drills_into_a_community_and_sees_its_grids(world, dash):
    response = browser_for(world.street_admin).get(page_url(**year_params(f"community:{world.community.pk}")))
    assert response.status_code == 200
    by_unit = figure(response.content.decode(), "hours-by-unit")
    assert _("Hours by grid") in by_unit
    assert world.grid.name in by_unit


# --- figures ----------------------------------------------------------------------------------------------------


def test_the_headline_figures_equal_node_metrics_and_the_ledger(world, dash):
    response = browser_for(world.reviewer).get(page_url(**year_params(f"organ:{world.organ.pk}")))
    assert response.status_code == 200
    node, period = Node(Level.ORGAN, world.organ), period_of(year=YEAR)
    metrics = node_metrics(node=node, period=period)
    assert response.context["metrics"] == metrics
    shown = tiles(response.content.decode())
    for key in ("members", "registered_members", "services", "person_times", "members_served", "hours"):
        assert shown[key] == str(metrics[key]), key
    for key in ("residents_served", "wishes_claimed", "activities_organized", "zero_service_members", "points"):
        assert shown[key] == str(metrics[key]), key
    assert shown["below_target_members"] == str(metrics["below_target_members"])
    # The same figures straight from the approved ledger rows written above (pending and rejected ones do not count).
    organ_rows = [row for row in dash.approved if row[0].organ_id == world.organ.pk]
    assert shown["hours"] == str(hours_half_up(dash.organ_minutes()))
    assert shown["person_times"] == str(len(organ_rows))
    assert shown["members_served"] == str(len({row[0].pk for row in organ_rows}))
    assert shown["residents_served"] == str(sum(row[3] for row in organ_rows))
    assert shown["members"] == "4"  # world.member, m2, m3, m4
    assert shown["zero_service_members"] == "2"  # m3 (pending and rejected only) and m4
    body = response.content.decode()
    assert f"{glossary.label('registration_rate')} 50.0%" in body


def test_a_branch_dashboard_counts_only_the_branch(world, dash):
    response = browser_for(world.reviewer).get(page_url(**year_params(f"party_org:{dash.branch2.pk}")))
    metrics = node_metrics(node=Node(Level.PARTY_ORG, dash.branch2), period=period_of(year=YEAR))
    shown = tiles(response.content.decode())
    assert shown["hours"] == str(metrics["hours"]) == str(hours_half_up(60 + 45))
    assert shown["stars"] == str(metrics["stars"])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kind": "year", "year": "abc"}, None),
        ({"kind": "year", "year": "1999"}, errors.PERIOD_INVALID),
        ({"kind": "range", "start": f"{YEAR}-05-01", "end": f"{YEAR}-01-01"}, errors.PERIOD_REVERSED),
        ({"kind": "range", "start": "2001-01-01", "end": f"{YEAR}-01-01"}, errors.PERIOD_TOO_LONG),
        ({"kind": "day", "day": "2025-02-30"}, None),
        ({"kind": "month", "year": str(YEAR), "month": "13"}, None),
        ({"kind": "quarter", "year": str(YEAR)}, None),
        ({"kind": "century"}, None),
        ({"node": "planet:1"}, None),
        ({"node": "organ:abc"}, None),
    ],
)
@pytest.mark.parametrize("page", ["home", "rankings", "members"])
def test_bad_parameters_give_the_form_with_an_error_never_a_500(world, dash, params, message, page):
    response = browser_for(world.reviewer).get(page_url(page, **params))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body
    assert "node" not in response.context or response.context.get("node") is None
    assert 'class="stats"' not in body
    if message is not None:
        assert str(message) in body


def test_a_month_and_a_custom_range_choose_the_period(world, dash):
    client = browser_for(world.reviewer)
    march = client.get(page_url(node=f"organ:{world.organ.pk}", kind="month", year=YEAR, month=3))
    assert march.context["period"] == period_of(year=YEAR, month=3)
    assert tiles(march.content.decode())["hours"] == str(hours_half_up(120 + 60))
    spring = client.get(
        page_url(node=f"organ:{world.organ.pk}", kind="range", start=f"{YEAR}-03-01", end=f"{YEAR}-05-31")
    )
    assert spring.context["period"].kind == "range"
    assert tiles(spring.content.decode())["hours"] == str(hours_half_up(120 + 60 + 90))


# --- charts -----------------------------------------------------------------------------------------------------


def test_the_hours_by_month_chart_is_an_accessible_svg_with_one_bar_per_month(world, dash):
    html = browser_for(world.reviewer).get(page_url(**year_params(f"organ:{world.organ.pk}"))).content.decode()
    chart = figure(html, "hours-by-month")
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in chart and 'role="img"' in chart
    assert f'<title id="hours-by-month-title">{_("Hours by month")}</title>' in chart
    assert '<desc id="hours-by-month-desc">' in chart
    heights = bar_heights(chart)
    assert len(heights) == 12
    months_with_data = {month for member, month, _m, _r in dash.approved if member.organ_id == world.organ.pk}
    assert {n + 1 for n, height in enumerate(heights) if height > 0} == months_with_data
    # The tallest bar is the month with the most hours; each value is written in the chart and in the data table.
    assert heights.index(max(heights)) + 1 == 3
    assert f"{YEAR}-03: 3" in chart  # 120 + 60 minutes
    assert "<details>" in chart and "<table>" in chart
    for chart_id in ("hours-by-unit", "hours-by-category", "hours-by-source"):
        assert "<title" in figure(html, chart_id)


def test_the_category_chart_puts_manual_entries_in_their_categories(world, dash):
    html = browser_for(world.reviewer).get(page_url(**year_params(f"organ:{world.organ.pk}"))).content.decode()
    widths = bar_widths(figure(html, "hours-by-category"))
    assert len(widths) == len(ServiceCategory.values)  # every category, zeros included
    bars = dict(zip(ServiceCategory.values, widths, strict=True))
    assert bars["care_visit"] > bars["night_patrol"] > 0  # 210 minutes and 105
    assert all(width == 0 for key, width in bars.items() if key not in ("care_visit", "night_patrol"))


def test_the_source_chart_tells_manual_entries_from_wishes_and_activities(world, dash):
    html = browser_for(world.reviewer).get(page_url(**year_params(f"organ:{world.organ.pk}"))).content.decode()
    chart = figure(html, "hours-by-source")
    rows = node_breakdown(node=Node(Level.ORGAN, world.organ), period=period_of(year=YEAR), by="source")
    assert [row["key"] for row in rows] == ["wish", "activity", "manual", "self"]
    widths = bar_widths(chart)
    assert len(widths) == 4
    assert widths[2] == max(widths) > 0 and widths[0] == widths[1] == widths[3] == 0
    assert rows[2]["minutes"] == dash.organ_minutes()


def test_the_branch_chart_links_each_branch_to_its_dashboard(world, dash):
    html = browser_for(world.reviewer).get(page_url(**year_params(f"organ:{world.organ.pk}"))).content.decode()
    chart = figure(html, "hours-by-unit")
    assert _("Hours by branch") in chart
    assert f"node=party_org%3A{dash.branch2.pk}" in chart


# --- rankings ---------------------------------------------------------------------------------------------------


def ranked(html):
    rows = re.findall(r'<tr class="rank-row" data-id="(\d+)">\s*<td class="num rank">(\d+)</td>', html)
    return [(int(pk), int(rank)) for pk, rank in rows]


def test_members_are_ranked_by_hours_with_ties_sharing_a_rank_and_ordered_by_name(world, dash):
    response = browser_for(world.reviewer).get(
        page_url("rankings", of="members", metric="hours", **year_params(f"organ:{world.organ.pk}"))
    )
    assert response.status_code == 200
    # world.member 210 min, m2 105 min, m3 and m4 none: a tie at rank 3, listed by name (张伟 before 陈静 by code).
    tied = sorted([dash.m3, dash.m4], key=lambda m: (m.user.name, m.pk))
    assert ranked(response.content.decode()) == [
        (world.member.pk, 1),
        (dash.m2.pk, 2),
        (tied[0].pk, 3),
        (tied[1].pk, 3),
    ]


def test_branches_are_ranked_within_the_organ_and_organs_within_the_city(world, dash):
    client = browser_for(world.reviewer)
    html = client.get(page_url("rankings", of="branches", **year_params(f"organ:{world.organ.pk}"))).content.decode()
    assert ranked(html) == [(world.branch.pk, 1), (dash.branch2.pk, 2)]
    html = browser_for(world.superuser).get(page_url("rankings", of="organs", **year_params("city"))).content.decode()
    assert ranked(html)[:2] == [(world.organ.pk, 1), (world.other_organ.pk, 2)]


def test_the_city_ranks_its_organs_without_being_asked_and_the_form_says_so(world, dash):
    response = browser_for(world.district_admin).get(page_url("rankings", **year_params("city")))
    html = response.content.decode()
    assert response.context["of"] == "organs"
    assert '<option value="organs" selected>' in html
    organ_ranks = dict(ranked(html))
    assert organ_ranks[world.organ.pk] == 1  # 315 minutes against the other organ's 200


def test_a_ranking_not_available_for_the_node_is_explained(world, dash):
    # Organs are ranked within the city (or in a place), not within an organ. (A street ranks its communities and
    # the organs serving there: tests/web/test_dashboard_places.py.)
    response = browser_for(world.reviewer).get(
        page_url("rankings", of="organs", **year_params(f"organ:{world.organ.pk}"))
    )
    assert response.status_code == 200
    assert str(errors.RANKING_INVALID) in response.content.decode()


def test_a_ranking_with_a_bad_metric_shows_the_apis_error(world, dash):
    response = browser_for(world.reviewer).get(page_url("rankings", metric="speed"))
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()


def test_rankings_and_lists_are_paginated_and_their_queries_do_not_grow_with_members(
    world, dash, django_assert_max_num_queries
):
    client = browser_for(world.reviewer)
    url = page_url("rankings", of="members", **year_params(f"organ:{world.organ.pk}"))
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(25):
        f.MemberFactory(branch=dash.branch2, user=f.UserFactory(name=f"党员{n:02d}"))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) <= len(few) + 1
    assert len(ranked(response.content.decode())) == 20
    second = client.get(url + "&page=2")
    assert len(ranked(second.content.decode())) == 4 + 25 - 20
    with django_assert_max_num_queries(20):
        zero = client.get(page_url("zero_service", **year_params(f"organ:{world.organ.pk}")))
    assert zero.content.decode().count('class="member-row"') == 20
    with django_assert_max_num_queries(20):
        client.get(page_url("members", **year_params(f"organ:{world.organ.pk}")))


def test_the_dashboard_stays_a_handful_of_queries_whatever_the_number_of_members(
    world, dash, django_assert_max_num_queries
):
    client = browser_for(world.reviewer)
    url = page_url(**year_params(f"organ:{world.organ.pk}"))
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(30):
        member = f.MemberFactory(branch=dash.branch2, user=f.UserFactory(name=f"党员{n:02d}"))
        dash.record(member, 1 + n % 12, 30, 1)
    # About twenty of them are the statistics selectors' own; the rest: session, user, scope, node choices. And twelve
    # for the residents served, counted once per service from the ledger for the node, its months and its branches
    # (apps.stats.counting: four queries each over manual entries, which these services all are).
    with django_assert_max_num_queries(42):
        client.get(url)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


# --- lists ------------------------------------------------------------------------------------------------------


def test_the_zero_service_and_unregistered_lists(world, dash):
    client = browser_for(world.reviewer)
    zero = client.get(page_url("zero_service", **year_params(f"organ:{world.organ.pk}"))).content.decode()
    assert dash.m3.user.name in zero and dash.m4.user.name in zero
    assert world.member.user.name not in zero.split("<tbody>")[1]
    unregistered = client.get(page_url("unregistered", node=f"organ:{world.organ.pk}")).content.decode()
    listed = unregistered.split("<tbody>")[1]
    assert dash.m3.user.name in listed and dash.m4.user.name in listed
    assert dash.m2.user.name not in listed


def test_the_member_table_shows_star_level_and_community_evaluation(world, dash):
    Evaluation.objects.create(
        member=world.member,
        community=world.community,
        year=YEAR,
        grade=EvaluationGrade.EXCELLENT,
        evaluated_by=world.staff,
        evaluated_at=timezone.now(),
    )
    html = browser_for(world.reviewer).get(page_url("members", **year_params(f"organ:{world.organ.pk}")))
    body = html.content.decode()
    assert f"{world.community.name}：{EvaluationGrade.EXCELLENT.label}" in body
    assert _("Not registered") in body  # m3 and m4
    assert glossary.label("stars") in body


def test_the_branch_summary_lists_the_organs_branches_and_sends_a_place_to_its_parts(world, dash):
    client = browser_for(world.reviewer)
    body = client.get(page_url("branches", **year_params(f"organ:{world.organ.pk}"))).content.decode()
    assert world.branch.name in body and dash.branch2.name in body
    # A place's tab is its parts (tests/web/test_dashboard_places.py); the city has neither.
    place = browser_for(world.street_admin).get(page_url("branches", **year_params(f"street:{world.street.pk}")))
    assert place.status_code == 302
    assert place["Location"].startswith(reverse("dashboard:places") + f"?node=street%3A{world.street.pk}")
    city = browser_for(world.district_admin).get(page_url("branches", node="city"))
    assert str(errors.BREAKDOWN_INVALID) in city.content.decode()


def test_the_evaluations_page_shows_the_organs_evaluations_of_the_year_only(world, dash):
    for member, year in ((world.member, YEAR), (dash.m2, YEAR - 1), (world.other_member, YEAR)):
        Evaluation.objects.create(
            member=member,
            community=world.community,
            year=year,
            grade=EvaluationGrade.COMPETENT,
            comment="积极参加社区服务",
            evaluated_by=world.staff,
            evaluated_at=timezone.now(),
        )
    body = browser_for(world.reviewer).get(page_url("evaluations", **year_params(f"organ:{world.organ.pk}")))
    rows = body.content.decode().count('class="evaluation-row"')
    assert rows == 1
    assert world.member.user.name in body.content.decode()


# --- exports ----------------------------------------------------------------------------------------------------


def export_url(export, **params):
    return reverse("dashboard:export", args=[export]) + "?" + "&".join(f"{k}={v}" for k, v in params.items())


@pytest.mark.parametrize("kind", ["members", "branches", "lists"])
def test_each_export_is_a_valid_workbook_with_a_chinese_header(world, dash, kind):
    response = browser_for(world.reviewer).get(export_url(kind, **year_params(f"organ:{world.organ.pk}")))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    header = [cell.value for cell in book.worksheets[0][2]]
    assert header[0] == _("No.")
    assert any(re.search(r"[\u4e00-\u9fff]", str(value)) for value in header if value)


def test_the_member_export_lists_the_members_with_their_hours(world, dash):
    response = browser_for(world.reviewer).get(export_url("members", **year_params(f"organ:{world.organ.pk}")))
    sheet = load_workbook(BytesIO(response.content)).worksheets[0]
    header = [cell.value for cell in sheet[2]]
    assert _("Name") in header
    names = [row[header.index(_("Name"))] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert world.member.user.name in names and dash.m2.user.name in names


def test_an_export_outside_the_scope_is_a_404_and_a_place_export_is_explained(world, dash):
    client = browser_for(world.reviewer)
    assert client.get(export_url("members", node=f"organ:{world.other_organ.pk}")).status_code == 404
    admin = browser_for(world.street_admin)
    response = admin.get(export_url("members", node=f"street:{world.street.pk}"), follow=True)
    assert response.status_code == 200
    assert "export_level_invalid" in response.content.decode()


def test_an_unknown_export_is_a_404(world):
    assert browser_for(world.reviewer).get(export_url("everything")).status_code == 404


def test_a_district_admin_opens_on_their_district_and_may_pick_the_city(world, dash):
    role = f.RoleFactory(
        user=f.UserFactory(name="另一区管理员"), role=Role.DISTRICT_ADMIN, district=world.street.district
    )
    response = browser_for(role.user).get(page_url())
    assert response.context["node"] == Node(Level.DISTRICT, world.street.district)
    assert 'value="city"' in response.content.decode()
