"""Login by phone, the current user, and role assignments through the API."""

import pytest
from django.urls import reverse

from apps.accounts.models import Role, RoleAssignment
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_login_by_phone_sets_a_session_and_returns_the_profile(api):
    member = f.MemberFactory(user=f.UserFactory(phone="13911112222"))
    response = api.post(reverse("auth-login"), {"phone": "139 1111 2222", "password": "pass-word-123"})
    assert response.status_code == 200
    assert response.data["member"]["organ"]["id"] == member.organ_id
    assert api.get(reverse("me")).status_code == 200


def test_wrong_password_gets_login_failed(api):
    f.UserFactory(phone="13911112222")
    response = api.post(reverse("auth-login"), {"phone": "13911112222", "password": "wrong"})
    assert response.status_code == 422
    assert response.data["code"] == "login_failed"
    assert api.get(reverse("me")).status_code == 403


def test_login_with_malformed_phone_gets_invalid_phone(api):
    response = api.post(reverse("auth-login"), {"phone": "12", "password": "x"})
    assert response.status_code == 422
    assert response.data["code"] == "invalid_phone"


def test_login_without_fields_gets_invalid_input(api):
    response = api.post(reverse("auth-login"), {})
    assert response.status_code == 400
    assert response.data["code"] == "invalid_input"
    assert set(response.data["fields"]) == {"phone", "password"}


def test_logout_ends_the_session(api):
    f.UserFactory(phone="13911112222")
    api.post(reverse("auth-login"), {"phone": "13911112222", "password": "pass-word-123"})
    assert api.post(reverse("auth-logout")).status_code == 204
    assert api.get(reverse("me")).status_code == 403


def test_me_lists_roles_with_their_scope(world, make_client):
    response = make_client(world.staff).get(reverse("me"))
    assert response.data["member"] is None
    assert response.data["roles"] == [
        {
            "id": world.staff.roles.get().id,
            "user": world.staff.id,
            "user_name": world.staff.name,
            "role": "community_staff",
            "role_display": "社区工作人员",
            "scope_type": "community",
            "scope_id": world.community.id,
            "scope_name": world.community.name,
        }
    ]


def test_anonymous_gets_not_authenticated(api):
    response = api.get(reverse("me"))
    assert response.status_code == 403
    assert response.data["code"] == "not_authenticated"


def test_users_see_only_their_own_role_assignments(world, make_client):
    response = make_client(world.staff).get(reverse("role-assignment-list"))
    assert [r["user"] for r in response.data["results"]] == [world.staff.id]
    other = world.reviewer.roles.get()
    assert make_client(world.staff).get(reverse("role-assignment-detail", args=[other.id])).status_code == 404


def test_superuser_sees_all_and_assigns_roles(world, make_client):
    client = make_client(world.superuser)
    assert client.get(reverse("role-assignment-list")).data["count"] == RoleAssignment.objects.count()
    body = {"user": world.outsider.id, "role": Role.ORGAN_REVIEWER, "scope_id": world.other_organ.id}
    response = client.post(reverse("role-assignment-list"), body)
    assert response.status_code == 201
    assert response.data["scope_name"] == world.other_organ.name


def test_non_superuser_cannot_assign_roles(world, make_client):
    body = {"user": world.staff.id, "role": Role.ORGAN_REVIEWER, "scope_id": world.organ.id}
    for user in (world.staff, world.reviewer, world.district_admin, world.member.user):
        response = make_client(user).post(reverse("role-assignment-list"), body)
        assert response.status_code == 403, user
    assert not RoleAssignment.objects.filter(user=world.staff, role=Role.ORGAN_REVIEWER).exists()


def test_assigning_a_role_on_a_missing_node_is_404(world, make_client):
    body = {"user": world.outsider.id, "role": Role.COMMUNITY_STAFF, "scope_id": 10**9}
    response = make_client(world.superuser).post(reverse("role-assignment-list"), body)
    assert response.status_code == 404
    assert response.data["code"] == "scope_not_found"
