"""Credited minutes, finishing an activity, attendance marks, approvals, adjustments and disputes (services)."""

import pytest

from apps.activities import hours
from apps.activities.models import (
    Activity,
    ActivityCategory,
    ActivityStatus,
    Attendance,
    HoursStatus,
    SignUp,
    SignUpStatus,
)
from apps.core.errors import Conflict, Forbidden, Invalid
from apps.ledger.models import AuditEntry, RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.ledger.selectors import record_effective
from apps.stats.nodes import Level, Node
from apps.stats.periods import year_period
from apps.stats.selectors import node_metrics
from tests import factories as f
from tests.activities_hours.conftest import at, make_activity, make_signup

pytestmark = pytest.mark.django_db


def minutes(signup, activity):
    return hours.credited_minutes_for(signup=signup, activity=activity)


# --- credited_minutes_for ----------------------------------------------------------------------------------------


def test_minutes_are_clamped_to_the_activity_window(activity, world):
    early_late = make_signup(
        activity=activity,
        member=world.member,
        checked_in_at=at(2026, 3, 2, 8, 20),
        checked_out_at=at(2026, 3, 2, 11, 45),
    )
    assert minutes(early_late, activity) == 120


def test_minutes_are_whole_minutes_rounded_down(activity, world):
    signup = make_signup(activity=activity, member=world.member, checked_in_at=at(2026, 3, 2, 9, 10))
    signup.checked_out_at = at(2026, 3, 2, 10, 40).replace(second=59)
    assert minutes(signup, activity) == 90


def test_activity_across_midnight_credits_240_minutes(world):
    night = make_activity(
        community=world.community, created_by=world.staff, starts_at=at(2026, 3, 2, 22), ends_at=at(2026, 3, 3, 2)
    )
    signup = make_signup(
        activity=night, member=world.member, checked_in_at=at(2026, 3, 2, 21, 50), checked_out_at=at(2026, 3, 3, 2, 5)
    )
    assert minutes(signup, night) == 240


def test_late_arrival_across_midnight_counts_from_check_in(world):
    night = make_activity(
        community=world.community, created_by=world.staff, starts_at=at(2026, 3, 2, 22), ends_at=at(2026, 3, 3, 2)
    )
    signup = make_signup(
        activity=night, member=world.member, checked_in_at=at(2026, 3, 2, 23, 30), checked_out_at=at(2026, 3, 3, 1)
    )
    assert minutes(signup, night) == 90


def test_no_check_in_credits_nothing(activity, world):
    assert minutes(make_signup(activity=activity, member=world.member), activity) == 0


def test_missing_check_out_counts_until_the_end(activity, world):
    signup = make_signup(activity=activity, member=world.member, checked_in_at=at(2026, 3, 2, 10))
    assert minutes(signup, activity) == 60


@pytest.mark.parametrize("attendance", [Attendance.LEAVE, Attendance.ABSENT])
def test_leave_and_absence_credit_nothing(signup, activity, attendance):
    signup.attendance = attendance
    assert minutes(signup, activity) == 0


@pytest.mark.parametrize("attendance", [Attendance.PRESENT, Attendance.LATE])
def test_present_and_late_credit_the_attended_span(signup, activity, attendance):
    signup.attendance = attendance
    assert minutes(signup, activity) == 120


def test_minimum_share_off_by_default_credits_short_attendance(activity, world, settings):
    settings.MIN_ATTENDANCE_SHARE = 0.0
    signup = make_signup(
        activity=activity, member=world.member, checked_in_at=at(2026, 3, 2, 10, 50), checked_out_at=at(2026, 3, 2, 11)
    )
    assert minutes(signup, activity) == 10


def test_minimum_share_on_refuses_short_attendance_and_keeps_enough(activity, world, settings):
    settings.MIN_ATTENDANCE_SHARE = 0.6
    short = make_signup(
        activity=activity, member=world.member, checked_in_at=at(2026, 3, 2, 10), checked_out_at=at(2026, 3, 2, 11)
    )
    assert minutes(short, activity) == 0
    short.checked_in_at = at(2026, 3, 2, 9, 48)  # 72 of 120 minutes: exactly 60 %
    assert minutes(short, activity) == 72


