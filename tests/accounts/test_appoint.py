"""Who may appoint whom (appointments follow the trees downwards), and the audited services that appoint, revoke and
put a person on the platform by mobile number."""

import pytest

from apps.accounts.models import Role, RoleAssignment, User
from apps.accounts.permissions import may_appoint, require_appoint
from apps.accounts.scope import forget_scope, scope_for
from apps.accounts.services import person_appoint, role_appoint, role_revoke
from apps.core.errors import DomainError
from apps.ledger.models import AuditEntry
from tests import factories as f

pytestmark = pytest.mark.django_db


def node_of(world, name):
    """A node of the world by name; "sibling_*" are places in another street of the district of side A."""
    if name == "district":
        return world.street.district
    if name == "other_district":
        return world.other_street.district
    if name.startswith("sibling_"):
        street = f.StreetFactory(district=world.street.district)
        community = f.CommunityFactory(street=street)
        return {
            "sibling_street": street,
            "sibling_community": community,
            "sibling_grid": f.GridFactory(community=community),
        }[name]
    return getattr(world, name)


ALLOWED = [
    # a superuser appoints anyone, anywhere
    ("superuser", Role.DISTRICT_ADMIN, "district"),
    ("superuser", Role.DISTRICT_ADMIN, "other_district"),
    ("superuser", Role.STREET_ADMIN, "other_street"),
    ("superuser", Role.COMMUNITY_STAFF, "other_community"),
    ("superuser", Role.GRID_WORKER, "other_grid"),
    ("superuser", Role.BRANCH_SECRETARY, "other_branch"),
    ("superuser", Role.ORGAN_REVIEWER, "other_organ"),
    # a district administrator: the places of its district, and organ reviewers
    ("district_admin", Role.STREET_ADMIN, "street"),
    ("district_admin", Role.STREET_ADMIN, "sibling_street"),
    ("district_admin", Role.COMMUNITY_STAFF, "community"),
    ("district_admin", Role.COMMUNITY_STAFF, "sibling_community"),
    ("district_admin", Role.GRID_WORKER, "grid"),
    ("district_admin", Role.GRID_WORKER, "sibling_grid"),
    ("district_admin", Role.ORGAN_REVIEWER, "organ"),
    ("district_admin", Role.ORGAN_REVIEWER, "other_organ"),
    # a street administrator: the community staff and grid workers of its street
    ("street_admin", Role.COMMUNITY_STAFF, "community"),
    ("street_admin", Role.GRID_WORKER, "grid"),
    # an organ reviewer: its organ's branch secretaries and reviewers
    ("reviewer", Role.BRANCH_SECRETARY, "branch"),
    ("reviewer", Role.ORGAN_REVIEWER, "organ"),
]

REFUSED = [
    # a district administrator: nothing outside its district, no district administrators, no secretaries
    ("district_admin", Role.STREET_ADMIN, "other_street"),
    ("district_admin", Role.COMMUNITY_STAFF, "other_community"),
    ("district_admin", Role.GRID_WORKER, "other_grid"),
    ("district_admin", Role.DISTRICT_ADMIN, "district"),
    ("district_admin", Role.DISTRICT_ADMIN, "other_district"),
    ("district_admin", Role.BRANCH_SECRETARY, "branch"),
    # a street administrator: not another street's places (even in its district), no street administrators
    ("street_admin", Role.COMMUNITY_STAFF, "other_community"),
    ("street_admin", Role.GRID_WORKER, "other_grid"),
    ("street_admin", Role.COMMUNITY_STAFF, "sibling_community"),
    ("street_admin", Role.GRID_WORKER, "sibling_grid"),
    ("street_admin", Role.STREET_ADMIN, "street"),
    ("street_admin", Role.STREET_ADMIN, "sibling_street"),
    ("street_admin", Role.DISTRICT_ADMIN, "district"),
    ("street_admin", Role.ORGAN_REVIEWER, "organ"),
    ("street_admin", Role.BRANCH_SECRETARY, "branch"),
    # an organ reviewer: not another organ's, and no places
    ("reviewer", Role.BRANCH_SECRETARY, "other_branch"),
    ("reviewer", Role.ORGAN_REVIEWER, "other_organ"),
    ("reviewer", Role.COMMUNITY_STAFF, "community"),
    ("reviewer", Role.GRID_WORKER, "grid"),
    ("reviewer", Role.STREET_ADMIN, "street"),
    ("reviewer", Role.DISTRICT_ADMIN, "district"),
]

EVERY_TARGET = [
    (Role.COMMUNITY_STAFF, "community"),
    (Role.GRID_WORKER, "grid"),
    (Role.BRANCH_SECRETARY, "branch"),
    (Role.ORGAN_REVIEWER, "organ"),
    (Role.STREET_ADMIN, "street"),
    (Role.DISTRICT_ADMIN, "district"),
]
NOBODIES = ["staff", "grid_worker", "secretary", "member", "outsider"]
REFUSED += [(actor, role, node) for actor in NOBODIES for role, node in EVERY_TARGET]


@pytest.mark.parametrize("actor, role, node", ALLOWED)
def test_may_appoint_allows_downwards_in_the_actors_tree(world, actor, role, node):
    assert may_appoint(world.user(actor), role, node_of(world, node)) is True


@pytest.mark.parametrize("actor, role, node", REFUSED)
def test_may_appoint_refuses_everything_else(world, actor, role, node):
    assert may_appoint(world.user(actor), role, node_of(world, node)) is False


def test_require_appoint_raises_may_not_appoint_and_lets_the_system_through(world):
    with pytest.raises(DomainError) as caught:
        require_appoint(world.street_admin, Role.GRID_WORKER, world.other_grid)
    assert caught.value.code == "may_not_appoint"
    require_appoint(None, Role.DISTRICT_ADMIN, world.street.district)  # no actor: a script or migration


