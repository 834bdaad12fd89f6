"""The service report (年度报告, apps.stats.report): its figures, sentences, tables and lists against the selectors,
read back from the Word document (python-docx) and the PDF (pdftotext), for an organ, a branch, a street and a
district; file names; and the API's download, permissions, errors and schema."""

import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from apps.accounts.models import Role, User
from apps.core.errors import Invalid
from apps.core.masking import mask_phone
from apps.stats import areas, exports, glossary, report, selectors
from apps.stats.errors import PERIOD_INVALID
from apps.stats.nodes import Level, Node
from apps.stats.periods import period_of, year_period
from tests import factories as f
from tests.stats.area_world import Area
from tests.stats.report_world import (
    FORMULA_NAMES,
    PERIOD,
    YEAR,
    OrganWorld,
    at,
    docx_sections,
    docx_text,
    pdf_text,
    squeezed,
)
from tests.wishes.conftest import WishClaimFactory, WishFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organ(world, settings):
    settings.ANNUAL_HOUR_TARGET = 4  # 240 minutes a year: the active member meets it, the others do not
    return OrganWorld(world)


def shown(field, value):
    """A figure as the report prints it, worked out here: rates as percentages with one decimal, nothing as a dash."""
    if value is None:
        return "—"
    if field in report.RATES:
        return f"{value * 100:.1f}%"
    return str(value)


def body(section):
    return section["rows"][1:]


# --- the figures and the sentences ----------------------------------------------------------------------------------


def test_every_figure_of_node_metrics_is_in_the_docx_next_to_its_glossary_label(organ):
    metrics = selectors.node_metrics(node=organ.node, period=PERIOD)
    sections = docx_sections(report.report_file(node=organ.node, period=PERIOD, file_format="docx"))
    table = sections[_("Main figures")]
    assert table["rows"][0] == [_("Figure"), _("Value"), _("Unit")]
    by_label = {label: (value, unit) for label, value, unit in body(table)}
    assert len(by_label) == len(metrics)
    for field, value in metrics.items():
        assert by_label[glossary.label(field)][0] == shown(field, value), field
    # A few by hand: 5 members, 3 registered; 4 services of 360 minutes; the wish earns its bonus.
    assert by_label[glossary.label("members")] == ("5", str(report.UNITS["members"]))
    assert by_label[glossary.label("registration_rate")][0] == "60.0%"
    assert by_label[glossary.label("services")][0] == "4"
    assert by_label[glossary.label("hours")] == ("6.0", str(report.UNITS["hours"]))
    assert by_label[glossary.label("minutes")][0] == "360"
    assert by_label[glossary.label("residents_served")][0] == "11"
    assert by_label[glossary.label("wishes_solved")][0] == "1"
    assert by_label[glossary.label("zero_service_members")][0] == "3"


def _organ_sentences(node, period, metrics):
    values = {field: shown(field, value) for field, value in metrics.items()}
    values.update(node=exports.node_title(node), period=exports.period_title(period))
    return [
        _(
            "%(node)s has %(members)s members now; %(registered_members)s of them have registered with the "
            "community where they live, a registration rate of %(registration_rate)s."
        )
        % values,
        _(
            "%(period)s, %(node)s organized its members to do volunteer service %(services)s times and to claim "
            "and solve %(wishes_solved)s micro-wishes of the communities."
        )
        % values,
        _(
            "Members served %(person_times)s person-times (%(members_served)s members) for %(hours)s hours in all, "
            "and served residents %(residents_served)s times."
        )
        % values,
    ]


