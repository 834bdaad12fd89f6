"""Every write on activities and sign-ups: create, publish, update, cancel; sign up, cancel, promote; check in/out.

Capacity is a counter on the activity (`confirmed_count`) moved only by conditional UPDATEs and guarded by a check
constraint, so a place is never given twice, on SQLite as on PostgreSQL. Every state change is audited.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.scope import scope_for
from apps.activities import checkin, errors
from apps.activities.models import (
    ACTIVE_SIGNUP_STATUSES,
    Activity,
    ActivitySeries,
    ActivityStatus,
    Audience,
    CheckinMethod,
    SignUp,
    SignUpStatus,
)
from apps.activities.permissions import (
    active_pairings,
    is_organizer,
    is_own_signup,
    member_eligible,
    require_may_organize,
    require_organizer,
    require_own_signup,
)
from apps.core.errors import Conflict, Forbidden, Invalid
from apps.core.text import clean_model_text, clean_text
from apps.ledger.services import audit_log
from apps.notifications import events as notification_events
from apps.orgs.models import Member
from apps.places.coords import CoordSystem, to_wgs84
from apps.places.geocoding import resolve_address
from apps.teams import errors as team_errors
from apps.teams.permissions import may_wind_up_team
from apps.teams.selectors import team_members

_REASON_MAX = Activity._meta.get_field("closed_reason").max_length
MAX_SERIES_OCCURRENCES = 52
# Fields activity_update accepts; the place, the organizer and the community are fixed once created.
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "category",
        "starts_at",
        "ends_at",
        "signup_deadline",
        "capacity",
        "audience",
        "organizer_team",
    }
)


def _setting(name, default):
    return getattr(settings, name, default)


def _audit(*, actor, subject, action, before=None, after=None, reason=""):
    audit_log(actor=actor, subject=subject, action=action, before=before, after=after, reason=reason)


def _activity_state(activity):
    return {"status": activity.status, "confirmed_count": activity.confirmed_count, "capacity": activity.capacity}


def _signup_state(signup):
    return {"status": signup.status}


def _locked_activity(activity):
    """Re-read under a row lock (on SQLite the IMMEDIATE transaction already holds the write lock)."""
    return Activity.objects.select_for_update().get(pk=activity.pk)


def _locked_signup(signup):
    return SignUp.objects.select_for_update(of=("self",)).select_related("activity").get(pk=signup.pk)


def _optional_reason(reason):
    return clean_text(
        reason,
        max_length=_REASON_MAX,
        field="reason",
        code="reason_too_long",
        message=errors.REASON_TOO_LONG % {"max": _REASON_MAX},
    )


def _reason(reason):
    reason = _optional_reason(reason)
    if not reason:
        raise Invalid("reason_required", errors.REASON_REQUIRED)
    return reason


def _title(model, title):
    title = clean_model_text(model, "title", title)
    if not title:
        raise Invalid("title_required", errors.TITLE_REQUIRED)
    return title


def _clean_window(*, starts_at, ends_at, signup_deadline, now, check_future=True):
    for value in (starts_at, ends_at, signup_deadline):
        if not isinstance(value, datetime) or timezone.is_naive(value):
            raise Invalid("time_not_aware", errors.TIME_NOT_AWARE)
    if ends_at <= starts_at:
        raise Invalid("ends_before_start", errors.ENDS_BEFORE_START)
    if check_future and starts_at <= now:
        raise Invalid("starts_in_past", errors.STARTS_IN_PAST)
    if signup_deadline > starts_at:
        raise Invalid("signup_deadline_after_start", errors.DEADLINE_AFTER_START)


def _clean_capacity(capacity):
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
        raise Invalid("capacity_invalid", errors.CAPACITY_INVALID)
    return capacity


def _place(*, address, latitude, longitude, coord_system, geocoder):
    """The activity's WGS-84 point: the given coordinates converted, or the address geocoded."""
    if latitude is not None or longitude is not None:
        return to_wgs84(latitude, longitude, coord_system or CoordSystem.WGS84)
    resolution = resolve_address(address, geocoder=geocoder)
    return resolution.latitude, resolution.longitude


