"""Ledger API: scoped lists and details, filters, manual entry, approve / reject / amend, a member's own totals."""

from datetime import timedelta

import pytest
from django.urls import reverse

from apps.accounts.scope import forget_scope
from apps.ledger import errors, services
from apps.ledger.models import AuditEntry, RecordStatus, ServiceRecord, ServiceSource
from tests import factories as f
from tests.ledger.conftest import DAY

pytestmark = pytest.mark.django_db


class Records:
    """A: side A's member in side A; B: side B's member in side B; C: side A's member serving in side B;
    D: side B's member serving in side A. One day apart, in that order."""

    def __init__(self, world, make_record):
        self.A = make_record(member=world.member, grid=world.grid, start=DAY)
        self.B = make_record(member=world.other_member, grid=world.other_grid, start=DAY + timedelta(days=1))
        self.C = make_record(
            member=world.member,
            grid=world.other_grid,
            start=DAY + timedelta(days=2),
            source=ServiceSource.WISH,
            source_id=5,
        )
        self.D = make_record(member=world.other_member, grid=world.grid, start=DAY + timedelta(days=3))

    def names(self, ids):
        by_id = {getattr(self, n).id: n for n in "ABCD"}
        return {by_id[i] for i in ids}


@pytest.fixture
def records(world, make_record):
    return Records(world, make_record)


def user_of(world, outsiders, who):
    return getattr(outsiders, who) if who.startswith("other_") and who != "other_member" else world.user(who)


def listed(response):
    assert response.status_code == 200, response.data
    return [row["id"] for row in response.data["results"]]


LIST = reverse("service-record-list")


def detail(record, verb=None):
    name = f"service-record-{verb}" if verb else "service-record-detail"
    return reverse(name, args=[record.pk])


VISIBILITY = {
    "member": "AC",
    "other_member": "BD",
    "staff": "AD",
    "grid_worker": "AD",
    "street_admin": "AD",
    "district_admin": "AD",
    "secretary": "AC",
    "reviewer": "AC",
    "outsider": "",
    "superuser": "ABCD",
    "other_staff": "BC",
    "other_grid_worker": "BC",
    "other_street_admin": "BC",
    "other_reviewer": "BD",
    "other_secretary": "BD",
}


# --- reading -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who, sees", VISIBILITY.items())
def test_list_and_detail_are_scoped_by_role(world, outsiders, records, make_client, who, sees):
    client = make_client(user_of(world, outsiders, who))
    assert records.names(listed(client.get(LIST))) == set(sees)
    for name in "ABCD":
        expected = 200 if name in sees else 404
        assert client.get(detail(getattr(records, name))).status_code == expected, name


def test_anonymous_users_get_nothing(api, records):
    assert api.get(LIST).status_code == 403
    assert api.get(detail(records.A)).status_code == 403


def test_detail_shows_effective_figures_and_amendments(world, records, make_client):
    services.record_approve(record=records.A, actor=world.staff)
    services.record_amend(record=records.A, actor=world.staff, credited_minutes=120, residents_served=5, reason="补记")
    data = make_client(world.member.user).get(detail(records.A)).data
    assert (data["credited_minutes"], data["effective_minutes"], data["effective_residents_served"]) == (90, 120, 5)
    assert (data["organ"], data["branch"], data["community"], data["grid"]) == (
        world.organ.id,
        world.branch.id,
        world.community.id,
        world.grid.id,
    )
    [amendment] = data["amendments"]
    assert (amendment["credited_minutes"], amendment["residents_served"], amendment["reason"]) == (30, 1, "补记")
    # Amendments are not services of their own: they are not listed and have no detail.
    assert records.names(listed(make_client(world.superuser).get(LIST))) == set("ABCD")
    assert make_client(world.superuser).get(reverse("service-record-detail", args=[amendment["id"]])).status_code == 404


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"member": "member"}, "AC"),
        ({"organ": "organ"}, "AC"),
        ({"branch": "other_branch"}, "BD"),
        ({"party_org": "committee"}, "AC"),
        ({"community": "community"}, "AD"),
        ({"grid": "other_grid"}, "BC"),
        ({"source": ServiceSource.WISH}, "C"),
        ({"status": RecordStatus.APPROVED}, "A"),
        ({"started_from": "2024-05-11", "started_to": "2024-05-12"}, "BC"),
        ({"started_from": "2024-05-13"}, "D"),
    ],
)
def test_list_filters(world, records, make_client, params, expected):
    services.record_approve(record=records.A, actor=world.staff)
    world.committee = f.committee_of(world.organ)
    query = {k: getattr(getattr(world, v, None), "id", v) for k, v in params.items()}
    response = make_client(world.superuser).get(LIST, query)
    assert records.names(listed(response)) == set(expected)


