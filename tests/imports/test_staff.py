"""Importing staff and roles: one appointment per row (name, mobile number, role, code of what it covers), new people
added without a password, who may appoint what (apps.accounts.permissions.may_appoint) row by row, row errors by
column, idempotent re-imports and all-or-nothing application."""

import pytest

from apps.accounts.models import Role, RoleAssignment, User
from apps.core.errors import DomainError
from apps.imports.models import ImportStatus, RowAction
from apps.imports.services import import_apply, import_start
from apps.ledger.models import AuditEntry
from tests import factories as f
from tests.imports.conftest import PHONES, STAFF_HEADER, checked, error_columns, plan, xlsx_file

pytestmark = pytest.mark.django_db


def staff_file(actor, rows):
    return checked("staff", xlsx_file(STAFF_HEADER, rows), actor)


def applied(batch, actor):
    batch = import_apply(batch=batch, actor=actor)
    assert batch.status == ImportStatus.APPLIED
    return batch


def roles_of(phone):
    return set(RoleAssignment.objects.filter(user__phone=phone).values_list("role", flat=True))


def district_rows(world):
    """Two new people and one already on the platform, all in the district of side A."""
    return [
        ["张网格", PHONES[0], "网格员", world.grid.code],
        ["李社区", PHONES[1], "社区工作人员", world.community.code],
        ["王街道", PHONES[2], "街道管理员", world.street.code],
        [world.outsider.name, world.outsider.phone, "网格员", world.grid.code],
    ]


# --- appointing ---


def test_a_district_admin_appoints_grid_workers_community_staff_and_street_admins_of_its_district(world):
    actor = world.district_admin
    batch = staff_file(actor, district_rows(world))
    assert batch.status == ImportStatus.READY
    assert batch.counts[RowAction.CREATE] == 4
    users = User.objects.count()
    applied(batch, actor)

    assert User.objects.count() == users + 3
    for phone, name in ((PHONES[0], "张网格"), (PHONES[1], "李社区"), (PHONES[2], "王街道")):
        user = User.objects.get(phone=phone)
        assert user.name == name
        assert not user.has_usable_password()
    assert RoleAssignment.objects.filter(user__phone=PHONES[0], role=Role.GRID_WORKER, grid=world.grid).exists()
    assert RoleAssignment.objects.filter(
        user__phone=PHONES[1], role=Role.COMMUNITY_STAFF, community=world.community
    ).exists()
    assert RoleAssignment.objects.filter(user__phone=PHONES[2], role=Role.STREET_ADMIN, street=world.street).exists()


def test_someone_already_on_the_platform_gets_the_role_and_keeps_their_account(world):
    outsider = world.outsider
    applied(staff_file(world.district_admin, district_rows(world)), world.district_admin)
    assert User.objects.filter(phone=outsider.phone).count() == 1
    assert roles_of(outsider.phone) == {Role.GRID_WORKER}
    outsider.refresh_from_db()
    assert outsider.name == "无角色用户"
    assert outsider.check_password("pass-word-123")


def test_each_applied_row_points_at_its_appointment_and_is_audited_as_the_importer(world):
    actor = world.district_admin
    batch = applied(staff_file(actor, district_rows(world)), actor)
    targets = {row.row_number: row.target_id for row in batch.rows.all()}
    assert targets[2] == RoleAssignment.objects.get(user__phone=PHONES[0]).pk
    assert targets[4] == RoleAssignment.objects.get(user__phone=PHONES[2]).pk
    appointed = AuditEntry.objects.filter(action="role_appoint")
    assert appointed.count() == 4
    assert set(appointed.values_list("actor", flat=True)) == {actor.pk}


def test_a_person_with_two_roles_has_two_rows_and_one_user(world):
    rows = [
        ["张网格", PHONES[0], "网格员", world.grid.code],
        ["张网格", PHONES[0], "社区工作人员", world.community.code],
    ]
    applied(staff_file(world.street_admin, rows), world.street_admin)
    assert User.objects.filter(phone=PHONES[0]).count() == 1
    assert roles_of(PHONES[0]) == {Role.GRID_WORKER, Role.COMMUNITY_STAFF}


def test_mobile_numbers_are_normalized(world):
    batch = staff_file(world.street_admin, [["张网格", "+86 186-0000-0003", "网格员", world.grid.code]])
    assert plan(batch)[2].data["phone"] == "18600000003"
    applied(batch, world.street_admin)
    assert roles_of("18600000003") == {Role.GRID_WORKER}