def _clean_organizer_team(team, *, community, party_org=None, today):
    """A volunteer team may organize an activity in a community its organ is paired with today (结对共建), and with
    an organizing Party organization only if the team is of that organization's organ. None: no team."""
    if team is None:
        return None
    if not team.is_active:
        raise team_errors.team_dissolved()
    if party_org is not None and party_org.organ_id != team.organ_id:
        raise Invalid("organizer_team_other_organ", errors.ORGANIZER_TEAM_OTHER_ORGAN)
    if not active_pairings(today).filter(organ_id=team.organ_id, community_id=community.pk).exists():
        raise Invalid("organizer_team_not_paired", errors.ORGANIZER_TEAM_NOT_PAIRED)
    return team


# --- activities -------------------------------------------------------------------------------------------------


@transaction.atomic
def activity_create(
    *,
    actor,
    community,
    title,
    category,
    address,
    starts_at,
    ends_at,
    capacity,
    grid=None,
    organizer_party_org=None,
    organizer_team=None,
    description="",
    signup_deadline=None,
    audience=Audience.PAIRED,
    latitude=None,
    longitude=None,
    coord_system=CoordSystem.WGS84,
    publish=False,
    series=None,
    geocoder=None,
    now=None,
):
    """Post an activity in `community`: a draft, or open for sign-up at once with `publish=True`.

    Organizers: the community's staff, the worker of `grid` (in the community), or, with `organizer_party_org`,
    a secretary over that branch whose organ is paired with the community. The place is `address` geocoded, unless
    `latitude`/`longitude` are given (in `coord_system`, stored in WGS-84). `organizer_team`: a volunteer team
    organizing it as a group, of an organ paired with the community (_clean_organizer_team); it is shown with the
    activity and gives its leader no organizer rights.
    """
    now = now or timezone.now()
    if grid is not None and grid.community_id != community.pk:
        raise Invalid("grid_not_in_community", errors.GRID_NOT_IN_COMMUNITY)
    require_may_organize(actor, community=community, grid=grid, party_org=organizer_party_org)
    organizer_team = _clean_organizer_team(
        organizer_team, community=community, party_org=organizer_party_org, today=timezone.localdate(now)
    )
    title = _title(Activity, title)
    description = clean_model_text(Activity, "description", description)
    address = clean_model_text(Activity, "address", address)
    signup_deadline = signup_deadline or starts_at
    _clean_window(starts_at=starts_at, ends_at=ends_at, signup_deadline=signup_deadline, now=now)
    capacity = _clean_capacity(capacity)
    lat, lng = _place(
        address=address, latitude=latitude, longitude=longitude, coord_system=coord_system, geocoder=geocoder
    )
    activity = Activity.objects.create(
        community=community,
        grid=grid,
        series=series,
        organizer_party_org=organizer_party_org,
        organizer_team=organizer_team,
        created_by=actor,
        title=title,
        description=description,
        category=category,
        address=address,
        latitude=lat,
        longitude=lng,
        starts_at=starts_at,
        ends_at=ends_at,
        signup_deadline=signup_deadline,
        capacity=capacity,
        audience=audience,
        status=ActivityStatus.OPEN if publish else ActivityStatus.DRAFT,
        checkin_secret=secrets.token_hex(32),
    )
    after = _activity_state(activity)
    if organizer_team is not None:
        after["organizer_team"] = organizer_team.pk
    _audit(actor=actor, subject=activity, action="create", after=after)
    return activity


@transaction.atomic
def activity_create_series(*, actor, occurrences, starts_at, ends_at, signup_deadline=None, now=None, **fields):
    """A weekly series: `occurrences` activities at the same local time of day (settings.TIME_ZONE) each week.

    The length and the sign-up lead time of the first occurrence are kept; local wall-clock times are rebuilt per
    date so a time-zone offset change never shifts the hour.
    """
    if (
        isinstance(occurrences, bool)
        or not isinstance(occurrences, int)
        or not 2 <= occurrences <= MAX_SERIES_OCCURRENCES
    ):
        raise Invalid("occurrences_invalid", errors.OCCURRENCES_INVALID % {"max": MAX_SERIES_OCCURRENCES})
    for value in (starts_at, ends_at):
        if not isinstance(value, datetime) or timezone.is_naive(value):
            raise Invalid("time_not_aware", errors.TIME_NOT_AWARE)
    tz = timezone.get_default_timezone()
    local_start = timezone.localtime(starts_at, tz)
    local_end = timezone.localtime(ends_at, tz)
    lead = (starts_at - signup_deadline) if signup_deadline is not None else timedelta(0)
    day_span = (local_end.date() - local_start.date()).days
    title = _title(ActivitySeries, fields.get("title"))
    series = ActivitySeries.objects.create(title=title, created_by=actor)
    created = []
    for week in range(occurrences):
        start_date = local_start.date() + timedelta(weeks=week)
        start = datetime.combine(start_date, local_start.timetz().replace(tzinfo=None), tzinfo=tz)
        end = datetime.combine(
            start_date + timedelta(days=day_span), local_end.timetz().replace(tzinfo=None), tzinfo=tz
        )
        created.append(
            activity_create(
                actor=actor,
                starts_at=start,
                ends_at=end,
                signup_deadline=start - lead,
                series=series,
                now=now,
                **fields,
            )
        )
    return created


