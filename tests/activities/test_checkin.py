"""Check-in by position (WGS-84, GCJ-02, BD-09, the geofence) and by the rotating code; check-out."""

from datetime import timedelta

import pytest
from geopy.distance import geodesic

from apps.activities import checkin, services
from apps.activities.models import CheckinMethod, SignUpStatus
from apps.core.errors import Conflict, Forbidden, Invalid
from tests.activities.conftest import BD09_POINT, GCJ02_POINT, WGS84_POINT, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(aw):
    return aw.activity(latitude=WGS84_POINT[0], longitude=WGS84_POINT[1])


@pytest.fixture
def signup(aw, activity):
    return services.signup_create(activity=activity, member=aw.member)


def _in_window(activity, minutes=5):
    return activity.starts_at + timedelta(minutes=minutes)


def _position(aw, signup, point, system, now, **kwargs):
    return services.checkin_by_position(
        signup=signup, actor=aw.member.user, latitude=point[0], longitude=point[1], coord_system=system,
        accuracy_m=15, now=now, **kwargs,
    )  # fmt: skip


# --- by position ------------------------------------------------------------------------------------------------


def test_wgs84_position_on_the_spot_checks_in(aw, activity, signup):
    done = _position(aw, signup, WGS84_POINT, "wgs84", _in_window(activity))
    assert done.checked_in_at == _in_window(activity)
    assert done.checkin_method == CheckinMethod.POSITION
    assert done.checkin_distance_m < 1
    assert done.checkin_accuracy_m == 15


def test_gcj02_position_is_converted_and_accepted_within_metres(aw, activity, signup):
    done = _position(aw, signup, GCJ02_POINT, "gcj02", _in_window(activity))
    assert done.checkin_distance_m < 5
    assert done.checkin_latitude == pytest.approx(WGS84_POINT[0], abs=5e-5)


def test_bd09_position_is_converted_and_accepted_within_metres(aw, activity, signup):
    done = _position(aw, signup, BD09_POINT, "bd09", _in_window(activity))
    assert done.checkin_distance_m < 10


def test_gcj02_numbers_sent_as_wgs84_are_too_far(aw, activity, signup):
    with pytest.raises(Invalid) as exc:
        _position(aw, signup, GCJ02_POINT, "wgs84", _in_window(activity))
    assert exc.value.code == "too_far_from_activity"
    assert 500 < exc.value.extra["distance_m"] < 600
    assert exc.value.extra["radius_m"] == 500
    assert str(exc.value.extra["distance_m"]) in str(exc.value.message)
    signup.refresh_from_db()
    assert signup.checked_in_at is None


def test_bd09_numbers_sent_as_wgs84_are_more_than_a_kilometre_off(aw, activity, signup):
    with pytest.raises(Invalid) as exc:
        _position(aw, signup, BD09_POINT, "wgs84", _in_window(activity))
    assert 1200 < exc.value.extra["distance_m"] < 1400


def test_radius_is_a_setting(aw, activity, signup, settings):
    settings.CHECKIN_RADIUS_M = 600
    assert _position(aw, signup, GCJ02_POINT, "wgs84", _in_window(activity)).checked_in_at is not None


def test_a_point_just_inside_the_radius_is_accepted_and_just_outside_refused(aw, activity, signup):
    inside = geodesic(meters=495).destination(WGS84_POINT, bearing=90)
    outside = geodesic(meters=505).destination(WGS84_POINT, bearing=90)
    with pytest.raises(Invalid):
        _position(aw, signup, (outside.latitude, outside.longitude), "wgs84", _in_window(activity))
    _position(aw, signup, (inside.latitude, inside.longitude), "wgs84", _in_window(activity))


def test_invalid_coordinates_are_refused(aw, activity, signup):
    with pytest.raises(Invalid) as exc:
        _position(aw, signup, (float("nan"), 116.0), "wgs84", _in_window(activity))
    assert exc.value.code == "invalid_coordinates"


# --- the window -------------------------------------------------------------------------------------------------


def test_checkin_opens_thirty_minutes_before_the_start(aw, activity, signup, settings):
    settings.CHECKIN_OPEN_BEFORE_MIN = 30
    with pytest.raises(Conflict) as exc:
        _position(aw, signup, WGS84_POINT, "wgs84", activity.starts_at - timedelta(minutes=31))
    assert exc.value.code == "checkin_not_open"
    _position(aw, signup, WGS84_POINT, "wgs84", activity.starts_at - timedelta(minutes=30))


def test_checkin_closes_at_the_end(aw, activity, signup):
    with pytest.raises(Conflict) as exc:
        _position(aw, signup, WGS84_POINT, "wgs84", activity.ends_at)
    assert exc.value.code == "checkin_closed"


def test_checkin_after_midnight_of_a_night_activity(aw):
    night = aw.activity(starts_at=at(2031, 5, 1, 22), ends_at=at(2031, 5, 2, 2), latitude=WGS84_POINT[0],
                        longitude=WGS84_POINT[1])  # fmt: skip
    signup = services.signup_create(activity=night, member=aw.member, now=at(2031, 4, 1, 0))
    done = _position(aw, signup, WGS84_POINT, "wgs84", at(2031, 5, 2, 1, 30))
    assert done.checked_in_at == at(2031, 5, 2, 1, 30)


def test_a_waitlisted_member_cannot_check_in(aw):
    activity = aw.activity(capacity=1, latitude=WGS84_POINT[0], longitude=WGS84_POINT[1])
    services.signup_create(activity=activity, member=aw.teammate)
    waiting = services.signup_create(activity=activity, member=aw.member)
    assert waiting.status == SignUpStatus.WAITLISTED
    with pytest.raises(Conflict) as exc:
        _position(aw, waiting, WGS84_POINT, "wgs84", _in_window(activity))
    assert exc.value.code == "signup_not_confirmed"