def test_the_same_file_twice_changes_nothing_the_second_time(world):
    actor = world.district_admin
    rows = district_rows(world)
    applied(staff_file(actor, rows), actor)
    counts = (User.objects.count(), RoleAssignment.objects.count(), AuditEntry.objects.count())

    again = staff_file(actor, rows)
    assert {row.action for row in plan(again).values()} == {RowAction.UNCHANGED}
    assert (again.counts[RowAction.UNCHANGED], again.counts[RowAction.CREATE]) == (4, 0)
    applied(again, actor)
    # Only the import itself is audited.
    assert (User.objects.count(), RoleAssignment.objects.count(), AuditEntry.objects.count()) == (
        counts[0],
        counts[1],
        counts[2] + 1,
    )


def test_a_role_held_before_the_import_is_unchanged(world):
    row = plan(
        staff_file(world.street_admin, [[world.grid_worker.name, world.grid_worker.phone, "网格员", world.grid.code]])
    )[2]
    assert row.action == RowAction.UNCHANGED


# --- what the importer may appoint ---


def test_an_organ_reviewer_appoints_branch_secretaries_of_its_own_branches_only(coded):
    reviewer = coded.world.reviewer
    rows = [
        ["张书记", PHONES[0], "支部书记", "ZB-A1"],
        ["李书记", PHONES[1], "支部书记", "ZB-A2"],
        ["王书记", PHONES[2], "支部书记", "ZB-B1"],
        ["赵审核", PHONES[3], "机关党委", "JG-A"],
    ]
    batch = staff_file(reviewer, rows)
    found = plan(batch)
    assert batch.status == ImportStatus.INVALID
    assert [found[n].action for n in (2, 3, 5)] == [RowAction.CREATE] * 3
    assert error_columns(found[4]) == ["所辖编码"]

    allowed = staff_file(reviewer, [rows[0], rows[1], rows[3]])
    applied(allowed, reviewer)
    assert RoleAssignment.objects.filter(
        user__phone=PHONES[0], role=Role.BRANCH_SECRETARY, party_org=coded.world.branch
    ).exists()
    assert RoleAssignment.objects.filter(
        user__phone=PHONES[1], role=Role.BRANCH_SECRETARY, party_org=coded.branch2
    ).exists()
    assert RoleAssignment.objects.filter(
        user__phone=PHONES[3], role=Role.ORGAN_REVIEWER, organ=coded.world.organ
    ).exists()


def test_an_organ_reviewer_may_not_appoint_another_organs_reviewers(coded):
    batch = staff_file(coded.world.reviewer, [["赵审核", PHONES[0], "机关党委", "JG-B"]])
    assert error_columns(plan(batch)[2]) == ["所辖编码"]


@pytest.mark.parametrize(
    "role, node",
    [
        ("网格员", "other_grid"),
        ("社区工作人员", "other_community"),
        ("街道管理员", "other_street"),
    ],
)
def test_a_place_outside_the_importers_area_is_an_error_on_its_code(world, role, node):
    batch = staff_file(world.district_admin, [["张网格", PHONES[0], role, getattr(world, node).code]])
    assert batch.status == ImportStatus.INVALID
    assert error_columns(plan(batch)[2]) == ["所辖编码"]


def test_a_street_admin_may_not_appoint_street_admins(world):
    batch = staff_file(world.street_admin, [["王街道", PHONES[0], "街道管理员", world.street.code]])
    assert error_columns(plan(batch)[2]) == ["所辖编码"]


def test_a_district_admin_may_not_appoint_district_admins_but_a_superuser_may(world):
    rows = [["钱区", PHONES[0], "区管理员", world.street.district.code]]
    assert error_columns(plan(staff_file(world.district_admin, rows))[2]) == ["所辖编码"]
    applied(staff_file(world.superuser, rows), world.superuser)
    assert roles_of(PHONES[0]) == {Role.DISTRICT_ADMIN}


@pytest.mark.parametrize(
    "role, node",
    [
        ("网格员", "community"),  # a community's code where a grid's is needed
        ("社区工作人员", "grid"),
        ("街道管理员", "community"),
    ],
)
def test_a_code_that_is_not_of_the_kind_the_role_covers_is_an_error_on_its_code(world, role, node):
    batch = staff_file(world.district_admin, [["张网格", PHONES[0], role, getattr(world, node).code]])
    assert error_columns(plan(batch)[2]) == ["所辖编码"]


