"""Group manual records (docs/statistics.md, "What adds up"): one occasion entered for several members together is
one service with a person-time per member — once at every node that holds any of its members, once at the organ —
whatever is approved, rejected or corrected of it. Two manual records entered alone are two services. The figures
agree with a direct count over the records, and the roll-ups (sums only) still reconcile."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils.translation import gettext

from apps.accounts.models import Role
from apps.ledger import services as ledger
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.ledger.selectors import member_summary, record_effective
from apps.stats.models import ROLLUP_MODELS
from apps.stats.nodes import Level, Node
from apps.stats.periods import year_period
from apps.stats.rollups import reconcile
from apps.stats.selectors import node_metrics
from tests import factories as f

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
PERIOD = year_period(2024)
DAY = datetime(2024, 5, 10, 9, 0, tzinfo=LOCAL)


@pytest.fixture
def approver(world):
    """A second member of the community's staff, who decides what world.staff entered."""
    user = f.UserFactory(name="社区书记")
    f.RoleFactory(user=user, role=Role.COMMUNITY_STAFF, community=world.community)
    return user


def enter_group(world, members, *, minutes=60, residents=5, start=DAY):
    return ledger.record_create_manual_group(
        actor=world.staff,
        members=members,
        community=world.community,
        grid=world.grid,
        category=ServiceCategory.CARE_VISIT,
        content="楼道清扫",
        started_at=start,
        ended_at=start + timedelta(hours=2),
        credited_minutes=minutes,
        residents_served=residents,
        reason="线下登记",
    )


def enter_alone(world, member, *, minutes=60, start=DAY):
    return ledger.record_create_manual(
        actor=world.staff,
        member=member,
        community=world.community,
        grid=world.grid,
        category=ServiceCategory.CARE_VISIT,
        content="入户走访",
        started_at=start,
        ended_at=start + timedelta(hours=1),
        credited_minutes=minutes,
        residents_served=1,
        reason="线下登记",
    )


def approve_all(records, approver):
    for record in records:
        ledger.record_approve(record=record, actor=approver)


def direct_services(attributed):
    """Services counted straight from the records: approved originals whose minutes after amendments are above 0,
    of which `attributed(record)` holds; a manual occasion once, a manual record without one once each."""
    served = [
        record
        for record in ServiceRecord.objects.filter(
            status=RecordStatus.APPROVED, amends__isnull=True, source=ServiceSource.MANUAL
        )
        if attributed(record) and record_effective(record).minutes > 0
    ]
    return len({record.occasion or f"record {record.pk}" for record in served})


def figures(node):
    metrics = node_metrics(node=node, period=PERIOD)
    return metrics["services"], metrics["person_times"]


def assert_reconciled():
    report = reconcile()
    assert report.clean, report.differences


@pytest.fixture
def three(world):
    """world.member and two more members of world.branch."""
    return [world.member, f.MemberFactory(branch=world.branch), f.MemberFactory(branch=world.branch)]


def test_a_group_entry_shares_one_occasion_and_a_record_entered_alone_has_none(world, three, approver):
    records = enter_group(world, three)
    assert len({record.occasion for record in records}) == 1
    assert records[0].occasion is not None
    # The residents of the occasion are on the first member's record only.
    assert [record.residents_served for record in records] == [5, 0, 0]
    assert enter_alone(world, three[0]).occasion is None
    # A "group" of one member is a record entered alone.
    assert enter_group(world, [three[1]])[0].occasion is None
    approve_all(records, approver)
    amendment = ledger.record_amend(
        record=records[1], actor=approver, credited_minutes=30, residents_served=0, reason="核对签到记录"
    )
    assert amendment.occasion is None


def test_a_group_of_three_members_of_one_branch_is_one_service_and_three_person_times(world, three, approver):
    records = enter_group(world, three)
    assert figures(Node(Level.ORGAN, world.organ)) == (0, 0)  # pending records are no services yet

    approve_all(records, approver)

    for node in (
        Node(Level.CITY),
        Node(Level.ORGAN, world.organ),
        Node(Level.PARTY_ORG, world.branch),
        Node(Level.COMMUNITY, world.community),
        Node(Level.GRID, world.grid),
    ):
        assert figures(node) == (1, 3), node
    metrics = node_metrics(node=Node(Level.ORGAN, world.organ), period=PERIOD)
    assert (metrics["members_served"], metrics["minutes"], metrics["residents_served"]) == (3, 180, 5)
    for member in three:
        assert figures(Node(Level.MEMBER, member)) == (1, 1)
        assert member_summary(member=member)["services"] == 1
    assert direct_services(lambda r: r.organ_id == world.organ.pk) == 1
    assert direct_services(lambda r: r.branch_id == world.branch.pk) == 1
    assert_reconciled()