@pytest.mark.parametrize(
    "params", [{"status": "nonsense"}, {"organ": "abc"}, {"community": 10**9}, {"started_from": "yesterday"}]
)
def test_bad_filter_value_is_400_not_an_unfiltered_list(world, records, make_client, params):
    response = make_client(world.superuser).get(LIST, params)
    assert response.status_code == 400
    assert response.data["code"] == "invalid_input"


@pytest.mark.parametrize("who", ["superuser", "staff", "reviewer", "secretary", "member"])
def test_list_query_count_does_not_grow_with_rows(world, make_record, make_client, django_assert_max_num_queries, who):
    for i in range(12):
        record = make_record(start=DAY + timedelta(days=i))
        if i % 2:
            services.record_approve(record=record, actor=world.staff)
            services.record_amend(record=record, actor=world.staff, credited_minutes=60, residents_served=2, reason="x")
    user = world.user(who)
    forget_scope(user)  # as in a fresh request: the scope's own queries count too
    client = make_client(user)
    with django_assert_max_num_queries(6):
        response = client.get(LIST)
    assert response.data["count"] == 12


def test_mine_query_count_is_pinned(world, make_record, make_client, django_assert_max_num_queries):
    for i in range(12):
        make_record(start=DAY + timedelta(days=i), status=RecordStatus.APPROVED)
    client = make_client(world.member.user)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("service-record-mine"))
    assert response.data["count"] == 12


# --- manual entry ------------------------------------------------------------------------------------------------


def manual_payload(world, **extra):
    return {
        "member": world.member.id,
        "community": world.community.id,
        "grid": world.grid.id,
        "category": "elderly",
        "content": "帮助独居老人打扫卫生",
        "started_at": "2024-05-10T09:00:00+08:00",
        "ended_at": "2024-05-10T11:00:00+08:00",
        "credited_minutes": 120,
        "residents_served": 1,
        "reason": "线下服务补录",
        **extra,
    }


def test_staff_enter_an_offline_service(world, make_client):
    response = make_client(world.staff).post(LIST, manual_payload(world))
    assert response.status_code == 201, response.data
    record = ServiceRecord.objects.get(pk=response.data["id"])
    assert (record.status, record.source, record.recorded_by, record.organ) == (
        RecordStatus.PENDING,
        ServiceSource.MANUAL,
        world.staff,
        world.organ,
    )
    assert response.data["amendments"] == []
    assert record.category == response.data["category"] == "elderly"
    assert AuditEntry.objects.get(subject_id=record.pk, subject_type="ledger.servicerecord").reason == "线下服务补录"


@pytest.mark.parametrize("category", [None, "", "gift", "wish"])
def test_a_manual_entry_without_a_valid_category_is_refused_and_writes_nothing(world, make_client, category):
    payload = manual_payload(world, category=category)
    if category is None:
        del payload["category"]
    response = make_client(world.staff).post(LIST, payload, format="json")
    assert (response.status_code, response.data["code"]) == (400, "invalid_input")
    assert list(response.data["fields"]) == ["category"]
    assert not ServiceRecord.objects.exists()
    assert not AuditEntry.objects.filter(subject_type="ledger.servicerecord").exists()


def test_records_are_listed_with_their_category_and_filtered_by_it(world, make_record, make_client):
    cleaning = make_record(status=RecordStatus.APPROVED)
    visit = make_record(status=RecordStatus.APPROVED, start=DAY + timedelta(days=1), category="care_visit")
    client = make_client(world.staff)
    listed = {row["id"]: row["category"] for row in client.get(LIST).data["results"]}
    assert listed == {cleaning.pk: "clean_up", visit.pk: "care_visit"}
    only = client.get(LIST, {"category": "care_visit"}).data["results"]
    assert [row["id"] for row in only] == [visit.pk]