# --- activity_finish ---------------------------------------------------------------------------------------------


def test_finish_before_the_end_is_refused(activity, signup):
    with pytest.raises(Conflict) as exc:
        hours.activity_finish(activity=activity, now=at(2026, 3, 2, 10, 59))
    assert exc.value.code == "activity_not_ended"
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CLOSED


def test_finish_writes_pending_records_with_the_members_organization(finished, activity, world):
    record = finished.record
    assert finished.hours_status == HoursStatus.PENDING
    assert finished.credited_minutes == 120
    assert record.status == RecordStatus.PENDING
    assert (record.source, record.source_id) == (ServiceSource.ACTIVITY, finished.pk)
    assert record.member == world.member
    assert (record.organ_id, record.branch_id) == (world.member.organ_id, world.member.branch_id)
    assert (record.community, record.grid) == (world.community, world.grid)
    assert (record.started_at, record.ended_at) == (activity.starts_at, activity.ends_at)
    assert record.content == activity.title
    assert activity.status == ActivityStatus.FINISHED


def test_an_activitys_records_take_its_category(activity, signup):
    Activity.objects.filter(pk=activity.pk).update(category=ActivityCategory.NIGHT_PATROL)
    activity.refresh_from_db()
    hours.activity_finish(activity=activity, now=at(2026, 3, 2, 12))
    signup.refresh_from_db()
    assert signup.record.category == ServiceCategory.NIGHT_PATROL


def test_finish_marks_no_shows_and_closes_missing_check_outs(activity, world):
    no_show = make_signup(activity=activity, member=world.member)
    other = f.MemberFactory(branch=world.branch)
    forgot = make_signup(activity=activity, member=other, checked_in_at=at(2026, 3, 2, 10))
    on_leave = make_signup(activity=activity, member=world.other_member, attendance=Attendance.LEAVE)
    waiting = make_signup(activity=activity, member=f.MemberFactory(), status=SignUpStatus.WAITLISTED)

    hours.activity_finish(activity=activity, now=at(2026, 3, 2, 12))

    no_show.refresh_from_db(), forgot.refresh_from_db(), on_leave.refresh_from_db(), waiting.refresh_from_db()
    assert (no_show.no_show, no_show.attendance, no_show.credited_minutes, no_show.record) == (
        True,
        Attendance.ABSENT,
        0,
        None,
    )
    assert (on_leave.no_show, on_leave.attendance) == (True, Attendance.LEAVE)
    assert forgot.checkout_missing is True
    assert forgot.checked_out_at == activity.ends_at
    assert forgot.credited_minutes == 60
    assert forgot.record.credited_minutes == 60
    assert waiting.credited_minutes is None and not waiting.no_show
    assert ServiceRecord.objects.count() == 1


def test_finish_twice_changes_nothing_more(finished, activity):
    audit_before = AuditEntry.objects.count()
    hours.activity_finish(activity=activity, now=at(2026, 3, 2, 13))
    assert ServiceRecord.objects.count() == 1
    assert AuditEntry.objects.count() == audit_before


