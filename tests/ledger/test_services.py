"""Ledger services: creating, deciding and correcting service records, and the rules that guard them."""

import threading
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.utils import timezone

from apps.core.errors import Conflict, Forbidden, Invalid
from apps.ledger import errors, services
from apps.ledger.models import AuditEntry, RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.ledger.selectors import audit_for, record_effective
from apps.orgs.models import Member
from apps.orgs.services import member_move
from tests import factories as f
from tests.ledger.conftest import DAY

pytestmark = pytest.mark.django_db


def row(record):
    """Everything stored in the row, to prove it did not change."""
    stored = ServiceRecord.objects.get(pk=record.pk)
    return model_to_dict(stored) | {"updated_at": stored.updated_at}


# --- creation ----------------------------------------------------------------------------------------------------


def test_record_keeps_organ_and_branch_of_the_time_of_service_after_a_move(world, make_record):
    record = make_record()
    assert (record.organ_id, record.branch_id) == (world.organ.id, world.branch.id)

    member_move(member=world.member, branch=world.other_branch)
    record.refresh_from_db()
    assert (record.organ_id, record.branch_id) == (world.organ.id, world.branch.id)
    moved = Member.objects.get(pk=world.member.pk)
    # A service starting now: on the move's day in local time whatever the hour (four hours earlier is still
    # yesterday in Asia/Shanghai just after midnight, and credits the old organ, rightly).
    later = make_record(member=moved, start=timezone.now())
    assert (later.organ_id, later.branch_id) == (world.other_organ.id, world.other_branch.id)


def test_record_entered_after_a_move_for_a_service_before_it_credits_the_old_organization(world, make_record):
    moved = member_move(member=world.member, branch=world.other_branch, on=timezone.localdate())
    yesterday = timezone.now() - timedelta(days=1, hours=4)
    record = make_record(member=moved, start=yesterday)
    assert (record.organ_id, record.branch_id) == (world.organ.id, world.branch.id)


def test_record_create_writes_an_audit_entry(world, make_record):
    record = make_record(recorded_by=world.staff)
    [entry] = audit_for(subject=record)
    assert (entry.action, entry.actor, entry.subject_type) == ("create", world.staff, "ledger.servicerecord")
    assert entry.after == {"status": "pending", "credited_minutes": 90, "residents_served": 4, "category": "clean_up"}


def test_record_approved_from_the_start_carries_its_decider(world, make_record):
    record = make_record(status=RecordStatus.APPROVED, decided_by=world.staff, source=ServiceSource.WISH, source_id=7)
    assert record.status == RecordStatus.APPROVED
    assert record.decided_by == world.staff
    assert record.decided_at is not None
    pending = make_record()
    assert (pending.decided_by, pending.decided_at) == (None, None)


def test_nobody_is_the_decider_of_their_own_service_at_creation(world, make_record):
    with pytest.raises(Forbidden) as exc:
        make_record(status=RecordStatus.APPROVED, decided_by=world.member.user)
    assert exc.value.code == "own_service"
    assert not ServiceRecord.objects.exists()


@pytest.mark.parametrize(
    "change, code",
    [
        ({"ended_at": DAY - timedelta(minutes=1)}, "record_times_invalid"),
        ({"credited_minutes": 181}, "minutes_exceed_span"),
        ({"credited_minutes": -1}, "minutes_exceed_span"),
        ({"residents_served": -1}, "residents_negative"),
        ({"started_at": datetime(2024, 5, 10, 9, 0)}, "naive_datetime"),
        ({"content": "  "}, "content_invalid"),
        ({"content": "长" * 201}, "content_invalid"),
        ({"source": "gift"}, "source_invalid"),
        ({"category": "gift"}, "category_invalid"),
        ({"category": ""}, "category_invalid"),
        ({"status": RecordStatus.REJECTED}, "status_invalid"),
    ],
)
def test_record_create_refuses_bad_figures(world, make_record, change, code):
    with pytest.raises(Invalid) as exc:
        make_record(**change)
    assert exc.value.code == code
    assert not ServiceRecord.objects.exists()
    assert not AuditEntry.objects.filter(subject_type="ledger.servicerecord").exists()


