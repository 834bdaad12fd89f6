"""The teams API as its users call it: forming, reading (scoped), applying, deciding, leaving, dissolving."""

import pytest

from apps.ledger.models import AuditEntry
from apps.teams.models import MembershipStatus, Team, TeamMembership
from tests import factories as f
from tests.conftest import client_for
from tests.teams.conftest import join

pytestmark = pytest.mark.django_db


def test_a_reviewer_forms_a_team_through_the_api(world):
    body = {
        "organ": world.organ.pk,
        "party_org": world.branch.pk,
        "name": "义诊服务队",
        "specialty": "medical",
        "description": "社区义诊",
        "leader": world.member.pk,
    }
    response = client_for(world.reviewer).post("/api/v1/teams/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["name"] == "义诊服务队" and data["leader_name"] == world.member.user.name
    assert data["member_count"] == 1 and data["may_manage"] and data["may_decide"] and data["my_status"] is None
    assert [m["member"] for m in data["members"]] == [world.member.pk]


def test_forming_a_team_with_a_taken_name_is_409_and_writes_nothing(world, team):
    body = {"organ": world.organ.pk, "name": team.name, "specialty": "legal", "leader": world.member.pk}
    response = client_for(world.reviewer).post("/api/v1/teams/", body, format="json")
    assert response.status_code == 409 and response.json()["code"] == "team_name_taken"
    assert Team.objects.count() == 1


def test_a_bad_specialty_is_400_naming_the_field(world):
    body = {"organ": world.organ.pk, "name": "队", "specialty": "cooking", "leader": world.member.pk}
    response = client_for(world.reviewer).post("/api/v1/teams/", body, format="json")
    assert response.status_code == 400 and "specialty" in response.json()["fields"]


def test_the_list_is_scoped_and_filtered(world, team, other_team):
    client = client_for(world.member.user)
    assert [t["id"] for t in client.get("/api/v1/teams/").json()["results"]] == [team.pk]
    assert client.get(f"/api/v1/teams/{other_team.pk}/").status_code == 404
    superuser = client_for(world.superuser)
    by_organ = superuser.get("/api/v1/teams/", {"organ": world.other_organ.pk}).json()["results"]
    assert [t["id"] for t in by_organ] == [other_team.pk]
    assert superuser.get("/api/v1/teams/", {"specialty": "legal"}).json()["count"] == 0
    assert superuser.get("/api/v1/teams/", {"specialty": "nonsense"}).status_code == 400
    assert superuser.get("/api/v1/teams/", {"organ": "x"}).status_code == 400


def test_the_list_takes_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    from tests.teams.conftest import make_team

    for _ in range(5):
        join(make_team(leader=world.member), f.MemberFactory(branch=world.branch))
    client = client_for(world.reviewer)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/teams/")
    assert response.json()["count"] == 5


def test_applying_twice_answers_409_team_already_joined_and_writes_nothing(world, team):
    colleague = f.MemberFactory(branch=world.branch)
    client = client_for(colleague.user)
    first = client.post(f"/api/v1/teams/{team.pk}/apply/")
    assert first.status_code == 201 and first.json()["my_status"] == "applied"
    second = client.post(f"/api/v1/teams/{team.pk}/apply/")
    assert second.status_code == 409
    assert second.json()["code"] == "team_already_joined" and second.json()["detail"]
    assert TeamMembership.objects.filter(team=team, member=colleague).count() == 1
    assert AuditEntry.objects.filter(subject_type="teams.team", action="team_apply").count() == 1


def test_the_leader_sees_applications_accepts_declines_and_removes(world, team):
    first, second = f.MemberFactory(branch=world.branch), f.MemberFactory(branch=world.branch)
    for member in (first, second):
        client_for(member.user).post(f"/api/v1/teams/{team.pk}/apply/")
    leader = client_for(world.member.user)
    applications = leader.get(f"/api/v1/teams/{team.pk}/applications/").json()["results"]
    assert [a["member"] for a in applications] == [first.pk, second.pk]
    assert client_for(first.user).get(f"/api/v1/teams/{team.pk}/applications/").status_code == 403

    accepted = leader.post(f"/api/v1/teams/{team.pk}/accept/", {"member": first.pk}, format="json")
    assert accepted.status_code == 200 and accepted.json()["member_count"] == 2
    declined = leader.post(f"/api/v1/teams/{team.pk}/decline/", {"member": second.pk, "reason": "满员"}, format="json")
    assert declined.status_code == 200 and declined.json()["application_count"] == 0
    again = leader.post(f"/api/v1/teams/{team.pk}/accept/", {"member": second.pk}, format="json")
    assert again.status_code == 409 and again.json() == {
        **again.json(),
        "code": "not_an_applicant",
        "status": "declined",
    }

    no_reason = leader.post(f"/api/v1/teams/{team.pk}/remove/", {"member": first.pk}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    removed = leader.post(f"/api/v1/teams/{team.pk}/remove/", {"member": first.pk, "reason": "不再参加"}, format="json")
    assert removed.status_code == 200 and removed.json()["member_count"] == 1
    assert TeamMembership.objects.filter(member=first).get().status == MembershipStatus.REMOVED


def test_a_member_leaves_but_the_leader_cannot(world, team):
    colleague = f.MemberFactory(branch=world.branch)
    join(team, colleague)
    response = client_for(world.member.user).post(f"/api/v1/teams/{team.pk}/leave/")
    assert response.status_code == 409 and response.json()["code"] == "leader_cannot_leave"
    response = client_for(colleague.user).post(f"/api/v1/teams/{team.pk}/leave/", {"reason": "调动"}, format="json")
    assert response.status_code == 200 and response.json()["my_status"] is None


def test_the_organ_edits_sets_the_leader_and_dissolves(world, team):
    colleague = f.MemberFactory(branch=world.branch)
    join(team, colleague)
    client = client_for(world.reviewer)
    edited = client.patch(f"/api/v1/teams/{team.pk}/", {"specialty": "repairs"}, format="json")
    assert edited.status_code == 200 and edited.json()["specialty"] == "repairs"
    leader = client.post(f"/api/v1/teams/{team.pk}/leader/", {"member": colleague.pk}, format="json")
    assert leader.status_code == 200 and leader.json()["leader"] == colleague.pk
    assert client.post(f"/api/v1/teams/{team.pk}/dissolve/", {}, format="json").status_code == 400
    dissolved = client.post(f"/api/v1/teams/{team.pk}/dissolve/", {"reason": "任务结束"}, format="json")
    assert dissolved.status_code == 200 and dissolved.json()["status"] == "dissolved"
    assert dissolved.json()["members"] == [] and dissolved.json()["dissolved_reason"] == "任务结束"
    late = client_for(f.MemberFactory(branch=world.branch).user).post(f"/api/v1/teams/{team.pk}/apply/")
    assert late.status_code == 409 and late.json()["code"] == "team_dissolved"


def test_the_leader_may_not_edit_or_dissolve(world, team):
    client = client_for(world.member.user)
    assert client.patch(f"/api/v1/teams/{team.pk}/", {"name": "x"}, format="json").json()["code"] == "not_team_manager"
    assert client.post(f"/api/v1/teams/{team.pk}/dissolve/", {"reason": "x"}, format="json").status_code == 403


def test_mine_lists_the_members_open_memberships(world, team):
    from tests.teams.conftest import make_team

    other = make_team(leader=f.MemberFactory(branch=world.branch))
    client_for(world.member.user).post(f"/api/v1/teams/{other.pk}/apply/")
    rows = client_for(world.member.user).get("/api/v1/teams/mine/").json()["results"]
    assert {(r["team"], r["status"]) for r in rows} == {(team.pk, "active"), (other.pk, "applied")}
    assert client_for(world.reviewer).get("/api/v1/teams/mine/").json()["count"] == 0


def test_the_schema_documents_the_team_endpoints_with_help_text(api):
    schema = api.get("/api/schema/?format=json").json()
    apply = schema["paths"]["/api/v1/teams/{id}/apply/"]["post"]
    assert "team_already_joined" in apply["description"] and {"201", "403", "404", "409"} <= set(apply["responses"])
    for path in ("/api/v1/teams/", "/api/v1/teams/{id}/", "/api/v1/teams/{id}/accept/", "/api/v1/teams/mine/"):
        for operation in schema["paths"][path].values():
            assert operation.get("description"), path
    assert "patch" in schema["paths"]["/api/v1/teams/{id}/"] and "put" not in schema["paths"]["/api/v1/teams/{id}/"]