def test_checking_in_twice_is_already_checked_in(aw, activity, signup):
    _position(aw, signup, WGS84_POINT, "wgs84", _in_window(activity))
    with pytest.raises(Conflict) as exc:
        _position(aw, signup, WGS84_POINT, "wgs84", _in_window(activity, 6))
    assert exc.value.code == "already_checked_in"


def test_nobody_else_checks_in_for_the_member(aw, activity, signup):
    with pytest.raises(Forbidden):
        services.checkin_by_position(
            signup=signup, actor=aw.teammate.user, latitude=WGS84_POINT[0], longitude=WGS84_POINT[1],
            now=_in_window(activity),
        )  # fmt: skip


# --- by code ----------------------------------------------------------------------------------------------------


def test_current_code_checks_in(aw, activity, signup):
    now = _in_window(activity)
    code = checkin.current_code(activity, now=now).code
    done = services.checkin_by_code(signup=signup, actor=aw.member.user, code=code, now=now)
    assert done.checkin_method == CheckinMethod.CODE and done.checked_in_at == now


def test_code_of_the_previous_window_is_still_accepted(aw, activity, signup, settings):
    settings.CHECKIN_CODE_WINDOW_S = 60
    shown = _in_window(activity)
    code = checkin.current_code(activity, now=shown).code
    later = checkin.current_code(activity, now=shown).expires_at + timedelta(seconds=30)
    services.checkin_by_code(signup=signup, actor=aw.member.user, code=code, now=later)


def test_expired_code_is_refused(aw, activity, signup, settings):
    settings.CHECKIN_CODE_WINDOW_S = 60
    shown = _in_window(activity)
    current = checkin.current_code(activity, now=shown)
    two_windows_later = current.expires_at + timedelta(seconds=61)
    with pytest.raises(Invalid) as exc:
        services.checkin_by_code(signup=signup, actor=aw.member.user, code=current.code, now=two_windows_later)
    assert exc.value.code == "checkin_code_expired"
    signup.refresh_from_db()
    assert signup.checked_in_at is None


def test_wrong_code_and_another_activitys_code_are_invalid(aw):
    # Fixed secrets and times, so that no random collision with an older window can make this test flaky.
    activity = aw.activity(starts_at=at(2031, 5, 1, 9), ends_at=at(2031, 5, 1, 11), checkin_secret="a" * 64)
    other = aw.activity(starts_at=at(2031, 5, 2, 9), ends_at=at(2031, 5, 2, 11), checkin_secret="b" * 64)
    signup = services.signup_create(activity=activity, member=aw.member, now=at(2031, 4, 1, 9))
    now = _in_window(activity)
    for code in ("abcdef", "12345", "", checkin.current_code(other, now=now).code):
        with pytest.raises(Invalid) as exc:
            services.checkin_by_code(signup=signup, actor=aw.member.user, code=code, now=now)
        assert exc.value.code == "checkin_code_invalid"


def test_a_used_code_cannot_be_replayed(aw, activity, signup):
    now = _in_window(activity)
    code = checkin.current_code(activity, now=now).code
    services.checkin_by_code(signup=signup, actor=aw.member.user, code=code, now=now)
    with pytest.raises(Conflict) as exc:
        services.checkin_by_code(signup=signup, actor=aw.member.user, code=code, now=now + timedelta(seconds=5))
    assert exc.value.code == "already_checked_in"


def test_code_replayed_after_it_expired_is_refused_for_another_member(aw, activity, signup):
    teammate_signup = services.signup_create(activity=activity, member=aw.teammate)
    now = _in_window(activity)
    current = checkin.current_code(activity, now=now)
    services.checkin_by_code(signup=signup, actor=aw.member.user, code=current.code, now=now)
    with pytest.raises(Invalid) as exc:
        services.checkin_by_code(
            signup=teammate_signup, actor=aw.teammate.user, code=current.code, now=now + timedelta(minutes=5)
        )
    assert exc.value.code == "checkin_code_expired"


def test_codes_rotate_and_differ_per_activity(aw, activity):
    now = _in_window(activity)
    codes = {checkin.current_code(activity, now=now + timedelta(minutes=m)).code for m in range(10)}
    assert len(codes) >= 9
    code = checkin.current_code(activity, now=now).code
    assert len(code) == 6 and code.isdigit()


def test_qr_svg_encodes_an_svg(aw, activity):
    svg = checkin.current_code(activity, now=_in_window(activity)).qr_svg()
    assert svg.startswith("<svg") and "</svg>" in svg


# --- check-out --------------------------------------------------------------------------------------------------


def test_checkout_after_checkin(aw, activity, signup):
    _position(aw, signup, WGS84_POINT, "wgs84", _in_window(activity))
    done = services.checkout(signup=signup, actor=aw.member.user, now=activity.ends_at)
    assert done.checked_out_at == activity.ends_at
    with pytest.raises(Conflict) as exc:
        services.checkout(signup=signup, actor=aw.member.user, now=activity.ends_at)
    assert exc.value.code == "already_checked_out"


def test_checkout_without_checkin_is_refused(aw, activity, signup):
    with pytest.raises(Conflict) as exc:
        services.checkout(signup=signup, actor=aw.member.user, now=activity.ends_at)
    assert exc.value.code == "not_checked_in"


def test_someone_else_cannot_check_the_member_out(aw, activity, signup):
    _position(aw, signup, WGS84_POINT, "wgs84", _in_window(activity))
    with pytest.raises(Forbidden):
        services.checkout(signup=signup, actor=aw.staff, now=activity.ends_at)
    signup.refresh_from_db()
    assert signup.checked_out_at is None