def test_residents_are_the_activitys_and_count_once_at_each_organ_that_took_part(world):
    # Two members of side A's organ and one of side B's attend; the lead enters 30 residents when finishing.
    activity = make_activity(
        community=world.community,
        grid=world.grid,
        created_by=world.staff,
        starts_at=at(2026, 3, 2, 9),
        ends_at=at(2026, 3, 2, 11),
    )
    teammate = f.MemberFactory(branch=world.branch)
    signups = [
        make_signup(
            activity=activity, member=member, checked_in_at=at(2026, 3, 2, 9), checked_out_at=at(2026, 3, 2, 10)
        )
        for member in (world.member, teammate, world.other_member)
    ]
    hours.activity_finish(activity=activity, actor=world.staff, now=at(2026, 3, 2, 12), residents_served=30)
    for signup in signups:
        hours.hours_approve(signup=signup, actor=world.staff)
    activity.refresh_from_db()
    assert activity.residents_served == 30
    # The members' records carry none: the figure is the activity's, not split over them nor repeated on them.
    records = ServiceRecord.objects.filter(source=ServiceSource.ACTIVITY, status=RecordStatus.APPROVED)
    assert sorted(records.values_list("residents_served", flat=True)) == [0, 0, 0]

    nodes = [
        Node(Level.ORGAN, world.organ),
        Node(Level.ORGAN, world.other_organ),
        Node(Level.PARTY_ORG, world.branch),
        Node(Level.MEMBER, world.member),
        Node(Level.MEMBER, teammate),
        Node(Level.MEMBER, world.other_member),
        Node(Level.COMMUNITY, world.community),
        Node(Level.CITY),
    ]
    period = year_period(2026)
    # Once at every node that took part, however many of its members did: not 60 at side A's organ, not 90 overall.
    assert [node_metrics(node=node, period=period)["residents_served"] for node in nodes] == [30] * len(nodes)

    # A later correction (with a reason) changes the figure everywhere, and still no record.
    hours.activity_set_residents(activity=activity, actor=world.staff, residents_served=36, reason="补登签到表")
    assert [node_metrics(node=node, period=period)["residents_served"] for node in nodes] == [36] * len(nodes)
    assert sorted(records.values_list("residents_served", flat=True)) == [0, 0, 0]


def test_finish_due_finishes_only_ended_activities(activity, signup, world):
    later = make_activity(
        community=world.community, created_by=world.staff, starts_at=at(2026, 3, 2, 14), ends_at=at(2026, 3, 2, 16)
    )
    assert hours.activity_finish_due(now=at(2026, 3, 2, 12)) == 1
    activity.refresh_from_db(), later.refresh_from_db()
    assert (activity.status, later.status) == (ActivityStatus.FINISHED, ActivityStatus.CLOSED)
    assert hours.activity_finish_due(now=at(2026, 3, 2, 12)) == 0


def test_a_cancelled_activity_is_not_finished(activity):
    activity.status = ActivityStatus.CANCELLED
    activity.save()
    with pytest.raises(Conflict):
        hours.activity_finish(activity=activity, now=at(2026, 3, 2, 12))


# --- attendance_mark ---------------------------------------------------------------------------------------------


def test_attendance_before_check_in_opens_is_refused(signup, world):
    with pytest.raises(Conflict) as exc:
        hours.attendance_mark(signup=signup, actor=world.staff, attendance="present", now=at(2026, 3, 2, 8, 29))
    assert exc.value.code == "attendance_not_open"


def test_lead_marks_attendance_during_the_activity(signup, world):
    hours.attendance_mark(signup=signup, actor=world.staff, attendance="late", now=at(2026, 3, 2, 9, 30))
    signup.refresh_from_db()
    assert signup.attendance == Attendance.LATE


def test_organizer_who_is_not_staff_may_mark_attendance(world):
    activity = make_activity(
        community=world.community, created_by=world.secretary, starts_at=at(2026, 3, 2, 9), ends_at=at(2026, 3, 2, 11)
    )
    signup = make_signup(activity=activity, member=world.member)
    hours.attendance_mark(signup=signup, actor=world.secretary, attendance="leave", now=at(2026, 3, 2, 9))
    signup.refresh_from_db()
    assert signup.attendance == Attendance.LEAVE


def test_invalid_attendance_is_refused(signup, world):
    with pytest.raises(Invalid):
        hours.attendance_mark(signup=signup, actor=world.staff, attendance="asleep", now=at(2026, 3, 2, 9))


def test_leave_after_finish_revises_the_pending_record_to_nothing_and_back(finished, world):
    hours.attendance_mark(signup=finished, actor=world.staff, attendance="leave")
    finished.refresh_from_db()
    assert finished.credited_minutes == 0
    assert finished.record.credited_minutes == 0
    assert finished.record.status == RecordStatus.PENDING
    assert AuditEntry.objects.filter(subject_type="ledger.servicerecord", action="revise").count() == 1
    with pytest.raises(Invalid) as exc:
        hours.hours_approve(signup=finished, actor=world.staff)
    assert exc.value.code == "no_minutes"

    hours.attendance_mark(signup=finished, actor=world.staff, attendance="present")
    finished.refresh_from_db()
    assert finished.record.credited_minutes == 120
    assert ServiceRecord.objects.count() == 1