def test_the_sentences_are_filled_in_with_the_dashboards_figures(organ, world):
    metrics = selectors.node_metrics(node=organ.node, period=PERIOD)
    sections = docx_sections(report.report_file(node=organ.node, period=PERIOD, file_format="docx"))
    sentences = sections[_("General situation")]["paragraphs"]
    assert sentences[:3] == _organ_sentences(organ.node, PERIOD, metrics)
    assert world.organ.name in sentences[0] and "60.0%" in sentences[0]
    assert re.search(r"(?<![\d.])4(?![\d.])", sentences[1])  # services
    assert "6.0" in sentences[2] and re.search(r"(?<![\d.])11(?![\d.])", sentences[2])
    # No claim in the period: no sentence about claims; a branch's report says its star level.
    assert len(sentences) == 6
    title = sections[""]["paragraphs"]
    assert title[0] == report.report_title(node=organ.node, period=PERIOD)
    assert exports.period_title(PERIOD) in title[0] and world.organ.name in title[0]
    assert title[1].startswith((_("Generated at %(time)s.") % {"time": "|"}).split("|")[0])


def test_the_pdf_has_the_same_title_sentences_and_figures(organ, world, tmp_path):
    built = report.build_report(node=organ.node, period=PERIOD)
    text = squeezed(pdf_text(report.report_file(node=organ.node, period=PERIOD, file_format="pdf"), tmp_path))
    assert squeezed(built.title) in text
    for sentence in built.section("summary").paragraphs:
        assert squeezed(sentence) in text
    metrics = selectors.node_metrics(node=organ.node, period=PERIOD)
    for field, value in metrics.items():
        assert squeezed(glossary.label(field) + shown(field, value)) in text, field
    for name in (*FORMULA_NAMES, organ.active.user.name):
        assert squeezed(name) in text
    assert squeezed(_("Page %(page)d") % {"page": 1}) in text


def test_a_branch_report_counts_only_the_branch_and_says_its_star_level(organ, tmp_path):
    node = Node(Level.PARTY_ORG, organ.branch2)
    metrics = selectors.node_metrics(node=node, period=PERIOD)
    built = report.build_report(node=node, period=PERIOD)
    sentences = built.section("summary").paragraphs
    assert sentences[-1] == _("The branch reaches a star level of %(stars)s.") % {"stars": metrics["stars"]}
    figures = {row[0]: row[1] for row in built.section("figures").table.rows}
    assert figures[glossary.label("stars")] == str(metrics["stars"])
    assert figures[glossary.label("members")] == "3"
    assert [row[0] for row in built.section("branches").table.rows] == [organ.branch2.name]
    names = {row[1] for row in built.section("ranking").table.rows}
    assert names == {organ.light.user.name, organ.formula[1].user.name, organ.resting.user.name}


def test_a_claim_in_the_period_adds_its_sentence(organ, world):
    wish = WishFactory(grid=world.grid, created_by=world.staff)
    WishClaimFactory(wish=wish, member=organ.active, claimed_at=at(5, 5))
    metrics = selectors.node_metrics(node=organ.node, period=PERIOD)
    assert metrics["wishes_claimed"] == 1
    sentences = report.build_report(node=organ.node, period=PERIOD).section("summary").paragraphs
    values = {field: shown(field, value) for field, value in metrics.items()}
    expected = (
        _(
            "Its members claimed %(wishes_claimed)s micro-wishes in the period; %(wishes_fulfilled)s of them were "
            "fulfilled and %(wishes_confirmed)s confirmed by the community, a completion rate of "
            "%(wish_completion_rate)s."
        )
        % values
    )
    assert expected in sentences


def test_a_quarter_reports_only_its_services(organ):
    quarter = period_of(year=YEAR, quarter=2)
    built = report.build_report(node=organ.node, period=quarter)
    assert exports.period_title(quarter) in built.title
    figures = {row[0]: row[1] for row in built.section("figures").table.rows}
    assert figures[glossary.label("hours")] == "3.5"  # the April and June services
    assert figures[glossary.label("services")] == "2"


# --- the tables and lists ---------------------------------------------------------------------------------------