def test_may_appoint_follows_a_role_given_after_the_scope_was_read(world):
    user = f.UserFactory()
    assert may_appoint(user, Role.GRID_WORKER, world.grid) is False
    f.RoleFactory(user=user, role=Role.STREET_ADMIN, street=world.street)
    forget_scope(user)
    assert may_appoint(user, Role.GRID_WORKER, world.grid) is True


# --- role_appoint ---


def test_role_appoint_creates_the_role_and_audits_it_naming_the_actor(world):
    user = f.UserFactory()
    assignment, created = role_appoint(user=user, role=Role.GRID_WORKER, node=world.grid, actor=world.street_admin)
    assert created is True
    assert (assignment.user, assignment.role, assignment.grid) == (user, Role.GRID_WORKER, world.grid)
    entry = AuditEntry.objects.get(action="role_appoint")
    assert (entry.actor, entry.subject_id) == (world.street_admin, assignment.pk)
    assert entry.after == {"user": user.pk, "role": "grid_worker", "grid": world.grid.pk}
    forget_scope(user)
    assert world.grid.pk in scope_for(user).grid_ids


def test_role_appoint_is_idempotent_and_audits_once(world):
    user = f.UserFactory()
    first, created = role_appoint(user=user, role=Role.BRANCH_SECRETARY, node=world.branch, actor=world.reviewer)
    again, created_again = role_appoint(user=user, role=Role.BRANCH_SECRETARY, node=world.branch, actor=world.reviewer)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert RoleAssignment.objects.filter(user=user).count() == 1
    assert AuditEntry.objects.filter(action="role_appoint").count() == 1


def test_a_refused_appointment_raises_may_not_appoint_and_writes_nothing(world):
    user = f.UserFactory()
    roles, entries = RoleAssignment.objects.count(), AuditEntry.objects.count()
    with pytest.raises(DomainError) as caught:
        role_appoint(user=user, role=Role.BRANCH_SECRETARY, node=world.other_branch, actor=world.reviewer)
    assert caught.value.code == "may_not_appoint"
    assert (RoleAssignment.objects.count(), AuditEntry.objects.count()) == (roles, entries)
    assert not RoleAssignment.objects.filter(user=user).exists()


# --- role_revoke ---


def test_role_revoke_removes_the_role_audits_who_held_it_and_narrows_the_scope(world):
    user = f.UserFactory()
    assignment, _created = role_appoint(user=user, role=Role.GRID_WORKER, node=world.grid, actor=world.district_admin)
    forget_scope(user)
    assert world.grid.pk in scope_for(user).grid_ids
    pk = assignment.pk

    role_revoke(assignment=assignment, actor=world.street_admin, reason="调离")

    assert not RoleAssignment.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(action="role_revoke")
    assert (entry.actor, entry.subject_id, entry.reason) == (world.street_admin, pk, "调离")
    assert entry.before == {"user": user.pk, "role": "grid_worker", "grid": world.grid.pk}
    forget_scope(user)
    assert world.grid.pk not in scope_for(user).grid_ids
    assert not scope_for(user).is_community_side


def test_role_revoke_is_refused_to_someone_who_may_not_appoint_that_role(world):
    assignment = RoleAssignment.objects.get(user=world.staff, role=Role.COMMUNITY_STAFF)
    with pytest.raises(DomainError) as caught:
        role_revoke(assignment=assignment, actor=world.reviewer)
    assert caught.value.code == "may_not_appoint"
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert not AuditEntry.objects.filter(action="role_revoke").exists()


# --- person_appoint ---


def test_person_appoint_puts_a_new_number_on_the_platform_without_a_password(world):
    users = User.objects.count()
    assignment, created = person_appoint(
        phone="+86 186 0000 0001",
        name="张新",
        role=Role.COMMUNITY_STAFF,
        node=world.community,
        actor=world.street_admin,
    )
    assert created is True
    assert User.objects.count() == users + 1
    user = User.objects.get(phone="18600000001")
    assert user.name == "张新"
    assert not user.has_usable_password()
    assert (assignment.user, assignment.community) == (user, world.community)
    assert AuditEntry.objects.filter(action="role_appoint", actor=world.street_admin, subject_id=assignment.pk).exists()


def test_person_appoint_reuses_the_user_of_a_known_number(world):
    known = world.outsider
    users = User.objects.count()
    spaced = f"{known.phone[:3]} {known.phone[3:7]} {known.phone[7:]}"
    assignment, created = person_appoint(
        phone=spaced, name="别的名字", role=Role.GRID_WORKER, node=world.grid, actor=world.district_admin
    )
    assert created is True
    assert assignment.user == known
    assert User.objects.count() == users
    known.refresh_from_db()
    assert known.name == "无角色用户"
    assert known.check_password("pass-word-123")


def test_person_appoint_refuses_an_invalid_number_and_writes_nothing(world):
    counts = (User.objects.count(), RoleAssignment.objects.count(), AuditEntry.objects.count())
    with pytest.raises(DomainError) as caught:
        person_appoint(phone="0571-8888000", name="张新", role=Role.GRID_WORKER, node=world.grid, actor=world.superuser)
    assert caught.value.code == "invalid_phone"
    assert (User.objects.count(), RoleAssignment.objects.count(), AuditEntry.objects.count()) == counts


def test_person_appoint_refused_to_the_actor_creates_no_user(world):
    with pytest.raises(DomainError) as caught:
        person_appoint(
            phone="18600000002", name="张新", role=Role.GRID_WORKER, node=world.other_grid, actor=world.street_admin
        )
    assert caught.value.code == "may_not_appoint"
    assert not User.objects.filter(phone="18600000002").exists()
