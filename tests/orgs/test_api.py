"""Organizations API: reference lists, member visibility by role, creation and moves within scope."""

import pytest
from django.urls import reverse

from apps.orgs.models import Member, PartyOrgKind
from tests import factories as f

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.data
    return {row["id"] for row in response.data["results"]}


def test_organs_and_party_orgs_are_reference_data_for_signed_in_users(world, make_client, api):
    client = make_client(world.member.user)
    assert ids(client.get(reverse("organ-list"))) == {world.organ.id, world.other_organ.id}
    branches = client.get(reverse("party-org-list"), {"organ": world.organ.id, "kind": PartyOrgKind.BRANCH})
    assert ids(branches) == {world.branch.id}
    assert api.get(reverse("organ-list")).status_code == 403


def test_bad_filter_value_is_400_not_an_unfiltered_list(world, make_client):
    response = make_client(world.superuser).get(reverse("party-org-list"), {"kind": "nonsense"})
    assert response.status_code == 400
    response = make_client(world.superuser).get(reverse("member-list"), {"organ": "abc"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "who, sees",
    [
        ("member", {"member"}),
        ("other_member", {"other_member"}),
        ("secretary", {"member"}),
        ("reviewer", {"member"}),
        ("outsider", set()),
        ("superuser", {"member", "other_member"}),
    ],
)
def test_member_list_is_scoped_by_organization(world, make_client, who, sees):
    response = make_client(world.user(who)).get(reverse("member-list"))
    assert ids(response) == {getattr(world, m).id for m in sees}


def test_community_side_sees_members_registered_with_them_only(world, make_client):
    f.RegistrationFactory(member=world.member, grid=world.grid)
    f.RegistrationFactory(member=world.other_member, grid=world.other_grid)
    for who in ("staff", "grid_worker", "street_admin", "district_admin"):
        assert ids(make_client(getattr(world, who)).get(reverse("member-list"))) == {world.member.id}, who


def test_member_detail_out_of_scope_is_404(world, make_client):
    url = reverse("member-detail", args=[world.other_member.id])
    for who in ("member", "secretary", "reviewer", "staff", "grid_worker", "street_admin", "outsider"):
        assert make_client(world.user(who)).get(url).status_code == 404, who
    assert make_client(world.superuser).get(url).status_code == 200


def test_phone_is_full_for_the_organization_and_masked_for_the_community(world, make_client):
    f.RegistrationFactory(member=world.member, grid=world.grid)
    url = reverse("member-detail", args=[world.member.id])
    phone = world.member.user.phone
    assert make_client(world.reviewer).get(url).data["phone"] == phone
    assert make_client(world.member.user).get(url).data["phone"] == phone
    masked = make_client(world.staff).get(url).data["phone"]
    assert masked == f"{phone[:3]}****{phone[-4:]}"


def test_member_filters(world, make_client):
    f.RegistrationFactory(member=world.member, grid=world.grid)
    client = make_client(world.superuser)
    assert ids(client.get(reverse("member-list"), {"registered": "true"})) == {world.member.id}
    assert ids(client.get(reverse("member-list"), {"registered": "false"})) == {world.other_member.id}
    assert ids(client.get(reverse("member-list"), {"community": world.community.id})) == {world.member.id}
    committee = f.committee_of(world.organ)
    assert ids(client.get(reverse("member-list"), {"party_org": committee.id})) == {world.member.id}


def test_member_list_query_count_is_flat(world, make_client, django_assert_max_num_queries):
    for _ in range(15):
        f.MemberFactory(branch=world.branch)
    client = make_client(world.reviewer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("member-list"))
    assert response.data["count"] == 16


def test_reviewer_creates_members_in_their_organ_only(world, make_client):
    client = make_client(world.reviewer)
    body = {"branch": world.branch.id, "phone": "13755556666", "name": "新党员", "password": "a-Strong-pass-9"}
    response = client.post(reverse("member-list"), body)
    assert response.status_code == 201, response.data
    assert Member.objects.get(pk=response.data["id"]).organ == world.organ
    response = client.post(reverse("member-list"), {**body, "branch": world.other_branch.id, "phone": "13755557777"})
    assert response.status_code == 403
    assert not Member.objects.filter(user__phone="13755557777").exists()


@pytest.mark.parametrize("who", ["staff", "grid_worker", "street_admin", "district_admin", "member", "outsider"])
def test_non_organization_roles_cannot_create_members(world, make_client, who):
    body = {"branch": world.branch.id, "phone": "13755556666", "name": "新党员"}
    assert make_client(world.user(who)).post(reverse("member-list"), body).status_code == 403
    assert not Member.objects.filter(user__phone="13755556666").exists()


def test_member_create_with_invalid_phone_is_422_and_writes_nothing(world, make_client):
    body = {"branch": world.branch.id, "phone": "0571-1234", "name": "新党员"}
    response = make_client(world.reviewer).post(reverse("member-list"), body)
    assert response.status_code == 422
    assert response.data["code"] == "invalid_phone"


def test_secretary_moves_own_member_and_history_is_listed(world, make_client):
    client = make_client(world.secretary)
    url = reverse("member-move", args=[world.member.id])
    response = client.post(url, {"branch": world.other_branch.id, "reason": "工作调动"})
    assert response.status_code == 200, response.data
    assert response.data["organ"] == world.other_organ.id
    history = make_client(world.superuser).get(reverse("member-affiliations", args=[world.member.id])).data
    assert [h["organ"] for h in history] == [world.organ.id, world.other_organ.id]
    # Once moved out, the old secretary no longer sees the member.
    assert client.get(reverse("member-detail", args=[world.member.id])).status_code == 404


def test_move_out_of_scope_is_404_and_by_a_member_is_403(world, make_client):
    url = reverse("member-move", args=[world.other_member.id])
    assert make_client(world.reviewer).post(url, {"branch": world.branch.id}).status_code == 404
    own = reverse("member-move", args=[world.member.id])
    assert make_client(world.member.user).post(own, {"branch": world.other_branch.id}).status_code == 403


def test_organ_create_is_for_superusers(world, make_client):
    assert make_client(world.reviewer).post(reverse("organ-list"), {"name": "新机关"}).status_code == 403
    response = make_client(world.superuser).post(reverse("organ-list"), {"name": "新机关"})
    assert response.status_code == 201


def test_reviewer_adds_a_branch_under_their_committee_only(world, make_client):
    committee = f.committee_of(world.organ)
    client = make_client(world.reviewer)
    body = {"parent": committee.id, "kind": "branch", "name": "新支部"}
    assert client.post(reverse("party-org-list"), body).status_code == 201
    other = {"parent": f.committee_of(world.other_organ).id, "kind": "branch", "name": "新支部"}
    assert client.post(reverse("party-org-list"), other).status_code == 403