@transaction.atomic
def activity_publish(*, activity, actor, now=None):
    """draft → open, while sign-up can still happen."""
    now = now or timezone.now()
    activity = _locked_activity(activity)
    require_organizer(actor, activity)
    if activity.status != ActivityStatus.DRAFT:
        raise Conflict("activity_not_draft", errors.ACTIVITY_NOT_DRAFT, extra={"status": activity.status})
    if activity.signup_deadline <= now:
        raise errors.signup_closed(activity.status)
    activity.status = ActivityStatus.OPEN
    activity.save(update_fields=["status", "updated_at"])
    _audit(
        actor=actor,
        subject=activity,
        action="publish",
        before={"status": ActivityStatus.DRAFT},
        after=_activity_state(activity),
    )
    return activity


def _audited_value(activity, name):
    return activity.organizer_team_id if name == "organizer_team" else getattr(activity, name)


@transaction.atomic
def activity_update(*, activity, actor, now=None, **changes):
    """Change an activity before it starts; the window is copied onto its sign-ups, a larger capacity fills places
    from the waitlist, and the capacity never drops below the places already confirmed."""
    now = now or timezone.now()
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        field = sorted(unknown)[0]
        raise Invalid("field_not_editable", errors.FIELD_NOT_EDITABLE % {"field": field}, extra={"field": field})
    activity = _locked_activity(activity)
    require_organizer(actor, activity)
    if activity.status not in (ActivityStatus.DRAFT, ActivityStatus.OPEN) or activity.starts_at <= now:
        raise Conflict("activity_not_editable", errors.ACTIVITY_NOT_EDITABLE, extra={"status": activity.status})
    before = {name: _audited_value(activity, name) for name in changes}
    if "organizer_team" in changes:
        changes["organizer_team"] = _clean_organizer_team(
            changes["organizer_team"],
            community=activity.community,
            party_org=activity.organizer_party_org,
            today=timezone.localdate(now),
        )
    if "title" in changes:
        changes["title"] = _title(Activity, changes["title"])
    if "description" in changes:
        changes["description"] = clean_model_text(Activity, "description", changes["description"])
    if "capacity" in changes:
        _clean_capacity(changes["capacity"])
        if changes["capacity"] < activity.confirmed_count:
            count = activity.confirmed_count
            raise Invalid(
                "capacity_below_confirmed",
                errors.CAPACITY_BELOW_CONFIRMED % {"count": count},
                extra={"confirmed_count": count},
            )
    for name, value in changes.items():
        setattr(activity, name, value)
    if "starts_at" in changes and "signup_deadline" not in changes and activity.signup_deadline > activity.starts_at:
        activity.signup_deadline = activity.starts_at
    _clean_window(
        starts_at=activity.starts_at, ends_at=activity.ends_at, signup_deadline=activity.signup_deadline, now=now
    )
    activity.save()
    if {"starts_at", "ends_at"} & set(changes):
        SignUp.objects.filter(activity=activity).update(starts_at=activity.starts_at, ends_at=activity.ends_at)
    _audit(
        actor=actor,
        subject=activity,
        action="update",
        before=before,
        after={name: _audited_value(activity, name) for name in changes},
    )
    if "capacity" in changes:
        waitlist_promote(activity=activity, actor=actor, now=now)
        activity.refresh_from_db()
    return activity