def test_a_group_across_two_branches_is_one_service_at_each_branch_and_one_at_the_organ(world, approver):
    second_branch = f.BranchFactory(organ=world.organ)
    members = [world.member, f.MemberFactory(branch=second_branch), f.MemberFactory(branch=second_branch)]
    approve_all(enter_group(world, members), approver)

    assert figures(Node(Level.PARTY_ORG, world.branch)) == (1, 1)
    assert figures(Node(Level.PARTY_ORG, second_branch)) == (1, 2)
    assert figures(Node(Level.ORGAN, world.organ)) == (1, 3)
    assert figures(Node(Level.CITY)) == (1, 3)
    # The occasion's residents (on the first member's record) are counted once at every node holding any of its
    # members: each branch, the organ and the city count 5, not 5 at one branch and 0 at the other, nor 10.
    assert [record.residents_served for record in ServiceRecord.objects.order_by("pk")] == [5, 0, 0]
    for node in (
        Node(Level.PARTY_ORG, world.branch),
        Node(Level.PARTY_ORG, second_branch),
        Node(Level.ORGAN, world.organ),
        Node(Level.CITY),
        *(Node(Level.MEMBER, member) for member in members),
    ):
        assert node_metrics(node=node, period=PERIOD)["residents_served"] == 5, node
    assert direct_services(lambda r: r.branch_id == world.branch.pk) == 1
    assert direct_services(lambda r: r.branch_id == second_branch.pk) == 1
    assert direct_services(lambda r: r.organ_id == world.organ.pk) == 1
    assert_reconciled()


def test_two_records_entered_alone_are_two_services(world, approver):
    second = f.MemberFactory(branch=world.branch)
    approve_all([enter_alone(world, world.member), enter_alone(world, second)], approver)

    assert figures(Node(Level.PARTY_ORG, world.branch)) == (2, 2)
    assert figures(Node(Level.ORGAN, world.organ)) == (2, 2)
    assert direct_services(lambda r: r.organ_id == world.organ.pk) == 2


def test_two_group_entries_are_two_services_and_add_to_records_entered_alone(world, three, approver):
    approve_all(enter_group(world, three), approver)
    approve_all(enter_group(world, three[:2], start=DAY + timedelta(days=1)), approver)
    approve_all([enter_alone(world, three[2], start=DAY + timedelta(days=2))], approver)

    assert figures(Node(Level.ORGAN, world.organ)) == (3, 6)
    assert figures(Node(Level.MEMBER, three[0])) == (2, 2)
    assert direct_services(lambda r: r.organ_id == world.organ.pk) == 3


def test_a_member_amended_to_zero_minutes_leaves_one_service_of_two_person_times(world, three, approver):
    records = enter_group(world, three)
    approve_all(records, approver)

    ledger.record_amend(record=records[2], actor=approver, credited_minutes=0, residents_served=0, reason="未到场")

    organ = Node(Level.ORGAN, world.organ)
    assert figures(organ) == (1, 2)
    assert figures(Node(Level.PARTY_ORG, world.branch)) == (1, 2)
    assert figures(Node(Level.MEMBER, three[2])) == (0, 0)
    assert node_metrics(node=organ, period=PERIOD)["minutes"] == 120
    # The occasion's residents stay with every node that still holds it, and leave the member who no longer does.
    residents = {
        node: node_metrics(node=node, period=PERIOD)["residents_served"]
        for node in (organ, *(Node(Level.MEMBER, member) for member in three))
    }
    assert list(residents.values()) == [5, 5, 5, 0]
    assert direct_services(lambda r: r.organ_id == world.organ.pk) == 1
    assert_reconciled()

    # Every member's record at 0 minutes: the occasion is no service at all.
    for record in records[:2]:
        ledger.record_amend(record=record, actor=approver, credited_minutes=0, residents_served=0, reason="未到场")
    assert figures(organ) == (0, 0)
    assert direct_services(lambda r: r.organ_id == world.organ.pk) == 0
    assert_reconciled()


def test_each_record_of_a_group_is_decided_alone_and_the_occasion_counts_while_one_is_approved(world, three, approver):
    records = enter_group(world, three)
    assert {record.status for record in records} == {RecordStatus.PENDING}
    organ = Node(Level.ORGAN, world.organ)

    ledger.record_reject(record=records[0], actor=approver, reason="无签到记录")
    assert figures(organ) == (0, 0)

    ledger.record_approve(record=records[1], actor=approver)
    assert figures(organ) == (1, 1)

    ledger.record_approve(record=records[2], actor=approver)
    assert figures(organ) == (1, 2)
    assert figures(Node(Level.MEMBER, three[0])) == (0, 0)
    assert direct_services(lambda r: r.organ_id == world.organ.pk) == 1
    assert_reconciled()


def test_reconcile_stats_reports_no_difference_after_group_entries(world, three, approver):
    second_branch = f.BranchFactory(organ=world.organ)
    records = enter_group(world, [*three, f.MemberFactory(branch=second_branch)])
    approve_all(records, approver)
    ledger.record_amend(record=records[0], actor=approver, credited_minutes=45, residents_served=3, reason="核对")

    out = StringIO()
    call_command("reconcile_stats", stdout=out)  # exits with status 1 on any difference

    rows = sum(model.objects.count() for model in ROLLUP_MODELS)
    assert rows > 0
    assert out.getvalue().strip() == gettext("No difference: %(n)d roll-up rows match the ledger.") % {"n": rows}