def test_an_unknown_code_is_an_error_on_its_code(world):
    batch = staff_file(world.district_admin, [["张网格", PHONES[0], "网格员", "NO-SUCH"]])
    assert error_columns(plan(batch)[2]) == ["所辖编码"]


@pytest.mark.parametrize("role", ["member", "staff", "grid_worker", "secretary", "outsider"])
def test_only_those_who_appoint_may_import_staff(world, role):
    with pytest.raises(DomainError) as caught:
        import_start(
            kind="staff",
            file=xlsx_file(STAFF_HEADER, [["张网格", PHONES[0], "网格员", world.grid.code]]),
            actor=world.user(role),
        )
    assert caught.value.code == "import_not_allowed"


# --- row errors ---


def test_the_same_appointment_twice_is_an_error_on_both_rows(world):
    rows = [
        ["张网格", PHONES[0], "网格员", world.grid.code],
        ["李社区", PHONES[1], "社区工作人员", world.community.code],
        ["张网格", "186 0000 0000", "网格员", world.grid.code],
    ]
    batch = staff_file(world.street_admin, rows)
    assert batch.status == ImportStatus.INVALID
    found = plan(batch)
    for number in (2, 4):
        assert error_columns(found[number]) == ["手机号码"]
        assert "2、4" in found[number].errors[0]["message"]
    assert found[3].action == RowAction.CREATE


def test_a_number_that_is_not_a_mobile_number_is_an_error(world):
    batch = staff_file(world.street_admin, [["张网格", "0571-8888000", "网格员", world.grid.code]])
    assert error_columns(plan(batch)[2]) == ["手机号码"]


def test_an_unknown_role_is_an_error_on_its_column(world):
    batch = staff_file(world.street_admin, [["张网格", PHONES[0], "队长", world.grid.code]])
    assert error_columns(plan(batch)[2]) == ["角色"]


def test_required_cells_and_long_names_are_checked(world):
    rows = [
        ["", "", "", world.grid.code],
        ["长" * 51, PHONES[1], "网格员", world.grid.code],
        ["张网格", PHONES[2], "网格员", ""],
    ]
    found = plan(staff_file(world.street_admin, rows))
    assert error_columns(found[2]) == ["姓名", "手机号码", "角色"]
    assert error_columns(found[4]) == ["所辖编码"]
    assert error_columns(found[3]) == ["姓名"]


def test_an_import_with_errors_cannot_be_applied(world):
    rows = [["张网格", PHONES[0], "网格员", world.grid.code], ["李社区", PHONES[1], "网格员", world.other_grid.code]]
    batch = staff_file(world.street_admin, rows)
    with pytest.raises(DomainError) as caught:
        import_apply(batch=batch, actor=world.street_admin)
    assert caught.value.code == "import_not_ready"
    assert not User.objects.filter(phone__in=PHONES[:2]).exists()


# --- all or nothing ---


def test_applying_is_all_or_nothing_when_the_importer_lost_a_role_since_the_check(coded):
    world = coded.world
    reviewer = world.reviewer
    second = f.RoleFactory(user=reviewer, role=Role.ORGAN_REVIEWER, organ=world.other_organ)
    rows = [["张书记", PHONES[0], "支部书记", "ZB-A1"], ["王书记", PHONES[1], "支部书记", "ZB-B1"]]
    batch = staff_file(User.objects.get(pk=reviewer.pk), rows)
    assert batch.status == ImportStatus.READY
    roles = RoleAssignment.objects.count()
    second.delete()  # no longer reviewer of organ B: row 3 is refused when applied

    with pytest.raises(DomainError) as caught:
        import_apply(batch=batch, actor=User.objects.get(pk=reviewer.pk))  # a new request reads the roles again
    assert caught.value.code == "may_not_appoint"
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert "3" in batch.file_error
    assert "2" not in batch.file_error
    assert RoleAssignment.objects.count() == roles - 1
    assert not RoleAssignment.objects.filter(user__phone__in=PHONES[:2]).exists()
    assert not User.objects.filter(phone__in=PHONES[:2]).exists()
    assert not AuditEntry.objects.filter(action__in=["role_appoint", "import_apply"]).exists()
