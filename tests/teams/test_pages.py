"""The team pages: a member's teams and their organ's, a team's page with applying and leaving, the leader's
decisions, and the organ's management pages (form, edit, leader, dissolve), all through the services."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from apps.teams import errors
from apps.teams.models import MembershipStatus, Team, TeamMembership, TeamStatus
from tests import factories as f
from tests.teams.conftest import join, make_team
from tests.web.test_csp import csp_violations

pytestmark = pytest.mark.django_db


def browser_for(user, language="en"):
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def error_codes(response):
    return re.findall(r'data-error-code="([^"]+)"', response.content.decode())


# --- the member's pages -----------------------------------------------------------------------------------------


def test_a_member_sees_their_teams_and_their_organs(world, team, other_team):
    own = make_team(leader=f.MemberFactory(branch=world.branch), name="课业辅导队", specialty="tutoring")
    response = browser_for(world.member.user).get(reverse("member:teams"))
    assert response.status_code == 200 and csp_violations(response.content.decode()) == []
    assert [m.team for m in response.context["memberships"]] == [team]
    assert {t.pk for t in response.context["teams"]} == {team.pk, own.pk}
    assert f'href="{reverse("member:teams")}"' in response.content.decode()  # the sub-navigation


def test_the_team_page_shows_members_leader_and_specialty(world, team):
    colleague = f.MemberFactory(branch=world.branch)
    join(team, colleague)
    response = browser_for(colleague.user).get(reverse("member:team", args=[team.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and csp_violations(html) == []
    assert world.member.user.name in html and colleague.user.name in html and "Medical and health" in html
    assert response.context["can_leave"] and not response.context["can_apply"] and not response.context["decides"]


def test_another_organs_team_is_not_found(world, other_team):
    client = browser_for(world.member.user)
    assert client.get(reverse("member:team", args=[other_team.pk])).status_code == 404
    assert client.post(reverse("member:team_apply", args=[other_team.pk])).status_code == 404


def test_a_member_applies_once_and_a_second_time_gets_the_clear_message(world, team):
    colleague = f.MemberFactory(branch=world.branch)
    client = browser_for(colleague.user)
    page = client.get(reverse("member:team", args=[team.pk]))
    assert page.context["can_apply"] and 'id="team-apply"' in page.content.decode()
    first = client.post(reverse("member:team_apply", args=[team.pk]), follow=True)
    assert error_codes(first) == [] and first.context["membership"].status == MembershipStatus.APPLIED
    second = client.post(reverse("member:team_apply", args=[team.pk]), follow=True)
    assert error_codes(second) == ["team_already_joined"]
    assert str(errors.TEAM_ALREADY_JOINED) in second.content.decode()
    assert TeamMembership.objects.filter(team=team, member=colleague).count() == 1


def test_the_leader_accepts_declines_and_removes_on_the_teams_page(world, team):
    first, second = f.MemberFactory(branch=world.branch), f.MemberFactory(branch=world.branch)
    a = browser_for(first.user).post(reverse("member:team_apply", args=[team.pk]))
    assert a.status_code == 302
    browser_for(second.user).post(reverse("member:team_apply", args=[team.pk]))
    leader = browser_for(world.member.user)
    page = leader.get(reverse("member:team", args=[team.pk]))
    applications = page.context["applications"]
    assert [m.member for m in applications] == [first, second] and 'id="applications"' in page.content.decode()

    leader.post(reverse("member:team_accept", args=[applications[0].pk]))
    leader.post(reverse("member:team_decline", args=[applications[1].pk]), {"reason": "满员"})
    statuses = dict(TeamMembership.objects.filter(team=team).values_list("member_id", "status"))
    assert statuses[first.pk] == MembershipStatus.ACTIVE and statuses[second.pk] == MembershipStatus.DECLINED

    membership = TeamMembership.objects.get(team=team, member=first)
    refused = leader.post(reverse("member:team_remove", args=[membership.pk]), follow=True)
    assert error_codes(refused) == ["reason_required"]
    leader.post(reverse("member:team_remove", args=[membership.pk]), {"reason": "长期未参加"})
    assert TeamMembership.objects.get(pk=membership.pk).status == MembershipStatus.REMOVED


def test_a_plain_member_cannot_decide(world, team):
    colleague, applicant = f.MemberFactory(branch=world.branch), f.MemberFactory(branch=world.branch)
    join(team, colleague)
    application = browser_for(applicant.user).post(reverse("member:team_apply", args=[team.pk]))
    assert application.status_code == 302
    membership = TeamMembership.objects.get(team=team, member=applicant)
    response = browser_for(colleague.user).post(reverse("member:team_accept", args=[membership.pk]), follow=True)
    assert error_codes(response) == ["not_team_decider"]
    assert TeamMembership.objects.get(pk=membership.pk).status == MembershipStatus.APPLIED


def test_a_member_leaves_and_the_leader_is_told_why_they_cannot(world, team):
    colleague = f.MemberFactory(branch=world.branch)
    join(team, colleague)
    browser_for(colleague.user).post(reverse("member:team_leave", args=[team.pk]), {"reason": "调动"})
    assert TeamMembership.objects.get(team=team, member=colleague).status == MembershipStatus.LEFT
    leader = browser_for(world.member.user)
    page = leader.get(reverse("member:team", args=[team.pk]))
    assert not page.context["can_leave"] and 'id="team-leave"' not in page.content.decode()
    refused = leader.post(reverse("member:team_leave", args=[team.pk]), follow=True)
    assert error_codes(refused) == ["leader_cannot_leave"]


def test_the_member_pages_are_for_members(world, team):
    response = browser_for(world.reviewer).get(reverse("member:teams"))
    assert response.status_code == 403


# --- the organ's management pages -------------------------------------------------------------------------------


def test_a_reviewer_forms_a_team_on_the_page(world):
    client = browser_for(world.reviewer)
    page = client.get(reverse("manage:team-new"))
    assert page.status_code == 200 and csp_violations(page.content.decode()) == []
    data = {
        "organ": world.organ.pk,
        "party_org": world.branch.pk,
        "name": "法律服务队",
        "specialty": "legal",
        "leader": world.member.pk,
        "description": "法律咨询",
    }
    response = client.post(reverse("manage:team-new"), data)
    team = Team.objects.get(name="法律服务队")
    assert response.status_code == 302 and response["Location"] == reverse("manage:team-detail", args=[team.pk])
    again = client.post(reverse("manage:team-new"), data)
    assert again.status_code == 200
    assert [e.code for e in again.context["form"].non_field_errors().as_data()] == ["team_name_taken"]
    assert 'data-error-code="team_name_taken"' in again.content.decode()
    assert Team.objects.count() == 1


def test_a_secretary_must_name_their_party_organization(world):
    client = browser_for(world.secretary)
    data = {"organ": world.organ.pk, "name": "维修队", "specialty": "repairs", "leader": world.member.pk}
    response = client.post(reverse("manage:team-new"), data)
    assert response.status_code == 200 and "party_org" in response.context["form"].errors
    response = client.post(reverse("manage:team-new"), {**data, "party_org": world.branch.pk})
    assert response.status_code == 302 and Team.objects.get().party_org == world.branch


def test_the_list_shows_the_teams_the_user_manages(world, team, other_team):
    organ_team = make_team(leader=world.member)  # the organ's own: the reviewer's, not the secretary's
    reviewer = browser_for(world.reviewer).get(reverse("manage:teams"))
    assert {t.pk for t in reviewer.context["teams"]} == {team.pk, organ_team.pk}
    secretary = browser_for(world.secretary).get(reverse("manage:teams"))
    assert {t.pk for t in secretary.context["teams"]} == {team.pk}
    assert csp_violations(secretary.content.decode()) == []
    assert browser_for(world.secretary).get(reverse("manage:team-detail", args=[organ_team.pk])).status_code == 404
    assert browser_for(world.reviewer).get(reverse("manage:team-detail", args=[other_team.pk])).status_code == 404


def test_the_organ_edits_sets_the_leader_decides_and_dissolves(world, team):
    colleague, applicant = f.MemberFactory(branch=world.branch), f.MemberFactory(branch=world.branch)
    join(team, colleague)
    browser_for(applicant.user).post(reverse("member:team_apply", args=[team.pk]))
    client = browser_for(world.reviewer)
    detail = client.get(reverse("manage:team-detail", args=[team.pk]))
    assert detail.status_code == 200 and csp_violations(detail.content.decode()) == []
    [application] = detail.context["applications"]

    edit = client.post(
        reverse("manage:team-edit", args=[team.pk]), {"name": "新名字", "specialty": "elderly_care", "description": ""}
    )
    assert edit.status_code == 302
    client.post(reverse("manage:team-accept", args=[application.pk]))
    client.post(reverse("manage:team-leader", args=[team.pk]), {"member": colleague.pk})
    team.refresh_from_db()
    assert (team.name, team.specialty, team.leader) == ("新名字", "elderly_care", colleague)
    assert TeamMembership.objects.get(pk=application.pk).status == MembershipStatus.ACTIVE

    refused = client.post(reverse("manage:team-dissolve", args=[team.pk]), follow=True)
    assert error_codes(refused) == ["reason_required"]
    client.post(reverse("manage:team-dissolve", args=[team.pk]), {"reason": "任务完成"})
    team.refresh_from_db()
    assert team.status == TeamStatus.DISSOLVED


def test_choosing_a_leader_outside_the_team_says_so(world, team):
    response = browser_for(world.reviewer).post(
        reverse("manage:team-leader", args=[team.pk]), {"member": world.other_member.pk}, follow=True
    )
    assert error_codes(response) == ["member_required"]
    assert Team.objects.get(pk=team.pk).leader == world.member


@pytest.mark.parametrize("role", ["member", "staff", "district_admin", "outsider"])
def test_the_management_pages_are_refused_to_other_roles(world, team, role):
    client = browser_for(world.user(role))
    assert client.get(reverse("manage:teams")).status_code == 403
    assert client.get(reverse("manage:team-detail", args=[team.pk])).status_code == 403