def test_credited_minutes_may_equal_the_span(world, make_record):
    assert make_record(minutes=180).credited_minutes == 180


def test_grid_must_belong_to_the_community(world):
    with pytest.raises(Invalid) as exc:
        services.record_create(
            member=world.member,
            community=world.community,
            grid=world.other_grid,
            source=ServiceSource.MANUAL,
            source_id=None,
            category=ServiceCategory.CARE_VISIT,
            content="走访",
            started_at=DAY,
            ended_at=DAY + timedelta(hours=1),
            credited_minutes=60,
        )
    assert exc.value.code == "grid_not_in_community"


def test_one_original_record_per_member_and_source_object(world, make_record):
    make_record(source=ServiceSource.WISH, source_id=42)
    with pytest.raises(Conflict) as exc:
        make_record(source=ServiceSource.WISH, source_id=42)
    assert exc.value.code == "record_duplicate"
    assert ServiceRecord.objects.count() == 1
    make_record(member=world.other_member, source=ServiceSource.WISH, source_id=42)  # another member: fine


def test_a_rejected_record_does_not_block_a_corrected_one(world, make_record):
    rejected = make_record(source=ServiceSource.ACTIVITY, source_id=7)
    services.record_reject(record=rejected, actor=world.staff, reason="时长有误")
    corrected = make_record(source=ServiceSource.ACTIVITY, source_id=7, minutes=60)
    assert corrected.pk != rejected.pk
    with pytest.raises(Conflict):
        make_record(source=ServiceSource.ACTIVITY, source_id=7)


# --- manual entry ------------------------------------------------------------------------------------------------


def manual(world, actor, **extra):
    kwargs = {
        "actor": actor,
        "member": world.member,
        "community": world.community,
        "grid": world.grid,
        "category": ServiceCategory.ELDERLY,
        "content": "为独居老人代购药品",
        "started_at": DAY,
        "ended_at": DAY + timedelta(hours=2),
        "credited_minutes": 100,
        "residents_served": 1,
        "reason": "线下服务补录",
        **extra,
    }
    return services.record_create_manual(**kwargs)


def test_staff_enter_an_offline_service_pending_and_audited_with_the_reason(world):
    record = manual(world, world.staff)
    assert (record.status, record.source, record.recorded_by) == (RecordStatus.PENDING, "manual", world.staff)
    [entry] = audit_for(subject=record)
    assert (entry.action, entry.actor, entry.reason) == ("create", world.staff, "线下服务补录")


def test_a_manual_entry_counts_in_the_category_staff_chose(world):
    assert manual(world, world.staff).category == ServiceCategory.ELDERLY
    patrol = manual(world, world.staff, content="夜间巡逻", category="night_patrol")
    assert patrol.category == ServiceCategory.NIGHT_PATROL


def test_a_manual_entry_with_a_bad_category_is_refused_and_writes_nothing(world):
    with pytest.raises(Invalid) as exc:
        manual(world, world.staff, category="wish")
    assert (exc.value.code, exc.value.message) == ("category_invalid", errors.CATEGORY_INVALID)
    assert not ServiceRecord.objects.exists()


def test_a_group_entry_gives_every_member_the_category_and_a_bad_one_writes_nothing(world):
    common = {
        "actor": world.staff,
        "members": [world.member, world.other_member],
        "community": world.community,
        "content": "清理楼道杂物",
        "started_at": DAY,
        "ended_at": DAY + timedelta(hours=2),
        "credited_minutes": 100,
        "reason": "线下服务补录",
    }
    with pytest.raises(Invalid) as exc:
        services.record_create_manual_group(**common, category="nope")
    assert exc.value.code == "category_invalid"
    assert not ServiceRecord.objects.exists()
    records = services.record_create_manual_group(**common, category=ServiceCategory.CLEAN_UP)
    assert [r.category for r in records] == [ServiceCategory.CLEAN_UP] * 2


def test_manual_entry_needs_a_reason(world):
    with pytest.raises(Invalid) as exc:
        manual(world, world.staff, reason=" ")
    assert exc.value.code == "reason_required"
    assert exc.value.message == errors.REASON_REQUIRED


