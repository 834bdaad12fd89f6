"""A volunteer team's leader signs several team members up in one step; activities organized by a team."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import translation

from apps.activities import services
from apps.activities.hours import activity_finish
from apps.activities.models import Activity, Audience, SignUp, SignUpStatus
from apps.core.errors import Conflict, Forbidden, Invalid
from apps.ledger.models import AuditEntry, ServiceRecord
from apps.notifications import events, links
from apps.notifications.models import Notification, NotificationKind
from apps.teams import services as team_services
from tests import factories as f
from tests.activities.conftest import ActivityFactory, at
from tests.teams.conftest import join, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(aw):
    """Led by the world's member, with the teammate and one more resident of the community as members."""
    team = make_team(leader=aw.member, party_org=aw.branch)
    aw.second = aw.resident()
    join(team, aw.teammate)
    join(team, aw.second)
    return team


def _sign(aw, team, activity, members, actor=None):
    return services.signup_create_team(activity=activity, actor=(actor or aw.member.user), team=team, members=members)


def test_leader_signs_three_members_up_each_confirmed_with_the_team(aw, team):
    activity = aw.activity(capacity=5)

    signups = _sign(aw, team, activity, [aw.member, aw.teammate, aw.second])

    assert [s.member for s in signups] == [aw.member, aw.teammate, aw.second]
    assert {(s.status, s.team_id) for s in signups} == {(SignUpStatus.CONFIRMED, team.pk)}
    activity.refresh_from_db()
    assert activity.confirmed_count == 3
    entry = AuditEntry.objects.filter(action="sign_up").order_by("id").last()
    assert entry.actor == aw.member.user and entry.after["team"] == team.pk


def test_members_beyond_the_places_go_to_the_waitlist_in_the_order_given(aw, team):
    activity = aw.activity(capacity=2)

    signups = _sign(aw, team, activity, [aw.second, aw.teammate, aw.member])

    assert [s.status for s in signups] == [SignUpStatus.CONFIRMED, SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED]
    activity.refresh_from_db()
    assert activity.confirmed_count == 2


def test_each_member_signed_up_by_the_leader_is_notified_with_a_link_to_the_activity(
    aw, team, django_capture_on_commit_callbacks, mailoutbox
):
    aw.teammate.user.email = "teammate@example.org"
    aw.teammate.user.save(update_fields=["email"])
    activity = aw.activity(capacity=2)

    with django_capture_on_commit_callbacks(execute=True):
        first, second, own = _sign(aw, team, activity, [aw.teammate, aw.second, aw.member])

    assert (first.status, second.status) == (SignUpStatus.CONFIRMED, SignUpStatus.CONFIRMED)
    assert own.status == SignUpStatus.WAITLISTED
    notes = {n.user_id: n for n in Notification.objects.filter(kind=NotificationKind.TEAM_SIGNED_UP)}
    # The leader signed themself up too: nobody hears of their own action.
    assert set(notes) == {aw.teammate.user_id, aw.second.user_id}
    note = notes[aw.teammate.user_id]
    with translation.override(settings.LANGUAGE_CODE):
        assert note.title == events.TEAM_SIGNED_UP_TITLE % {"leader": aw.member.user.name, "activity": activity.title}
    assert team.name in note.body and activity.title in note.body
    assert note.dedupe_key == f"team_signed_up:{first.pk}"
    assert links.page_path(note) == f"/m/activities/{activity.pk}/"
    assert links.api_path(note) == f"/api/v1/activities/{activity.pk}/"
    assert [m.to for m in mailoutbox] == [["teammate@example.org"]]


def test_a_waitlisted_member_is_told_they_wait(aw, team):
    activity = aw.activity(capacity=1)
    services.signup_create(activity=activity, member=aw.resident())

    (signup,) = _sign(aw, team, activity, [aw.teammate])

    note = Notification.objects.get(user=aw.teammate.user, kind=NotificationKind.TEAM_SIGNED_UP)
    with translation.override(settings.LANGUAGE_CODE):
        expected = events.TEAM_SIGNED_UP_WAITLISTED_BODY % {
            "leader": aw.member.user.name,
            "team": team.name,
            "activity": activity.title,
            "starts_at": events._when(activity.starts_at),
        }
    assert signup.status == SignUpStatus.WAITLISTED and note.body == expected