@transaction.atomic
def activity_cancel(*, activity, actor, reason, now=None):
    """Call off an activity that has not finished; every active sign-up is cancelled with it."""
    now = now or timezone.now()
    reason = _reason(reason)
    activity = _locked_activity(activity)
    require_organizer(actor, activity)
    if activity.status in (ActivityStatus.FINISHED, ActivityStatus.CANCELLED):
        raise Conflict("activity_not_cancellable", errors.ACTIVITY_NOT_CANCELLABLE, extra={"status": activity.status})
    before = _activity_state(activity)
    for signup in SignUp.objects.select_for_update().filter(activity=activity, status__in=ACTIVE_SIGNUP_STATUSES):
        old = signup.status
        signup.status = SignUpStatus.CANCELLED
        signup.cancelled_at = now
        signup.save(update_fields=["status", "cancelled_at", "updated_at"])
        _audit(
            actor=actor,
            subject=signup,
            action="cancel",
            before={"status": old},
            after=_signup_state(signup),
            reason=reason,
        )
    activity.status = ActivityStatus.CANCELLED
    activity.closed_reason = reason
    activity.confirmed_count = 0
    activity.save(update_fields=["status", "closed_reason", "confirmed_count", "updated_at"])
    _audit(
        actor=actor, subject=activity, action="cancel", before=before, after=_activity_state(activity), reason=reason
    )
    return activity


def activity_close_signups_due(*, now=None):
    """For the scheduler: open activities that have started stop taking sign-ups (open → closed). Idempotent;
    returns how many were closed."""
    now = now or timezone.now()
    closed = 0
    due = Activity.objects.filter(status=ActivityStatus.OPEN, starts_at__lte=now).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            if Activity.objects.filter(pk=pk, status=ActivityStatus.OPEN).update(
                status=ActivityStatus.CLOSED, updated_at=now
            ):
                activity = Activity.objects.get(pk=pk)
                _audit(
                    actor=None,
                    subject=activity,
                    action="close_signups",
                    before={"status": ActivityStatus.OPEN},
                    after=_activity_state(activity),
                )
                closed += 1
    return closed


# --- sign-ups ---------------------------------------------------------------------------------------------------


def _lock_member(member):
    # Two sign-ups by one member queue here (PostgreSQL), so the overlap check below sees the other one.
    Member.objects.select_for_update().filter(pk=member.pk).values_list("pk", flat=True).get()


def _overlapping(member, activity):
    return SignUp.objects.filter(
        member=member,
        status__in=ACTIVE_SIGNUP_STATUSES,
        starts_at__lt=activity.ends_at,
        ends_at__gt=activity.starts_at,
    ).exclude(activity_id=activity.pk)


@transaction.atomic
def signup_create(*, activity, member, now=None):
    """Sign `member` up: a confirmed place if one is free, else a place on the waitlist (in sign-up order)."""
    fixed_now = now
    now = now or timezone.now()
    if member is None or not member.is_active:
        raise Forbidden("not_a_member", errors.NOT_A_MEMBER)
    activity = Activity.objects.get(pk=activity.pk)
    if not member_eligible(member, activity, today=timezone.localdate(now)):
        raise Forbidden("not_eligible_to_sign_up", errors.NOT_ELIGIBLE)
    if activity.status != ActivityStatus.OPEN or activity.signup_deadline <= now:
        raise errors.signup_closed(activity.status)
    _lock_member(member)
    if SignUp.objects.filter(activity=activity, member=member, status__in=ACTIVE_SIGNUP_STATUSES).exists():
        raise errors.already_signed_up()
    clash = _overlapping(member, activity).first()
    if clash is not None:
        raise Conflict("signup_overlaps", errors.SIGNUP_OVERLAPS, extra={"activity": clash.activity_id})
    # Sign-ups of one activity queue on its row, so the waitlist order (signed_up_at, stamped below under the lock)
    # is also the commit order; the state is re-checked because it may have changed while waiting.
    activity = _locked_activity(activity)
    now = fixed_now or timezone.now()
    if activity.status != ActivityStatus.OPEN or activity.signup_deadline <= now:
        raise errors.signup_closed(activity.status)
    got_place = Activity.objects.filter(pk=activity.pk, confirmed_count__lt=F("capacity")).update(
        confirmed_count=F("confirmed_count") + 1
    )
    # Taken after the place is decided, so the waitlist (ordered by this time) never precedes a confirmed place.
    signed_up_at = fixed_now or timezone.now()
    try:
        with transaction.atomic():
            signup = SignUp.objects.create(
                activity=activity,
                member=member,
                status=SignUpStatus.CONFIRMED if got_place else SignUpStatus.WAITLISTED,
                signed_up_at=signed_up_at,
                starts_at=activity.starts_at,
                ends_at=activity.ends_at,
            )
    except IntegrityError as exc:
        raise errors.already_signed_up() from exc
    _audit(actor=member.user, subject=signup, action="sign_up", after=_signup_state(signup))
    return signup