@pytest.mark.parametrize("who", ["grid_worker", "reviewer", "secretary", "street_admin", "member", "outsider"])
def test_manual_entry_is_for_the_community_staff_only(world, who):
    with pytest.raises(Forbidden) as exc:
        manual(world, world.user(who))
    assert exc.value.code == "not_community_staff"


def test_manual_entry_by_other_community_staff_is_refused(world, outsiders):
    with pytest.raises(Forbidden) as exc:
        manual(world, outsiders.other_staff)
    assert exc.value.code == "not_community_staff"


def test_staff_cannot_enter_their_own_service(world, staff_member):
    with pytest.raises(Forbidden) as exc:
        manual(world, staff_member.user, member=staff_member)
    assert exc.value.code == "own_service"


# --- approval and rejection --------------------------------------------------------------------------------------


def test_community_staff_approve_a_pending_record(world, make_record):
    record = services.record_approve(record=make_record(), actor=world.staff)
    assert record.status == RecordStatus.APPROVED
    assert record.decided_by == world.staff
    assert record.decided_at is not None
    entry = audit_for(subject=record).last()
    assert (entry.action, entry.actor) == ("approve", world.staff)
    assert (entry.before["status"], entry.after["status"]) == ("pending", "approved")


@pytest.mark.parametrize("who", ["grid_worker", "reviewer", "secretary", "street_admin", "district_admin", "outsider"])
def test_only_community_staff_approve(world, make_record, who):
    record = make_record()
    with pytest.raises(Forbidden) as exc:
        services.record_approve(record=record, actor=world.user(who))
    assert exc.value.code == "not_community_staff"
    assert ServiceRecord.objects.get(pk=record.pk).status == RecordStatus.PENDING


def test_staff_of_another_community_cannot_approve_or_reject(world, make_record, outsiders):
    record = make_record()
    for call in (
        lambda: services.record_approve(record=record, actor=outsiders.other_staff),
        lambda: services.record_reject(record=record, actor=outsiders.other_staff, reason="不属实"),
    ):
        with pytest.raises(Forbidden):
            call()
    assert ServiceRecord.objects.get(pk=record.pk).status == RecordStatus.PENDING


def test_a_member_who_is_also_community_staff_cannot_decide_or_correct_their_own_service(
    world, make_record, staff_member
):
    record = make_record(member=staff_member)
    for call in (
        lambda: services.record_approve(record=record, actor=staff_member.user),
        lambda: services.record_reject(record=record, actor=staff_member.user, reason="x"),
    ):
        with pytest.raises(Forbidden) as exc:
            call()
        assert exc.value.code == "own_service"
    approved = services.record_approve(record=record, actor=world.staff)
    with pytest.raises(Forbidden) as exc:
        services.record_amend(
            record=approved, actor=staff_member.user, credited_minutes=180, residents_served=4, reason="x"
        )
    assert exc.value.code == "own_service"
    assert not ServiceRecord.objects.filter(amends=record).exists()


def test_even_a_superuser_cannot_approve_their_own_service(world, make_record):
    boss = f.MemberFactory(branch=world.branch, user=world.superuser)
    with pytest.raises(Forbidden) as exc:
        services.record_approve(record=make_record(member=boss), actor=world.superuser)
    assert exc.value.code == "own_service"


def test_a_record_is_decided_once(world, make_record):
    record = make_record()
    stale = ServiceRecord.objects.get(pk=record.pk)
    services.record_approve(record=record, actor=world.staff)
    for call in (
        lambda: services.record_approve(record=stale, actor=world.staff),
        lambda: services.record_reject(record=stale, actor=world.staff, reason="重复"),
    ):
        with pytest.raises(Conflict) as exc:
            call()
        assert exc.value.code == "record_not_pending"
    record.refresh_from_db()
    assert record.status == RecordStatus.APPROVED
    assert [e.action for e in audit_for(subject=record)] == ["create", "approve"]