def test_the_branch_table_rows_equal_branch_rows_with_the_dashboards_columns(organ):
    rows = selectors.branch_rows(node=organ.node, period=PERIOD)
    table = docx_sections(report.report_file(node=organ.node, period=PERIOD, file_format="docx"))[
        _("Service of each branch")
    ]
    assert table["rows"][0] == [_("Branch"), *(glossary.label(field) for field in report.BRANCH_FIELDS)]
    assert body(table) == [[row["name"], *(shown(field, row[field]) for field in report.BRANCH_FIELDS)] for row in rows]
    assert [line[0] for line in body(table)] == [organ.branch.name, organ.branch2.name]


def test_the_ranking_lists_the_top_ten_members_by_hours(organ, world):
    for n in range(10):
        member = f.MemberFactory(branch=organ.branch2, user=f.UserFactory(name=f"排名党员{n:02d}"))
        organ.record(member, at(8, 1 + n), 30 + 10 * n)
    rows = selectors.ranking(node=organ.node, period=PERIOD, of="members", metric="hours")
    assert len(rows) > report.RANKING_TOP
    table = docx_sections(report.report_file(node=organ.node, period=PERIOD, file_format="docx"))[
        _("Top %(count)d members by service hours") % {"count": report.RANKING_TOP}
    ]
    expected = [
        [str(row["rank"]), row["name"], row["branch"], str(row["hours"]), str(row["points"]), str(row["person_times"])]
        for row in rows[: report.RANKING_TOP]
    ]
    assert [line[:6] for line in body(table)] == expected
    assert body(table)[0][1] == organ.active.user.name


def test_the_zero_service_and_unregistered_lists_match_the_selectors_without_phone_numbers(organ, world):
    third_quarter = period_of(year=YEAR, quarter=3)
    content = report.report_file(node=organ.node, period=third_quarter, file_format="docx")
    sections = docx_sections(content)
    zero = sections[glossary.label("zero_service_members")]
    expected = selectors.zero_service_members(node=organ.node, period=third_quarter)
    assert zero["rows"][0] == [_("No."), _("Name"), _("Branch"), _("Job title")]
    assert body(zero) == [[str(n), m.user.name, m.branch.name, m.job_title or "—"] for n, m in enumerate(expected, 1)]
    assert organ.active.user.name not in {line[1] for line in body(zero)}  # the July wish
    assert zero["paragraphs"][-1] == _("%(count)d members in total.") % {"count": len(expected)}

    unregistered = sections[_("Unregistered members")]
    expected = list(selectors.unregistered_members(node=organ.node))
    assert [line[1] for line in body(unregistered)] == [m.user.name for m in expected]
    assert {line[1] for line in body(unregistered)} == set(FORMULA_NAMES[:2])  # written as typed

    text = docx_text(content)
    for member in (organ.active, organ.light, *organ.formula):
        assert member.user.phone not in text and mask_phone(member.user.phone) not in text


def test_an_empty_list_says_so(organ):
    for member in (*organ.formula, organ.resting):
        organ.record(member, at(9, 9), 30)
    built = report.build_report(node=organ.node, period=PERIOD)
    section = built.section("zero_service")
    assert section.table.rows == () and section.table.empty == _("Nobody on this list.")
    sections = docx_sections(report.report_file(node=organ.node, period=PERIOD, file_format="docx"))
    zero = sections[glossary.label("zero_service_members")]
    assert zero["rows"] == [] and _("Nobody on this list.") in zero["paragraphs"]


def test_the_definitions_cover_every_figure_the_report_names(organ):
    built = report.build_report(node=organ.node, period=PERIOD)
    named = set()
    for section in built.sections:
        if section.table is not None and section.key != "definitions":
            named |= {glossary.field_of_label(column.header) for column in section.table.columns}
            if section.key == "figures":
                named |= {glossary.field_of_label(row[0]) for row in section.table.rows}
    named.discard(None)
    sections = docx_sections(report.report_file(node=organ.node, period=PERIOD, file_format="docx"))
    definitions = sections[_("Definitions of the figures")]
    assert definitions["rows"][0] == [_("Figure"), _("Definition"), _("Counts"), _("Date in the period")]
    assert {glossary.field_of_label(line[0]) for line in body(definitions)} == named == set(built.fields)
    for label, definition, counts, date in body(definitions):
        figure = glossary.figure(glossary.field_of_label(label))
        assert definition == str(figure.definition)
        assert counts == f"{figure.counts.name}: {figure.counts.text}"
        assert date == f"{figure.date.name}: {figure.date.text}"
    assert {"average_points", "stars", "activities_joined"} <= named


