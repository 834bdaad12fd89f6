"""Street and district administrators' rankings and exports: the communities of a street or a district, the streets
of a district and the organs serving in a place, through the statistics API and the Excel exports, each figure
against a direct count over the approved service records; zeros listed; scope; query counts; the schema."""

from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from apps.accounts.scope import forget_scope
from apps.registrations.models import Registration, RegistrationStatus
from apps.stats import exports
from apps.stats.areas import place_rows
from apps.stats.nodes import Level, Node
from apps.stats.periods import year_period
from apps.stats.selectors import node_breakdown, node_metrics
from tests import factories as f
from tests.stats.area_world import YEAR, ZERO, Area, competition_ranks, direct_count, figures_of
from tests.stats.conftest import hours_half_up

pytestmark = pytest.mark.django_db

RANKINGS = "/api/v1/stats/rankings/"
PERIOD = year_period(YEAR)


@pytest.fixture
def area(world):
    return Area(world)


def rows_of(client, **params):
    response = client.get(RANKINGS, {"year": YEAR, **params})
    assert response.status_code == 200, response.data
    return response.data["rows"]


def registered(key):
    """{key(registration): members} of the active members' confirmed registrations, counted here."""
    counts = {}
    for registration in Registration.objects.filter(status=RegistrationStatus.CONFIRMED, member__is_active=True):
        counts[key(registration)] = counts.get(key(registration), 0) + 1
    return counts


def assert_ranked(rows, metric):
    """Highest first, ties by name then id, competition ranks."""
    sort_key = "minutes" if metric == "hours" else metric
    assert [row["rank"] for row in rows] == competition_ranks(rows, sort_key)
    assert rows == sorted(rows, key=lambda row: (-row[sort_key], row["name"], row["id"]))


# --- communities and streets -------------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", ["hours", "points", "person_times"])
def test_a_street_admin_ranks_the_communities_of_their_street_as_the_records_count_them(
    area, world, make_client, metric
):
    rows = rows_of(
        make_client(world.street_admin), level="street", id=area.street_a.pk, of="communities", metric=metric
    )
    expected = direct_count(lambda r: r.community_id, community__street=area.street_a)
    members = registered(lambda r: r.community_id)
    assert {row["id"] for row in rows} == {area.c1.pk, area.c2.pk, area.c_empty.pk}
    for row in rows:
        assert figures_of(row) == expected.get(row["id"], ZERO), row["name"]
        assert row["members"] == members.get(row["id"], 0)
        assert row["hours"] == float(hours_half_up(row["minutes"]))
    assert_ranked(rows, metric)
    empty = next(row for row in rows if row["id"] == area.c_empty.pk)
    assert (empty["rank"], empty["members"], empty["minutes"]) == (3, 0, 0)  # listed, last, with zeros
    assert "street" not in rows[0]  # a street's communities need no street column


def test_a_district_admin_ranks_the_streets_of_their_district(area, world, make_client):
    rows = rows_of(make_client(world.district_admin), level="district", id=area.district.pk, of="streets")
    expected = direct_count(lambda r: r.community.street_id, community__street__district=area.district)
    members = registered(lambda r: r.community.street_id)
    assert {row["id"] for row in rows} == {area.street_a.pk, area.street_b.pk, area.street_empty.pk}
    for row in rows:
        assert figures_of(row) == expected.get(row["id"], ZERO), row["name"]
        assert row["members"] == members.get(row["id"], 0)
    assert_ranked(rows, "hours")
    assert rows[-1]["id"] == area.street_empty.pk and rows[-1]["minutes"] == 0
    # a1 served in two communities of side A's street: one member who served there, with a2, b1 and b2.
    assert next(row for row in rows if row["id"] == area.street_a.pk)["members_served"] == 4


def test_a_district_admin_ranks_every_community_of_the_district_with_its_street(area, world, make_client):
    client = make_client(world.district_admin)
    rows = rows_of(client, level="district", id=area.district.pk, of="communities", metric="person_times")
    expected = direct_count(lambda r: r.community_id, community__street__district=area.district)
    assert {row["id"] for row in rows} == {area.c1.pk, area.c2.pk, area.c_empty.pk, area.c3.pk}
    streets = {area.c1.pk: area.street_a, area.c2.pk: area.street_a, area.c_empty.pk: area.street_a}
    streets[area.c3.pk] = area.street_b
    for row in rows:
        assert figures_of(row) == expected.get(row["id"], ZERO), row["name"]
        assert (row["street_id"], row["street"]) == (streets[row["id"]].pk, streets[row["id"]].name)
    assert_ranked(rows, "person_times")
    # Per street, as the district admin reads each street of theirs.
    per_street = rows_of(client, level="street", id=area.street_b.pk, of="communities")
    assert [(row["id"], row["minutes"]) for row in per_street] == [(area.c3.pk, expected[area.c3.pk]["minutes"])]


