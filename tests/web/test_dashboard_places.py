"""The dashboard of street and district administrators: the rankings (communities, streets, organs serving there),
the tab of the place's parts, the Excel section and its downloads, each figure against a direct count over the
approved service records; tabs chosen per level; scope (404 outside the admin's area)."""

import re
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from apps.stats import exports
from apps.stats.nodes import Level
from tests import factories as f
from tests.stats.area_world import YEAR, ZERO, Area, competition_ranks, direct_count
from tests.stats.conftest import hours_half_up

pytestmark = pytest.mark.django_db

ERROR_CODES = ("ranking_invalid", "breakdown_invalid", "export_level_invalid")


@pytest.fixture
def area(world):
    return Area(world)


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


def get(client, name, node, **params):
    response = client.get(reverse(f"dashboard:{name}"), {"node": node, "kind": "year", "year": YEAR, **params})
    return response


def ok_page(client, name, node, **params):
    response = get(client, name, node, **params)
    assert response.status_code == 200
    html = response.content.decode()
    for code in ERROR_CODES:
        assert code not in html, code
    assert 'role="alert"' not in html
    # The strict CSP: no inline script, no event handler, no style attribute.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\son[a-z]+\s*=|\sstyle\s*=", html, re.I)
    return response, html


def ranked(html):
    rows = re.findall(r'<tr class="rank-row" data-id="(\d+)">\s*<td class="num rank">(\d+)</td>', html)
    return [(int(pk), int(rank)) for pk, rank in rows]


def row_html(html, css, pk):
    match = re.search(rf'<tr class="{css}" data-id="{pk}">(.*?)</tr>', html, re.S)
    assert match, pk
    return match.group(1)


def numbers(fragment):
    """The numeric cells of a table row, in order."""
    return re.findall(r'<td class="num">([^<]*)</td>', fragment)


def tabs(html):
    nav = re.search(r'<nav class="subnav"[^>]*>(.*?)</nav>', html, re.S).group(1)
    return re.findall(r'href="(/dashboard/[a-z-]*/?)', nav)


def expected_order(figures, ids, names, metric="minutes"):
    """The ids ranked as the docs say: highest first, ties by name then id."""
    return sorted(ids, key=lambda pk: (-figures.get(pk, ZERO)[metric], names[pk], pk))


# --- rankings ----------------------------------------------------------------------------------------------------


def test_a_street_admins_rankings_open_on_the_communities_of_their_street(area, world):
    client = browser_for(world.street_admin)
    response, html = ok_page(client, "rankings", f"street:{area.street_a.pk}")
    assert response.context["of"] == "communities"
    assert '<option value="communities" selected>' in html
    offered = re.findall(r'<option value="(\w+)"', re.search(r'<select name="of"[^>]*>(.*?)</select>', html, re.S)[1])
    assert offered == ["communities", "organs"]  # what a street has, nothing of the organization tree
    figures = direct_count(lambda r: r.community_id, community__street=area.street_a)
    names = {c.pk: c.name for c in (area.c1, area.c2, area.c_empty)}
    order = expected_order(figures, list(names), names)
    ranks = competition_ranks([figures.get(pk, ZERO) for pk in order], "minutes")
    assert ranked(html) == list(zip(order, ranks, strict=True))
    for pk in names:  # hours, points, person-times of each community as the records count them
        cells = numbers(row_html(html, "rank-row", pk))
        row = figures.get(pk, ZERO)
        assert cells[2:5] == [str(hours_half_up(row["minutes"])), str(row["points"]), str(row["person_times"])]
        assert cells[1] == str(row["members_served"])
    # Each community links to its own dashboard.
    assert f"node=community%3A{area.c1.pk}" in row_html(html, "rank-row", area.c1.pk)