def test_a_refused_team_sign_up_notifies_nobody(aw, team):
    activity = aw.activity()
    with pytest.raises(Invalid):
        _sign(aw, team, activity, [aw.teammate, aw.resident()])
    assert not Notification.objects.filter(kind=NotificationKind.TEAM_SIGNED_UP).exists()


def test_a_full_activity_waitlists_the_whole_team(aw, team):
    activity = aw.activity(capacity=1)
    services.signup_create(activity=activity, member=aw.resident())

    signups = _sign(aw, team, activity, [aw.teammate, aw.second])

    assert [s.status for s in signups] == [SignUpStatus.WAITLISTED] * 2


def test_only_the_leader_signs_the_team_up(aw, team):
    activity = aw.activity()
    for actor in (aw.teammate.user, aw.staff, aw.reviewer):
        with pytest.raises(Forbidden) as exc:
            _sign(aw, team, activity, [aw.teammate], actor=actor)
        assert exc.value.code == "not_team_leader"
    assert not SignUp.objects.filter(activity=activity).exists()


def test_a_member_outside_the_team_refuses_everyone_and_is_named(aw, team):
    activity = aw.activity()
    outsider = aw.resident()

    with pytest.raises(Invalid) as exc:
        _sign(aw, team, activity, [aw.teammate, outsider])

    assert exc.value.code == "team_not_member"
    assert exc.value.extra["member"] == outsider.pk
    assert outsider.user.name in str(exc.value.message)
    assert not SignUp.objects.filter(activity=activity).exists()


def test_a_member_already_signed_up_refuses_everyone(aw, team):
    activity = aw.activity()
    services.signup_create(activity=activity, member=aw.second)

    with pytest.raises(Conflict) as exc:
        _sign(aw, team, activity, [aw.teammate, aw.second])

    assert exc.value.code == "already_signed_up"
    assert exc.value.extra["member"] == aw.second.pk
    assert SignUp.objects.filter(activity=activity).count() == 1
    activity.refresh_from_db()
    assert activity.confirmed_count == 1


def test_a_member_with_an_overlapping_signup_refuses_everyone(aw, team):
    activity = aw.activity()
    other = aw.activity(
        starts_at=activity.starts_at + timedelta(hours=1), ends_at=activity.ends_at + timedelta(hours=1)
    )
    services.signup_create(activity=other, member=aw.teammate)

    with pytest.raises(Conflict) as exc:
        _sign(aw, team, activity, [aw.member, aw.teammate])

    assert exc.value.code == "signup_overlaps"
    assert exc.value.extra == {"activity": other.pk, "member": aw.teammate.pk, "member_name": aw.teammate.user.name}
    assert not SignUp.objects.filter(activity=activity).exists()


def test_a_member_the_audience_does_not_admit_refuses_everyone(aw, team):
    # Registered elsewhere, not paired: a residents-only activity of the other community admits nobody of the team.
    activity = ActivityFactory(community=aw.other_community, grid=aw.other_grid, audience=Audience.RESIDENTS)

    with pytest.raises(Forbidden) as exc:
        _sign(aw, team, activity, [aw.teammate])

    assert exc.value.code == "not_eligible_to_sign_up"
    assert exc.value.extra["member"] == aw.teammate.pk


def test_an_inactive_member_refuses_everyone(aw, team):
    activity = aw.activity()
    type(aw.second).objects.filter(pk=aw.second.pk).update(is_active=False)
    aw.second.refresh_from_db()

    with pytest.raises(Forbidden) as exc:
        _sign(aw, team, activity, [aw.teammate, aw.second])

    assert exc.value.code == "not_a_member"
    assert not SignUp.objects.filter(activity=activity).exists()