def test_the_communities_add_up_to_the_street_and_match_the_childrens_breakdown(area):
    node = Node(Level.STREET, area.street_a)
    rows = place_rows(node=node, period=PERIOD, level=Level.COMMUNITY)
    children = node_breakdown(node=node, period=PERIOD, by="children")
    assert [(row["id"], row["minutes"], row["points"]) for row in rows] == [
        (row["id"], row["minutes"], row["points"]) for row in children
    ]
    whole = direct_count(lambda r: "street", community__street=area.street_a)["street"]
    for measure in ("person_times", "minutes", "wish_services", "points"):
        assert sum(row[measure] for row in rows) == whole[measure], measure
    # Residents served are no sum, but no service of the street spans two of its communities.
    assert sum(row["residents_served"] for row in rows) == whole["residents_served"]
    assert node_metrics(node=node, period=PERIOD)["residents_served"] == whole["residents_served"]


def test_a_communitys_grids_include_the_services_recorded_without_a_grid(area):
    rows = place_rows(node=Node(Level.COMMUNITY, area.c2), period=PERIOD, level=Level.GRID)
    expected = direct_count(lambda r: r.grid_id, community=area.c2)
    assert [(row["id"], figures_of(row)) for row in rows] == [
        (area.g2.pk, expected[area.g2.pk]),
        (None, expected[None]),  # a2's service without a grid
    ]
    assert rows[0]["members"] == 1  # a2 is registered in g2


# --- organs serving in the area ----------------------------------------------------------------------------------


def test_a_street_admin_ranks_the_organs_serving_in_their_street(area, world, make_client):
    rows = rows_of(make_client(world.street_admin), level="street", id=area.street_a.pk, of="organs")
    expected = direct_count(lambda r: r.organ_id, community__street=area.street_a)
    members = registered(lambda r: (r.member.organ_id, r.community.street_id))
    # Side A's and B's organs served there; the third has a member registered there and no service; the fourth
    # serves elsewhere only and is not listed.
    assert {row["id"] for row in rows} == {area.organ_a.pk, area.organ_b.pk, area.organ_idle.pk}
    for row in rows:
        assert figures_of(row) == expected.get(row["id"], ZERO), row["name"]
        assert row["members"] == members.get((row["id"], area.street_a.pk), 0)
    assert_ranked(rows, "hours")
    idle = next(row for row in rows if row["id"] == area.organ_idle.pk)
    assert (idle["members"], idle["person_times"], idle["rank"]) == (1, 0, 3)
    # Every service of the street has an organ: the organs add up to the street.
    whole = direct_count(lambda r: "street", community__street=area.street_a)["street"]
    assert sum(row["minutes"] for row in rows) == whole["minutes"]
    assert sum(row["points"] for row in rows) == whole["points"]
    # Residents served do not add up: both organs took part in the activity and count its 12, the street once.
    assert sum(row["residents_served"] for row in rows) == whole["residents_served"] + area.activity.residents_served


def test_a_district_admin_ranks_the_organs_serving_in_the_district(area, world, make_client):
    rows = rows_of(
        make_client(world.district_admin), level="district", id=area.district.pk, of="organs", metric="points"
    )
    expected = direct_count(lambda r: r.organ_id, community__street__district=area.district)
    assert {row["id"] for row in rows} == {area.organ_a.pk, area.organ_b.pk, area.organ_idle.pk}
    for row in rows:
        assert figures_of(row) == expected.get(row["id"], ZERO), row["name"]
    assert_ranked(rows, "points")
    organ_a = next(row for row in rows if row["id"] == area.organ_a.pk)
    assert organ_a["members"] == 2  # a1 and a2 live in the district
    assert organ_a["members_served"] == 2


def test_organs_serving_in_a_community(area, world, make_client):
    rows = rows_of(make_client(world.street_admin), level="community", id=area.c1.pk, of="organs")
    expected = direct_count(lambda r: r.organ_id, community=area.c1)
    # Side B's organ: b1's 90 and b2's 61 minutes; side A's: a1's corrected 90; the idle organ's member lives there.
    assert [row["id"] for row in rows] == [area.organ_b.pk, area.organ_a.pk, area.organ_idle.pk]
    for row in rows:
        assert figures_of(row) == expected.get(row["id"], ZERO)
    assert_ranked(rows, "hours")


