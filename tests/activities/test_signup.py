"""Sign-up rules: audience, deadline, duplicates, overlaps, capacity and waitlist order, cancellation and promotion."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from apps.activities import selectors, services
from apps.activities.models import Activity, ActivityStatus, Audience, SignUp, SignUpStatus
from apps.core.errors import Conflict, Forbidden
from apps.ledger.models import AuditEntry
from apps.ledger.selectors import subject_type_of
from apps.registrations.models import RegistrationStatus
from tests import factories as f
from tests.activities.conftest import at

pytestmark = pytest.mark.django_db


def _statuses(activity):
    return list(SignUp.objects.filter(activity=activity).order_by("id").values_list("status", flat=True))


# --- eligibility ------------------------------------------------------------------------------------------------


def test_resident_gets_a_confirmed_place_and_the_counter_moves(aw):
    activity = aw.activity(audience=Audience.RESIDENTS)
    signup = services.signup_create(activity=activity, member=aw.member)
    assert signup.status == SignUpStatus.CONFIRMED
    assert (signup.starts_at, signup.ends_at) == (activity.starts_at, activity.ends_at)
    activity.refresh_from_db()
    assert activity.confirmed_count == 1
    entry = AuditEntry.objects.get(subject_type=subject_type_of(signup), subject_id=signup.pk)
    assert entry.action == "sign_up" and entry.actor == aw.member.user


def test_residents_only_refuses_a_paired_member(aw):
    activity = aw.activity(community=aw.other_community, grid=aw.other_grid, audience=Audience.RESIDENTS)
    with pytest.raises(Forbidden) as exc:
        services.signup_create(activity=activity, member=aw.member)
    assert exc.value.code == "not_eligible_to_sign_up"
    assert not SignUp.objects.exists()


def test_paired_audience_admits_a_member_of_a_paired_organ(aw):
    activity = aw.activity(community=aw.other_community, grid=aw.other_grid, audience=Audience.PAIRED)
    assert services.signup_create(activity=activity, member=aw.member).status == SignUpStatus.CONFIRMED


def test_paired_audience_refuses_a_member_neither_registered_nor_paired(aw):
    activity = aw.activity(audience=Audience.PAIRED)
    with pytest.raises(Forbidden):
        services.signup_create(activity=activity, member=aw.other_member)


def test_ended_pairing_no_longer_admits(aw):
    aw.pairing.starts_on = at(2020, 1, 1, 0).date()
    aw.pairing.ends_on = at(2020, 12, 31, 0).date()
    aw.pairing.save()
    activity = aw.activity(community=aw.other_community, grid=aw.other_grid)
    with pytest.raises(Forbidden):
        services.signup_create(activity=activity, member=aw.member)


def test_pending_registration_does_not_count(aw):
    member = f.MemberFactory()
    f.RegistrationFactory(member=member, grid=aw.grid, status=RegistrationStatus.PENDING)
    with pytest.raises(Forbidden):
        services.signup_create(activity=aw.activity(audience=Audience.RESIDENTS), member=member)


def test_anyone_audience_admits_any_member(aw):
    activity = aw.activity(audience=Audience.ANYONE)
    assert services.signup_create(activity=activity, member=aw.other_member).status == SignUpStatus.CONFIRMED


def test_inactive_member_is_refused(aw):
    aw.member.is_active = False
    aw.member.save()
    with pytest.raises(Forbidden) as exc:
        services.signup_create(activity=aw.activity(audience=Audience.ANYONE), member=aw.member)
    assert exc.value.code == "not_a_member"


# --- state and time ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [ActivityStatus.DRAFT, ActivityStatus.CLOSED, ActivityStatus.CANCELLED])
def test_only_open_activities_take_signups(aw, status):
    with pytest.raises(Conflict) as exc:
        services.signup_create(activity=aw.activity(status=status), member=aw.member)
    assert exc.value.code == "signup_closed"


def test_signup_at_the_deadline_is_refused(aw):
    activity = aw.activity()
    activity.signup_deadline = activity.starts_at - timedelta(hours=1)
    activity.save()
    services.signup_create(activity=activity, member=aw.teammate, now=activity.signup_deadline - timedelta(seconds=1))
    with pytest.raises(Conflict) as exc:
        services.signup_create(activity=activity, member=aw.member, now=activity.signup_deadline)
    assert exc.value.code == "signup_closed"


def test_signing_up_twice_is_already_signed_up(aw):
    activity = aw.activity()
    services.signup_create(activity=activity, member=aw.member)
    with pytest.raises(Conflict) as exc:
        services.signup_create(activity=activity, member=aw.member)
    assert exc.value.code == "already_signed_up"
    activity.refresh_from_db()
    assert activity.confirmed_count == 1


def test_database_backs_one_active_signup_per_member(aw):
    activity = aw.activity()
    signup = services.signup_create(activity=activity, member=aw.member)
    with pytest.raises(IntegrityError), transaction.atomic():
        SignUp.objects.create(
            activity=activity,
            member=aw.member,
            status=SignUpStatus.WAITLISTED,
            signed_up_at=signup.signed_up_at,
            starts_at=activity.starts_at,
            ends_at=activity.ends_at,
        )


def test_signing_up_again_after_cancelling_is_allowed(aw):
    activity = aw.activity()
    signup = services.signup_create(activity=activity, member=aw.member)
    services.signup_cancel(signup=signup, actor=aw.member.user)
    again = services.signup_create(activity=activity, member=aw.member)
    assert again.status == SignUpStatus.CONFIRMED and again.pk != signup.pk


# --- overlaps ---------------------------------------------------------------------------------------------------


def test_overlapping_signup_is_refused(aw):
    morning = aw.activity(starts_at=at(2031, 5, 1, 9), ends_at=at(2031, 5, 1, 11))
    overlapping = aw.activity(starts_at=at(2031, 5, 1, 10), ends_at=at(2031, 5, 1, 12))
    services.signup_create(activity=morning, member=aw.member)
    with pytest.raises(Conflict) as exc:
        services.signup_create(activity=overlapping, member=aw.member)
    assert exc.value.code == "signup_overlaps" and exc.value.extra["activity"] == morning.pk
    overlapping.refresh_from_db()
    assert overlapping.confirmed_count == 0


def test_back_to_back_activities_do_not_overlap(aw):
    first = aw.activity(starts_at=at(2031, 5, 1, 9), ends_at=at(2031, 5, 1, 11))
    second = aw.activity(starts_at=at(2031, 5, 1, 11), ends_at=at(2031, 5, 1, 12))
    services.signup_create(activity=first, member=aw.member)
    assert services.signup_create(activity=second, member=aw.member).status == SignUpStatus.CONFIRMED


def test_overlap_across_midnight_is_refused(aw):
    night = aw.activity(starts_at=at(2031, 5, 1, 22), ends_at=at(2031, 5, 2, 2))
    early = aw.activity(starts_at=at(2031, 5, 2, 1), ends_at=at(2031, 5, 2, 3))
    services.signup_create(activity=night, member=aw.member)
    with pytest.raises(Conflict) as exc:
        services.signup_create(activity=early, member=aw.member)
    assert exc.value.code == "signup_overlaps"


def test_a_waitlisted_signup_also_blocks_overlaps_but_a_cancelled_one_does_not(aw):
    full = aw.activity(capacity=1, starts_at=at(2031, 5, 1, 9), ends_at=at(2031, 5, 1, 11))
    other = aw.activity(starts_at=at(2031, 5, 1, 10), ends_at=at(2031, 5, 1, 12))
    services.signup_create(activity=full, member=aw.teammate)
    waiting = services.signup_create(activity=full, member=aw.member)
    assert waiting.status == SignUpStatus.WAITLISTED
    with pytest.raises(Conflict):
        services.signup_create(activity=other, member=aw.member)
    services.signup_cancel(signup=waiting, actor=aw.member.user)
    assert services.signup_create(activity=other, member=aw.member).status == SignUpStatus.CONFIRMED


# --- capacity and waitlist --------------------------------------------------------------------------------------


def test_capacity_then_waitlist_in_signup_order(aw):
    activity = aw.activity(capacity=2)
    members = [aw.resident() for _ in range(5)]
    signups = [services.signup_create(activity=activity, member=m) for m in members]
    assert [s.status for s in signups] == ["confirmed"] * 2 + ["waitlisted"] * 3
    activity.refresh_from_db()
    assert activity.confirmed_count == 2
    assert list(selectors.waitlist(activity=activity)) == signups[2:]
    positions = {s.pk: s.waitlist_rank for s in selectors.my_signups(user=members[4].user)}
    assert positions[signups[4].pk] == 3


def test_member_cancel_promotes_the_first_waitlisted(aw):
    activity = aw.activity(capacity=1)
    members = [aw.resident() for _ in range(3)]
    first, second, third = (services.signup_create(activity=activity, member=m) for m in members)
    services.signup_cancel(signup=first, actor=members[0].user)
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == SignUpStatus.CONFIRMED and second.promoted_at is not None
    assert third.status == SignUpStatus.WAITLISTED
    activity.refresh_from_db()
    assert activity.confirmed_count == 1
    assert AuditEntry.objects.filter(
        subject_type=subject_type_of(second), subject_id=second.pk, action="promote"
    ).exists()


def test_cancelling_a_waitlisted_signup_promotes_nobody_and_keeps_the_counter(aw):
    activity = aw.activity(capacity=1)
    services.signup_create(activity=activity, member=aw.member)
    waiting = services.signup_create(activity=activity, member=aw.teammate)
    services.signup_cancel(signup=waiting, actor=aw.teammate.user)
    activity.refresh_from_db()
    assert activity.confirmed_count == 1
    assert _statuses(activity) == ["confirmed", "cancelled"]


def test_waitlist_promote_fills_every_free_place_and_is_idempotent(aw):
    activity = aw.activity(capacity=1)
    members = [aw.resident() for _ in range(4)]
    signups = [services.signup_create(activity=activity, member=m) for m in members]
    Activity.objects.filter(pk=activity.pk).update(capacity=3)
    promoted = services.waitlist_promote(activity=activity)
    assert promoted == signups[1:3]
    assert services.waitlist_promote(activity=activity) == []
    assert _statuses(activity) == ["confirmed", "confirmed", "confirmed", "waitlisted"]


def test_waitlist_promote_does_nothing_on_a_cancelled_activity(aw):
    activity = aw.activity(capacity=1)
    services.signup_create(activity=activity, member=aw.member)
    Activity.objects.filter(pk=activity.pk).update(status=ActivityStatus.CANCELLED, capacity=5)
    assert services.waitlist_promote(activity=activity) == []


# --- cancellation deadline --------------------------------------------------------------------------------------


def test_member_cancels_until_the_deadline_but_not_after(aw, settings):
    settings.ACTIVITY_CANCEL_BEFORE_MIN = 120
    activity = aw.activity()
    signup = services.signup_create(activity=activity, member=aw.member)
    with pytest.raises(Conflict) as exc:
        services.signup_cancel(signup=signup, actor=aw.member.user, now=activity.starts_at - timedelta(minutes=119))
    assert exc.value.code == "cancel_too_late"
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.CONFIRMED
    services.signup_cancel(signup=signup, actor=aw.member.user, now=activity.starts_at - timedelta(minutes=120))
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.CANCELLED


def test_staff_cancel_after_the_member_deadline_but_not_after_the_end(aw):
    activity = aw.activity()
    signup = services.signup_create(activity=activity, member=aw.member)
    late = services.signup_create(activity=activity, member=aw.teammate)
    services.signup_cancel(
        signup=signup, actor=aw.staff, reason="临时有事", now=activity.starts_at + timedelta(minutes=5)
    )
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.CANCELLED
    with pytest.raises(Conflict) as exc:
        services.signup_cancel(signup=late, actor=aw.staff, now=activity.ends_at)
    assert exc.value.code == "activity_over"


def test_another_member_cannot_cancel_my_signup(aw):
    signup = services.signup_create(activity=aw.activity(), member=aw.member)
    with pytest.raises(Forbidden) as exc:
        services.signup_cancel(signup=signup, actor=aw.teammate.user)
    assert exc.value.code == "not_own_signup"
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.CONFIRMED


def test_cancelling_twice_is_a_conflict(aw):
    signup = services.signup_create(activity=aw.activity(), member=aw.member)
    services.signup_cancel(signup=signup, actor=aw.member.user)
    with pytest.raises(Conflict) as exc:
        services.signup_cancel(signup=signup, actor=aw.member.user)
    assert exc.value.code == "signup_not_active"
