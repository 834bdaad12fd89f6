"""Attendance and hours of activities: credited minutes, finishing an activity, the lead's marks, approvals, disputes.

Every sign-up credits through at most one original ledger record (source=activity, source_id=sign-up id); the
ledger's unique constraint holds that. Before approval a pending record is revised in place (it is not history
yet); once approved it is only corrected by ledger amendments.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.scope import scope_for
from apps.activities.models import (
    Activity,
    ActivityStatus,
    Attendance,
    HoursStatus,
    SignUp,
    SignUpStatus,
)
from apps.core.errors import Conflict, Forbidden, Invalid
from apps.core.text import clean_text
from apps.ledger import services as ledger
from apps.ledger.models import RecordStatus, ServiceRecord, ServiceSource
from apps.ledger.permissions import require_not_own_service
from apps.ledger.selectors import record_effective
from apps.teams.selectors import teams_of_member_at

# --- errors (stable codes, messages reused by tests) -------------------------------------------------------------

NOT_LEAD = _("Only the community staff or the organizer of this activity can do this.")
NOT_COMMUNITY_STAFF = _("Only the staff of the activity's community can decide on hours.")
ACTIVITY_NOT_ENDED = _("The activity has not ended yet.")
ACTIVITY_NOT_FINISHABLE = _("Only an open or closed activity can be finished.")
ACTIVITY_NOT_FINISHED = _("Hours are decided after the activity is finished.")
ATTENDANCE_NOT_OPEN = _("Attendance can be marked from the opening of check-in.")
ATTENDANCE_INVALID = _("Choose present, late, on leave or absent.")
SIGNUP_NOT_CONFIRMED = _("Only a confirmed sign-up has attendance and hours.")
HOURS_DECIDED = _("The hours of this sign-up have already been decided.")
HOURS_NOT_PENDING = _("There are no hours waiting for a decision on this sign-up.")
NO_MINUTES = _("There are no minutes to approve; adjust the hours instead.")
MINUTES_INVALID = _("Credited minutes must be a whole number between zero and the length of the activity.")
REASON_REQUIRED = _("Give a reason.")
REASON_TOO_LONG = _("The reason is too long (200 characters at most).")
NOT_OWN_SIGNUP = _("Only the member who signed up can dispute these hours.")
ALREADY_DISPUTED = _("These hours have already been disputed once.")
RESIDENTS_INVALID = _("Residents served must be a whole number from 0 to 100,000.")
RESIDENTS_NOT_FINISHED = _("Residents served are entered once the activity is finished.")
RESIDENTS_UNCHANGED = _("The activity already counts this many residents served.")

RESIDENTS_MAX = 100_000

_REASON_MAX = SignUp._meta.get_field("dispute_reason").max_length
_DECIDED = (HoursStatus.APPROVED, HoursStatus.REJECTED)


def _reason(reason):
    reason = clean_text(reason, max_length=_REASON_MAX, field="reason", code="reason_too_long", message=REASON_TOO_LONG)
    if not reason:
        raise Invalid("reason_required", REASON_REQUIRED)
    return reason


# --- permissions -------------------------------------------------------------------------------------------------


def is_lead(user, activity):
    """The on-site lead: staff of the activity's community (superusers included) or whoever organized it."""
    return scope_for(user).manages_community(activity.community_id) or (
        user is not None and user.is_authenticated and activity.created_by_id == user.pk
    )


def _require_lead(actor, activity):
    if not is_lead(actor, activity):
        raise Forbidden("not_activity_lead", NOT_LEAD)


def _require_staff(actor, activity):
    if not scope_for(actor).manages_community(activity.community_id):
        raise Forbidden("not_community_staff", NOT_COMMUNITY_STAFF)


# --- minutes -----------------------------------------------------------------------------------------------------