def _team_signup_members(*, team, actor, members):
    """The members a team sign-up is for, checked: the actor leads the active team; the members are given, once
    each, and are active members of the team now."""
    scope = scope_for(actor)
    if scope.member_id is None or scope.member_id != team.leader_id:
        raise Forbidden("not_team_leader", errors.NOT_TEAM_LEADER)
    if not team.is_active:
        raise team_errors.team_dissolved()
    members = list(members or ())
    if not members:
        raise Invalid("team_members_required", errors.TEAM_MEMBERS_REQUIRED)
    if len({m.pk for m in members}) != len(members):
        raise Invalid("team_members_repeated", errors.TEAM_MEMBERS_REPEATED)
    in_team = set(team_members(team).filter(pk__in=[m.pk for m in members]).values_list("pk", flat=True))
    for member in members:
        if member.pk not in in_team:
            raise errors.team_member_refused(Invalid, "team_not_member", errors.TEAM_MEMBER_NOT_IN_TEAM, member)
    return members


@transaction.atomic
def signup_create_team(*, activity, actor, team, members, now=None):
    """The team's leader (`actor`) signs several active members of `team` up at once; each sign-up carries the team.

    Each member by the rules of signup_create: in service, admitted by the activity's audience, not yet signed up,
    no overlapping sign-up. All or nothing: a member refused for any of these fails the whole request, naming the
    member (`member`, `member_name` in the error), and nothing is written. A full activity refuses nobody: the
    members beyond the free places go to the waitlist, in the order given, as single sign-ups do. Each member but
    the leader is notified (notification_events.team_signed_up: a place or the waitlist, with a link to the activity).
    Returns the sign-ups in the order of `members`.
    """
    fixed_now = now
    now = now or timezone.now()
    members = _team_signup_members(team=team, actor=actor, members=members)
    activity = Activity.objects.get(pk=activity.pk)
    if activity.status != ActivityStatus.OPEN or activity.signup_deadline <= now:
        raise errors.signup_closed(activity.status)
    today = timezone.localdate(now)
    for member in members:
        if not member.is_active:
            raise errors.team_member_refused(Forbidden, "not_a_member", errors.TEAM_MEMBER_INACTIVE, member)
        if not member_eligible(member, activity, today=today):
            raise errors.team_member_refused(
                Forbidden, "not_eligible_to_sign_up", errors.TEAM_MEMBER_NOT_ELIGIBLE, member
            )
    # Members are locked in one order (by id) so that two team sign-ups sharing members cannot deadlock; every
    # sign-up takes its members' locks before the activity's, as signup_create does.
    for member in sorted(members, key=lambda m: m.pk):
        _lock_member(member)
    for member in members:
        if SignUp.objects.filter(activity=activity, member=member, status__in=ACTIVE_SIGNUP_STATUSES).exists():
            raise errors.team_member_refused(
                Conflict, "already_signed_up", errors.TEAM_MEMBER_ALREADY_SIGNED_UP, member
            )
        clash = _overlapping(member, activity).first()
        if clash is not None:
            raise errors.team_member_refused(
                Conflict, "signup_overlaps", errors.TEAM_MEMBER_OVERLAPS, member, activity=clash.activity_id
            )
    activity = _locked_activity(activity)
    now = fixed_now or timezone.now()
    if activity.status != ActivityStatus.OPEN or activity.signup_deadline <= now:
        raise errors.signup_closed(activity.status)
    signups = []
    for member in members:
        got_place = Activity.objects.filter(pk=activity.pk, confirmed_count__lt=F("capacity")).update(
            confirmed_count=F("confirmed_count") + 1
        )
        signed_up_at = fixed_now or timezone.now()
        try:
            with transaction.atomic():
                signup = SignUp.objects.create(
                    activity=activity,
                    member=member,
                    team=team,
                    status=SignUpStatus.CONFIRMED if got_place else SignUpStatus.WAITLISTED,
                    signed_up_at=signed_up_at,
                    starts_at=activity.starts_at,
                    ends_at=activity.ends_at,
                )
        except IntegrityError as exc:
            raise errors.team_member_refused(
                Conflict, "already_signed_up", errors.TEAM_MEMBER_ALREADY_SIGNED_UP, member
            ) from exc
        _audit(actor=actor, subject=signup, action="sign_up", after={**_signup_state(signup), "team": team.pk})
        # The member did not sign up themself: tell them (a place or the waitlist), e-mailed once this commits.
        notification_events.team_signed_up(signup=signup, actor=actor)
        signups.append(signup)
    return signups


