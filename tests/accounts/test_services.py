"""User creation (phone numbers, passwords) and role assignment rules."""

import pytest
from django.db import IntegrityError

from apps.accounts import errors, services
from apps.accounts.models import Role, RoleAssignment, User
from apps.accounts.scope import scope_for
from apps.core.errors import Conflict, Invalid
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "raw, expected",
    [("13912345678", "13912345678"), ("+86 139-1234-5678", "13912345678"), ("86 13912345678", "13912345678")],
)
def test_normalize_phone_accepts_common_spellings(raw, expected):
    assert services.normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", None, "12345678901", "1391234567", "139123456789", "abcdefghijk", "23912345678"])
def test_invalid_phone_is_refused_with_stable_code_and_nothing_written(raw):
    with pytest.raises(Invalid) as exc:
        services.user_create(phone=raw, name="张三", password="a-Strong-pass-9")
    assert exc.value.code == "invalid_phone"
    assert exc.value.message == errors.INVALID_PHONE
    assert User.objects.count() == 0


def test_duplicate_phone_is_a_conflict():
    services.user_create(phone="13912345678", name="张三", password="a-Strong-pass-9")
    with pytest.raises(Conflict) as exc:
        services.user_create(phone="+8613912345678", name="李四", password="a-Strong-pass-9")
    assert exc.value.code == "phone_taken"
    assert User.objects.count() == 1


def test_weak_password_is_refused():
    with pytest.raises(Invalid) as exc:
        services.user_create(phone="13912345678", name="张三", password="12345678")
    assert exc.value.code == "weak_password"
    assert not User.objects.exists()


def test_user_without_password_cannot_log_in():
    user = services.user_create(phone="13912345678", name="张三")
    assert not user.has_usable_password()


def test_role_assign_is_idempotent_and_checks_the_node_type():
    user = f.UserFactory()
    community = f.CommunityFactory()
    services.role_assign(user=user, role=Role.COMMUNITY_STAFF, node=community)
    services.role_assign(user=user, role=Role.COMMUNITY_STAFF, node=community)
    assert RoleAssignment.objects.filter(user=user).count() == 1
    assert scope_for(user).staff_community_ids == {community.id}
    with pytest.raises(Invalid) as exc:
        services.role_assign(user=user, role=Role.GRID_WORKER, node=community)
    assert exc.value.code == "role_scope_missing"


def test_database_refuses_a_role_with_the_wrong_scope_column():
    user = f.UserFactory()
    with pytest.raises(IntegrityError):
        RoleAssignment.objects.create(user=user, role=Role.COMMUNITY_STAFF, organ=f.OrganFactory())


def test_grid_worker_scope_includes_grids_they_are_named_on():
    user = f.UserFactory()
    grid = f.GridFactory(grid_worker=user)
    assert scope_for(user).grid_ids == {grid.id}
