"""Zero minutes (docs/statistics.md): an approved service whose effective minutes (the record and its approved
amendments) come to 0 is no service. It adds no person-time, no service, no member who served, no residents and no
points; the member stays on the zero-service list. Corrected to 0 and back, every figure follows, the roll-ups
follow exactly and reconcile_stats agrees after each step."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.ledger import services as ledger
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceSource
from apps.ledger.selectors import member_summary
from apps.stats import areas
from apps.stats.models import MEASURES, ROLLUP_MODELS
from apps.stats.nodes import Level, Node
from apps.stats.periods import year_period
from apps.stats.rollups import rebuild, reconcile
from apps.stats.selectors import (
    branch_rows,
    member_table,
    node_breakdown,
    node_metrics,
    ranking,
    zero_service_members,
)
from tests import factories as f
from tests.stats.conftest import POINTS_PER_WISH

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("points_rule")]

LOCAL = ZoneInfo("Asia/Shanghai")
YEAR = 2024
PERIOD = year_period(YEAR)
DAY = datetime(YEAR, 5, 10, 9, 0, tzinfo=LOCAL)


def serve(world, *, member=None, minutes=30, residents=2, source=ServiceSource.MANUAL, source_id=None, start=DAY):
    """An approved service of `member` (world.member) in the world's grid: entered pending, then approved by staff;
    a confirmed wish is approved when written, as the wishes app writes it."""
    kwargs = {
        "member": member or world.member,
        "community": world.community,
        "grid": world.grid,
        "source": source,
        "source_id": source_id,
        "category": ServiceCategory.CARE_VISIT,
        "content": "入户走访困难群众",
        "started_at": start,
        "ended_at": start + timedelta(hours=2),
        "credited_minutes": minutes,
        "residents_served": residents,
    }
    if source == ServiceSource.WISH:
        return ledger.record_create(**kwargs, status=RecordStatus.APPROVED, decided_by=world.staff)
    return ledger.record_approve(record=ledger.record_create(**kwargs), actor=world.staff)


def amend(world, record, minutes, residents=2):
    return ledger.record_amend(
        record=record, actor=world.staff, credited_minutes=minutes, residents_served=residents, reason="核对签到记录"
    )


def nodes(world):
    """Every node the service is attributed to, in both trees."""
    return [
        Node(Level.CITY),
        Node(Level.ORGAN, world.organ),
        Node(Level.PARTY_ORG, world.branch),
        Node(Level.MEMBER, world.member),
        Node(Level.DISTRICT, world.street.district),
        Node(Level.STREET, world.street),
        Node(Level.COMMUNITY, world.community),
        Node(Level.GRID, world.grid),
    ]


def member_row(rows, member):
    return next(row for row in rows if row["id"] == member.pk)


def tables():
    return {model.__name__: sorted(model.objects.values_list(*model.KEY, *MEASURES)) for model in ROLLUP_MODELS}


def assert_reconciled():
    report = reconcile()
    assert report.clean, report.differences


def assert_no_service(world):
    """Every figure says world.member did not serve."""
    for node in nodes(world):
        metrics = node_metrics(node=node, period=PERIOD)
        figures = {
            key: metrics[key]
            for key in ("services", "person_times", "members_served", "minutes", "residents_served", "points")
        }
        assert figures == dict.fromkeys(figures, 0), node
        assert str(metrics["hours"]) == "0.0", node
        for by in ("category", "source"):
            for row in node_breakdown(node=node, period=PERIOD, by=by):
                assert (row["person_times"], row["minutes"]) == (0, 0), (node, by, row["key"])
    organ = Node(Level.ORGAN, world.organ)
    assert world.member in zero_service_members(node=organ, period=PERIOD)
    assert node_metrics(node=organ, period=PERIOD)["zero_service_members"] == 1
    for metric in ("person_times", "points", "hours"):
        row = member_row(ranking(node=organ, period=PERIOD, of="members", metric=metric), world.member)
        assert (row["person_times"], row["points"], row["minutes"]) == (0, 0, 0), metric
    assert member_row(member_table(node=organ, period=PERIOD), world.member)["person_times"] == 0
    branch = member_row(branch_rows(node=organ, period=PERIOD), world.branch)
    assert (branch["members_served"], branch["person_times"], branch["points"]) == (0, 0, 0)
    community = member_row(
        areas.place_rows(node=Node(Level.STREET, world.street), period=PERIOD, level=Level.COMMUNITY), world.community
    )
    assert (community["members_served"], community["person_times"]) == (0, 0)
    assert areas.organ_rows(node=Node(Level.STREET, world.street), period=PERIOD) == []
    summary = member_summary(member=world.member)
    assert (summary["services"], summary["wish_services"], summary["points"]) == (0, 0, 0)


def assert_one_service(world, *, minutes, residents, points):
    for node in nodes(world):
        metrics = node_metrics(node=node, period=PERIOD)
        assert (metrics["services"], metrics["person_times"], metrics["members_served"]) == (1, 1, 1), node
        assert (metrics["minutes"], metrics["residents_served"], metrics["points"]) == (minutes, residents, points)
    organ = Node(Level.ORGAN, world.organ)
    assert world.member not in zero_service_members(node=organ, period=PERIOD)
    row = member_row(ranking(node=organ, period=PERIOD, of="members", metric="person_times"), world.member)
    assert (row["rank"], row["person_times"], row["points"]) == (1, 1, points)
    branch = member_row(branch_rows(node=organ, period=PERIOD), world.branch)
    assert (branch["members_served"], branch["person_times"]) == (1, 1)
    assert member_summary(member=world.member)["services"] == 1


def test_a_service_amended_to_zero_minutes_is_no_service_and_amended_back_counts_again(world):
    record = serve(world, minutes=30, residents=2)
    assert_one_service(world, minutes=30, residents=2, points=5)
    assert_reconciled()

    amend(world, record, 0)
    assert_no_service(world)
    assert_reconciled()

    amend(world, record, 30)
    assert_one_service(world, minutes=30, residents=2, points=5)
    assert_reconciled()


def test_the_zero_service_list_of_the_api_keeps_a_member_whose_service_came_to_zero(world, make_client):
    record = serve(world, minutes=45)
    amend(world, record, 0)
    client = make_client(world.reviewer)
    params = {"level": "organ", "id": world.organ.pk, "year": YEAR}
    listed = client.get("/api/v1/stats/zero-service/", params).json()
    ids = [row["id"] for row in listed.get("results", listed)]
    assert world.member.pk in ids
    metrics = client.get("/api/v1/stats/summary/", params).json()["metrics"]
    assert (metrics["person_times"], metrics["services"], metrics["members_served"], metrics["hours"]) == (0, 0, 0, 0)


def test_a_service_approved_with_zero_minutes_counts_nothing_not_even_a_wish_bonus(world):
    # The ledger accepts 0 minutes (an attendance of nothing, a wish that took no time): it is not a service.
    serve(world, minutes=0, residents=3)
    serve(world, minutes=0, residents=1, source=ServiceSource.WISH, source_id=71, start=DAY + timedelta(days=1))
    assert_no_service(world)
    assert node_metrics(node=Node(Level.MEMBER, world.member), period=PERIOD)["wish_services"] == 0
    assert_reconciled()


def test_a_wish_counts_once_if_any_of_its_members_served_minutes(world):
    second = f.MemberFactory(branch=world.branch)
    first = serve(world, minutes=40, source=ServiceSource.WISH, source_id=72)
    serve(world, member=second, minutes=0, residents=0, source=ServiceSource.WISH, source_id=72)
    organ = Node(Level.ORGAN, world.organ)
    metrics = node_metrics(node=organ, period=PERIOD)
    assert (metrics["services"], metrics["person_times"], metrics["members_served"]) == (1, 1, 1)
    assert metrics["wish_services"] == 1
    assert metrics["points"] == 40 * 10 // 60 + POINTS_PER_WISH
    assert second in zero_service_members(node=organ, period=PERIOD)
    # The wish's residents come with it to the nodes that hold it; the member who served 0 minutes holds none.
    assert metrics["residents_served"] == 2
    assert node_metrics(node=Node(Level.MEMBER, world.member), period=PERIOD)["residents_served"] == 2
    assert node_metrics(node=Node(Level.MEMBER, second), period=PERIOD)["residents_served"] == 0

    amend(world, first, 0, residents=0)  # now nobody served the wish
    metrics = node_metrics(node=organ, period=PERIOD)
    assert (metrics["services"], metrics["person_times"], metrics["wish_services"], metrics["points"]) == (0, 0, 0, 0)
    assert metrics["residents_served"] == 0
    assert_reconciled()


def test_a_rebuild_from_the_ledger_gives_the_tables_the_ledger_writes_kept(world):
    record = serve(world, minutes=30)
    serve(world, minutes=60, start=DAY + timedelta(days=3))
    amend(world, record, 0)
    kept = tables()
    rebuild()
    assert tables() == kept
    assert_reconciled()
    metrics = node_metrics(node=Node(Level.ORGAN, world.organ), period=PERIOD)
    assert (metrics["person_times"], metrics["services"], metrics["minutes"], metrics["points"]) == (1, 1, 60, 10)