# --- what a node offers, and scope -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "level", "of"),
    [
        ("street_admin", "street", "streets"),  # a street has no streets
        ("street_admin", "street", "members"),
        ("street_admin", "street", "branches"),
        ("district_admin", "district", "members"),
        ("street_admin", "community", "communities"),
        ("reviewer", "organ", "communities"),
        ("superuser", "city", "streets"),
    ],
)
def test_a_ranking_the_node_does_not_have_is_422(area, world, make_client, role, level, of):
    ids = {"street": area.street_a.pk, "district": area.district.pk, "community": area.c1.pk, "organ": area.organ_a.pk}
    params = {"level": level, "of": of, **({"id": ids[level]} if level in ids else {})}
    response = make_client(world.user(role)).get(RANKINGS, params)
    assert response.status_code == 422, response.data
    assert response.data["code"] == "ranking_invalid"


def test_an_admin_cannot_rank_outside_their_area(area, world, make_client):
    street_admin, district_admin = make_client(world.street_admin), make_client(world.district_admin)
    for client, level, pk in (
        (street_admin, "street", area.street_b.pk),  # a street of the same district, not theirs
        (street_admin, "district", area.district.pk),
        (street_admin, "community", area.c3.pk),
        (district_admin, "street", world.other_street.pk),  # another district's
        (district_admin, "district", world.other_street.district_id),
    ):
        for of in ("communities", "organs"):
            response = client.get(RANKINGS, {"level": level, "id": pk, "of": of})
            assert response.status_code == 404, (level, of)
            assert response.data["code"] == "stats_node_not_found"
    # Without a node the admin gets their own: the street's communities.
    rows = street_admin.get(RANKINGS, {"of": "communities", "year": YEAR}).data["rows"]
    assert {row["id"] for row in rows} == {area.c1.pk, area.c2.pk, area.c_empty.pk}


# --- query counts ------------------------------------------------------------------------------------------------