def test_a_street_admin_ranks_the_organs_serving_in_their_street(area, world):
    _response, html = ok_page(browser_for(world.street_admin), "rankings", f"street:{area.street_a.pk}", of="organs")
    figures = direct_count(lambda r: r.organ_id, community__street=area.street_a)
    names = {o.pk: o.name for o in (area.organ_a, area.organ_b, area.organ_idle)}
    assert [pk for pk, _rank in ranked(html)] == expected_order(figures, list(names), names)
    assert area.organ_away.name not in html
    idle = numbers(row_html(html, "rank-row", area.organ_idle.pk))
    assert idle == ["1", "0", "0.0", "0", "0"]  # a member registered there, nothing served


def test_a_district_admins_rankings_open_on_the_streets_and_offer_communities_and_organs(area, world):
    client = browser_for(world.district_admin)
    node = f"district:{area.district.pk}"
    response, html = ok_page(client, "rankings", node)
    assert response.context["of"] == "streets"
    figures = direct_count(lambda r: r.community.street_id, community__street__district=area.district)
    names = {s.pk: s.name for s in (area.street_a, area.street_b, area.street_empty)}
    assert [pk for pk, _rank in ranked(html)] == expected_order(figures, list(names), names)

    _response, html = ok_page(client, "rankings", node, of="communities", metric="person_times")
    figures = direct_count(lambda r: r.community_id, community__street__district=area.district)
    names = {c.pk: c.name for c in (area.c1, area.c2, area.c_empty, area.c3)}
    assert [pk for pk, _rank in ranked(html)] == expected_order(figures, list(names), names, "person_times")
    assert area.street_b.name in row_html(html, "rank-row", area.c3.pk)  # the street column

    _response, html = ok_page(client, "rankings", node, of="organs", metric="points")
    figures = direct_count(lambda r: r.organ_id, community__street__district=area.district)
    names = {o.pk: o.name for o in (area.organ_a, area.organ_b, area.organ_idle)}
    assert [pk for pk, _rank in ranked(html)] == expected_order(figures, list(names), names, "points")


def test_a_ranking_left_in_the_form_from_another_node_falls_back_to_the_places_own(area, world):
    # From the district's streets to a street: a street has no streets, so its communities are shown.
    response, html = ok_page(browser_for(world.district_admin), "rankings", f"street:{area.street_a.pk}", of="streets")
    assert response.context["of"] == "communities"
    assert {pk for pk, _rank in ranked(html)} == {area.c1.pk, area.c2.pk, area.c_empty.pk}
    # And from a place to an organ (a superuser may look at both): the organ's members.
    response, html = ok_page(browser_for(world.superuser), "rankings", f"organ:{world.organ.pk}", of="communities")
    assert response.context["of"] == "members"
    assert {pk for pk, _rank in ranked(html)} == {area.a1.pk, area.a2.pk}


def test_a_community_ranks_the_organs_serving_there(area, world):
    response, html = ok_page(browser_for(world.street_admin), "rankings", f"community:{area.c1.pk}")
    assert response.context["of"] == "organs"
    assert [pk for pk, _rank in ranked(html)] == [area.organ_b.pk, area.organ_a.pk, area.organ_idle.pk]


# --- the tab of the place's parts --------------------------------------------------------------------------------


def test_tabs_are_chosen_per_level(area, world):
    street_admin = browser_for(world.street_admin)
    _response, html = ok_page(street_admin, "home", f"street:{area.street_a.pk}")
    assert tabs(html) == [
        "/dashboard/",
        "/dashboard/rankings/",
        "/dashboard/members/",
        "/dashboard/places/",
        "/dashboard/zero-service/",
        "/dashboard/unregistered/",
        "/dashboard/evaluations/",
    ]
    grid = get(street_admin, "home", f"grid:{area.g1.pk}").content.decode()
    assert "/dashboard/places/" not in tabs(grid) and "/dashboard/branches/" not in tabs(grid)
    # The organization tree keeps its tabs, whoever looks.
    for user, node in ((world.reviewer, f"organ:{world.organ.pk}"), (world.superuser, f"district:{area.district.pk}")):
        html = get(browser_for(user), "home", node).content.decode()
        expected = "/dashboard/branches/" if node.startswith("organ") else "/dashboard/places/"
        assert expected in tabs(html), node