def _whole_minutes(start, end):
    # total_seconds, not .seconds: the latter drops whole days and so wraps an activity that crosses midnight.
    return max(0, int((end - start).total_seconds() // 60))


def activity_minutes(activity):
    return _whole_minutes(activity.starts_at, activity.ends_at)


def clamped_span(*, signup, activity):
    """Check-in to check-out (the activity end if check-out is missing) inside the activity window, or None."""
    if signup.checked_in_at is None:
        return None
    start = max(signup.checked_in_at, activity.starts_at)
    end = min(signup.checked_out_at or activity.ends_at, activity.ends_at)
    if end <= start:
        return None
    return start, end


def credited_minutes_for(*, signup, activity):
    """Whole minutes the sign-up credits: the clamped attended span, nothing for leave, absence or no check-in, and
    nothing below MIN_ATTENDANCE_SHARE of the activity's length (when that setting is above zero)."""
    if signup.attendance in (Attendance.LEAVE, Attendance.ABSENT):
        return 0
    span = clamped_span(signup=signup, activity=activity)
    if span is None:
        return 0
    minutes = _whole_minutes(*span)
    share = float(getattr(settings, "MIN_ATTENDANCE_SHARE", 0.0) or 0.0)
    if share > 0 and minutes < share * activity_minutes(activity):
        return 0
    return minutes


# --- the ledger record of a sign-up ------------------------------------------------------------------------------


def _signup_state(signup):
    return {
        "attendance": signup.attendance,
        "no_show": signup.no_show,
        "checkout_missing": signup.checkout_missing,
        "checked_out_at": signup.checked_out_at,
        "credited_minutes": signup.credited_minutes,
        "hours_status": signup.hours_status,
        "record": signup.record_id,
    }


def _record_span(*, signup, activity, minutes):
    """The attended span when it holds the minutes; otherwise (staff credit more than was checked) the window."""
    span = clamped_span(signup=signup, activity=activity)
    if span is not None and minutes <= _whole_minutes(*span):
        return span
    return activity.starts_at, activity.ends_at


def _served_as_team(signup, started_at):
    """The team of a team sign-up, if the member was still in it when the service started (a member who left the
    team between the sign-up and the activity served as themselves: their hours are recorded without the team)."""
    if signup.team_id is None:
        return None
    return teams_of_member_at(signup.member, started_at).filter(pk=signup.team_id).first()


def _write_record(*, signup, activity, minutes, actor, status=RecordStatus.PENDING):
    started_at, ended_at = _record_span(signup=signup, activity=activity, minutes=minutes)
    approved = status == RecordStatus.APPROVED
    # Whoever organizes records, but nobody records their own service: then the system is the recorder.
    recorder = actor if actor is not None and signup.member.user_id != actor.pk else None
    return ledger.record_create(
        member=signup.member,
        community=activity.community,
        grid=activity.grid,
        source=ServiceSource.ACTIVITY,
        source_id=signup.pk,
        category=activity.category,
        content=activity.title,
        started_at=started_at,
        ended_at=ended_at,
        credited_minutes=minutes,
        # An activity's residents are the activity's (activity_set_residents), never a member's record's.
        residents_served=0,
        recorded_by=recorder,
        status=status,
        decided_by=actor if approved else None,
        team=_served_as_team(signup, started_at),
    )


def _revise_pending(*, record, signup, activity, minutes, actor, reason):
    """Change the figures of a record nobody has decided on yet (conditional on it still being pending)."""
    started_at, ended_at = _record_span(signup=signup, activity=activity, minutes=minutes)
    if (record.credited_minutes, record.started_at, record.ended_at) == (minutes, started_at, ended_at):
        return record
    before = {"credited_minutes": record.credited_minutes, "started_at": record.started_at, "ended_at": record.ended_at}
    changed = ServiceRecord.objects.filter(pk=record.pk, status=RecordStatus.PENDING).update(
        credited_minutes=minutes, started_at=started_at, ended_at=ended_at, updated_at=timezone.now()
    )
    if not changed:
        raise Conflict("hours_decided", HOURS_DECIDED)
    record.refresh_from_db()
    after = {"credited_minutes": minutes, "started_at": started_at, "ended_at": ended_at}
    ledger.audit_log(actor=actor, subject=record, action="revise", before=before, after=after, reason=reason)
    return record


def _sync_pending_record(*, signup, activity, actor, reason=""):
    """Bring the not-yet-decided record in line with the sign-up's credited minutes."""
    minutes = signup.credited_minutes or 0
    record = signup.record
    if record is None:
        if minutes > 0:
            signup.record = _write_record(signup=signup, activity=activity, minutes=minutes, actor=actor)
            signup.hours_status = HoursStatus.PENDING
    elif record.status == RecordStatus.PENDING:
        _revise_pending(record=record, signup=signup, activity=activity, minutes=minutes, actor=actor, reason=reason)
    else:
        raise Conflict("hours_decided", HOURS_DECIDED)


def _locked_signup(signup):
    return (
        SignUp.objects.select_for_update(of=("self",)).select_related("activity", "member", "record").get(pk=signup.pk)
    )


def _require_finished(activity):
    if activity.status != ActivityStatus.FINISHED:
        raise Conflict("activity_not_finished", ACTIVITY_NOT_FINISHED)


def _audit(*, actor, signup, action, before, reason=""):
    ledger.audit_log(
        actor=actor, subject=signup, action=action, before=before, after=_signup_state(signup), reason=reason
    )


# --- finishing ---------------------------------------------------------------------------------------------------


def _clean_residents(residents_served):
    if isinstance(residents_served, bool) or not isinstance(residents_served, int):
        raise Invalid("residents_invalid", RESIDENTS_INVALID)
    if not 0 <= residents_served <= RESIDENTS_MAX:
        raise Invalid("residents_invalid", RESIDENTS_INVALID)
    return residents_served


@transaction.atomic
def activity_finish(*, activity, actor=None, now=None, residents_served=None):
    """After the end: no-shows marked, missing check-outs closed at the end and flagged, minutes computed and a
    pending ledger record written for every confirmed sign-up that credits minutes. Finishing twice does nothing.

    `actor` None is the scheduler; a person must be the activity's lead. The lead may give the residents served
    (activity_set_residents, in the same transaction); the scheduler finishes without them, to be entered later.
    """
    if residents_served is not None:
        residents_served = _clean_residents(residents_served)
    now = now or timezone.now()
    activity = Activity.objects.select_for_update(of=("self",)).select_related("community", "grid").get(pk=activity.pk)
    if actor is not None:
        _require_lead(actor, activity)
    if activity.status == ActivityStatus.FINISHED:
        return activity
    if activity.status not in (ActivityStatus.OPEN, ActivityStatus.CLOSED):
        raise Conflict("activity_not_finishable", ACTIVITY_NOT_FINISHABLE)
    if now < activity.ends_at:
        raise Conflict("activity_not_ended", ACTIVITY_NOT_ENDED)

    signups = (
        SignUp.objects.select_for_update(of=("self",))
        .filter(activity=activity, status=SignUpStatus.CONFIRMED)
        .select_related("member", "record")
        .order_by("signed_up_at", "id")
    )
    for signup in signups:
        before = _signup_state(signup)
        if signup.checked_in_at is None:
            signup.no_show = True
            if signup.attendance != Attendance.LEAVE:
                signup.attendance = Attendance.ABSENT
        elif signup.checked_out_at is None:
            signup.checked_out_at = max(activity.ends_at, signup.checked_in_at)
            signup.checkout_missing = True
        signup.credited_minutes = credited_minutes_for(signup=signup, activity=activity)
        if signup.record_id is None and signup.credited_minutes > 0:
            signup.record = _write_record(
                signup=signup, activity=activity, minutes=signup.credited_minutes, actor=actor
            )
            signup.hours_status = HoursStatus.PENDING
        signup.save(
            update_fields=[
                "no_show",
                "attendance",
                "checked_out_at",
                "checkout_missing",
                "credited_minutes",
                "record",
                "hours_status",
                "updated_at",
            ]
        )
        _audit(actor=actor, signup=signup, action="finish", before=before)

    before = {"status": activity.status}
    activity.status = ActivityStatus.FINISHED
    activity.save(update_fields=["status", "updated_at"])
    ledger.audit_log(actor=actor, subject=activity, action="finish", before=before, after={"status": activity.status})
    if residents_served is not None and residents_served != activity.residents_served:
        activity = activity_set_residents(activity=activity, actor=actor, residents_served=residents_served)
    return activity


@transaction.atomic
def activity_set_residents(*, activity, actor, residents_served, reason=""):
    """Enter (or correct) the residents a finished activity served: one figure for the whole activity, which every
    node whose members took part in it counts once (docs/statistics.md, "Residents served"); the members' records
    carry none. A correction of a figure already entered needs a reason; each change is one audit entry with the
    figure before and after.
    """
    residents_served = _clean_residents(residents_served)
    activity = Activity.objects.select_for_update(of=("self",)).get(pk=activity.pk)
    _require_lead(actor, activity)
    if activity.status != ActivityStatus.FINISHED:
        raise Conflict("activity_not_finished", RESIDENTS_NOT_FINISHED)
    if residents_served == activity.residents_served:
        raise Invalid("residents_unchanged", RESIDENTS_UNCHANGED)
    before = activity.residents_served
    reason = (
        _reason(reason)
        if before
        else clean_text(reason, max_length=_REASON_MAX, field="reason", code="reason_too_long", message=REASON_TOO_LONG)
    )
    activity.residents_served = residents_served
    activity.save(update_fields=["residents_served", "updated_at"])
    ledger.audit_log(
        actor=actor,
        subject=activity,
        action="residents",
        before={"residents_served": before},
        after={"residents_served": residents_served},
        reason=reason,
    )
    return activity


def activity_finish_due(*, now=None):
    """For the scheduler: finish every open or closed activity that has ended. Returns how many were finished."""
    now = now or timezone.now()
    due = Activity.objects.filter(
        status__in=(ActivityStatus.OPEN, ActivityStatus.CLOSED), ends_at__lte=now
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(due):
        # One transaction per activity: one failure must not hold back the others.
        try:
            activity_finish(activity=Activity(pk=pk), now=now)
        except Conflict:
            continue
        count += 1
    return count


# --- attendance --------------------------------------------------------------------------------------------------


@transaction.atomic
def attendance_mark(*, signup, actor, attendance, now=None):
    """The lead marks a confirmed sign-up present / late / on leave / absent, from check-in opening until the
    hours are decided; on a finished activity the minutes and the pending record follow the mark."""
    if attendance not in Attendance.values:
        raise Invalid("attendance_invalid", ATTENDANCE_INVALID)
    now = now or timezone.now()
    signup = _locked_signup(signup)
    activity = signup.activity
    _require_lead(actor, activity)
    # A lead who also serves has someone else mark them: the mark decides what their record says.
    require_not_own_service(actor, signup.member)
    if signup.status != SignUpStatus.CONFIRMED:
        raise Conflict("signup_not_confirmed", SIGNUP_NOT_CONFIRMED)
    if activity.status in (ActivityStatus.DRAFT, ActivityStatus.CANCELLED):
        raise Conflict("attendance_not_open", ATTENDANCE_NOT_OPEN)
    opens_at = activity.starts_at - timedelta(minutes=getattr(settings, "CHECKIN_OPEN_BEFORE_MIN", 30))
    if now < opens_at:
        raise Conflict("attendance_not_open", ATTENDANCE_NOT_OPEN)
    if signup.hours_status in _DECIDED or (signup.record_id and signup.record.status != RecordStatus.PENDING):
        raise Conflict("hours_decided", HOURS_DECIDED)
    if signup.attendance == attendance:
        return signup

    before = _signup_state(signup)
    signup.attendance = attendance
    if activity.status == ActivityStatus.FINISHED:
        signup.credited_minutes = credited_minutes_for(signup=signup, activity=activity)
        _sync_pending_record(signup=signup, activity=activity, actor=actor, reason=f"attendance: {attendance}")
    signup.save(update_fields=["attendance", "credited_minutes", "record", "hours_status", "updated_at"])
    _audit(actor=actor, signup=signup, action="attendance", before=before)
    return signup


# --- decisions ---------------------------------------------------------------------------------------------------


def _decidable(signup, actor):
    signup = _locked_signup(signup)
    _require_staff(actor, signup.activity)
    _require_finished(signup.activity)
    if signup.status != SignUpStatus.CONFIRMED:
        raise Conflict("signup_not_confirmed", SIGNUP_NOT_CONFIRMED)
    return signup


@transaction.atomic
def hours_approve(*, signup, actor):
    """Staff approve the pending (or disputed) minutes; the ledger refuses anyone approving their own service."""
    signup = _decidable(signup, actor)
    if signup.hours_status not in (HoursStatus.PENDING, HoursStatus.DISPUTED):
        raise Conflict("hours_not_pending", HOURS_NOT_PENDING)
    before = _signup_state(signup)
    record = signup.record
    if record is None or (record.status == RecordStatus.PENDING and not record.credited_minutes):
        raise Invalid("no_minutes", NO_MINUTES)
    if record.status == RecordStatus.PENDING:
        ledger.record_approve(record=record, actor=actor)
    elif record.status == RecordStatus.REJECTED:
        # A disputed rejection upheld the other way: the ledger decides whether a second record is allowed.
        signup.record = _write_record(
            signup=signup,
            activity=signup.activity,
            minutes=signup.credited_minutes or 0,
            actor=actor,
            status=RecordStatus.APPROVED,
        )
    else:
        # The record was approved before the dispute: approving again dismisses the dispute.
        require_not_own_service(actor, signup.member)
    signup.hours_status = HoursStatus.APPROVED
    signup.decision_reason = ""
    signup.save(update_fields=["hours_status", "record", "decision_reason", "updated_at"])
    _audit(actor=actor, signup=signup, action="hours_approve", before=before)
    return signup


@transaction.atomic
def hours_adjust(*, signup, actor, credited_minutes, reason):
    """Staff set the credited minutes with a reason; the result counts as approved. A pending record is approved
    and then amended, an approved one amended: the ledger keeps every step."""
    reason = _reason(reason)
    signup = _decidable(signup, actor)
    activity = signup.activity
    if (
        isinstance(credited_minutes, bool)
        or not isinstance(credited_minutes, int)
        or not 0 <= credited_minutes <= activity_minutes(activity)
    ):
        raise Invalid("minutes_invalid", MINUTES_INVALID)
    before = _signup_state(signup)
    record = signup.record
    if record is None or record.status == RecordStatus.REJECTED:
        require_not_own_service(actor, signup.member)
        if credited_minutes > 0:
            signup.record = _write_record(
                signup=signup, activity=activity, minutes=credited_minutes, actor=actor, status=RecordStatus.APPROVED
            )
    else:
        if record.status == RecordStatus.PENDING:
            record = ledger.record_approve(record=record, actor=actor)
        if record_effective(record).minutes != credited_minutes:
            ledger.record_amend(
                record=record,
                actor=actor,
                credited_minutes=credited_minutes,
                residents_served=record_effective(record).residents_served,
                reason=reason,
            )
    signup.credited_minutes = credited_minutes
    signup.hours_status = HoursStatus.APPROVED
    signup.decision_reason = reason
    signup.save(update_fields=["credited_minutes", "hours_status", "record", "decision_reason", "updated_at"])
    _audit(actor=actor, signup=signup, action="hours_adjust", before=before, reason=reason)
    return signup


@transaction.atomic
def hours_reject(*, signup, actor, reason):
    """Staff reject the pending minutes, or turn down a dispute (an approved record stays approved)."""
    reason = _reason(reason)
    signup = _decidable(signup, actor)
    if signup.hours_status not in (HoursStatus.PENDING, HoursStatus.DISPUTED):
        raise Conflict("hours_not_pending", HOURS_NOT_PENDING)
    before = _signup_state(signup)
    record = signup.record
    if record is not None and record.status == RecordStatus.PENDING:
        ledger.record_reject(record=record, actor=actor, reason=reason)
        signup.hours_status = HoursStatus.REJECTED
    elif record is not None and record.status == RecordStatus.APPROVED:
        signup.hours_status = HoursStatus.APPROVED
    else:
        signup.hours_status = HoursStatus.REJECTED
    signup.decision_reason = reason
    signup.save(update_fields=["hours_status", "decision_reason", "updated_at"])
    _audit(actor=actor, signup=signup, action="hours_reject", before=before, reason=reason)
    return signup


@transaction.atomic
def hours_dispute(*, signup, actor, reason, now=None):
    """The member disputes the hours of their own sign-up, once, with a reason; staff then decide again."""
    reason = _reason(reason)
    signup = _locked_signup(signup)
    if actor is None or signup.member.user_id != actor.pk:
        raise Forbidden("not_own_signup", NOT_OWN_SIGNUP)
    _require_finished(signup.activity)
    if signup.status != SignUpStatus.CONFIRMED:
        raise Conflict("signup_not_confirmed", SIGNUP_NOT_CONFIRMED)
    if signup.disputed_at is not None:
        raise Conflict("already_disputed", ALREADY_DISPUTED)
    before = _signup_state(signup)
    signup.hours_status = HoursStatus.DISPUTED
    signup.dispute_reason = reason
    signup.disputed_at = now or timezone.now()
    signup.save(update_fields=["hours_status", "dispute_reason", "disputed_at", "updated_at"])
    _audit(actor=actor, signup=signup, action="hours_dispute", before=before, reason=reason)
    return signup