def test_marking_present_after_finish_writes_a_record_for_a_late_check_in(activity, world):
    signup = make_signup(activity=activity, member=world.member, checked_in_at=at(2026, 3, 2, 10), attendance="absent")
    hours.activity_finish(activity=activity, now=at(2026, 3, 2, 12))
    signup.refresh_from_db()
    assert signup.record is None
    hours.attendance_mark(signup=signup, actor=world.staff, attendance="present")
    signup.refresh_from_db()
    assert signup.credited_minutes == 60
    assert signup.record.status == RecordStatus.PENDING
    assert signup.hours_status == HoursStatus.PENDING


def test_attendance_after_approval_is_refused(finished, world):
    hours.hours_approve(signup=finished, actor=world.staff)
    with pytest.raises(Conflict) as exc:
        hours.attendance_mark(signup=finished, actor=world.staff, attendance="absent")
    assert exc.value.code == "hours_decided"


# --- approve / adjust / reject -----------------------------------------------------------------------------------


def test_staff_approve_pending_hours(finished, world):
    hours.hours_approve(signup=finished, actor=world.staff)
    finished.refresh_from_db()
    assert finished.hours_status == HoursStatus.APPROVED
    assert finished.record.status == RecordStatus.APPROVED
    assert finished.record.decided_by == world.staff
    assert AuditEntry.objects.filter(subject_type="activities.signup", action="hours_approve").exists()


def test_nobody_approves_their_own_service(activity, world):
    own = make_signup(
        activity=activity,
        member=f.MemberFactory(user=world.staff),
        checked_in_at=at(2026, 3, 2, 9),
        checked_out_at=at(2026, 3, 2, 11),
    )
    hours.activity_finish(activity=activity, now=at(2026, 3, 2, 12))
    with pytest.raises(Forbidden) as exc:
        hours.hours_approve(signup=own, actor=world.staff)
    assert exc.value.code == "own_service"
    with pytest.raises(Forbidden):
        hours.hours_adjust(signup=own, actor=world.staff, credited_minutes=60, reason="correction")
    with pytest.raises(Forbidden):
        hours.attendance_mark(signup=own, actor=world.staff, attendance="late")
    own.refresh_from_db()
    assert own.hours_status == HoursStatus.PENDING
    assert own.record.status == RecordStatus.PENDING


def test_adjust_without_reason_is_refused_and_changes_nothing(finished, world):
    with pytest.raises(Invalid) as exc:
        hours.hours_adjust(signup=finished, actor=world.staff, credited_minutes=90, reason="  ")
    assert exc.value.code == "reason_required"
    finished.refresh_from_db()
    assert (finished.credited_minutes, finished.hours_status) == (120, HoursStatus.PENDING)
    assert finished.record.status == RecordStatus.PENDING


def test_adjust_pending_hours_approves_then_amends(finished, world):
    hours.hours_adjust(signup=finished, actor=world.staff, credited_minutes=90, reason="left early for a meeting")
    finished.refresh_from_db()
    assert (finished.credited_minutes, finished.hours_status) == (90, HoursStatus.APPROVED)
    assert finished.decision_reason == "left early for a meeting"
    assert finished.record.status == RecordStatus.APPROVED
    assert finished.record.credited_minutes == 120  # history untouched
    assert record_effective(finished.record).minutes == 90
    assert ServiceRecord.objects.filter(amends=finished.record).count() == 1


def test_adjust_approved_hours_amends(finished, world):
    hours.hours_approve(signup=finished, actor=world.staff)
    hours.hours_adjust(signup=finished, actor=world.staff, credited_minutes=100, reason="recount")
    finished.refresh_from_db()
    assert record_effective(finished.record).minutes == 100


def test_adjust_beyond_the_activity_is_refused(finished, world):
    with pytest.raises(Invalid) as exc:
        hours.hours_adjust(signup=finished, actor=world.staff, credited_minutes=121, reason="x")
    assert exc.value.code == "minutes_invalid"