def test_a_street_admin_sees_the_communities_of_their_street_with_their_figures(area, world):
    response, html = ok_page(browser_for(world.street_admin), "places", f"street:{area.street_a.pk}")
    assert response.context["subnav_key"] == "places"
    figures = direct_count(lambda r: r.community_id, community__street=area.street_a)
    rows = re.findall(r'<tr class="place-row" data-id="(\d*)">', html)
    assert rows == [str(c.pk) for c in (area.c1, area.c2, area.c_empty)]  # the tree's order, zeros included
    registered = {area.c1.pk: 2, area.c2.pk: 1, area.c_empty.pk: 0}  # a1 and idle; a2
    for community in (area.c1, area.c2, area.c_empty):
        row = figures.get(community.pk, ZERO)
        assert numbers(row_html(html, "place-row", community.pk)) == [
            str(registered[community.pk]),
            str(row["members_served"]),
            str(hours_half_up(row["minutes"])),
            str(row["person_times"]),
            str(row["residents_served"]),
            str(row["points"]),
        ]
    assert world.other_community.name not in html


def test_a_district_admin_sees_the_streets_and_a_community_its_grids(area, world):
    client = browser_for(world.district_admin)
    _response, html = ok_page(client, "places", f"district:{area.district.pk}")
    figures = direct_count(lambda r: r.community.street_id, community__street__district=area.district)
    for street in (area.street_a, area.street_b, area.street_empty):
        cells = numbers(row_html(html, "place-row", street.pk))
        assert cells[2] == str(hours_half_up(figures.get(street.pk, ZERO)["minutes"])), street.name
    _response, html = ok_page(client, "places", f"community:{area.c2.pk}")
    assert f'data-id="{area.g2.pk}"' in html
    assert '<tr class="place-row" data-id="">' in html  # the services recorded without a grid


def test_the_branches_and_places_tabs_send_each_level_to_its_own(area, world):
    street = browser_for(world.street_admin)
    response = get(street, "branches", f"street:{area.street_a.pk}")
    assert response.status_code == 302 and response["Location"].startswith(reverse("dashboard:places"))
    reviewer = browser_for(world.reviewer)
    response = get(reviewer, "places", f"organ:{world.organ.pk}")
    assert response.status_code == 302 and response["Location"].startswith(reverse("dashboard:branches"))
    grid = get(street, "places", f"grid:{area.g1.pk}")
    assert grid.status_code == 200
    assert 'data-error-code="breakdown_invalid"' in grid.content.decode()  # a grid has no parts: said, not a 500


# --- the Excel section and the downloads -------------------------------------------------------------------------


def export_links(html):
    section = re.search(r'<section aria-labelledby="exports">(.*?)</section>', html, re.S).group(1)
    return re.findall(r'data-export="(\w+)"', section), section


def test_the_excel_section_offers_a_places_own_workbooks(area, world):
    _response, html = ok_page(browser_for(world.street_admin), "home", f"street:{area.street_a.pk}")
    kinds, section = export_links(html)
    assert kinds == ["places", "organs"]
    assert "<select" not in section and "<input" not in section  # nothing to pick
    _response, html = ok_page(browser_for(world.district_admin), "home", f"district:{area.district.pk}")
    assert export_links(html)[0] == ["places", "organs"]
    _response, html = ok_page(browser_for(world.street_admin), "home", f"grid:{area.g1.pk}")
    assert export_links(html)[0] == ["organs"]
    _response, html = ok_page(browser_for(world.reviewer), "home", f"organ:{world.organ.pk}")
    assert export_links(html)[0] == ["members", "branches", "lists"]  # as before


