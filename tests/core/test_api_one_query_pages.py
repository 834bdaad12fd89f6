"""API lists that read a page and its total in one query (apps.core.api.pagination): the same answers as the plain
count and slice, page by page, with one query less; other lists keep the plain count."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import tests.factories as f
from apps.accounts.scope import forget_scope
from apps.activities.api.views import ActivityViewSet
from apps.ledger import services as ledger_services
from apps.ledger.api.views import ServiceRecordViewSet
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceSource
from apps.wishes.api.views import WishViewSet
from apps.wishes.models import Wish, WishCategory, WishStatus

ROWS = 23
PAGE = 10


@pytest.fixture
def near(world):
    """The member registered in side A's community, and 23 published wishes there at slightly different places."""
    f.RegistrationFactory(member=world.member, community=world.community, grid=world.grid)
    now = timezone.now()
    for k in range(ROWS):
        grid = f.GridFactory(
            community=world.community, latitude=world.grid.latitude + k * 1e-4, longitude=world.grid.longitude
        )
        Wish.objects.create(
            community=world.community,
            grid=grid,
            title=f"心愿{k}",
            category=WishCategory.ELDERLY,
            resident_name="张三丰",
            deadline=now + timedelta(days=5 + k),
            status=WishStatus.PUBLISHED,
            published_at=now,
            created_by=world.staff,
        )
    return {"latitude": world.grid.latitude, "longitude": world.grid.longitude, "radius": 5000}


def _answers(client, user, url, params):
    """(status, body, queries) of the list's pages 1, 2, 3, "last" and 4 (past the end)."""
    found = []
    for page in (1, 2, 3, "last", 4):
        forget_scope(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {**params, "page": page, "page_size": PAGE})
        found.append((response.status_code, response.json(), len(queries)))
    return found


def _compare(monkeypatch, view, client, user, url, params):
    one_query = _answers(client, user, url, params)
    monkeypatch.setattr(view, "one_query_pages", False)
    plain = _answers(client, user, url, params)
    assert [(s, body) for s, body, _ in one_query] == [(s, body) for s, body, _ in plain]
    assert [s for s, _, _ in one_query] == [200, 200, 200, 200, 404]
    assert [body["count"] for _, body, _ in one_query[:4]] == [ROWS] * 4
    assert [len(body["results"]) for _, body, _ in one_query[:4]] == [PAGE, PAGE, ROWS - 2 * PAGE, ROWS - 2 * PAGE]
    # Pages 1 to 3: one query less. "last" and a page past the end count first (as Django's Paginator does).
    assert [q + 1 for _, _, q in one_query[:3]] == [q for _, _, q in plain[:3]]
    return one_query


def test_wishes_near_me(world, near, make_client, monkeypatch):
    _compare(monkeypatch, WishViewSet, make_client(world.member.user), world.member.user, "/api/v1/wishes/", near)


def test_wishes_not_near_me_keep_the_plain_count(world, near, make_client):
    client = make_client(world.member.user)
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/wishes/", {"page_size": PAGE})
    assert any('COUNT(*) AS "__count"' in q["sql"] for q in queries.captured_queries)
    assert not any("OVER ()" in q["sql"] for q in queries.captured_queries)


def test_activities_near_me(world, make_client, monkeypatch):
    from tests.activities.conftest import ActivityFactory

    f.RegistrationFactory(member=world.member, community=world.community, grid=world.grid)
    for k in range(ROWS):
        ActivityFactory(
            community=world.community,
            grid=world.grid,
            created_by=world.staff,
            latitude=world.grid.latitude + k * 1e-4,
            longitude=world.grid.longitude,
        )
    params = {"latitude": world.grid.latitude, "longitude": world.grid.longitude, "radius": 5000}
    user = world.member.user
    _compare(monkeypatch, ActivityViewSet, make_client(user), user, "/api/v1/activities/", params)


def test_my_records(world, make_client, monkeypatch):
    start = timezone.now() - timedelta(days=30)
    for k in range(ROWS):
        ledger_services.record_create(
            member=world.member,
            community=world.community,
            grid=world.grid,
            source=ServiceSource.MANUAL,
            source_id=None,
            category=ServiceCategory.CLEAN_UP,
            content=f"社区环境卫生整治{k}",
            started_at=start + timedelta(hours=k),
            ended_at=start + timedelta(hours=k, minutes=30),
            credited_minutes=30,
            residents_served=1,
            status=RecordStatus.APPROVED if k % 2 else RecordStatus.PENDING,
            decided_by=world.staff if k % 2 else None,
        )
    user = world.member.user
    pages = _compare(monkeypatch, ServiceRecordViewSet, make_client(user), user, "/api/v1/service-records/mine/", {})
    assert pages[0][1]["totals"]["minutes"] == 30 * (ROWS // 2)
    first = next(row for row in pages[0][1]["results"] if row["status"] == RecordStatus.APPROVED)
    assert (first["member_name"], first["community_name"], first["decided_by_name"]) == (
        world.member.user.name,
        world.community.name,
        world.staff.name,
    )
    # The scope, the totals, the page with its total, the page's amendments: the rows' names read with the page.
    assert [queries for _, _, queries in pages[:3]] == [4, 4, 4]