def cancel_deadline(activity):
    return activity.starts_at - timedelta(minutes=_setting("ACTIVITY_CANCEL_BEFORE_MIN", 120))


@transaction.atomic
def signup_cancel(*, signup, actor, reason="", now=None):
    """The member cancels until ACTIVITY_CANCEL_BEFORE_MIN before the start; the organizers any time before the end,
    and so does whoever dissolves a volunteer team, for the sign-ups its leader made
    (apps.teams.services.team_dissolve). A freed place goes to the first on the waitlist in the same transaction."""
    now = now or timezone.now()
    reason = _optional_reason(reason)
    activity = _locked_activity(signup.activity)
    signup = _locked_signup(signup)
    organizer = is_organizer(actor, activity) or (signup.team_id is not None and may_wind_up_team(actor, signup.team))
    if not organizer:
        require_own_signup(actor, signup)
    if signup.status not in ACTIVE_SIGNUP_STATUSES:
        raise Conflict("signup_not_active", errors.SIGNUP_NOT_ACTIVE, extra={"status": signup.status})
    if activity.ends_at <= now or activity.status in (ActivityStatus.FINISHED, ActivityStatus.CANCELLED):
        raise Conflict("activity_over", errors.ACTIVITY_OVER)
    if not organizer and now > cancel_deadline(activity):
        raise errors.cancel_too_late(_setting("ACTIVITY_CANCEL_BEFORE_MIN", 120))
    was = signup.status
    signup.status = SignUpStatus.CANCELLED
    signup.cancelled_at = now
    signup.save(update_fields=["status", "cancelled_at", "updated_at"])
    _audit(
        actor=actor, subject=signup, action="cancel", before={"status": was}, after=_signup_state(signup), reason=reason
    )
    if was == SignUpStatus.CONFIRMED:
        Activity.objects.filter(pk=activity.pk).update(confirmed_count=F("confirmed_count") - 1)
        waitlist_promote(activity=activity, actor=actor, now=now)
    return signup


@transaction.atomic
def waitlist_promote(*, activity, actor=None, now=None):
    """Give every free place to the waitlist, first signed up first. Idempotent; returns the promoted sign-ups."""
    now = now or timezone.now()
    activity = _locked_activity(activity)
    if activity.status not in (ActivityStatus.OPEN, ActivityStatus.CLOSED) or activity.ends_at <= now:
        return []
    promoted = []
    waiting = SignUp.objects.select_for_update().filter(activity=activity, status=SignUpStatus.WAITLISTED)
    for signup in waiting.order_by("signed_up_at", "id"):
        got_place = Activity.objects.filter(pk=activity.pk, confirmed_count__lt=F("capacity")).update(
            confirmed_count=F("confirmed_count") + 1
        )
        if not got_place:
            break
        signup.status = SignUpStatus.CONFIRMED
        signup.promoted_at = now
        signup.save(update_fields=["status", "promoted_at", "updated_at"])
        _audit(
            actor=actor,
            subject=signup,
            action="promote",
            before={"status": SignUpStatus.WAITLISTED},
            after=_signup_state(signup),
        )
        # Notification (issue #6): tell the promoted member, in this transaction; e-mailed once it commits.
        notification_events.signup_promoted(signup=signup, actor=actor)
        promoted.append(signup)
    return promoted


# --- check-in and check-out -------------------------------------------------------------------------------------