def download(client, kind, node):
    response = client.get(
        reverse("dashboard:export", args=[kind]),
        {"node": node, "kind": "year", "year": YEAR},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    return load_workbook(BytesIO(response.content))


def table(sheet):
    header = [cell.value for cell in sheet[2]]
    lines = []
    for values in sheet.iter_rows(min_row=3, values_only=True):
        if not any(values[1:]):
            break
        lines.append(dict(zip(header, values, strict=False)))
    return lines


def test_a_street_admin_downloads_the_community_summary_and_the_organs_ranking(area, world):
    client = browser_for(world.street_admin)
    node = f"street:{area.street_a.pk}"
    communities = table(download(client, "places", node).active)
    figures = direct_count(lambda r: r.community_id, community__street=area.street_a)
    assert [line["Community"] for line in communities[:-1]] == [area.c1.name, area.c2.name, area.c_empty.name]
    for line, community in zip(communities, (area.c1, area.c2, area.c_empty), strict=False):
        assert line["Person-times"] == figures.get(community.pk, ZERO)["person_times"]
        assert line["Points"] == figures.get(community.pk, ZERO)["points"]
    assert communities[-1]["No."] == "Total"

    organs = table(download(client, "organs", node).active)
    figures = direct_count(lambda r: r.organ_id, community__street=area.street_a)
    names = {o.pk: o.name for o in (area.organ_a, area.organ_b, area.organ_idle)}
    assert [line["Organ"] for line in organs[:-1]] == [names[pk] for pk in expected_order(figures, list(names), names)]
    for line in organs[:-1]:
        pk = next(pk for pk, name in names.items() if name == line["Organ"])
        assert line["Service hours"] == float(hours_half_up(figures.get(pk, ZERO)["minutes"]))


def test_place_downloads_outside_the_area_are_404_and_organ_workbooks_are_explained(area, world):
    street_admin = browser_for(world.street_admin)
    for kind in ("places", "organs"):
        for node in (f"street:{area.street_b.pk}", f"district:{area.district.pk}", f"community:{area.c3.pk}"):
            response = street_admin.get(reverse("dashboard:export", args=[kind]), {"node": node})
            assert response.status_code == 404, (kind, node)
    district_admin = browser_for(world.district_admin)
    response = district_admin.get(
        reverse("dashboard:export", args=["places"]), {"node": f"street:{world.other_street.pk}"}
    )
    assert response.status_code == 404
    # An organ's workbook asked for a place (an old link): the page says what it is for, never a 500.
    response = street_admin.get(
        reverse("dashboard:export", args=["members"]), {"node": f"street:{area.street_a.pk}"}, follow=True
    )
    assert response.status_code == 200
    assert 'data-error-code="export_level_invalid"' in response.content.decode()


def test_pages_outside_the_admins_area_are_404(area, world):
    street_admin = browser_for(world.street_admin)
    district_admin = browser_for(world.district_admin)
    for page in ("rankings", "places"):
        assert get(street_admin, page, f"street:{area.street_b.pk}").status_code == 404
        assert get(street_admin, page, f"district:{area.district.pk}").status_code == 404
        assert get(district_admin, page, f"district:{world.other_street.district_id}").status_code == 404
        assert get(district_admin, page, f"community:{world.other_community.pk}").status_code == 404


def test_the_level_of_each_row_is_a_place_level(area, world):
    response, _html = ok_page(browser_for(world.street_admin), "places", f"street:{area.street_a.pk}")
    assert {row["level"] for row in response.context["page"].object_list} == {Level.COMMUNITY}


def test_the_place_pages_do_not_query_per_place_organ_or_member(area, world):
    client = browser_for(world.district_admin)
    node = f"district:{area.district.pk}"
    asks = [("rankings", {}), ("rankings", {"of": "communities"}), ("rankings", {"of": "organs"}), ("places", {})]

    def counts():
        result = []
        for name, params in asks:
            with CaptureQueriesContext(connection) as captured:
                assert get(client, name, node, **params).status_code == 200
            result.append(len(captured))
        return result

    counts()  # warm what every request shares
    few = counts()
    for n in range(5):
        street = f.StreetFactory(district=area.district)
        community = f.CommunityFactory(street=street)
        grid = f.GridFactory(community=community)
        member = f.MemberFactory(branch=f.BranchFactory())  # a new organ each time
        f.RegistrationFactory(member=member, grid=grid)
        area.record(member, community, grid, 1 + n, 30 + n)
    assert counts() == few