def test_names_that_look_like_formulas_are_written_as_typed(organ):
    sections = docx_sections(report.report_file(node=organ.node, period=PERIOD, file_format="docx"))
    branches = [line[0] for line in body(sections[_("Service of each branch")])]
    assert branches == [organ.branch.name, FORMULA_NAMES[3]]
    listed = {line[1] for line in body(sections[glossary.label("zero_service_members")])}
    assert set(FORMULA_NAMES[:3]) <= listed
    assert {line[2] for line in body(sections[_("Unregistered members")])} >= {FORMULA_NAMES[3]}


def test_control_characters_in_a_name_do_not_break_the_documents(organ, tmp_path):
    User.objects.filter(pk=organ.formula[0].user_id).update(name="张\x01三\x0b")
    content = report.report_file(node=organ.node, period=PERIOD, file_format="docx")
    assert "张三" in docx_text(content)
    assert "张三" in squeezed(pdf_text(report.report_file(node=organ.node, period=PERIOD, file_format="pdf"), tmp_path))


def test_the_report_does_not_query_per_member(organ, world):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            report.build_report(node=organ.node, period=PERIOD)
        return len(queries)

    before = count_queries()
    for n in range(8):
        member = f.MemberFactory(branch=organ.branch2)
        f.RegistrationFactory(member=member, grid=world.grid)
        organ.record(member, at(5, 1 + n), 30)
        f.MemberFactory(branch=organ.branch)
    assert count_queries() == before


# --- a place ----------------------------------------------------------------------------------------------------


@pytest.fixture
def area(world):
    return Area(world)


def _place_line(row, *, with_street):
    line = [row["name"], *([row["street"]] if with_street else [])]
    return line + [str(row[key]) for _name, key in report.PLACE_FIELDS]


def test_a_district_report_has_its_streets_communities_ranking_and_zero_service_list(area, world, tmp_path):
    node, period = Node(Level.DISTRICT, area.district), year_period(2025)
    content = report.report_file(node=node, period=period, file_format="docx")
    sections = docx_sections(content)
    metrics = selectors.node_metrics(node=node, period=period)
    by_label = {line[0]: line[1] for line in body(sections[_("Main figures")])}
    assert all(by_label[glossary.label(field)] == shown(field, value) for field, value in metrics.items())
    assert by_label[glossary.label("registration_rate")] == "—"  # at a place everyone counted is registered

    streets = sections[_("Service of each street")]
    headers = [glossary.label(name) for name, _key in report.PLACE_FIELDS]
    assert streets["rows"][0] == [_("Street"), *headers]
    rows = areas.place_rows(node=node, period=period, level=Level.STREET)
    assert body(streets) == [_place_line(row, with_street=False) for row in rows]

    communities = sections[_("Service of each community")]
    assert communities["rows"][0] == [_("Community"), _("Street"), *headers]
    rows = areas.place_rows(node=node, period=period, level=Level.COMMUNITY)
    assert body(communities) == [_place_line(row, with_street=True) for row in rows]

    expected = selectors.ranking(node=node, period=period, of="communities", metric="hours")
    assert len(expected) == 4  # the heading says how many there are: "top 4"
    ranking = sections[_("Top %(count)d communities by service hours") % {"count": 4}]
    assert [line[:3] for line in body(ranking)] == [[str(r["rank"]), r["name"], r["street"]] for r in expected]

    zero = sections[glossary.label("zero_service_members")]
    assert zero["rows"][0] == [_("No."), _("Name"), _("Organ"), _("Branch"), _("Job title")]
    members = selectors.zero_service_members(node=node, period=period)
    assert [line[1:3] for line in body(zero)] == [[m.user.name, m.organ.name] for m in members]
    assert [m.pk for m in members] == [area.idle.pk]
    # A place counts only the members registered in it: it has no unregistered list.
    assert _("Unregistered members") not in sections

    text = squeezed(pdf_text(report.report_file(node=node, period=period, file_format="pdf"), tmp_path))
    for sentence in report.build_report(node=node, period=period).section("summary").paragraphs:
        assert squeezed(sentence) in text
    assert squeezed(area.c3.name + area.street_b.name) in text