def _count(client, user, params):
    forget_scope(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(RANKINGS, {"year": YEAR, **params})
    assert response.status_code == 200
    return len(captured)


def test_place_rankings_are_a_few_queries_whatever_the_number_of_places_organs_and_members(area, world, make_client):
    client = make_client(world.district_admin)
    district = {"level": "district", "id": area.district.pk}
    asks = [{**district, "of": "streets"}, {**district, "of": "communities"}, {**district, "of": "organs"}]
    client.get(RANKINGS, asks[0])  # warm what every request shares
    few = [_count(client, world.district_admin, ask) for ask in asks]
    for n in range(6):
        street = f.StreetFactory(district=area.district)
        community = f.CommunityFactory(street=street)
        grid = f.GridFactory(community=community)
        member = f.MemberFactory(branch=f.BranchFactory())  # a new organ each time
        f.RegistrationFactory(member=member, grid=grid)
        area.record(member, community, grid, 1 + n, 30 + n)
    many = [_count(client, world.district_admin, ask) for ask in asks]
    assert many == few
    # The session and the scope, then the node, then three grouped queries (places or organs, sums, registrations),
    # and the residents served of each service once per part (apps.stats.counting: seven queries when activities,
    # wishes, occasions and manual entries all bring residents, as here).
    assert max(many) <= 13, many


# --- exports -----------------------------------------------------------------------------------------------------


def download(client, route, **params):
    response = client.get(reverse(route), {"year": YEAR, **params}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, getattr(response, "data", response)
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    return load_workbook(BytesIO(response.content))


def lines(sheet):
    """The table's lines below the header, as {header: value}, up to the totals line (included)."""
    header = [cell.value for cell in sheet[2]]
    rows = []
    for values in sheet.iter_rows(min_row=3, values_only=True):
        if values[0] is None or not any(values[1:]):
            break  # the notes
        rows.append(dict(zip(header, values, strict=False)))
    return rows


def test_a_street_admin_downloads_the_summary_of_their_communities(area, world, make_client):
    book = download(make_client(world.street_admin), "stats-export-places", level="street", id=area.street_a.pk)
    assert book.sheetnames == ["Communities", "Definitions"]  # the request asked for English
    table = lines(book.worksheets[0])
    expected = direct_count(lambda r: r.community_id, community__street=area.street_a)
    *communities, total = table
    assert [line["Community"] for line in communities] == [area.c1.name, area.c2.name, area.c_empty.name]
    for line, community in zip(communities, (area.c1, area.c2, area.c_empty), strict=True):
        figures = expected.get(community.pk, ZERO)
        assert line["Person-times"] == figures["person_times"]
        assert line["Service hours"] == float(hours_half_up(figures["minutes"]))
        assert line["Residents served"] == figures["residents_served"]
        assert line["Points"] == figures["points"]
        assert line["Members who served"] == figures["members_served"]
    whole = direct_count(lambda r: "street", community__street=area.street_a)["street"]
    assert total["No."] == "Total"
    assert total["Person-times"] == whole["person_times"]
    assert total["Members who served"] == whole["members_served"]  # distinct people, not the lines' sum
    assert total["Registered members"] == 3  # a1, idle (c1), a2 (c2)


def test_a_district_admin_downloads_streets_and_communities_and_the_organs_serving_there(area, world, make_client):
    client = make_client(world.district_admin)
    book = download(client, "stats-export-places", level="district", id=area.district.pk)
    assert book.sheetnames == ["Streets", "Communities", "Definitions"]
    streets, communities = lines(book.worksheets[0]), lines(book.worksheets[1])
    organs = lines(download(client, "stats-export-organs-in-area", level="district", id=area.district.pk).active)
    by_street = direct_count(lambda r: r.community.street_id, community__street__district=area.district)
    assert [line["Street"] for line in streets[:-1]] == [
        s.name for s in (area.street_a, area.street_b, area.street_empty)
    ]
    assert [line["Person-times"] for line in streets[:-1]] == [
        by_street.get(s.pk, ZERO)["person_times"] for s in (area.street_a, area.street_b, area.street_empty)
    ]
    assert {line["Community"]: line["Street"] for line in communities[:-1]} == {
        area.c1.name: area.street_a.name,
        area.c2.name: area.street_a.name,
        area.c_empty.name: area.street_a.name,
        area.c3.name: area.street_b.name,
    }
    by_organ = direct_count(lambda r: r.organ_id, community__street__district=area.district)
    *ranked, total = organs
    names = {area.organ_a.name: area.organ_a, area.organ_b.name: area.organ_b, area.organ_idle.name: area.organ_idle}
    assert sorted(line["Organ"] for line in ranked) == sorted(names)
    for line in ranked:
        figures = by_organ.get(names[line["Organ"]].pk, ZERO)
        assert line["Service hours"] == float(hours_half_up(figures["minutes"]))
        assert line["Person-times"] == figures["person_times"]
    assert [line["Rank"] for line in ranked] == competition_ranks(
        [{"minutes": by_organ.get(names[line["Organ"]].pk, ZERO)["minutes"]} for line in ranked], "minutes"
    )
    whole = direct_count(lambda r: "all", community__street__district=area.district)["all"]
    assert total["Service hours"] == float(hours_half_up(whole["minutes"]))


def test_place_exports_refuse_other_levels_and_other_areas(area, world, make_client):
    client = make_client(world.superuser)
    for route, level, pk in (
        ("stats-export-places", "grid", area.g1.pk),
        ("stats-export-places", "organ", area.organ_a.pk),
        ("stats-export-places", "city", 1),
        ("stats-export-organs-in-area", "organ", area.organ_a.pk),
        ("stats-export-organs-in-area", "party_org", world.branch.pk),
    ):
        response = client.get(reverse(route), {"level": level, "id": pk})
        assert response.status_code == 422, (route, level)
        assert response.data["code"] == "export_level_invalid"
    assert client.get(reverse("stats-export-organs-in-area"), {"level": "grid", "id": area.g1.pk}).status_code == 200
    street_admin = make_client(world.street_admin)
    for route in ("stats-export-places", "stats-export-organs-in-area"):
        for level, pk in (("street", area.street_b.pk), ("district", area.district.pk)):
            response = street_admin.get(reverse(route), {"level": level, "id": pk})
            assert response.status_code == 404, (route, level)
            assert response.data["code"] == "stats_node_not_found"
        assert make_client(world.reviewer).get(
            reverse(route), {"level": "street", "id": area.street_a.pk}
        ).status_code == (404)


def test_the_schema_documents_the_new_rankings_and_exports():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = {p["name"]: p for p in schema["paths"][RANKINGS]["get"]["parameters"]}
    assert {"communities", "streets", "organs"} <= set(parameters["of"]["schema"]["enum"])
    for path in ("/api/v1/stats/exports/places/", "/api/v1/stats/exports/organs-in-area/"):
        operation = schema["paths"][path]["get"]
        assert {"level", "id", "year"} <= {p["name"] for p in operation["parameters"]}
        assert exports.XLSX_CONTENT_TYPE in operation["responses"]["200"]["content"]
