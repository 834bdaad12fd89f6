"""Residents served (docs/statistics.md, "Residents served"): an activity's residents are entered on the activity by
its staff when they finish it (or later, a correction with a reason, audited), and every node whose members took part
counts them once: each organ, branch and member, the community and the district once, never split over members. A
wish's residents and a manual occasion's count the same way. Bad input writes nothing."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.activities import hours
from apps.activities.models import Activity
from apps.core.errors import DomainError
from apps.ledger import services as ledger
from apps.ledger.models import AuditEntry, RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.stats.nodes import Level, Node
from apps.stats.periods import year_period
from apps.stats.selectors import branch_rows, member_table, node_breakdown, node_metrics
from tests import factories as f
from tests.activities_hours.conftest import make_activity, make_signup
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
PERIOD = year_period(2026)
START = datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL)
END = START + timedelta(hours=2)
AFTER = END + timedelta(hours=1)


class Scene:
    """A clean-up in side A's community attended by two members of side A's branch and one of side B's organ."""

    def __init__(self, world):
        self.world = world
        self.colleague = f.MemberFactory(branch=world.branch)
        self.activity = make_activity(
            community=world.community, grid=world.grid, created_by=world.staff, starts_at=START, ends_at=END
        )
        self.members = [world.member, self.colleague, world.other_member]
        self.signups = [
            make_signup(activity=self.activity, member=member, checked_in_at=START, checked_out_at=END)
            for member in self.members
        ]

    def finish(self, residents=None):
        return hours.activity_finish(
            activity=self.activity, actor=self.world.staff, now=AFTER, residents_served=residents
        )

    def approve_all(self):
        for signup in self.signups:
            hours.hours_approve(signup=signup, actor=self.world.staff)


def residents(level, obj):
    return node_metrics(node=Node(level, obj), period=PERIOD)["residents_served"]


@pytest.fixture
def scene(world):
    return Scene(world)


def test_residents_entered_at_finish_count_once_at_every_node_that_took_part(scene, world):
    scene.finish(residents=40)
    scene.approve_all()
    assert Activity.objects.get(pk=scene.activity.pk).residents_served == 40
    # The members' records carry none of it: nothing to split, nothing to add up twice.
    records = ServiceRecord.objects.filter(source=ServiceSource.ACTIVITY)
    assert records.count() == 3
    assert set(records.values_list("residents_served", flat=True)) == {0}
    for level, obj in (
        (Level.ORGAN, world.organ),
        (Level.ORGAN, world.other_organ),
        (Level.PARTY_ORG, world.branch),
        (Level.MEMBER, world.member),
        (Level.MEMBER, scene.colleague),
        (Level.COMMUNITY, world.community),
        (Level.STREET, world.street),
        (Level.DISTRICT, world.street.district),
    ):
        assert residents(level, obj) == 40, (level, obj)
    # A node with no service in it counts none.
    assert residents(Level.COMMUNITY, world.other_community) == 0
    # The branch table and the member table say the same as the nodes.
    rows = {row["id"]: row for row in branch_rows(node=Node(Level.ORGAN, world.organ), period=PERIOD)}
    assert rows[world.branch.pk]["residents_served"] == 40
    table = {row["id"]: row for row in member_table(node=Node(Level.ORGAN, world.organ), period=PERIOD)}
    assert table[world.member.pk]["residents_served"] == table[scene.colleague.pk]["residents_served"] == 40
    months = node_breakdown(node=Node(Level.ORGAN, world.organ), period=PERIOD, by="month")
    assert [row["residents_served"] for row in months if row["key"] == "2026-03"] == [40]
    assert sum(row["residents_served"] for row in months) == 40
    children = node_breakdown(node=Node(Level.ORGAN, world.organ), period=PERIOD, by="children")
    assert {row["id"]: row["residents_served"] for row in children}[world.branch.pk] == 40


def test_only_a_node_holding_a_counted_service_gets_the_residents(scene, world):
    scene.finish(residents=25)
    scene.approve_all()
    other = scene.signups[2]
    other.refresh_from_db()
    # Side B's member's hours corrected to 0 minutes: no service of side B's organ, hence no residents there.
    hours.hours_adjust(signup=other, actor=world.staff, credited_minutes=0, reason="未实际参加")
    assert residents(Level.ORGAN, world.other_organ) == 0
    assert residents(Level.ORGAN, world.organ) == 25
    assert residents(Level.COMMUNITY, world.community) == 25


def test_the_scheduler_finishes_without_residents_and_staff_enter_them_later(scene, world):
    hours.activity_finish(activity=scene.activity, now=AFTER)
    scene.approve_all()
    assert residents(Level.ORGAN, world.organ) == 0
    hours.activity_set_residents(activity=scene.activity, actor=world.staff, residents_served=12)
    assert residents(Level.ORGAN, world.organ) == residents(Level.DISTRICT, world.street.district) == 12
    entry = AuditEntry.objects.filter(subject_id=scene.activity.pk, action="residents").get()
    assert (entry.before, entry.after, entry.actor) == ({"residents_served": 0}, {"residents_served": 12}, world.staff)