@pytest.mark.parametrize(
    "who", ["member", "grid_worker", "reviewer", "secretary", "street_admin", "outsider", "other_staff"]
)
def test_only_the_community_staff_enter_services(world, outsiders, make_client, who):
    response = make_client(user_of(world, outsiders, who)).post(LIST, manual_payload(world))
    assert response.status_code == 403
    assert response.data["code"] == "not_community_staff"
    assert not ServiceRecord.objects.exists()


@pytest.mark.parametrize(
    "change, status, code",
    [
        ({"reason": ""}, 422, "reason_required"),
        ({"ended_at": "2024-05-10T08:00:00+08:00"}, 422, "record_times_invalid"),
        ({"credited_minutes": 121}, 422, "minutes_exceed_span"),
        ({"grid": "other_grid"}, 422, "grid_not_in_community"),
        ({"credited_minutes": "lots"}, 400, "invalid_input"),
        ({"member": 10**9}, 400, "invalid_input"),
        ({"started_at": "tomorrow"}, 400, "invalid_input"),
    ],
)
def test_bad_manual_entries_are_refused_with_a_stable_code(world, make_client, change, status, code):
    if change.get("grid") == "other_grid":
        change = {"grid": world.other_grid.id}
    response = make_client(world.staff).post(LIST, manual_payload(world, **change))
    assert (response.status_code, response.data["code"]) == (status, code)
    assert not ServiceRecord.objects.exists()


# --- decisions ---------------------------------------------------------------------------------------------------


ACTIONS = {
    "approve": {},
    "reject": {"reason": "未到场"},
    "amend": {"credited_minutes": 60, "residents_served": 2, "reason": "核减"},
}


def prepare(world, record, verb):
    if verb == "amend":
        services.record_approve(record=record, actor=world.staff)


def snapshot():
    return list(ServiceRecord.objects.order_by("id").values()), AuditEntry.objects.count()


@pytest.mark.parametrize("verb", ACTIONS)
@pytest.mark.parametrize(
    "who", ["other_staff", "other_grid_worker", "other_reviewer", "other_secretary", "other_member", "outsider"]
)
def test_users_who_cannot_see_a_record_cannot_act_on_it(world, outsiders, records, make_client, verb, who):
    prepare(world, records.A, verb)
    before = snapshot()
    response = make_client(user_of(world, outsiders, who)).post(detail(records.A, verb), ACTIONS[verb])
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("verb", ACTIONS)
@pytest.mark.parametrize("who", ["member", "grid_worker", "reviewer", "secretary", "street_admin", "district_admin"])
def test_users_who_see_a_record_but_are_not_its_community_staff_get_403(world, records, make_client, verb, who):
    prepare(world, records.A, verb)
    before = snapshot()
    response = make_client(world.user(who)).post(detail(records.A, verb), ACTIONS[verb])
    assert (response.status_code, response.data["code"]) == (403, "not_community_staff")
    assert snapshot() == before


@pytest.mark.parametrize("verb", ACTIONS)
def test_own_service_is_refused_to_a_member_who_is_also_community_staff(
    world, make_record, staff_member, make_client, verb
):
    record = make_record(member=staff_member)
    prepare(world, record, verb)
    before = snapshot()
    response = make_client(staff_member.user).post(detail(record, verb), ACTIONS[verb])
    assert (response.status_code, response.data["code"]) == (403, "own_service")
    assert response.data["detail"] == str(errors.OWN_SERVICE)
    assert snapshot() == before


def test_staff_approve_and_a_second_approval_is_409(world, records, make_client):
    client = make_client(world.staff)
    response = client.post(detail(records.A, "approve"))
    assert response.status_code == 200, response.data
    assert (response.data["status"], response.data["decided_by"]) == (RecordStatus.APPROVED, world.staff.id)
    response = client.post(detail(records.A, "approve"))
    assert (response.status_code, response.data["code"]) == (409, "record_not_pending")
    response = client.post(detail(records.A, "reject"), {"reason": "x"})
    assert (response.status_code, response.data["code"]) == (409, "record_not_pending")


