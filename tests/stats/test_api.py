"""The statistics API: each role's default node and scope on every endpoint, the figures against the ledger, period
and query validation, query counts that do not grow with members, and the OpenAPI schema."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.scope import forget_scope
from apps.activities.models import ActivityStatus, SignUp, SignUpStatus
from apps.ledger import services as ledger
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceSource
from apps.registrations.models import Evaluation, EvaluationGrade
from apps.stats import errors
from apps.wishes import services as wishes
from tests import factories as f
from tests.activities.conftest import ActivityFactory
from tests.wishes.conftest import WishFactory

LOCAL = ZoneInfo("Asia/Shanghai")
BASE = "/api/v1/stats/"

# Every endpoint that reads a node, with the extra parameters it needs to get past query validation.
NODE_ENDPOINTS = {
    "summary": {},
    "breakdown": {"by": "children"},
    "rankings": {"of": "members"},
    "members": {},
    "branches": {},
    "zero-service": {},
    "unregistered": {},
}
ALL_ENDPOINTS = (*NODE_ENDPOINTS, "star-rules")


def url(endpoint):
    return f"{BASE}{endpoint}/"


def get(client, endpoint, **params):
    return client.get(url(endpoint), {**NODE_ENDPOINTS.get(endpoint, {}), **params})


def assert_error(response, status, code, message=None):
    assert response.status_code == status, response.data
    assert response.data["code"] == code
    if message is not None:
        assert response.data["detail"] == str(message)


# --- nodes of the shared world --------------------------------------------------------------------------------

NODES = (
    "city",
    "district",
    "other_district",
    "street",
    "other_street",
    "community",
    "other_community",
    "grid",
    "other_grid",
    "organ",
    "other_organ",
    "committee",
    "branch",
    "other_branch",
    "member",
    "other_member",
)


def node_of(world, name):
    """(level, object) of a named node of the world; the city has no object."""
    return {
        "city": ("city", None),
        "district": ("district", world.street.district),
        "other_district": ("district", world.other_street.district),
        "street": ("street", world.street),
        "other_street": ("street", world.other_street),
        "community": ("community", world.community),
        "other_community": ("community", world.other_community),
        "grid": ("grid", world.grid),
        "other_grid": ("grid", world.other_grid),
        "organ": ("organ", world.organ),
        "other_organ": ("organ", world.other_organ),
        "committee": ("party_org", f.committee_of(world.organ)),
        "branch": ("party_org", world.branch),
        "other_branch": ("party_org", world.other_branch),
        "member": ("member", world.member),
        "other_member": ("member", world.other_member),
    }[name]


def node_params(world, name):
    level, obj = node_of(world, name)
    return {"level": level} if obj is None else {"level": level, "id": obj.pk}


# What each role of the world may read (apps.stats.nodes.may_view; docs/statistics.md).
IN_SCOPE = {
    "superuser": set(NODES),
    "district_admin": {"city", "district", "street", "community", "grid"},
    "street_admin": {"street", "community", "grid"},
    "staff": {"community", "grid"},
    "grid_worker": {"grid"},
    "reviewer": {"organ", "committee", "branch", "member"},
    "secretary": {"branch", "member"},
    "member": {"member"},
    "other_member": {"other_member"},
    "outsider": set(),
}


# --- authentication and default nodes -------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ALL_ENDPOINTS)
def test_anonymous_users_are_refused_on_every_endpoint(db, api, endpoint):
    response = get(api, endpoint)
    # 403 rather than 401: session authentication comes first and sends no WWW-Authenticate challenge.
    assert response.status_code in (401, 403)
    assert response.data["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("role", "node"),
    [
        ("reviewer", "organ"),
        ("secretary", "branch"),
        ("district_admin", "district"),
        ("street_admin", "street"),
        ("staff", "community"),
        ("grid_worker", "grid"),
        ("member", "member"),
        ("superuser", "city"),
    ],
)
def test_without_a_node_each_role_gets_its_own_dashboard_node_and_the_current_year(world, make_client, role, node):
    response = make_client(world.user(role)).get(url("summary"))
    assert response.status_code == 200, response.data
    level, obj = node_of(world, node)
    assert response.data["node"]["level"] == level
    assert response.data["node"]["id"] == (obj.pk if obj is not None else None)
    if obj is not None:
        expected_name = obj.user.name if level == "member" else obj.name
        assert response.data["node"]["name"] == expected_name
    year = timezone.localdate().year
    assert response.data["period"] == {
        "kind": "year",
        "label": str(year),
        "first_day": f"{year}-01-01",
        "last_day": f"{year}-12-31",
    }


def test_a_district_admin_of_two_districts_opens_on_the_city(world, make_client):
    f.RoleFactory(user=world.district_admin, role="district_admin", district=world.other_street.district)
    response = make_client(world.district_admin).get(url("summary"))
    assert response.status_code == 200
    assert response.data["node"]["level"] == "city"


@pytest.mark.parametrize("endpoint", NODE_ENDPOINTS)
def test_a_user_with_no_role_and_no_member_profile_has_no_default_node(world, make_client, endpoint):
    response = get(make_client(world.outsider), endpoint)
    assert_error(response, 404, "stats_node_not_found", errors.NODE_NOT_FOUND)


def test_star_rules_need_no_node(world, make_client):
    response = make_client(world.outsider).get(url("star-rules"), {"year": 2024})
    assert response.status_code == 200
    assert response.data["year"] == 2024
    assert len(response.data["member"]) == 5
    assert len(response.data["branch"]) == 5
    assert response.data["member"] == sorted(response.data["member"])


# --- scope ----------------------------------------------------------------------------------------------------


def _expected_in_scope(level):
    """What each endpoint answers on a node the user may read: 200, or a 422 where the endpoint does not apply to
    the level (never the 404 of a hidden node)."""
    org = level in ("organ", "party_org")
    return {
        "summary": (200, None),
        "breakdown": (200, None),
        "rankings": (200, None) if org or level == "city" else (422, "ranking_invalid"),
        "members": (200, None),
        "branches": (200, None) if org else (422, "breakdown_invalid"),
        "zero-service": (200, None),
        "unregistered": (200, None),
    }


@pytest.mark.parametrize("node", NODES)
@pytest.mark.parametrize("role", IN_SCOPE)
def test_each_role_reads_the_nodes_in_its_scope_and_nothing_else(world, make_client, role, node):
    client = make_client(world.user(role))
    params = node_params(world, node)
    level = params["level"]
    if node in IN_SCOPE[role]:
        for endpoint, (status, code) in _expected_in_scope(level).items():
            extra = {"of": "organs"} if endpoint == "rankings" and level == "city" else {}
            response = get(client, endpoint, **params, **extra)
            assert response.status_code == status, (endpoint, response.data)
            if code is not None:
                assert response.data["code"] == code
            elif "node" in response.data:
                assert response.data["node"]["level"] == level
                assert response.data["node"]["id"] == params.get("id")
    else:
        for endpoint in NODE_ENDPOINTS:
            response = get(client, endpoint, **params)
            assert_error(response, 404, "stats_node_not_found", errors.NODE_NOT_FOUND)


@pytest.mark.parametrize("level", ["organ", "party_org", "member", "district", "street", "community", "grid"])
def test_a_node_that_does_not_exist_reads_like_a_hidden_one(world, make_client, level):
    response = make_client(world.superuser).get(url("summary"), {"level": level, "id": 10**9})
    assert_error(response, 404, "stats_node_not_found", errors.NODE_NOT_FOUND)


def test_a_member_reads_their_own_figures_but_not_the_city_their_organ_or_their_branch(world, make_client):
    client = make_client(world.member.user)
    assert get(client, "summary", level="member", id=world.member.pk).status_code == 200
    for params in (
        {"level": "city"},
        {"level": "organ", "id": world.organ.pk},
        {"level": "party_org", "id": world.branch.pk},
        {"level": "member", "id": world.other_member.pk},
    ):
        assert_error(get(client, "summary", **params), 404, "stats_node_not_found")


def test_a_branch_secretary_reads_the_members_of_their_branch(world, make_client):
    teammate = f.MemberFactory(branch=world.branch)
    client = make_client(world.secretary)
    listed = get(client, "members", level="party_org", id=world.branch.pk)
    assert listed.status_code == 200
    assert {row["id"] for row in listed.data["results"]} == {world.member.pk, teammate.pk}
    for member in (world.member, teammate):
        response = get(client, "summary", level="member", id=member.pk)
        assert response.status_code == 200
        assert response.data["node"]["name"] == member.user.name
    assert_error(get(client, "summary", level="member", id=world.other_member.pk), 404, "stats_node_not_found")


# --- figures ----------------------------------------------------------------------------------------------------


class Ledger:
    """A few days of service on both sides of the world, written through the ledger and wish services.

    Side A's organ has three members in one branch: `member` (registered in side A's community), `teammate`
    (registered there too) and `idle` (never registered, never served). Approved services in side A's grid:
    member 90 min / 4 residents and 45 min / 2 residents (manual entries), teammate 120 min / 3 residents amended to
    100 min / 5 residents, and a confirmed wish of the member (60 min / 3 residents); the member also has a pending
    and a rejected record that must not count. The teammate holds a second wish, claimed only. Side B's member did
    200 min / 1 resident in side B's grid and fulfilled (not yet confirmed) a wish there.
    """

    def __init__(self, world):
        self.world = world
        today = timezone.localdate()
        self.start, self.end = today - timedelta(days=5), today
        now = timezone.now()
        self.teammate = f.MemberFactory(branch=world.branch)
        self.idle = f.MemberFactory(branch=world.branch)
        f.RegistrationFactory(member=world.member, grid=world.grid)
        f.RegistrationFactory(member=self.teammate, grid=world.grid)
        f.RegistrationFactory(member=world.other_member, grid=world.other_grid)

        self.record(world.member, 90, 4, now - timedelta(days=2))
        self.record(world.member, 45, 2, now - timedelta(days=1))
        amended = self.record(self.teammate, 120, 3, now - timedelta(days=2), category=ServiceCategory.NIGHT_PATROL)
        ledger.record_amend(
            record=amended, actor=world.staff, credited_minutes=100, residents_served=5, reason="补录签退时间"
        )
        self.record(world.member, 60, 7, now - timedelta(days=1), status=RecordStatus.PENDING)
        rejected = self.record(world.member, 30, 1, now - timedelta(days=3), status=RecordStatus.PENDING)
        ledger.record_reject(record=rejected, actor=world.staff, reason="时长与签到记录不符")
        self.record(world.other_member, 200, 1, now - timedelta(days=1), grid=world.other_grid)

        wish = WishFactory(grid=world.grid, created_by=world.staff, residents_count=3)
        wishes.wish_claim(wish=wish, actor=world.member.user)
        wishes.wish_fulfil(wish=wish, actor=world.member.user, note="米和油已送到老人家中。")
        wishes.wish_confirm(wish=wish, actor=world.staff, rating=5)
        claimed_only = WishFactory(grid=world.grid, created_by=world.staff)
        wishes.wish_claim(wish=claimed_only, actor=self.teammate.user)
        far = WishFactory(grid=world.other_grid, created_by=world.staff)
        wishes.wish_claim(wish=far, actor=world.other_member.user)
        wishes.wish_fulfil(wish=far, actor=world.other_member.user, note="已上门看望。")

    def record(
        self,
        member,
        minutes,
        residents,
        start,
        *,
        grid=None,
        status=RecordStatus.APPROVED,
        category=ServiceCategory.CARE_VISIT,
    ):
        grid = grid or self.world.grid
        return ledger.record_create(
            member=member,
            community=grid.community,
            grid=grid,
            source=ServiceSource.MANUAL,
            source_id=None,
            category=category,
            content="入户走访困难群众",
            started_at=start,
            ended_at=start + timedelta(hours=4),
            credited_minutes=minutes,
            residents_served=residents,
            status=status,
            decided_by=self.world.superuser if status == RecordStatus.APPROVED else None,
        )

    @property
    def period(self):
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@pytest.fixture
def served(world, settings):
    settings.WISH_SERVICE_MINUTES = 60
    settings.WISH_CLAIM_SCOPE = "community"
    return Ledger(world)


# Points: 10 an hour floored per service, 5 more for a confirmed wish (tests/stats/conftest.py sets the rule).
SIDE_A = {
    "person_times": 4,  # 90, 45, 120→100 (one service, amended), the wish
    "services": 4,
    "minutes": 90 + 45 + 100 + 60,
    "hours": 4.9,  # 295 min = 4.9166… h
    "residents_served": 4 + 2 + 5 + 3,
    "wish_services": 1,
    "points": 15 + 7 + 16 + (10 + 5),
}
MEMBER_A = {
    "person_times": 3,
    "services": 3,
    "minutes": 90 + 45 + 60,
    "hours": 3.3,  # 195 min = 3.25 h, rounded half up
    "residents_served": 4 + 2 + 3,
    "wish_services": 1,
    "points": 15 + 7 + 15,
}
SIDE_B = {"person_times": 1, "services": 1, "minutes": 200, "residents_served": 1, "wish_services": 0, "points": 33}


def _subset(metrics, expected):
    return {key: metrics[key] for key in expected}


def test_summary_of_an_organ_counts_only_its_approved_services_and_its_wishes(world, served, make_client):
    response = get(make_client(world.reviewer), "summary", level="organ", id=world.organ.pk, **served.period)
    assert response.status_code == 200
    metrics = response.data["metrics"]
    assert _subset(metrics, SIDE_A) == SIDE_A
    assert metrics["members"] == 3
    assert metrics["registered_members"] == 2
    assert metrics["registration_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert metrics["members_served"] == 2
    assert metrics["zero_service_members"] == 1
    assert metrics["wishes_claimed"] == 2
    assert metrics["wishes_fulfilled"] == 1
    assert metrics["wishes_confirmed"] == 1
    assert metrics["wish_completion_rate"] == 0.5
    assert metrics["activities_organized"] == 0
    # Six days of a 50-hour year is under an hour: only the idle member is below the target.
    assert 0 < metrics["target_hours"] < 1
    assert metrics["below_target_members"] == 1
    assert metrics["target_completion_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert response.data["period"]["kind"] == "range"
    assert response.data["period"]["first_day"] == served.start.isoformat()


@pytest.fixture
def stats_cache(settings):
    """The production setting: a node's figures kept a minute in the process's cache (emptied before and after)."""
    settings.STATS_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def test_with_the_cache_on_a_summary_is_served_from_it_until_it_expires(world, served, make_client, stats_cache):
    client = make_client(world.reviewer)
    first = get(client, "summary", level="organ", id=world.organ.pk, **served.period).data["metrics"]
    served.record(world.member, 30, 1, timezone.now() - timedelta(days=2))
    with CaptureQueriesContext(connection) as queries:
        cached = get(client, "summary", level="organ", id=world.organ.pk, **served.period).data["metrics"]
    assert cached == first
    assert not any("stats_organdaytotal" in q["sql"] for q in queries.captured_queries)
    # Another period is another entry; once the entry is gone the new service counts.
    wider = {"start": (served.start - timedelta(days=1)).isoformat(), "end": served.end.isoformat()}
    other = get(client, "summary", level="organ", id=world.organ.pk, **wider).data["metrics"]
    assert other["minutes"] == first["minutes"] + 30
    cache.clear()
    fresh = get(client, "summary", level="organ", id=world.organ.pk, **served.period).data["metrics"]
    assert (fresh["minutes"], fresh["person_times"]) == (first["minutes"] + 30, first["person_times"] + 1)


def test_with_the_cache_off_every_summary_is_computed(world, served, make_client, settings):
    settings.STATS_CACHE_SECONDS = 0
    client = make_client(world.reviewer)
    first = get(client, "summary", level="organ", id=world.organ.pk, **served.period).data["metrics"]
    served.record(world.member, 30, 1, timezone.now() - timedelta(days=2))
    again = get(client, "summary", level="organ", id=world.organ.pk, **served.period).data["metrics"]
    assert again["minutes"] == first["minutes"] + 30


def test_summary_of_a_member_counts_their_services_and_claims(world, served, make_client):
    response = get(make_client(world.member.user), "summary", **served.period)
    assert response.data["node"] == {"level": "member", "id": world.member.pk, "name": world.member.user.name}
    metrics = response.data["metrics"]
    assert _subset(metrics, MEMBER_A) == MEMBER_A
    assert metrics["members"] == 1
    assert metrics["members_served"] == 1
    assert metrics["zero_service_members"] == 0
    assert (metrics["wishes_claimed"], metrics["wishes_fulfilled"], metrics["wishes_confirmed"]) == (1, 1, 1)
    assert metrics["wish_completion_rate"] == 1.0
    assert metrics["activities_organized"] is None
    assert metrics["stars"] == 0  # 37 points: below the first default threshold of 100


def test_summary_of_a_place_counts_the_services_done_there(world, served, make_client):
    client = make_client(world.district_admin)
    for params in (
        {"level": "community", "id": world.community.pk},
        {"level": "street", "id": world.street.pk},
        {"level": "district", "id": world.street.district_id},
    ):
        metrics = get(client, "summary", **params, **served.period).data["metrics"]
        assert _subset(metrics, SIDE_A) == SIDE_A, params
        # At a place, its members are those registered there; a rate would say nothing.
        assert metrics["members"] == 2
        assert metrics["registration_rate"] is None
        assert metrics["wishes_claimed"] == 2


def test_summary_of_the_city_adds_both_sides(world, served, make_client):
    metrics = get(make_client(world.superuser), "summary", level="city", **served.period).data["metrics"]
    for key in ("person_times", "services", "minutes", "residents_served", "wish_services", "points"):
        assert metrics[key] == SIDE_A[key] + SIDE_B[key], key
    assert metrics["members"] == 4
    assert metrics["registered_members"] == 3
    assert metrics["members_served"] == 3
    assert (metrics["wishes_claimed"], metrics["wishes_fulfilled"], metrics["wishes_confirmed"]) == (3, 2, 1)


def test_a_period_without_the_services_counts_nothing(world, served, make_client):
    before = served.start - timedelta(days=30)
    response = get(
        make_client(world.reviewer),
        "summary",
        level="organ",
        id=world.organ.pk,
        start=before.isoformat(),
        end=(before + timedelta(days=10)).isoformat(),
    )
    metrics = response.data["metrics"]
    assert (metrics["person_times"], metrics["minutes"], metrics["points"], metrics["wishes_claimed"]) == (0, 0, 0, 0)
    assert metrics["zero_service_members"] == 3


@pytest.mark.parametrize(
    ("role", "node", "by", "expected"),
    [
        ("reviewer", "organ", "month", SIDE_A),
        ("reviewer", "organ", "children", SIDE_A),
        ("reviewer", "organ", "category", SIDE_A),
        ("reviewer", "organ", "source", SIDE_A),
        ("secretary", "branch", "children", SIDE_A),
        ("secretary", "branch", "category", SIDE_A),
        ("member", "member", "month", MEMBER_A),
        ("member", "member", "category", MEMBER_A),
        ("member", "member", "source", MEMBER_A),
        ("staff", "community", "children", SIDE_A),
        ("staff", "community", "category", SIDE_A),
        ("street_admin", "street", "source", SIDE_A),
        ("superuser", "city", "category", {k: SIDE_A[k] + SIDE_B[k] for k in SIDE_B}),
        ("street_admin", "street", "children", SIDE_A),
        ("district_admin", "district", "children", SIDE_A),
        ("superuser", "city", "children", {k: SIDE_A[k] + SIDE_B[k] for k in SIDE_B}),
    ],
)
def test_breakdown_rows_add_up_to_the_summary(world, served, make_client, role, node, by, expected):
    client = make_client(world.user(role))
    params = {**node_params(world, node), **served.period}
    summary = get(client, "summary", **params).data["metrics"]
    response = get(client, "breakdown", **params, by=by)
    assert response.status_code == 200
    assert response.data["by"] == by
    rows = response.data["rows"]
    assert rows
    by_kind = by in ("category", "source")
    measures = ["person_times", "minutes"] if by_kind else ["person_times", "minutes", "residents_served"]
    if not by_kind:
        measures += ["wish_services", "points"]
    for measure in measures:
        assert sum(row[measure] for row in rows) == summary[measure] == expected[measure], measure


def test_breakdown_by_source_separates_wishes_activities_and_manual_entries(world, served, make_client):
    response = get(
        make_client(world.reviewer), "breakdown", level="organ", id=world.organ.pk, by="source", **served.period
    )
    rows = {row["key"]: (row["person_times"], row["minutes"]) for row in response.data["rows"]}
    assert list(rows) == ["wish", "activity", "manual", "self"]
    assert rows == {"wish": (1, 60), "activity": (0, 0), "manual": (3, 90 + 45 + 100), "self": (0, 0)}


def test_breakdown_by_category_puts_every_service_in_its_category_whatever_its_source(world, served, make_client):
    response = get(
        make_client(world.reviewer), "breakdown", level="organ", id=world.organ.pk, by="category", **served.period
    )
    rows = {row["key"]: (row["person_times"], row["minutes"]) for row in response.data["rows"]}
    assert list(rows) == ServiceCategory.values  # every category, zeros included
    assert rows["care_visit"] == (2, 90 + 45)  # manual entries
    assert rows["night_patrol"] == (1, 100)  # a manual entry, counted as amended
    assert rows["elderly"] == (1, 60)  # the confirmed wish, in its category
    assert all(rows[key] == (0, 0) for key in rows if key not in ("care_visit", "night_patrol", "elderly"))
    labels = {row["key"]: row["label"] for row in response.data["rows"]}
    assert labels["elderly"] == str(ServiceCategory.ELDERLY.label)


def test_breakdown_by_children_of_the_city_lists_every_organ(world, served, make_client):
    response = get(make_client(world.superuser), "breakdown", level="city", by="children", **served.period)
    rows = {row["id"]: row for row in response.data["rows"]}
    assert rows[world.organ.pk]["minutes"] == SIDE_A["minutes"]
    assert rows[world.organ.pk]["level"] == "organ"
    assert rows[world.other_organ.pk]["minutes"] == SIDE_B["minutes"]


def test_breakdown_by_month_lists_every_month_of_the_period(world, make_client):
    response = get(make_client(world.reviewer), "breakdown", level="organ", id=world.organ.pk, by="month", year=2024)
    assert [row["key"] for row in response.data["rows"]] == [f"2024-{m:02d}" for m in range(1, 13)]


def test_member_table_lists_every_member_with_their_figures(world, served, make_client):
    response = get(make_client(world.reviewer), "members", level="organ", id=world.organ.pk, **served.period)
    assert response.data["count"] == 3
    rows = {row["id"]: row for row in response.data["results"]}
    assert set(rows) == {world.member.pk, served.teammate.pk, served.idle.pk}
    mine = rows[world.member.pk]
    assert (mine["person_times"], mine["minutes"], mine["points"]) == (3, 195, 37)
    assert mine["registered"] is True
    assert mine["community"] == world.community.name
    assert mine["branch_id"] == world.branch.pk
    assert (rows[served.teammate.pk]["minutes"], rows[served.teammate.pk]["residents_served"]) == (100, 5)
    assert rows[served.idle.pk]["registered"] is False
    assert rows[served.idle.pk]["minutes"] == 0


def test_zero_service_and_unregistered_lists(world, served, make_client):
    client = make_client(world.secretary)
    node = {"level": "party_org", "id": world.branch.pk, **served.period}
    zero = get(client, "zero-service", **node)
    assert zero.data["count"] == 1
    assert zero.data["results"] == [
        {
            "id": served.idle.pk,
            "name": served.idle.user.name,
            "organ": world.organ.name,
            "branch_id": world.branch.pk,
            "branch": world.branch.name,
            "job_title": served.idle.job_title,
        }
    ]
    unregistered = get(client, "unregistered", **node)
    assert [row["id"] for row in unregistered.data["results"]] == [served.idle.pk]


def test_branch_table_sums_its_members(world, served, make_client):
    response = get(make_client(world.reviewer), "branches", level="organ", id=world.organ.pk, **served.period)
    assert response.data["count"] == 1
    (row,) = response.data["results"]
    assert row["id"] == world.branch.pk
    assert _subset(row, {k: v for k, v in SIDE_A.items() if k != "services"}) == {
        k: v for k, v in SIDE_A.items() if k != "services"
    }
    assert (row["members"], row["registered_members"], row["members_served"]) == (3, 2, 2)
    assert row["average_points"] == round(SIDE_A["points"] / 3, 1)


# --- rankings ---------------------------------------------------------------------------------------------------

DAY = datetime(2024, 5, 10, 9, 0, tzinfo=LOCAL)


class Ranked:
    """Side A's organ in 2024: four members of one branch (one with no service, two tied) and a second branch with
    one busy member; side B's organ with less service than side A's."""

    def __init__(self, world):
        self.world = world
        world.member.user.name = "王五"
        world.member.user.save(update_fields=["name"])
        self.wang = world.member
        self.zhang = f.MemberFactory(branch=world.branch, user=f.UserFactory(name="张三"))
        self.li = f.MemberFactory(branch=world.branch, user=f.UserFactory(name="李四"))
        self.zhao = f.MemberFactory(branch=world.branch, user=f.UserFactory(name="赵六"))
        self.second_branch = f.BranchFactory(organ=world.organ, name="第二党支部")
        self.sun = f.MemberFactory(branch=self.second_branch, user=f.UserFactory(name="孙七"))
        for member, minutes in (
            (self.wang, [180]),
            (self.zhang, [60, 60]),
            (self.li, [120]),
            (self.sun, [170, 170, 170]),
            (world.other_member, [250, 250]),
        ):
            for n, credited in enumerate(minutes):
                start = DAY + timedelta(days=n)
                ledger.record_create(
                    member=member,
                    community=world.community,
                    grid=world.grid,
                    source=ServiceSource.MANUAL,
                    source_id=None,
                    category=ServiceCategory.CARE_VISIT,
                    content="社区环境卫生整治",
                    started_at=start,
                    ended_at=start + timedelta(hours=5),
                    credited_minutes=credited,
                    status=RecordStatus.APPROVED,
                    decided_by=world.staff,
                )


@pytest.fixture
def ranked(world):
    return Ranked(world)


def _ranking(client, **params):
    response = client.get(url("rankings"), {"year": 2024, **params})
    assert response.status_code == 200, response.data
    return [(row["rank"], row["name"]) for row in response.data["rows"]]


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        # Ties share a rank, the next rank skips (competition ranking), tied rows are listed by name.
        ("hours", [(1, "孙七"), (2, "王五"), (3, "张三"), (3, "李四"), (5, "赵六")]),
        ("points", [(1, "孙七"), (2, "王五"), (3, "张三"), (3, "李四"), (5, "赵六")]),
        ("person_times", [(1, "孙七"), (2, "张三"), (3, "李四"), (3, "王五"), (5, "赵六")]),
    ],
)
def test_member_ranking_of_an_organ_uses_competition_ranks(world, ranked, make_client, metric, expected):
    assert _ranking(make_client(world.reviewer), level="organ", id=world.organ.pk, of="members", metric=metric) == (
        expected
    )


def test_member_ranking_rows_carry_the_metric_and_the_branch(world, ranked, make_client):
    response = make_client(world.reviewer).get(
        url("rankings"), {"year": 2024, "level": "organ", "id": world.organ.pk, "of": "members"}
    )
    assert response.data["of"] == "members"
    assert response.data["metric"] == "hours"  # the default
    first = response.data["rows"][0]
    assert (first["id"], first["minutes"], first["hours"], first["points"]) == (
        ranked.sun.pk,
        510,
        8.5,
        3 * 28,
    )  # 170 min: 28 points each
    assert first["branch"] == "第二党支部"


def test_top_keeps_only_the_first_rows(world, ranked, make_client):
    client = make_client(world.reviewer)
    params = {"level": "organ", "id": world.organ.pk, "of": "members"}
    assert _ranking(client, **params, top=3) == [(1, "孙七"), (2, "王五"), (3, "张三")]
    assert _ranking(client, **params, top=1) == [(1, "孙七")]
    assert len(_ranking(client, **params, top=100)) == 5


def test_a_branch_secretary_ranks_the_members_of_their_branch_only(world, ranked, make_client):
    ranking = _ranking(make_client(world.secretary), level="party_org", id=world.branch.pk, of="members")
    assert ranking == [(1, "王五"), (2, "张三"), (2, "李四"), (4, "赵六")]


def test_branch_ranking_of_an_organ(world, ranked, make_client):
    response = make_client(world.reviewer).get(
        url("rankings"), {"year": 2024, "level": "organ", "id": world.organ.pk, "of": "branches"}
    )
    rows = [(row["rank"], row["id"], row["minutes"], row["members"]) for row in response.data["rows"]]
    assert rows == [(1, ranked.second_branch.pk, 510, 1), (2, world.branch.pk, 420, 4)]


def test_organ_ranking_of_the_city(world, ranked, make_client):
    for user in (world.superuser, world.district_admin):
        response = make_client(user).get(url("rankings"), {"year": 2024, "level": "city", "of": "organs"})
        rows = [(row["rank"], row["id"], row["minutes"]) for row in response.data["rows"]]
        assert rows == [(1, world.organ.pk, 930), (2, world.other_organ.pk, 500)]


@pytest.mark.parametrize(
    ("role", "node", "of"),
    [
        ("reviewer", "organ", "organs"),
        ("superuser", "city", "members"),
        ("superuser", "city", "branches"),
        ("staff", "community", "members"),
        ("member", "member", "members"),
    ],
)
def test_a_ranking_that_does_not_apply_to_the_node_is_422(world, make_client, role, node, of):
    response = get(make_client(world.user(role)), "rankings", **node_params(world, node), of=of)
    assert_error(response, 422, "ranking_invalid", errors.RANKING_INVALID)


def test_branch_table_of_a_place_is_422(world, make_client):
    response = get(make_client(world.staff), "branches", level="community", id=world.community.pk)
    assert_error(response, 422, "breakdown_invalid", errors.BREAKDOWN_INVALID)


# --- pagination -------------------------------------------------------------------------------------------------


def test_member_lists_paginate_with_a_count(world, ranked, make_client):
    client = make_client(world.reviewer)
    node = {"level": "organ", "id": world.organ.pk, "year": 2024}
    first = get(client, "members", **node, page_size=2)
    assert first.data["count"] == 5
    assert len(first.data["results"]) == 2
    assert first.data["next"] is not None
    assert first.data["previous"] is None
    pages = [row["id"] for row in first.data["results"]]
    for page in (2, 3):
        pages += [row["id"] for row in get(client, "members", **node, page_size=2, page=page).data["results"]]
    assert sorted(pages) == sorted([ranked.wang.pk, ranked.zhang.pk, ranked.li.pk, ranked.zhao.pk, ranked.sun.pk])

    zero = get(client, "zero-service", **node, page_size=1)
    assert zero.data["count"] == 1
    assert [row["id"] for row in zero.data["results"]] == [ranked.zhao.pk]
    unregistered = get(client, "unregistered", **node, page_size=2, page=3)
    assert unregistered.data["count"] == 5
    assert len(unregistered.data["results"]) == 1


def test_a_page_past_the_end_is_404(world, make_client):
    response = get(make_client(world.reviewer), "members", level="organ", id=world.organ.pk, page=9)
    assert_error(response, 404, "not_found")


# --- validation -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year": 2024, "month": 13}, errors.PERIOD_INVALID),
        ({"year": 2024, "month": 0}, errors.PERIOD_INVALID),
        ({"year": 2024, "quarter": 5}, errors.PERIOD_INVALID),
        ({"year": 2024, "quarter": 2, "month": 4}, errors.PERIOD_INVALID),
        ({"month": 4}, errors.PERIOD_INVALID),
        ({"year": 1999}, errors.PERIOD_INVALID),
        ({"year": 2024, "day": "2024-05-10"}, errors.PERIOD_INVALID),
        ({"day": "2024-05-10", "start": "2024-05-01", "end": "2024-05-31"}, errors.PERIOD_INVALID),
        ({"start": "2024-05-01"}, errors.PERIOD_INVALID),
        ({"end": "2024-05-01"}, errors.PERIOD_INVALID),
        ({"start": "2024-05-10", "end": "2024-05-09"}, errors.PERIOD_REVERSED),
        ({"start": "2015-01-01", "end": "2025-01-01"}, errors.PERIOD_TOO_LONG),  # ten years and a day
        ({"start": "2000-01-01", "end": "2024-12-31"}, errors.PERIOD_TOO_LONG),
    ],
)
def test_an_unacceptable_period_is_422_period_invalid_on_every_endpoint(world, make_client, params, message):
    client = make_client(world.reviewer)
    for endpoint in NODE_ENDPOINTS:
        response = get(client, endpoint, level="organ", id=world.organ.pk, **params)
        assert_error(response, 422, "period_invalid", message)


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2015-01-01", "end": "2024-12-31"},  # exactly ten years, three of them leap years
        {"year": 2024, "quarter": 4},
        {"year": 2024, "month": 2},
        {"day": "2024-02-29"},
    ],
)
def test_acceptable_periods(world, make_client, params):
    response = get(make_client(world.reviewer), "summary", **params)
    assert response.status_code == 200, response.data


@pytest.mark.parametrize(
    ("params", "label", "first", "last"),
    [
        ({"year": 2024, "quarter": 1}, "2024Q1", "2024-01-01", "2024-03-31"),
        ({"year": 2024, "month": 2}, "2024-02", "2024-02-01", "2024-02-29"),
        ({"day": "2024-05-10"}, "2024-05-10", "2024-05-10", "2024-05-10"),
        ({"start": "2024-05-01", "end": "2024-06-15"}, "2024-05-01/2024-06-15", "2024-05-01", "2024-06-15"),
    ],
)
def test_the_period_is_echoed(world, make_client, params, label, first, last):
    period = get(make_client(world.reviewer), "summary", **params).data["period"]
    assert (period["label"], period["first_day"], period["last_day"]) == (label, first, last)


@pytest.mark.parametrize(
    ("endpoint", "params", "field"),
    [
        ("summary", {"year": "abc"}, "year"),
        ("summary", {"year": 2024, "month": "may"}, "month"),
        ("summary", {"day": "notadate"}, "day"),
        ("summary", {"start": "2024-02-30", "end": "2024-03-01"}, "start"),
        ("summary", {"level": "organ"}, "id"),
        ("summary", {"level": "member", "id": "x"}, "id"),
        ("summary", {"level": "organ", "id": 0}, "id"),
        ("summary", {"level": "planet", "id": 1}, "level"),
        ("summary", {"id": 1}, "level"),  # an id without its level is not silently ignored
        ("summary", {"level": "city", "id": 1}, "level"),
        ("breakdown", {"by": "week"}, "by"),
        ("breakdown", {"by": ""}, "by"),
        ("rankings", {"of": "wards"}, "of"),
        ("rankings", {"of": "members", "metric": "residents"}, "metric"),
        ("rankings", {"of": "members", "top": 0}, "top"),
        ("star-rules", {"year": "abc"}, "year"),
        ("star-rules", {"year": 1999}, "year"),
    ],
)
def test_malformed_query_parameters_are_400(world, make_client, endpoint, params, field):
    response = make_client(world.reviewer).get(url(endpoint), params)
    assert_error(response, 400, "invalid_input")
    assert field in response.data["fields"]


@pytest.mark.parametrize("endpoint", ["breakdown", "rankings"])
def test_a_missing_required_choice_is_400(world, make_client, endpoint):
    response = make_client(world.reviewer).get(url(endpoint))
    assert_error(response, 400, "invalid_input")
    assert ("by" if endpoint == "breakdown" else "of") in response.data["fields"]


def test_the_city_needs_no_id(world, make_client):
    response = make_client(world.superuser).get(url("summary"), {"level": "city"})
    assert response.status_code == 200
    assert response.data["node"]["id"] is None


# --- query counts -----------------------------------------------------------------------------------------------


def _crowd(world, branch, count):
    """`count` more members of `branch`, each registered in side A's grid, with an approved service and a community
    evaluation in 2024."""
    for n in range(count):
        member = f.MemberFactory(branch=branch)
        f.RegistrationFactory(member=member, grid=world.grid)
        start = DAY + timedelta(days=n % 20)
        ledger.record_create(
            member=member,
            community=world.community,
            grid=world.grid,
            source=ServiceSource.MANUAL,
            source_id=None,
            category=ServiceCategory.CARE_VISIT,
            content="社区夜巡",
            started_at=start,
            ended_at=start + timedelta(hours=2),
            credited_minutes=30 + n,
            residents_served=n % 4,
            status=RecordStatus.APPROVED,
            decided_by=world.staff,
        )
        Evaluation.objects.create(
            member=member,
            community=world.community,
            year=2024,
            grade=EvaluationGrade.EXCELLENT,
            evaluated_by=world.staff,
            evaluated_at=DAY,
        )


MEASURED = {
    "summary": {},
    "breakdown": {"by": "children"},
    "rankings": {"of": "members"},
    "members": {},
    "branches": {},
    "zero-service": {},
    "unregistered": {},
}
# The most queries each endpoint may take on an organ node with two branches, however many members it has (the
# user's scope included). Residents served, counted once per service from the ledger (apps.stats.counting), take four
# queries per count over manual entries alone (three more when activities, wishes or occasions bring residents).
MAX_QUERIES = {
    "summary": 16,
    # by children: one aggregate and one count of residents per branch of the organ (two here), not per member
    "breakdown": 15,
    "rankings": 12,
    "members": 13,
    "branches": 14,
    "zero-service": 6,
    "unregistered": 6,
}


def _queries(client, user, endpoint, node):
    forget_scope(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url(endpoint), {**node, **MEASURED[endpoint], "year": 2024, "page_size": 50})
    assert response.status_code == 200, response.data
    return len(captured)


def test_statistics_queries_do_not_grow_with_members(world, make_client):
    client, user = make_client(world.reviewer), world.reviewer
    node = {"level": "organ", "id": world.organ.pk}
    second_branch = f.BranchFactory(organ=world.organ)
    _crowd(world, world.branch, 2)
    _crowd(world, second_branch, 1)  # three members with services, in two branches
    client.get(url("summary"), node)  # warm the caches every request shares (content types, translations)
    few = {endpoint: _queries(client, user, endpoint, node) for endpoint in MEASURED}
    _crowd(world, world.branch, 5)
    _crowd(world, second_branch, 4)  # twelve
    many = {endpoint: _queries(client, user, endpoint, node) for endpoint in MEASURED}
    assert many == few
    for endpoint, count in many.items():
        assert count <= MAX_QUERIES[endpoint], (endpoint, count)


class SharedServices:
    """Every kind of service whose residents count, in side A's community: an activity with its residents on the
    activity, a wish and, for each group that joins, a manual occasion, all shared by the members who join; and a
    manual entry of each member's own."""

    def __init__(self, world):
        self.world = world
        self.approver = f.UserFactory(name="社区书记")
        f.RoleFactory(user=self.approver, community=world.community)
        self.activity = ActivityFactory(
            community=world.community,
            grid=world.grid,
            created_by=world.staff,
            starts_at=DAY,
            ends_at=DAY + timedelta(hours=2),
            status=ActivityStatus.FINISHED,
            residents_served=40,
        )

    def record(self, member, source, source_id=None, residents=2, start=DAY):
        ledger.record_create(
            member=member,
            community=self.world.community,
            grid=self.world.grid,
            source=source,
            source_id=source_id,
            category=ServiceCategory.OTHER,
            content="社区服务",
            started_at=start,
            ended_at=start + timedelta(hours=2),
            credited_minutes=60,
            residents_served=residents,
            status=RecordStatus.APPROVED,
            decided_by=self.world.staff,
        )

    def join(self, branch, count):
        """`count` new members of `branch` take part in the activity and the wish, enter a service of their own and
        serve one occasion together (3 residents)."""
        members = [f.MemberFactory(branch=branch) for _ in range(count)]
        for member in members:
            signup = SignUp.objects.create(
                activity=self.activity,
                member=member,
                status=SignUpStatus.CONFIRMED,
                signed_up_at=DAY - timedelta(days=2),
                starts_at=self.activity.starts_at,
                ends_at=self.activity.ends_at,
            )
            self.record(member, ServiceSource.ACTIVITY, signup.pk, residents=0)
            self.record(member, ServiceSource.WISH, 900, start=DAY + timedelta(days=1))
            self.record(member, ServiceSource.MANUAL, start=DAY + timedelta(days=2))
        records = ledger.record_create_manual_group(
            actor=self.world.staff,
            members=members,
            community=self.world.community,
            grid=self.world.grid,
            category=ServiceCategory.CLEAN_UP,
            content="楼道清扫",
            started_at=DAY + timedelta(days=3),
            ended_at=DAY + timedelta(days=3, hours=2),
            credited_minutes=60,
            residents_served=3,
            reason="线下登记",
        )
        for record in records:
            ledger.record_approve(record=record, actor=self.approver)


