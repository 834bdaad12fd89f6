"""Activities through their services: creating (single and weekly series), publishing, updating, cancelling,
closing sign-up at the start; the audit entries written."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from apps.activities import services
from apps.activities.models import Activity, ActivityStatus, Audience, SignUp, SignUpStatus
from apps.core.errors import Conflict, Forbidden, Invalid
from apps.ledger.models import AuditEntry
from apps.ledger.selectors import subject_type_of
from apps.places.coords import wgs84_to_gcj02
from tests import factories as f
from tests.activities.conftest import SHANGHAI, at, soon

pytestmark = pytest.mark.django_db


def _create(aw, actor=None, **kwargs):
    data = {
        "community": aw.community,
        "grid": aw.grid,
        "title": "社区夜巡",
        "category": "night_patrol",
        "address": "幸福路1号",
        "latitude": f.CITY_LAT,
        "longitude": f.CITY_LNG,
        "starts_at": soon(hour=19),
        "ends_at": soon(hour=21),
        "capacity": 5,
    }
    data.update(kwargs)
    return services.activity_create(actor=actor or aw.staff, **data)


def _audits(obj, action=None):
    entries = AuditEntry.objects.filter(subject_type=subject_type_of(obj), subject_id=obj.pk)
    return entries.filter(action=action) if action else entries


# --- creating ---------------------------------------------------------------------------------------------------


def test_staff_create_a_draft_with_a_secret_and_an_audit_entry(aw):
    activity = _create(aw)
    assert activity.status == ActivityStatus.DRAFT
    assert activity.signup_deadline == activity.starts_at
    assert len(activity.checkin_secret) == 64
    assert activity.confirmed_count == 0
    assert _audits(activity, "create").count() == 1


def test_publish_true_opens_sign_up_at_once(aw):
    assert _create(aw, publish=True).status == ActivityStatus.OPEN


def test_grid_worker_creates_for_their_grid_but_not_without_it(aw):
    assert _create(aw, actor=aw.grid_worker).created_by == aw.grid_worker
    with pytest.raises(Forbidden):
        _create(aw, actor=aw.grid_worker, grid=None)


def test_branch_secretary_organizes_only_for_a_paired_community(aw):
    activity = _create(aw, actor=aw.secretary, community=aw.other_community, grid=None, organizer_party_org=aw.branch)
    assert activity.organizer_party_org == aw.branch
    with pytest.raises(Forbidden):  # the world's community is not paired with the secretary's organ
        _create(aw, actor=aw.secretary, grid=None, organizer_party_org=aw.branch)
    with pytest.raises(Forbidden):  # not the secretary of the other organ's branch
        _create(aw, actor=aw.secretary, community=aw.other_community, grid=None, organizer_party_org=aw.other_branch)


@pytest.mark.parametrize("name", ["member", "reviewer", "street_admin", "outsider", "other_staff"])
def test_others_cannot_organize_here(aw, name):
    actor = aw.member.user if name == "member" else getattr(aw, name)
    with pytest.raises(Forbidden):
        _create(aw, actor=actor)
    assert not Activity.objects.exists()


def test_grid_of_another_community_is_refused(aw):
    with pytest.raises(Invalid) as exc:
        _create(aw, grid=aw.other_grid)
    assert exc.value.code == "grid_not_in_community"


def test_address_is_geocoded_when_no_point_is_given(aw):
    f.GazetteerEntryFactory(name="幸福里小区", latitude=f.CITY_LAT + 0.001, longitude=f.CITY_LNG)
    activity = _create(aw, address="幸福里小区", latitude=None, longitude=None)
    assert activity.latitude == pytest.approx(f.CITY_LAT + 0.001)
    assert activity.longitude == pytest.approx(f.CITY_LNG)


def test_unknown_address_is_refused(aw):
    with pytest.raises(Invalid) as exc:
        _create(aw, address="不存在的地方", latitude=None, longitude=None)
    assert exc.value.code == "address_not_found"


def test_gcj02_point_is_stored_in_wgs84(aw):
    gcj = wgs84_to_gcj02(f.CITY_LAT, f.CITY_LNG)
    activity = _create(aw, latitude=gcj[0], longitude=gcj[1], coord_system="gcj02")
    assert activity.latitude == pytest.approx(f.CITY_LAT, abs=1e-6)
    assert activity.longitude == pytest.approx(f.CITY_LNG, abs=1e-6)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"ends_at": soon(hour=19)}, "ends_before_start"),
        ({"starts_at": soon(days=-1, hour=19), "ends_at": soon(days=-1, hour=21)}, "starts_in_past"),
        ({"signup_deadline": soon(hour=20)}, "signup_deadline_after_start"),
        ({"starts_at": datetime(2030, 1, 1, 9), "ends_at": datetime(2030, 1, 1, 11)}, "time_not_aware"),  # noqa: DTZ001
        ({"capacity": 0}, "capacity_invalid"),
        ({"title": "  "}, "title_required"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(aw, change, code):
    with pytest.raises(Invalid) as exc:
        _create(aw, **change)
    assert exc.value.code == code
    assert not Activity.objects.exists()


def test_activity_crossing_midnight_is_accepted(aw):
    activity = _create(aw, starts_at=soon(hour=22), ends_at=soon(days=4, hour=2))
    assert activity.ends_at - activity.starts_at == timedelta(hours=4)


# --- series -----------------------------------------------------------------------------------------------------


def test_weekly_series_keeps_the_local_time_of_day(aw):
    start = soon(days=2, hour=20)
    created = services.activity_create_series(
        actor=aw.staff,
        occurrences=4,
        community=aw.community,
        grid=aw.grid,
        title="每周夜巡",
        category="night_patrol",
        address="幸福路1号",
        latitude=f.CITY_LAT,
        longitude=f.CITY_LNG,
        starts_at=start,
        ends_at=start + timedelta(hours=3, minutes=30),  # crosses midnight
        signup_deadline=start - timedelta(hours=6),
        capacity=8,
        publish=True,
    )
    assert len(created) == 4
    assert len({a.series_id for a in created}) == 1 and created[0].series.title == "每周夜巡"
    for week, activity in enumerate(created):
        local = timezone.localtime(activity.starts_at, SHANGHAI)
        assert (local.hour, local.minute) == (20, 0)
        assert local.date() == start.date() + timedelta(weeks=week)
        assert activity.ends_at - activity.starts_at == timedelta(hours=3, minutes=30)
        assert activity.starts_at - activity.signup_deadline == timedelta(hours=6)
        assert activity.status == ActivityStatus.OPEN
    assert len({a.checkin_secret for a in created}) == 4


def test_series_of_one_or_too_many_is_refused(aw):
    for n in (1, 53):
        with pytest.raises(Invalid):
            services.activity_create_series(
                actor=aw.staff, occurrences=n, community=aw.community, title="x", category="other",
                address="a", latitude=f.CITY_LAT, longitude=f.CITY_LNG, starts_at=soon(), ends_at=soon(hour=10),
                capacity=1,
            )  # fmt: skip
    assert not Activity.objects.exists()


def test_series_refused_for_an_outsider_writes_nothing(aw):
    with pytest.raises(Forbidden):
        services.activity_create_series(
            actor=aw.outsider, occurrences=3, community=aw.community, title="x", category="other", address="a",
            latitude=f.CITY_LAT, longitude=f.CITY_LNG, starts_at=soon(), ends_at=soon(hour=10), capacity=1,
        )  # fmt: skip
    assert not Activity.objects.exists()


# --- publish, update, cancel ------------------------------------------------------------------------------------


def test_publish_opens_a_draft_once(aw):
    activity = aw.activity(status=ActivityStatus.DRAFT)
    services.activity_publish(activity=activity, actor=aw.staff)
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.OPEN
    assert _audits(activity, "publish").count() == 1
    with pytest.raises(Conflict) as exc:
        services.activity_publish(activity=activity, actor=aw.staff)
    assert exc.value.code == "activity_not_draft"


def test_publish_after_the_deadline_is_refused(aw):
    activity = aw.activity(status=ActivityStatus.DRAFT)
    with pytest.raises(Conflict) as exc:
        services.activity_publish(activity=activity, actor=aw.staff, now=activity.starts_at)
    assert exc.value.code == "signup_closed"


def test_update_moves_the_window_onto_the_signups(aw):
    activity = aw.activity()
    signup = services.signup_create(activity=activity, member=aw.member)
    new_start = activity.starts_at + timedelta(days=1)
    services.activity_update(
        activity=activity, actor=aw.staff, starts_at=new_start, ends_at=new_start + timedelta(hours=1)
    )
    signup.refresh_from_db()
    assert signup.starts_at == new_start and signup.ends_at == new_start + timedelta(hours=1)
    assert _audits(activity, "update").count() == 1


def test_update_never_lowers_capacity_below_confirmed(aw):
    activity = aw.activity(capacity=3)
    for member in (aw.member, aw.teammate):
        services.signup_create(activity=activity, member=member)
    with pytest.raises(Invalid) as exc:
        services.activity_update(activity=activity, actor=aw.staff, capacity=1)
    assert exc.value.code == "capacity_below_confirmed"
    services.activity_update(activity=activity, actor=aw.staff, capacity=2)
    activity.refresh_from_db()
    assert activity.capacity == 2


def test_raising_capacity_promotes_the_waitlist(aw):
    activity = aw.activity(capacity=1)
    services.signup_create(activity=activity, member=aw.member)
    waiting = services.signup_create(activity=activity, member=aw.teammate)
    assert waiting.status == SignUpStatus.WAITLISTED
    services.activity_update(activity=activity, actor=aw.staff, capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == SignUpStatus.CONFIRMED and waiting.promoted_at is not None


def test_update_after_start_is_refused(aw):
    activity = aw.activity()
    with pytest.raises(Conflict) as exc:
        services.activity_update(activity=activity, actor=aw.staff, title="新", now=activity.starts_at)
    assert exc.value.code == "activity_not_editable"


def test_update_of_a_fixed_field_is_refused(aw):
    with pytest.raises(Invalid) as exc:
        services.activity_update(activity=aw.activity(), actor=aw.staff, community=aw.other_community)
    assert exc.value.code == "field_not_editable"


def test_update_by_a_non_organizer_is_forbidden(aw):
    activity = aw.activity()
    with pytest.raises(Forbidden):
        services.activity_update(activity=activity, actor=aw.other_staff, title="别人的")
    activity.refresh_from_db()
    assert activity.title != "别人的"


def test_cancel_cancels_every_signup_and_needs_a_reason(aw):
    activity = aw.activity(capacity=1)
    first = services.signup_create(activity=activity, member=aw.member)
    second = services.signup_create(activity=activity, member=aw.teammate)
    with pytest.raises(Invalid):
        services.activity_cancel(activity=activity, actor=aw.staff, reason=" ")
    services.activity_cancel(activity=activity, actor=aw.staff, reason="暴雨预警")
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED and activity.closed_reason == "暴雨预警"
    assert activity.confirmed_count == 0
    assert set(SignUp.objects.values_list("status", flat=True)) == {SignUpStatus.CANCELLED}
    assert _audits(first, "cancel").get().reason == "暴雨预警"
    assert _audits(second, "cancel").count() == 1
    with pytest.raises(Conflict):
        services.activity_cancel(activity=activity, actor=aw.staff, reason="again")


def test_cancel_by_a_member_is_forbidden(aw):
    activity = aw.activity()
    with pytest.raises(Forbidden):
        services.activity_cancel(activity=activity, actor=aw.member.user, reason="x")
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.OPEN


def test_close_signups_due_closes_started_open_activities_once(aw):
    started = aw.activity(starts_at=at(2026, 1, 5, 9), ends_at=at(2026, 1, 5, 11))
    later = aw.activity(starts_at=at(2026, 1, 6, 9), ends_at=at(2026, 1, 6, 11))
    draft = aw.activity(starts_at=at(2026, 1, 5, 9), ends_at=at(2026, 1, 5, 11), status=ActivityStatus.DRAFT)
    now = at(2026, 1, 5, 9, 1)
    assert services.activity_close_signups_due(now=now) == 1
    assert services.activity_close_signups_due(now=now) == 0
    statuses = dict(Activity.objects.values_list("pk", "status"))
    assert statuses == {started.pk: "closed", later.pk: "open", draft.pk: "draft"}
    assert _audits(started, "close_signups").count() == 1


def test_audience_default_is_paired(aw):
    assert _create(aw).audience == Audience.PAIRED
