"""Residents' requests in the statistics (docs/statistics.md): received, accepted and done at the city and every place,
each equal to a direct count over the requests, with the day of request deciding the period; an organization has
none of these figures, on the API and on the dashboard."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from apps.residents.models import RequestStatus, ResidentRequest
from apps.stats.nodes import Level, Node
from apps.stats.periods import year_period
from apps.stats.selectors import node_metrics
from apps.wishes.models import WishStatus
from tests import factories as f
from tests.conftest import client_for
from tests.residents.conftest import ResidentRequestFactory
from tests.web.test_dashboard_pages import tiles
from tests.wishes.conftest import WishFactory

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
YEAR = 2026
FIELDS = ("requests_received", "requests_accepted", "requests_done")


def request_at(grid, when, status=RequestStatus.RECEIVED, wish_status=None, staff=None):
    extra = {}
    if status in (RequestStatus.ACCEPTED, RequestStatus.MERGED):
        extra["wish"] = WishFactory(community=grid.community, grid=grid, status=wish_status)
    if status != RequestStatus.RECEIVED:
        extra.update(decided_by=staff, decided_at=when + timedelta(hours=2))
    if status == RequestStatus.DECLINED:
        extra["decline_reason"] = "不属于服务范围"
    request = ResidentRequestFactory(grid=grid, status=status, **extra)
    ResidentRequest.objects.filter(pk=request.pk).update(created_at=when)
    return request


@pytest.fixture
def requests(world):
    """Requests in both streets' grids, in every state, some just before and after the year, one at midnight."""
    second_grid = f.GridFactory(community=world.community)
    at = lambda month, day, hour=10: datetime(YEAR, month, day, hour, tzinfo=LOCAL)  # noqa: E731
    staff = world.staff
    made = [
        request_at(world.grid, at(1, 1, 0)),  # 00:00 on New Year's Day: in the year
        request_at(world.grid, at(2, 3), RequestStatus.ACCEPTED, WishStatus.PENDING_REVIEW, staff),
        request_at(world.grid, at(3, 4), RequestStatus.ACCEPTED, WishStatus.CLAIMED, staff),
        request_at(world.grid, at(4, 5), RequestStatus.ACCEPTED, WishStatus.FULFILLED, staff),
        request_at(second_grid, at(5, 6), RequestStatus.MERGED, WishStatus.CONFIRMED, staff),
        request_at(second_grid, at(6, 7), RequestStatus.DECLINED, staff=staff),
        request_at(second_grid, at(7, 8), RequestStatus.ACCEPTED, WishStatus.CANCELLED, staff),
        request_at(world.other_grid, at(8, 9), RequestStatus.ACCEPTED, WishStatus.CONFIRMED, world.superuser),
        request_at(world.other_grid, at(9, 10)),
        # Outside the year: the last minute of the year before, and the first of the next.
        request_at(
            world.grid,
            datetime(YEAR - 1, 12, 31, 23, 59, tzinfo=LOCAL),
            RequestStatus.ACCEPTED,
            WishStatus.CONFIRMED,
            staff,
        ),
        request_at(world.other_grid, datetime(YEAR + 1, 1, 1, 0, 0, tzinfo=LOCAL)),
    ]
    return {"made": made, "second_grid": second_grid}


def direct(world, place_test):
    """The three figures counted by hand over every request of the year that `place_test(request)` accepts."""
    start, end = datetime(YEAR, 1, 1, tzinfo=LOCAL), datetime(YEAR + 1, 1, 1, tzinfo=LOCAL)
    received = accepted = done = 0
    for request in ResidentRequest.objects.select_related("wish", "community__street"):
        if not (start <= request.created_at < end and place_test(request)):
            continue
        received += 1
        if request.status in ("accepted", "merged"):
            accepted += 1
            done += request.wish.status in ("fulfilled", "confirmed")
    return {"requests_received": received, "requests_accepted": accepted, "requests_done": done}


def figures(node):
    metrics = node_metrics(node=node, period=year_period(YEAR))
    return {key: metrics[key] for key in FIELDS}


def test_every_place_and_the_city_equal_a_direct_count(world, requests):
    second = requests["second_grid"]
    places = [
        (Node(Level.CITY), lambda r: True),
        (
            Node(Level.DISTRICT, world.street.district),
            lambda r: r.community.street.district_id == world.street.district_id,
        ),
        (Node(Level.STREET, world.street), lambda r: r.community.street_id == world.street.pk),
        (Node(Level.STREET, world.other_street), lambda r: r.community.street_id == world.other_street.pk),
        (Node(Level.COMMUNITY, world.community), lambda r: r.community_id == world.community.pk),
        (Node(Level.GRID, world.grid), lambda r: r.grid_id == world.grid.pk),
        (Node(Level.GRID, second), lambda r: r.grid_id == second.pk),
        (Node(Level.GRID, world.other_grid), lambda r: r.grid_id == world.other_grid.pk),
    ]
    for node, test in places:
        assert figures(node) == direct(world, test), node
    # Worked out by hand for side A's community: 7 received, 5 accepted or merged, 2 done (fulfilled, confirmed).
    assert figures(Node(Level.COMMUNITY, world.community)) == {
        "requests_received": 7,
        "requests_accepted": 5,
        "requests_done": 2,
    }
    # The grids add up to their community.
    parts = [figures(Node(Level.GRID, grid)) for grid in (world.grid, second)]
    assert {k: sum(p[k] for p in parts) for k in FIELDS} == figures(Node(Level.COMMUNITY, world.community))


def test_an_organization_has_no_request_figures(world, requests):
    for node in (Node(Level.ORGAN, world.organ), Node(Level.PARTY_ORG, world.branch), Node(Level.MEMBER, world.member)):
        assert not set(FIELDS) & set(node_metrics(node=node, period=year_period(YEAR)))


def test_the_api_and_the_dashboard_show_them_at_a_place_only(world, requests, client):
    params = {"kind": "year", "year": YEAR}
    place = client_for(world.staff).get(
        "/api/v1/stats/summary/", {"level": "community", "id": world.community.pk, **params}
    )
    assert place.status_code == 200, place.content
    assert {k: place.json()["metrics"][k] for k in FIELDS} == figures(Node(Level.COMMUNITY, world.community))
    organ = client_for(world.reviewer).get("/api/v1/stats/summary/", {"level": "organ", "id": world.organ.pk, **params})
    assert not set(FIELDS) & set(organ.json()["metrics"])

    client.force_login(world.street_admin)
    page = client.get(reverse("dashboard:home"), {"node": f"community:{world.community.pk}", **params})
    shown = tiles(page.content.decode())
    assert {k: int(shown[k]) for k in FIELDS} == figures(Node(Level.COMMUNITY, world.community))
    client.force_login(world.reviewer)
    page = client.get(reverse("dashboard:home"), {"node": f"organ:{world.organ.pk}", **params})
    assert not set(FIELDS) & set(tiles(page.content.decode()))
