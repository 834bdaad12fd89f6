"""record_adjust: other figures for a record, decided by the record's state when the change is made (the desk's
"approve with other figures" and "correct" are one service): pending → approved as entered, then corrected; approved →
corrected; rejected or an amendment → refused; a record approved by someone else since the page was shown is
corrected on top of that approval."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.forms.models import model_to_dict

from apps.accounts.models import Role
from apps.core.errors import Conflict, Forbidden, Invalid
from apps.ledger import services
from apps.ledger.models import RecordStatus, ServiceRecord
from apps.ledger.selectors import audit_for, record_effective
from tests import factories as f
from tests.ledger.conftest import DAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(world):
    """A second member of staff of the community."""
    user = f.UserFactory(name="另一位社区干部")
    f.RoleFactory(user=user, role=Role.COMMUNITY_STAFF, community=world.community)
    return user


def adjust(record, actor, minutes=60, residents=2, reason="签到表显示只服务了一小时"):
    return services.record_adjust(
        record=record, actor=actor, credited_minutes=minutes, residents_served=residents, reason=reason
    )


def stored(record):
    row = ServiceRecord.objects.get(pk=record.pk)
    return model_to_dict(row) | {"updated_at": row.updated_at}


def actions(record):
    return [e.action for e in audit_for(subject=record)]


def test_a_pending_record_is_approved_as_entered_then_corrected(world, make_record):
    record = make_record(minutes=90)

    result = adjust(record, world.staff)

    assert result.pk == record.pk
    record.refresh_from_db()
    assert (record.status, record.decided_by, record.credited_minutes) == (RecordStatus.APPROVED, world.staff, 90)
    [amendment] = record.amendments.all()
    assert (amendment.decided_by, amendment.decision_reason) == (world.staff, "签到表显示只服务了一小时")
    assert record_effective(record) == (60, 2)
    assert actions(record) == ["create", "approve", "amend"]


def test_a_pending_record_adjusted_to_its_own_figures_is_a_plain_approval(world, make_record):
    record = make_record(minutes=90)
    adjust(record, world.staff, minutes=90, residents=4)
    record.refresh_from_db()
    assert record.status == RecordStatus.APPROVED
    assert not record.amendments.exists()
    assert actions(record) == ["create", "approve"]


def test_an_approved_record_is_corrected(world, make_record, colleague):
    record = services.record_approve(record=make_record(minutes=90), actor=colleague)
    adjust(record, world.staff, minutes=120, residents=5)
    assert record_effective(record) == (120, 5)
    assert actions(record) == ["create", "approve", "amend"]


def test_a_record_approved_by_someone_else_since_the_page_was_shown_is_corrected_on_top(world, make_record, colleague):
    record = make_record(minutes=90)
    as_shown = ServiceRecord.objects.get(pk=record.pk)  # pending when the page was drawn
    services.record_approve(record=record, actor=colleague)

    adjust(as_shown, world.staff, minutes=60, residents=2)

    record.refresh_from_db()
    # The colleague's approval stays the decision; the figures asked for are a correction by the one who asked.
    assert (record.status, record.decided_by) == (RecordStatus.APPROVED, colleague)
    assert record.amendments.get().decided_by == world.staff
    assert record_effective(record) == (60, 2)
    assert actions(record) == ["create", "approve", "amend"]


def test_figures_an_approved_record_already_counts_change_nothing(world, make_record, colleague):
    record = make_record(minutes=90)
    as_shown = ServiceRecord.objects.get(pk=record.pk)
    services.record_approve(record=record, actor=colleague)
    before = stored(record)
    with pytest.raises(Invalid) as exc:
        adjust(as_shown, world.staff, minutes=90, residents=4)
    assert exc.value.code == "amendment_no_change"
    assert stored(record) == before
    assert not record.amendments.exists()


def test_a_record_rejected_since_the_page_was_shown_is_not_approved(world, make_record, colleague):
    record = make_record()
    as_shown = ServiceRecord.objects.get(pk=record.pk)
    services.record_reject(record=record, actor=colleague, reason="当天无此服务")
    before = stored(record)
    with pytest.raises(Conflict) as exc:
        adjust(as_shown, world.staff)
    assert exc.value.code == "record_not_pending"
    assert stored(record) == before
    assert actions(record) == ["create", "reject"]


def test_an_amendment_is_not_adjusted(world, make_record):
    record = make_record(status=RecordStatus.APPROVED)
    amendment = services.record_amend(
        record=record, actor=world.staff, credited_minutes=100, residents_served=4, reason="补记"
    )
    with pytest.raises(Conflict) as exc:
        adjust(amendment, world.staff)
    assert exc.value.code == "record_not_amendable"
    assert record.amendments.count() == 1


@pytest.mark.parametrize(
    "change, code",
    [
        ({"minutes": 181}, "minutes_exceed_span"),
        ({"residents": -1}, "residents_negative"),
        ({"reason": " "}, "reason_required"),
    ],
)
def test_bad_figures_leave_a_pending_record_pending(world, make_record, change, code):
    record = make_record()
    before = stored(record)
    with pytest.raises(Invalid) as exc:
        adjust(record, world.staff, **change)
    assert exc.value.code == code
    assert stored(record) == before  # the approval rolled back with the correction
    assert actions(record) == ["create"]


def test_only_the_communitys_staff_adjust_and_never_their_own_service(world, make_record):
    record = make_record()
    for who in ("grid_worker", "reviewer", "secretary", "street_admin", "member", "outsider"):
        with pytest.raises(Forbidden):
            adjust(record, world.user(who))
    staff_member = f.MemberFactory(branch=world.branch, user=world.staff)
    own = make_record(member=staff_member, start=DAY + timedelta(days=1))
    with pytest.raises(Forbidden) as exc:
        adjust(own, world.staff)
    assert exc.value.code == "own_service"
    assert ServiceRecord.objects.filter(status=RecordStatus.PENDING).count() == 2
    assert not ServiceRecord.objects.filter(amends__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_an_approval_and_an_adjustment_at_once_end_with_the_adjusted_figures(world, make_record, colleague):
    record = make_record(minutes=90)
    barrier = threading.Barrier(2)
    outcomes = {}

    def run(name, call):
        try:
            barrier.wait()
            call(ServiceRecord.objects.get(pk=record.pk))
            outcomes[name] = "ok"
        except Conflict as exc:
            outcomes[name] = exc.code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("approve", lambda r: services.record_approve(record=r, actor=colleague))),
        threading.Thread(target=run, args=("adjust", lambda r: adjust(r, world.staff, minutes=60, residents=2))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Whichever came first, the adjustment holds and the record is approved once.
    assert outcomes["adjust"] == "ok"
    assert outcomes["approve"] in ("ok", "record_not_pending")
    assert record_effective(record) == (60, 2)
    assert actions(record) == ["create", "approve", "amend"]