def test_reject_needs_a_reason_and_keeps_it(world, make_record):
    record = make_record()
    with pytest.raises(Invalid) as exc:
        services.record_reject(record=record, actor=world.staff, reason="")
    assert exc.value.code == "reason_required"
    with pytest.raises(Invalid) as exc:
        services.record_reject(record=record, actor=world.staff, reason="长" * 201)
    assert exc.value.code == "reason_too_long"
    record = services.record_reject(record=record, actor=world.staff, reason="当天未到场")
    assert (record.status, record.decision_reason) == (RecordStatus.REJECTED, "当天未到场")
    assert audit_for(subject=record).last().reason == "当天未到场"


@pytest.mark.django_db(transaction=True)
def test_parallel_approvals_have_exactly_one_winner(world, make_record):
    record = make_record()
    deciders = [world.staff] + [f.UserFactory() for _ in range(4)]
    for user in deciders[1:]:
        f.RoleFactory(user=user, community=world.community)
    barrier = threading.Barrier(len(deciders))
    outcomes = []

    def approve(user):
        try:
            barrier.wait()
            services.record_approve(record=ServiceRecord.objects.get(pk=record.pk), actor=user)
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(user,)) for user in deciders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] + ["record_not_pending"] * (len(deciders) - 1)
    assert [e.action for e in audit_for(subject=record)] == ["create", "approve"]


# --- amendments --------------------------------------------------------------------------------------------------


def test_amendment_is_a_new_row_with_deltas_and_the_original_never_changes(world, make_record):
    record = services.record_approve(record=make_record(minutes=90), actor=world.staff)
    before = row(record)

    first = services.record_amend(
        record=record, actor=world.staff, credited_minutes=150, residents_served=6, reason="漏记签退"
    )
    assert (first.credited_minutes, first.residents_served, first.amends) == (60, 2, record)
    assert (first.status, first.decided_by, first.decision_reason) == (RecordStatus.APPROVED, world.staff, "漏记签退")
    assert (first.started_at, first.organ_id, first.community_id) == (
        record.started_at,
        record.organ_id,
        record.community_id,
    )
    second = services.record_amend(
        record=record, actor=world.staff, credited_minutes=120, residents_served=6, reason="核减"
    )
    assert (second.credited_minutes, second.residents_served) == (-30, 0)
    assert first.category == second.category == record.category == ServiceCategory.CLEAN_UP

    assert row(record) == before
    assert record_effective(record) == (120, 6)
    assert list(ServiceRecord.objects.filter(amends=record).order_by("id")) == [first, second]
    history = [(e.before, e.after, e.reason) for e in audit_for(subject=record) if e.action == "amend"]
    assert history == [
        (
            {"credited_minutes": 90, "residents_served": 4},
            {"credited_minutes": 150, "residents_served": 6, "amendment": first.pk},
            "漏记签退",
        ),
        (
            {"credited_minutes": 150, "residents_served": 6},
            {"credited_minutes": 120, "residents_served": 6, "amendment": second.pk},
            "核减",
        ),
    ]


def test_correcting_to_zero_is_allowed_but_not_below(world, make_record):
    record = make_record(status=RecordStatus.APPROVED)
    services.record_amend(record=record, actor=world.staff, credited_minutes=0, residents_served=0, reason="未实际服务")
    assert record_effective(record) == (0, 0)
    with pytest.raises(Invalid) as exc:
        services.record_amend(record=record, actor=world.staff, credited_minutes=-10, residents_served=0, reason="x")
    assert exc.value.code == "minutes_exceed_span"


@pytest.mark.parametrize(
    "change, code",
    [
        ({"credited_minutes": 181}, "minutes_exceed_span"),
        ({"residents_served": -1}, "residents_negative"),
        ({"reason": ""}, "reason_required"),
        ({"credited_minutes": 90, "residents_served": 4}, "amendment_no_change"),
    ],
)
def test_amendment_refuses_bad_input(world, make_record, change, code):
    record = make_record(status=RecordStatus.APPROVED)
    kwargs = {"credited_minutes": 100, "residents_served": 4, "reason": "更正", **change}
    with pytest.raises(Invalid) as exc:
        services.record_amend(record=record, actor=world.staff, **kwargs)
    assert exc.value.code == code
    assert not ServiceRecord.objects.filter(amends=record).exists()