@pytest.mark.parametrize("members", [[], "twice"])
def test_members_must_be_given_once_each(aw, team, members):
    activity = aw.activity()
    members = [aw.teammate, aw.teammate] if members == "twice" else members

    with pytest.raises(Invalid) as exc:
        _sign(aw, team, activity, members)

    assert exc.value.code in ("team_members_required", "team_members_repeated")


def test_a_dissolved_team_signs_nobody_up(aw, team):
    activity = aw.activity()
    team_services.team_dissolve(actor=aw.reviewer, team=team, reason="合并")
    team.refresh_from_db()

    with pytest.raises(Conflict) as exc:
        _sign(aw, team, activity, [aw.member])

    assert exc.value.code in ("team_dissolved", "not_team_leader")
    assert not SignUp.objects.filter(activity=activity).exists()


def test_a_closed_activity_refuses_the_team(aw, team):
    activity = aw.activity(status="closed")
    with pytest.raises(Conflict) as exc:
        _sign(aw, team, activity, [aw.teammate])
    assert exc.value.code == "signup_closed"


# --- the team on the member's record ----------------------------------------------------------------------------


def _past_team(aw, joined):
    team = make_team(leader=aw.member, party_org=aw.branch)
    team_services.team_apply(actor=aw.teammate.user, team=team, now=joined)
    team_services.team_accept(actor=aw.member.user, team=team, member=aw.teammate, now=joined)
    return team


def _finished_signup(aw, team, member, starts_at):
    activity = Activity.objects.create(
        community=aw.community,
        grid=aw.grid,
        created_by=aw.staff,
        title="社区义诊",
        category="care_visit",
        address="幸福路1号",
        latitude=30.0,
        longitude=120.0,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        signup_deadline=starts_at,
        capacity=5,
        confirmed_count=1,
        status="closed",
        checkin_secret="s" * 32,
    )
    signup = SignUp.objects.create(
        activity=activity,
        member=member,
        team=team,
        status=SignUpStatus.CONFIRMED,
        signed_up_at=starts_at - timedelta(days=1),
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        checked_in_at=activity.starts_at,
        checked_out_at=activity.ends_at,
        checkin_method="position",
    )
    activity_finish(activity=activity, now=activity.ends_at + timedelta(hours=1))
    signup.refresh_from_db()
    return signup


def test_the_record_of_a_team_signup_carries_the_team(aw):
    team = _past_team(aw, joined=at(2025, 1, 6, 9))

    signup = _finished_signup(aw, team, aw.teammate, at(2025, 3, 3, 9))

    assert signup.record is not None
    assert ServiceRecord.objects.get(pk=signup.record_id).team_id == team.pk


def test_a_member_who_left_before_the_activity_is_recorded_without_the_team(aw):
    team = _past_team(aw, joined=at(2025, 1, 6, 9))
    team_services.team_leave(actor=aw.teammate.user, team=team, now=at(2025, 2, 1, 9))

    signup = _finished_signup(aw, team, aw.teammate, at(2025, 3, 3, 9))

    assert ServiceRecord.objects.get(pk=signup.record_id).team_id is None


# --- organized by a team ----------------------------------------------------------------------------------------


def _create(aw, **kwargs):
    starts = at(2030, 5, 6, 9)
    values = {
        "actor": aw.other_staff,
        "community": aw.other_community,
        "title": "结对共建义诊",
        "category": "care_visit",
        "address": "幸福路1号",
        "latitude": 30.0,
        "longitude": 120.0,
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "capacity": 5,
        **kwargs,
    }
    return services.activity_create(**values)


def test_staff_name_a_team_of_a_paired_organ_as_organizer(aw, team):
    activity = _create(aw, organizer_team=team)

    assert activity.organizer_team == team
    assert AuditEntry.objects.filter(action="create").last().after["organizer_team"] == team.pk


def test_a_team_of_an_organ_not_paired_with_the_community_is_refused(aw, team):
    unpaired = make_team(leader=aw.other_member, party_org=aw.other_branch)
    with pytest.raises(Invalid) as exc:
        _create(aw, organizer_team=unpaired)
    assert exc.value.code == "organizer_team_not_paired"
    # Nor in the team's own community, which its organ is not paired with.
    with pytest.raises(Invalid):
        _create(aw, actor=aw.staff, community=aw.community, organizer_team=team)