def test_residents_queries_do_not_grow_with_members_whatever_the_kind_of_service(world, make_client):
    client, user = make_client(world.reviewer), world.reviewer
    node = {"level": "organ", "id": world.organ.pk}
    second_branch = f.BranchFactory(organ=world.organ)
    shared = SharedServices(world)
    shared.join(world.branch, 2)
    shared.join(second_branch, 2)
    client.get(url("summary"), node)  # warm the caches every request shares
    few = {endpoint: _queries(client, user, endpoint, node) for endpoint in MEASURED}
    shared.join(world.branch, 5)
    shared.join(second_branch, 4)
    many = {endpoint: _queries(client, user, endpoint, node) for endpoint in MEASURED}
    assert many == few

    # Each service counts its residents once at every node that took part: the activity's 40, the wish's 2 on each
    # of its 13 records, 3 for each occasion and 2 for each member's own entry.
    metrics = get(client, "summary", **node, year=2024).data["metrics"]
    assert metrics["residents_served"] == 40 + 2 * 13 + 3 * 4 + 2 * 13
    rows = get(client, "breakdown", **node, by="children", year=2024).data["rows"]
    residents = {row["id"]: row["residents_served"] for row in rows}
    assert residents[world.branch.pk] == 40 + 2 * 13 + 3 * 2 + 2 * 7
    assert residents[second_branch.pk] == 40 + 2 * 13 + 3 * 2 + 2 * 6