def checkin_window(activity):
    """(opens, closes): check-in is accepted from CHECKIN_OPEN_BEFORE_MIN before the start until the end."""
    return activity.starts_at - timedelta(minutes=_setting("CHECKIN_OPEN_BEFORE_MIN", 30)), activity.ends_at


def _require_checkin_open(activity, now):
    opens, _closes = checkin_window(activity)
    if activity.status not in (ActivityStatus.OPEN, ActivityStatus.CLOSED):
        raise Conflict("checkin_closed", errors.CHECKIN_CLOSED, extra={"status": activity.status})
    if now < opens:
        minutes = _setting("CHECKIN_OPEN_BEFORE_MIN", 30)
        raise Conflict("checkin_not_open", errors.CHECKIN_NOT_OPEN % {"minutes": minutes}, extra={"opens_at": opens})
    if now >= activity.ends_at:
        raise Conflict("checkin_closed", errors.CHECKIN_CLOSED)


def _checkin_target(signup, actor, now):
    signup = _locked_signup(signup)
    require_own_signup(actor, signup)
    activity = signup.activity
    _require_checkin_open(activity, now)
    if signup.status != SignUpStatus.CONFIRMED:
        raise Conflict("signup_not_confirmed", errors.NOT_CONFIRMED, extra={"status": signup.status})
    if signup.checked_in_at is not None:
        raise Conflict("already_checked_in", errors.ALREADY_CHECKED_IN)
    return signup, activity


@transaction.atomic
def checkin_by_position(
    *, signup, actor, latitude, longitude, coord_system=CoordSystem.WGS84, accuracy_m=None, now=None
):
    """Check in where the member stands: the point (in `coord_system`) must lie within CHECKIN_RADIUS_M of the
    activity, measured geodesically in WGS-84."""
    now = now or timezone.now()
    signup, activity = _checkin_target(signup, actor, now)
    lat, lng = to_wgs84(latitude, longitude, coord_system or CoordSystem.WGS84)
    distance = checkin.distance_m(activity, lat, lng)
    radius = checkin.radius_m()
    if distance > radius:
        raise errors.too_far(int(round(distance)), radius)
    signup.checked_in_at = now
    signup.checkin_method = CheckinMethod.POSITION
    signup.checkin_latitude = lat
    signup.checkin_longitude = lng
    signup.checkin_accuracy_m = accuracy_m
    signup.checkin_distance_m = distance
    signup.save()
    _audit(actor=actor, subject=signup, action="check_in", after={"method": "position", "distance_m": round(distance)})
    return signup


@transaction.atomic
def checkin_by_code(*, signup, actor, code, now=None):
    """Check in with the code shown on site: valid in its window and the one just before, never afterwards."""
    now = now or timezone.now()
    signup, activity = _checkin_target(signup, actor, now)
    verdict, window = checkin.check_code(activity, code, now=now)
    if verdict == checkin.CODE_EXPIRED:
        raise Invalid("checkin_code_expired", errors.CODE_EXPIRED)
    if verdict != checkin.CODE_VALID:
        raise Invalid("checkin_code_invalid", errors.CODE_INVALID)
    signup.checked_in_at = now
    signup.checkin_method = CheckinMethod.CODE
    signup.save()
    _audit(actor=actor, subject=signup, action="check_in", after={"method": "code", "window": window})
    return signup


@transaction.atomic
def checkout(*, signup, actor, now=None):
    """The member leaves: only after checking in, once, while the activity is not finished."""
    now = now or timezone.now()
    signup = _locked_signup(signup)
    if not is_own_signup(actor, signup):
        raise errors.not_own_signup()
    if signup.checked_in_at is None:
        raise Conflict("not_checked_in", errors.NOT_CHECKED_IN)
    if signup.checked_out_at is not None:
        raise Conflict("already_checked_out", errors.ALREADY_CHECKED_OUT)
    if signup.activity.status not in (ActivityStatus.OPEN, ActivityStatus.CLOSED):
        raise Conflict("activity_over", errors.ACTIVITY_OVER, extra={"status": signup.activity.status})
    signup.checked_out_at = max(now, signup.checked_in_at)
    signup.save(update_fields=["checked_out_at", "updated_at"])
    _audit(actor=actor, subject=signup, action="check_out", after={"checked_out_at": signup.checked_out_at})
    return signup