def test_a_street_report_lists_its_communities_and_ranks_them(area):
    node, period = Node(Level.STREET, area.street_a), year_period(2025)
    built = report.build_report(node=node, period=period)
    assert built.section("streets") is None
    rows = areas.place_rows(node=node, period=period, level=Level.COMMUNITY)
    assert list(built.section("communities").table.rows) == [tuple(_place_line(row, with_street=False)) for row in rows]
    ranked = selectors.ranking(node=node, period=period, of="communities", metric="hours")
    assert [line[1] for line in built.section("ranking").table.rows] == [row["name"] for row in ranked]
    values = {"node": area.street_a.name, "members": str(selectors.node_metrics(node=node, period=period)["members"])}
    assert built.section("summary").paragraphs[0] == (
        _("%(members)s members are registered with the communities of %(node)s now.") % values
    )


def test_no_report_for_other_levels(world):
    with pytest.raises(ValueError, match="community"):
        report.build_report(node=Node(Level.COMMUNITY, world.community), period=PERIOD)
    with pytest.raises(Invalid) as refused:
        report.report_node_get(user=world.superuser, level="community", pk=world.community.pk)
    assert refused.value.code == "export_level_invalid"


# --- file names ---------------------------------------------------------------------------------------------------


def test_file_names_follow_the_exports(organ, world):
    year = exports.period_title(PERIOD)
    assert report.report_filename(node=organ.node, period=PERIOD, file_format="docx") == (
        f"{world.organ.name}_{year}_{_('Volunteer service report')}.docx"
    )
    world.organ.name = '青岚区/教育局:"机关"'
    name = report.report_filename(node=organ.node, period=PERIOD, file_format="pdf")
    assert name.startswith("青岚区-教育局-机关") and name.endswith(".pdf")
    assert not set('\\/:*?"<>|') & set(name)
    fallback = report.report_fallback_filename(node=organ.node, period=period_of(year=YEAR, month=3), file_format="pdf")
    assert fallback == f"service-report-organ-{world.organ.pk}-{YEAR}-03.pdf" and fallback.isascii()


# --- the API ----------------------------------------------------------------------------------------------------


def url(**params):
    return reverse("stats-export-report") + "?" + "&".join(f"{key}={value}" for key, value in params.items())


def test_the_route_is_under_api_v1_stats_exports():
    assert reverse("stats-export-report") == "/api/v1/stats/exports/report/"


@pytest.mark.parametrize("file_format", report.REPORT_FORMATS)
def test_the_organ_reviewer_downloads_the_report(organ, world, make_client, file_format):
    response = make_client(world.reviewer).get(url(level="organ", id=world.organ.pk, year=YEAR, format=file_format))
    assert response.status_code == 200
    assert response["Content-Type"] == report.CONTENT_TYPES[file_format]
    name = report.report_filename(node=organ.node, period=PERIOD, file_format=file_format)
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="service-report-organ-')
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    if file_format == "pdf":
        assert response.content.startswith(b"%PDF")
    else:
        sections = docx_sections(response.content)
        assert sections[""]["paragraphs"][0] == report.report_title(node=organ.node, period=PERIOD)


