"""Pages of team sign-ups and organizer teams: "sign up my team" on the activity page, the team's upcoming
activities, the organizer team on the staff's forms, and a community's kind on the management pages."""

import pytest
from django.test import Client

from apps.activities.models import SignUp, SignUpStatus
from apps.ledger.models import AuditEntry
from apps.places.models import Community
from tests.activities.conftest import ActivityWorld
from tests.teams.conftest import join, make_team

pytestmark = pytest.mark.django_db


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def aw(world):
    return ActivityWorld(world)


@pytest.fixture
def team(aw):
    team = make_team(leader=aw.member, party_org=aw.branch)
    join(team, aw.teammate)
    return team


def test_the_leader_is_offered_sign_up_my_team_and_a_member_is_not(aw, team):
    activity = aw.activity()
    page = browser_for(aw.member.user).get(f"/m/activities/{activity.pk}/").content.decode()
    assert 'id="team-signup"' in page
    assert f'action="/m/activities/{activity.pk}/signup-team/"' in page
    assert f'value="{aw.teammate.pk}"' in page
    assert 'id="team-signup"' not in browser_for(aw.teammate.user).get(f"/m/activities/{activity.pk}/").content.decode()


def test_the_leader_signs_the_chosen_members_up_from_the_page(aw, team):
    activity = aw.activity(capacity=1)
    client = browser_for(aw.member.user)

    response = client.post(
        f"/m/activities/{activity.pk}/signup-team/", {"team": team.pk, "members": [aw.teammate.pk, aw.member.pk]}
    )

    assert response.status_code == 302
    signups = SignUp.objects.filter(activity=activity).order_by("id")
    assert [(s.member_id, s.status, s.team_id) for s in signups] == [
        (aw.teammate.pk, SignUpStatus.CONFIRMED, team.pk),
        (aw.member.pk, SignUpStatus.WAITLISTED, team.pk),
    ]
    page = client.get(f"/m/activities/{activity.pk}/").content.decode()
    assert "disabled" in page  # both are now shown as already signed up


def test_a_refused_team_signup_shows_the_error_code_and_writes_nothing(aw, team):
    activity = aw.activity()
    outsider = aw.resident()
    client = browser_for(aw.member.user)

    response = client.post(
        f"/m/activities/{activity.pk}/signup-team/",
        {"team": team.pk, "members": [aw.teammate.pk, outsider.pk]},
        follow=True,
    )

    assert 'data-error-code="team_not_member"' in response.content.decode()
    assert not SignUp.objects.filter(activity=activity).exists()


def test_the_team_page_lists_its_upcoming_activities(aw, team):
    from apps.activities import services

    activity = aw.activity()
    services.signup_create_team(activity=activity, actor=aw.member.user, team=team, members=[aw.teammate])
    other = aw.activity(title="不相干的活动")

    page = browser_for(aw.teammate.user).get(f"/m/teams/{team.pk}/").content.decode()

    assert 'id="team-activities"' in page
    assert f'data-activity="{activity.pk}"' in page
    assert f'data-activity="{other.pk}"' not in page
    manage = browser_for(aw.reviewer).get(f"/manage/teams/{team.pk}/").content.decode()
    assert f'data-activity="{activity.pk}"' in manage


def test_staff_choose_the_organizer_team_when_editing_and_the_pages_show_it(aw, team):
    activity = aw.activity(community=aw.other_community, grid=aw.other_grid, created_by=aw.other_staff)
    client = browser_for(aw.other_staff)
    form = client.get(f"/staff/activities/{activity.pk}/edit/").content.decode()
    assert 'name="organizer_team"' in form and f'value="{team.pk}"' in form

    from apps.web.staff.activity_edit import ActivityEditForm

    data = {k: v for k, v in ActivityEditForm.initial_for(activity).items() if v is not None}
    data = {k: (v.strftime("%Y-%m-%dT%H:%M") if hasattr(v, "strftime") else v) for k, v in data.items()}
    response = client.post(f"/staff/activities/{activity.pk}/edit/", {**data, "organizer_team": team.pk})

    assert response.status_code == 302, response.content.decode()[:2000]
    activity.refresh_from_db()
    assert activity.organizer_team == team
    assert 'id="organizer-team"' in client.get(f"/staff/activities/{activity.pk}/").content.decode()


def test_the_management_page_shows_and_changes_a_community_kind(aw):
    client = browser_for(aw.street_admin)
    page = client.get(f"/manage/places/communities/{aw.community.pk}/").content.decode()
    assert 'data-kind="residential"' in page

    client.post(f"/manage/places/communities/{aw.community.pk}/kind/", {"kind": "enterprise"})

    assert Community.objects.get(pk=aw.community.pk).kind == "enterprise"
    assert AuditEntry.objects.filter(action="place_update").exists()
    bad = client.post(f"/manage/places/communities/{aw.community.pk}/kind/", {"kind": "castle"}, follow=True)
    assert 'data-error-code="place_kind_invalid"' in bad.content.decode()