def test_residents_of_an_activity_record_are_not_amended_but_its_minutes_are(world, make_record):
    # An activity's residents are entered on the activity, once for all its members: its records carry none.
    record = make_record(status=RecordStatus.APPROVED, source=ServiceSource.ACTIVITY, source_id=7, residents_served=0)
    before = row(record)
    for minutes, residents in ((90, 3), (60, 1)):  # residents alone, or with the minutes
        with pytest.raises(Invalid) as exc:
            services.record_amend(
                record=record, actor=world.staff, credited_minutes=minutes, residents_served=residents, reason="补记"
            )
        assert exc.value.code == "residents_on_activity"
        assert exc.value.message == errors.RESIDENTS_ON_ACTIVITY
    assert not ServiceRecord.objects.filter(amends=record).exists()
    assert not [e for e in audit_for(subject=record) if e.action == "amend"]
    assert row(record) == before

    amendment = services.record_amend(
        record=record, actor=world.staff, credited_minutes=60, residents_served=0, reason="核减"
    )
    assert (amendment.credited_minutes, amendment.residents_served, amendment.source) == (-30, 0, "activity")
    assert record_effective(record) == (60, 0)
    assert row(record) == before


def test_only_an_approved_original_can_be_amended(world, make_record):
    pending = make_record()
    rejected = services.record_reject(record=make_record(start=DAY + timedelta(days=1)), actor=world.staff, reason="x")
    approved = make_record(start=DAY + timedelta(days=2), status=RecordStatus.APPROVED)
    amendment = services.record_amend(
        record=approved, actor=world.staff, credited_minutes=100, residents_served=4, reason="x"
    )
    for record in (pending, rejected, amendment):
        with pytest.raises(Conflict) as exc:
            services.record_amend(record=record, actor=world.staff, credited_minutes=60, residents_served=1, reason="y")
        assert exc.value.code == "record_not_amendable"


@pytest.mark.parametrize("who", ["grid_worker", "reviewer", "secretary", "street_admin", "member", "outsider"])
def test_only_community_staff_amend(world, make_record, who):
    record = make_record(status=RecordStatus.APPROVED)
    with pytest.raises(Forbidden):
        services.record_amend(
            record=record, actor=world.user(who), credited_minutes=100, residents_served=4, reason="x"
        )
    assert not ServiceRecord.objects.filter(amends=record).exists()


# --- the roll-up hook --------------------------------------------------------------------------------------------


def test_every_write_of_a_record_goes_through_the_ledger_change_hook(world, make_record, monkeypatch):
    seen = []
    monkeypatch.setattr(services, "_on_ledger_change", lambda record: seen.append((record.pk, record.status)))
    record = make_record()
    services.record_approve(record=record, actor=world.staff)
    amendment = services.record_amend(
        record=record, actor=world.staff, credited_minutes=60, residents_served=4, reason="x"
    )
    other = make_record(start=DAY + timedelta(days=1))
    services.record_reject(record=other, actor=world.staff, reason="x")
    manual(world, world.staff)
    assert seen[:5] == [
        (record.pk, "pending"),
        (record.pk, "approved"),
        (amendment.pk, "approved"),
        (other.pk, "pending"),
        (other.pk, "rejected"),
    ]
    assert len(seen) == 6


def test_a_failed_write_leaves_nothing_behind(world, make_record, monkeypatch):
    def explode(record):
        raise RuntimeError("roll-up failed")

    monkeypatch.setattr(services, "_on_ledger_change", explode)
    with pytest.raises(RuntimeError):
        make_record()
    assert not ServiceRecord.objects.exists()
    assert not AuditEntry.objects.filter(subject_type="ledger.servicerecord").exists()


def test_timestamps_are_aware(world, make_record):
    record = services.record_approve(record=make_record(), actor=world.staff)
    assert timezone.is_aware(record.decided_at)
    assert timezone.is_aware(audit_for(subject=record).last().at)