def test_adjust_credits_a_member_without_check_in(activity, world):
    signup = make_signup(activity=activity, member=world.member)
    hours.activity_finish(activity=activity, now=at(2026, 3, 2, 12))
    hours.hours_adjust(signup=signup, actor=world.staff, credited_minutes=100, reason="phone battery died")
    signup.refresh_from_db()
    assert signup.record.status == RecordStatus.APPROVED
    assert signup.record.credited_minutes == 100
    assert (signup.record.started_at, signup.record.ended_at) == (activity.starts_at, activity.ends_at)


def test_reject_pending_hours(finished, world):
    with pytest.raises(Invalid):
        hours.hours_reject(signup=finished, actor=world.staff, reason="")
    hours.hours_reject(signup=finished, actor=world.staff, reason="not seen on site")
    finished.refresh_from_db()
    assert finished.hours_status == HoursStatus.REJECTED
    assert finished.record.status == RecordStatus.REJECTED
    assert finished.record.decision_reason == "not seen on site"


def test_decisions_before_finish_are_refused(signup, world):
    with pytest.raises(Conflict) as exc:
        hours.hours_approve(signup=signup, actor=world.staff)
    assert exc.value.code == "activity_not_finished"


# --- disputes ----------------------------------------------------------------------------------------------------


def test_member_disputes_once(finished, world):
    hours.hours_dispute(signup=finished, actor=world.member.user, reason="I stayed until the end")
    finished.refresh_from_db()
    assert finished.hours_status == HoursStatus.DISPUTED
    assert finished.dispute_reason == "I stayed until the end"
    with pytest.raises(Conflict) as exc:
        hours.hours_dispute(signup=finished, actor=world.member.user, reason="again")
    assert exc.value.code == "already_disputed"


def test_dispute_needs_a_reason(finished, world):
    with pytest.raises(Invalid) as exc:
        hours.hours_dispute(signup=finished, actor=world.member.user, reason="")
    assert exc.value.code == "reason_required"


def test_nobody_disputes_someone_elses_hours(finished, world):
    with pytest.raises(Forbidden) as exc:
        hours.hours_dispute(signup=finished, actor=world.staff, reason="on their behalf")
    assert exc.value.code == "not_own_signup"
    finished.refresh_from_db()
    assert finished.disputed_at is None


def test_staff_adjust_a_disputed_approval(finished, world):
    hours.hours_approve(signup=finished, actor=world.staff)
    hours.hours_adjust(signup=finished, actor=world.staff, credited_minutes=60, reason="half")
    hours.hours_dispute(signup=finished, actor=world.member.user, reason="I was there all along")
    hours.hours_adjust(signup=finished, actor=world.staff, credited_minutes=120, reason="photos confirm")
    finished.refresh_from_db()
    assert finished.hours_status == HoursStatus.APPROVED
    assert record_effective(finished.record).minutes == 120


def test_refusing_a_dispute_keeps_the_approved_hours(finished, world):
    hours.hours_approve(signup=finished, actor=world.staff)
    hours.hours_dispute(signup=finished, actor=world.member.user, reason="too few")
    hours.hours_reject(signup=finished, actor=world.staff, reason="the sheet is right")
    finished.refresh_from_db()
    assert finished.hours_status == HoursStatus.APPROVED
    assert finished.record.status == RecordStatus.APPROVED


def test_every_change_is_audited(finished, world):
    hours.hours_dispute(signup=finished, actor=world.member.user, reason="too few")
    hours.hours_approve(signup=finished, actor=world.staff)
    actions = list(
        AuditEntry.objects.filter(subject_type="activities.signup", subject_id=finished.pk).values_list(
            "action", flat=True
        )
    )
    assert actions == ["finish", "hours_dispute", "hours_approve"]


def test_sheet_reads_sign_ups_without_cancelled(activity, signup, world):
    make_signup(activity=activity, member=world.other_member, status=SignUpStatus.CANCELLED)
    from apps.activities.hours_selectors import attendance_sheet

    assert list(attendance_sheet(activity=activity)) == [SignUp.objects.get(pk=signup.pk)]