def test_the_branch_secretary_gets_their_branch_only(organ, world, make_client):
    client = make_client(world.secretary)
    assert client.get(url(level="party_org", id=world.branch.pk, format="docx")).status_code == 200
    for params in ({"level": "party_org", "id": organ.branch2.pk}, {"level": "organ", "id": world.organ.pk}):
        response = client.get(url(**params, format="docx"))
        assert response.status_code == 404
        assert response.json()["code"] == "stats_node_not_found"


def test_administrators_get_their_places_only(area, world, make_client):
    street_admin, district_admin = make_client(world.street_admin), make_client(world.district_admin)
    assert street_admin.get(url(level="street", id=area.street_a.pk, year=2025, format="pdf")).status_code == 200
    assert street_admin.get(url(level="district", id=area.district.pk, format="pdf")).status_code == 404
    assert street_admin.get(url(level="street", id=area.street_b.pk, format="pdf")).status_code == 404
    response = district_admin.get(url(level="district", id=area.district.pk, year=2025, format="docx"))
    assert response.status_code == 200
    assert _("Service of each street") in docx_sections(response.content)
    assert district_admin.get(url(level="organ", id=world.organ.pk, format="docx")).status_code == 404


def test_others_get_404_and_anonymous_users_must_log_in(organ, world, make_client, api):
    other_reviewer = f.UserFactory(name="别的机关党委")
    f.RoleFactory(user=other_reviewer, role=Role.ORGAN_REVIEWER, organ=world.other_organ)
    for user in (other_reviewer, world.member.user, world.staff, world.outsider, world.street_admin):
        response = make_client(user).get(url(level="organ", id=world.organ.pk, format="docx"))
        assert response.status_code == 404, user
        assert response.json()["code"] == "stats_node_not_found"
    response = api.get(url(level="organ", id=world.organ.pk, format="docx"))
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_other_levels_are_refused_with_422(world, make_client):
    client = make_client(world.superuser)
    for level, pk in (("community", world.community.pk), ("member", world.member.pk), ("city", 1), ("planet", 1)):
        response = client.get(url(level=level, id=pk, format="pdf"))
        assert response.status_code == 422, level
        assert response.json() == {"code": "export_level_invalid", "detail": str(report.REPORT_LEVEL_INVALID)}


def test_bad_parameters_give_400_and_a_bad_period_422(organ, world, make_client):
    client = make_client(world.reviewer)
    response = client.get(url(level="organ", id=world.organ.pk, format="xlsx"))
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"format"}
    response = client.get(url(level="organ", id=world.organ.pk))
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"format"}
    response = client.get(url(level="organ", id=world.organ.pk, format="docx", year="twenty"))
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"year"}
    response = client.get(url(level="organ", id=world.organ.pk, format="docx", quarter=2))
    assert response.status_code == 422
    assert response.json() == {"code": "period_invalid", "detail": str(PERIOD_INVALID)}


def test_the_period_parameters_choose_the_period(organ, world, make_client):
    response = make_client(world.reviewer).get(
        url(level="organ", id=world.organ.pk, start="2024-06-01", end="2024-07-31", format="docx")
    )
    assert response.status_code == 200
    sections = docx_sections(response.content)
    assert "2024-06-01" in sections[""]["paragraphs"][0]
    figures = {line[0]: line[1] for line in body(sections[_("Main figures")])}
    assert figures[glossary.label("hours")] == "3.5"  # the June service and the July wish


def test_the_schema_documents_the_report_without_warnings():
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS
    operation = schema["paths"]["/api/v1/stats/exports/report/"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert {"level", "id", "format", "year", "quarter", "month", "day", "start", "end"} <= set(parameters)
    assert parameters["format"]["required"] is True and parameters["format"].get("description")
    assert [p["name"] for p in operation["parameters"]].count("format") == 1
    assert operation["description"]
    content = operation["responses"]["200"]["content"]
    for content_type in report.CONTENT_TYPES.values():
        assert content[content_type]["schema"] == {"type": "string", "format": "binary"}