def test_a_correction_needs_a_reason_and_is_audited(scene, world):
    scene.finish(residents=40)
    scene.approve_all()
    with pytest.raises(DomainError) as error:
        hours.activity_set_residents(activity=scene.activity, actor=world.staff, residents_served=45)
    assert error.value.code == "reason_required"
    assert Activity.objects.get(pk=scene.activity.pk).residents_served == 40
    hours.activity_set_residents(activity=scene.activity, actor=world.staff, residents_served=45, reason="补登")
    entries = AuditEntry.objects.filter(subject_id=scene.activity.pk, action="residents").order_by("id")
    assert [(e.before, e.after, e.reason) for e in entries] == [
        ({"residents_served": 0}, {"residents_served": 40}, ""),
        ({"residents_served": 40}, {"residents_served": 45}, "补登"),
    ]
    assert residents(Level.ORGAN, world.other_organ) == 45


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (-1, "residents_invalid"),
        (100_001, "residents_invalid"),
        ("12", "residents_invalid"),
        (True, "residents_invalid"),
    ],
)
def test_bad_figures_are_refused_and_write_nothing(scene, world, value, code):
    scene.finish(residents=5)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(DomainError) as error:
        hours.activity_set_residents(activity=scene.activity, actor=world.staff, residents_served=value, reason="x")
    assert error.value.code == code
    assert Activity.objects.get(pk=scene.activity.pk).residents_served == 5
    assert AuditEntry.objects.count() == audit_before


def test_bad_residents_at_finish_leave_the_activity_unfinished(scene, world):
    with pytest.raises(DomainError) as error:
        scene.finish(residents=-3)
    assert error.value.code == "residents_invalid"
    activity = Activity.objects.get(pk=scene.activity.pk)
    assert (activity.status, activity.residents_served) == ("closed", 0)
    assert not ServiceRecord.objects.exists()


def test_residents_wait_for_the_finish_and_for_the_lead(scene, world):
    with pytest.raises(DomainError) as error:
        hours.activity_set_residents(activity=scene.activity, actor=world.staff, residents_served=3)
    assert error.value.code == "activity_not_finished"
    scene.finish()
    with pytest.raises(DomainError) as error:
        hours.activity_set_residents(activity=scene.activity, actor=world.secretary, residents_served=3)
    assert error.value.code == "not_activity_lead"
    with pytest.raises(DomainError) as error:
        hours.activity_set_residents(activity=scene.activity, actor=world.staff, residents_served=0)
    assert error.value.code == "residents_unchanged"


def test_a_members_record_cannot_carry_an_activitys_residents(scene, world):
    scene.finish(residents=8)
    scene.approve_all()
    record = ServiceRecord.objects.get(source=ServiceSource.ACTIVITY, member=world.member)
    with pytest.raises(DomainError) as error:
        ledger.record_amend(record=record, actor=world.staff, credited_minutes=120, residents_served=9, reason="x")
    assert error.value.code == "residents_on_activity"
    assert not ServiceRecord.objects.filter(amends=record).exists()


def test_a_wish_served_by_two_members_counts_its_residents_once_at_each_node(world):
    colleague = f.MemberFactory(branch=world.branch)
    wish_id = 9001
    for position, member in enumerate((world.member, colleague, world.other_member)):
        ledger.record_create(
            member=member,
            community=world.community,
            grid=world.grid,
            source=ServiceSource.WISH,
            source_id=wish_id,
            category=ServiceCategory.ELDERLY,
            content="为独居老人送米面油",
            started_at=START,
            ended_at=END,
            credited_minutes=60,
            residents_served=6 if position == 0 else 0,
            status=RecordStatus.APPROVED,
            decided_by=world.staff,
        )
    assert residents(Level.ORGAN, world.organ) == 6
    assert residents(Level.ORGAN, world.other_organ) == 6  # its member served the wish too
    assert residents(Level.MEMBER, world.other_member) == 6
    assert residents(Level.DISTRICT, world.street.district) == 6


def test_the_desk_enters_residents_when_finishing_and_corrects_them(scene, world, client):
    client.force_login(world.staff)
    finish = f"/staff/activities/{scene.activity.pk}/finish/"
    response = client.post(finish, {"residents_served": "abc"}, follow=True)
    assert b'data-error-code="residents_invalid"' in response.content
    assert Activity.objects.get(pk=scene.activity.pk).status == "closed"
    client.post(finish, {"residents_served": "30"})
    activity = Activity.objects.get(pk=scene.activity.pk)
    assert (activity.status, activity.residents_served) == ("finished", 30)
    page = client.get(f"/staff/activities/{scene.activity.pk}/attendance/")
    assert b'id="residents-form"' in page.content and b'value="30"' in page.content
    response = client.post(f"/staff/activities/{scene.activity.pk}/residents/", {"residents_served": "35"}, follow=True)
    assert b'data-error-code="reason_required"' in response.content
    client.post(f"/staff/activities/{scene.activity.pk}/residents/", {"residents_served": "35", "reason": "漏记"})
    assert Activity.objects.get(pk=scene.activity.pk).residents_served == 35


def test_the_api_enters_and_refuses_residents(scene, world):
    client = client_for(world.staff)
    url = f"/api/v1/activities/{scene.activity.pk}/residents/"
    assert client.post(url, {"residents_served": 4}, content_type="application/json").json()["code"] == (
        "activity_not_finished"
    )
    scene.finish()
    response = client.post(url, {"residents_served": -2}, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (422, "residents_invalid")
    response = client.post(url, {"residents_served": 4}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"id": scene.activity.pk, "status": "finished", "residents_served": 4}