def test_the_organizer_team_is_changed_and_removed_by_activity_update(aw, team):
    activity = _create(aw)

    services.activity_update(activity=activity, actor=aw.other_staff, organizer_team=team)
    assert Activity.objects.get(pk=activity.pk).organizer_team == team
    entry = AuditEntry.objects.filter(action="update").last()
    assert entry.before == {"organizer_team": None} and entry.after == {"organizer_team": team.pk}

    services.activity_update(activity=activity, actor=aw.other_staff, organizer_team=None)
    assert Activity.objects.get(pk=activity.pk).organizer_team is None


def test_a_dissolved_team_cannot_organize(aw, team):
    team_services.team_dissolve(actor=aw.reviewer, team=team, reason="合并")
    team.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        _create(aw, organizer_team=team)
    assert exc.value.code == "team_dissolved"


def test_an_organizing_party_org_of_another_organ_refuses_the_team(aw, team):
    f.PairingFactory(organ=aw.other_organ, community=aw.other_community)
    unpaired_team = make_team(leader=aw.other_member, party_org=aw.other_branch)
    with pytest.raises(Invalid) as exc:
        _create(aw, actor=aw.secretary, organizer_party_org=aw.branch, organizer_team=unpaired_team)
    assert exc.value.code == "organizer_team_other_organ"


# --- API --------------------------------------------------------------------------------------------------------


def _post_team(user, activity, body):
    from tests.conftest import client_for

    return client_for(user).post(f"/api/v1/activities/{activity.pk}/signup-team/", body, format="json")


def test_api_team_signup_answers_each_signup_with_its_team(aw, team):
    activity = aw.activity(capacity=1)

    response = _post_team(aw.member.user, activity, {"team": team.pk, "members": [aw.teammate.pk, aw.second.pk]})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(s["member"], s["status"], s["team"], s["waitlist_position"]) for s in body] == [
        (aw.teammate.pk, "confirmed", team.pk, None),
        (aw.second.pk, "waitlisted", team.pk, 1),
    ]
    assert body[0]["team_name"] == team.name


def test_api_team_signup_refusal_names_the_member(aw, team):
    activity = aw.activity()
    services.signup_create(activity=activity, member=aw.second)

    response = _post_team(aw.member.user, activity, {"team": team.pk, "members": [aw.teammate.pk, aw.second.pk]})

    assert response.status_code == 409
    assert response.json()["code"] == "already_signed_up"
    assert response.json()["member"] == aw.second.pk
    assert SignUp.objects.filter(activity=activity).count() == 1


def test_api_team_signup_by_a_member_who_does_not_lead_is_403(aw, team):
    response = _post_team(aw.teammate.user, aw.activity(), {"team": team.pk, "members": [aw.teammate.pk]})
    assert response.status_code == 403
    assert response.json()["code"] == "not_team_leader"


def test_api_team_signup_for_an_unseen_team_is_404_and_unknown_members_400(aw, team):
    other_team = make_team(leader=aw.other_member, party_org=aw.other_branch)
    activity = aw.activity()
    assert _post_team(aw.member.user, activity, {"team": other_team.pk, "members": [aw.member.pk]}).status_code == 404
    unknown = _post_team(aw.member.user, activity, {"team": team.pk, "members": [aw.member.pk, 10**9]})
    assert unknown.status_code == 400
    assert "members" in unknown.json()["fields"]
    assert _post_team(aw.member.user, activity, {"team": team.pk, "members": []}).status_code == 400


def test_api_activity_shows_its_organizer_team(aw, team):
    from tests.conftest import client_for

    activity = _create(aw, organizer_team=team, publish=True)

    body = client_for(aw.other_staff).get(f"/api/v1/activities/{activity.pk}/").json()

    assert body["organizer_team"] == team.pk and body["organizer_team_name"] == team.name