def test_staff_reject_with_a_reason_only(world, records, make_client):
    client = make_client(world.staff)
    response = client.post(detail(records.D, "reject"), {})
    assert (response.status_code, response.data["code"]) == (422, "reason_required")
    response = client.post(detail(records.D, "reject"), {"reason": "当天未到场"})
    assert response.status_code == 200
    assert (response.data["status"], response.data["decision_reason"]) == (RecordStatus.REJECTED, "当天未到场")


def test_staff_amend_an_approved_record(world, records, make_client):
    client = make_client(world.staff)
    original = records.A
    response = client.post(detail(original, "amend"), ACTIONS["amend"])
    assert (response.status_code, response.data["code"]) == (409, "record_not_amendable")
    client.post(detail(original, "approve"))
    stored = ServiceRecord.objects.filter(pk=original.pk).values().get()
    response = client.post(detail(original, "amend"), ACTIONS["amend"])
    assert response.status_code == 201, response.data
    assert (response.data["id"], response.data["effective_minutes"], response.data["credited_minutes"]) == (
        original.id,
        60,
        90,
    )
    assert [a["credited_minutes"] for a in response.data["amendments"]] == [-30]
    assert ServiceRecord.objects.filter(pk=original.pk).values().get() == stored
    response = client.post(detail(original, "amend"), {"credited_minutes": 60, "residents_served": 2})
    assert (response.status_code, response.data["code"]) == (422, "reason_required")
    response = client.post(detail(original, "amend"), {"credited_minutes": "x", "residents_served": 2, "reason": "y"})
    assert (response.status_code, response.data["code"]) == (400, "invalid_input")


def test_get_never_changes_a_record(world, records, make_client):
    before = snapshot()
    client = make_client(world.staff)
    for verb in ACTIONS:
        assert client.get(detail(records.A, verb)).status_code == 405
    assert client.delete(detail(records.A)).status_code == 405
    assert client.put(detail(records.A), {}).status_code == 405
    assert client.patch(detail(records.A), {"credited_minutes": 1}).status_code == 405
    assert snapshot() == before


# --- mine --------------------------------------------------------------------------------------------------------


MINE = reverse("service-record-mine")


def test_mine_lists_own_records_with_totals(world, records, make_client):
    services.record_approve(record=records.A, actor=world.staff)
    services.record_approve(record=records.C, actor=f.RoleFactory(community=world.other_community).user)
    response = make_client(world.member.user).get(MINE)
    assert response.status_code == 200, response.data
    assert records.names(listed(response)) == set("AC")
    assert response.data["totals"] == {
        "start": None,
        "end": None,
        "minutes": 180,
        "hours": 3.0,
        "services": 2,
        "wish_services": 1,
        "points": 30 + 5,
    }


def test_mine_for_a_period_of_whole_days(world, records, make_client):
    services.record_approve(record=records.A, actor=world.staff)
    services.record_approve(record=records.C, actor=f.RoleFactory(community=world.other_community).user)
    client = make_client(world.member.user)
    day = DAY.date()
    response = client.get(MINE, {"start": day, "end": day})
    assert records.names(listed(response)) == {"A"}
    assert (response.data["totals"]["minutes"], response.data["totals"]["points"]) == (90, 15)
    assert response.data["totals"]["start"] == str(day)
    response = client.get(MINE, {"start": day + timedelta(days=1)})
    assert records.names(listed(response)) == {"C"}
    assert response.data["totals"]["points"] == 15 + 5


def test_mine_refuses_bad_periods_and_non_members(world, make_client):
    client = make_client(world.member.user)
    response = client.get(MINE, {"start": "2024-05-10", "end": "2024-05-09"})
    assert (response.status_code, response.data["code"]) == (422, "period_invalid")
    response = client.get(MINE, {"start": "soon"})
    assert (response.status_code, response.data["code"]) == (400, "invalid_input")
    response = make_client(world.staff).get(MINE)
    assert (response.status_code, response.data["code"]) == (403, "not_a_member")
