"""The service report on the dashboard: the Word and PDF links of the home page for the node and period shown, the
downloads against apps.stats.report, and the Excel exports' rules (403 for roles without a dashboard, 404 outside the
scope, a level the report is not made for and a bad period explained on the dashboard)."""

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from apps.stats import report
from apps.stats.errors import PERIOD_INVALID
from apps.stats.nodes import Level, Node
from apps.stats.periods import year_period
from tests.stats.area_world import Area
from tests.stats.report_world import YEAR, OrganWorld, docx_sections

pytestmark = pytest.mark.django_db


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


def year_params(node, year=YEAR):
    return {"node": node, "kind": "year", "year": year}


def report_links(html):
    """{format: href} of the home page's report section."""
    section = re.search(r'<section aria-labelledby="report">(.*?)</section>', html, re.S).group(1)
    return {fmt: href.replace("&amp;", "&") for href, fmt in re.findall(r'href="([^"]+)" data-report="(\w+)"', section)}


@pytest.fixture
def organ(world, settings):
    settings.ANNUAL_HOUR_TARGET = 4
    return OrganWorld(world)


def test_the_home_page_offers_word_and_pdf_for_the_node_and_period_shown(organ, world):
    client = browser_for(world.reviewer)
    html = client.get(reverse("dashboard:home"), year_params(f"organ:{world.organ.pk}")).content.decode()
    links = report_links(html)
    assert set(links) == {"docx", "pdf"}
    for file_format, href in links.items():
        assert href.startswith(reverse("dashboard:report", args=[file_format]) + "?")
        assert f"node=organ%3A{world.organ.pk}" in href and f"year={YEAR}" in href
        response = client.get(href)
        assert response.status_code == 200
        assert response["Content-Type"] == report.CONTENT_TYPES[file_format]
        name = report.report_filename(node=organ.node, period=year_period(YEAR), file_format=file_format)
        assert f"filename*=UTF-8''{quote(name, safe='')}" in response["Content-Disposition"]


def test_the_word_report_holds_the_dashboards_figures(organ, world):
    response = browser_for(world.reviewer).get(
        reverse("dashboard:report", args=["docx"]), year_params(f"organ:{world.organ.pk}")
    )
    built = report.build_report(node=organ.node, period=year_period(YEAR))
    sections = docx_sections(response.content)
    for section in built.sections:
        assert sections[section.heading]["paragraphs"][: len(section.paragraphs)] == list(section.paragraphs)
        if section.table is not None and section.table.rows:
            assert sections[section.heading]["rows"][1:] == [list(row) for row in section.table.rows]


def test_a_place_offers_the_report_where_it_is_made(world):
    area = Area(world)
    client = browser_for(world.district_admin)
    for node, offered in (
        (f"district:{area.district.pk}", True),
        (f"street:{area.street_a.pk}", True),
        (f"community:{area.c1.pk}", False),
    ):
        html = client.get(reverse("dashboard:home"), year_params(node, 2025)).content.decode()
        assert bool(report_links(html)) is offered, node
    response = client.get(reverse("dashboard:report", args=["pdf"]), year_params(f"district:{area.district.pk}", 2025))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    fallback = report.report_fallback_filename(
        node=Node(Level.DISTRICT, area.district), period=year_period(2025), file_format="pdf"
    )
    assert response["Content-Disposition"].startswith(f'attachment; filename="{fallback}"')


def test_roles_without_a_dashboard_get_403_and_nodes_outside_the_scope_404(organ, world):
    url = reverse("dashboard:report", args=["docx"])
    for user in (world.member.user, world.staff, world.outsider):
        assert browser_for(user).get(url, {"node": f"organ:{world.organ.pk}"}).status_code == 403
    assert browser_for(world.reviewer).get(url, {"node": f"organ:{world.other_organ.pk}"}).status_code == 404
    assert browser_for(world.secretary).get(url, {"node": f"organ:{world.organ.pk}"}).status_code == 404
    assert browser_for(world.street_admin).get(url, {"node": f"organ:{world.organ.pk}"}).status_code == 404
    assert browser_for(world.secretary).get(url, {"node": f"party_org:{world.branch.pk}"}).status_code == 200


def test_a_level_without_a_report_is_explained_on_the_dashboard(world):
    response = browser_for(world.street_admin).get(
        reverse("dashboard:report", args=["pdf"]), {"node": f"community:{world.community.pk}"}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-error-code="export_level_invalid"' in html
    assert str(report.REPORT_LEVEL_INVALID) in html


def test_a_bad_period_gives_the_dashboard_with_its_error(organ, world):
    response = browser_for(world.reviewer).get(
        reverse("dashboard:report", args=["docx"]),
        {"node": f"organ:{world.organ.pk}", "kind": "year", "year": "1999"},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[0][0].startswith(reverse("dashboard:home"))
    html = response.content.decode()
    assert 'data-error-code="period_invalid"' in html and str(PERIOD_INVALID) in html


def test_an_unknown_format_is_a_404(world):
    assert browser_for(world.reviewer).get(reverse("dashboard:report", args=["xlsx"])).status_code == 404