@pytest.mark.parametrize("endpoint", ["summary", "rankings", "members"])
def test_statistics_query_count_is_pinned(world, make_client, django_assert_max_num_queries, endpoint):
    _crowd(world, world.branch, 12)
    forget_scope(world.reviewer)
    client = make_client(world.reviewer)
    params = {"level": "organ", "id": world.organ.pk, **MEASURED[endpoint], "year": 2024}
    with django_assert_max_num_queries(MAX_QUERIES[endpoint]):
        response = client.get(url(endpoint), params)
    assert response.status_code == 200


# --- schema -----------------------------------------------------------------------------------------------------


def test_the_openapi_schema_validates_and_documents_the_paginated_lists(db, tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    for endpoint in ("members", "branches", "zero-service", "unregistered"):
        operation = schema["paths"][url(endpoint)]["get"]
        names = {parameter["name"] for parameter in operation["parameters"]}
        assert {"level", "id", "year", "page", "page_size"} <= names, endpoint
        body = operation["responses"]["200"]["content"]["application/json"]["schema"]
        paginated = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
        assert {"count", "next", "previous", "results"} <= set(paginated["properties"]), endpoint
    for endpoint in ("summary", "breakdown", "rankings", "star-rules"):
        assert url(endpoint) in schema["paths"]


def test_dates_in_the_query_are_local_days(world, make_client):
    """A service started at 00:05 local time on a day counts on that day (the roll-ups key by the local day)."""
    start = datetime(2024, 5, 10, 0, 5, tzinfo=LOCAL)
    ledger.record_create(
        member=world.member,
        community=world.community,
        grid=world.grid,
        source=ServiceSource.MANUAL,
        source_id=None,
        category=ServiceCategory.CARE_VISIT,
        content="社区夜巡",
        started_at=start,
        ended_at=start + timedelta(hours=2),
        credited_minutes=100,
        status=RecordStatus.APPROVED,
        decided_by=world.staff,
    )
    client = make_client(world.member.user)
    assert get(client, "summary", day=date(2024, 5, 10).isoformat()).data["metrics"]["minutes"] == 100
    assert get(client, "summary", day=date(2024, 5, 9).isoformat()).data["metrics"]["minutes"] == 0
