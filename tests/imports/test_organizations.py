"""Importing organs and their Party organization trees: the organ's own committee named rather than doubled,
paths, an organ reviewer limited to its own organ's tree (matched by name before it has a code), wrong parents,
and idempotent re-imports."""

import pytest

from apps.core.errors import DomainError
from apps.imports.models import ImportStatus, RowAction
from apps.imports.services import import_apply, import_start
from apps.orgs.models import Organ, OrganCategory, PartyOrg, PartyOrgKind
from tests import factories as f
from tests.imports.conftest import ORG_HEADER, checked, error_columns, plan, xlsx_file

pytestmark = pytest.mark.django_db


def org(kind, code, name, parent="", short_name="", category=""):
    return [kind, code, name, parent, short_name, category]


# An organ's tree listed children first: every parent comes later in the file.
NEW_ORGAN = [
    org("党支部", "RD-ZB1", "第一党支部", "RD-ZZ"),
    org("党支部", "RD-ZB2", "第二党支部", "RD-DW"),
    org("党总支", "RD-ZZ", "机关党总支", "RD-DW"),
    org("机关党委", "RD-DW", "区人大机关党委", "RD"),
    org("机关", "RD", "区人大常委会办公室", "", "区人大办", "人大常委会"),
]


def org_check(actor, rows):
    return checked("organizations", xlsx_file(ORG_HEADER, rows), actor)


def test_district_admin_creates_an_organ_with_its_committee_general_branch_and_branches(world):
    batch = org_check(world.district_admin, NEW_ORGAN)
    assert batch.status == ImportStatus.READY
    assert batch.counts[RowAction.CREATE] == 5
    import_apply(batch=batch, actor=world.district_admin)

    organ = Organ.objects.get(code="RD")
    assert (organ.name, organ.short_name, organ.category) == ("区人大常委会办公室", "区人大办", OrganCategory.CONGRESS)
    committees = PartyOrg.objects.filter(organ=organ, kind=PartyOrgKind.COMMITTEE)
    assert committees.count() == 1  # the organ's own committee, renamed and coded, not a second one
    committee = committees.get()
    assert (committee.code, committee.name, committee.parent) == ("RD-DW", "区人大机关党委", None)
    general = PartyOrg.objects.get(code="RD-ZZ")
    zb1, zb2 = PartyOrg.objects.get(code="RD-ZB1"), PartyOrg.objects.get(code="RD-ZB2")
    assert (general.kind, general.parent, general.organ) == (PartyOrgKind.GENERAL_BRANCH, committee, organ)
    assert (zb1.kind, zb1.parent, zb2.parent) == (PartyOrgKind.BRANCH, general, committee)
    assert committee.path == f"/{committee.pk}/"
    assert general.path == f"/{committee.pk}/{general.pk}/"
    assert zb1.path == f"/{committee.pk}/{general.pk}/{zb1.pk}/"
    assert zb2.path == f"/{committee.pk}/{zb2.pk}/"
    assert PartyOrg.objects.filter(organ=organ).count() == 4


def test_an_organ_without_a_category_is_a_government_bureau(world):
    import_apply(batch=org_check(world.district_admin, [org("机关", "ZF", "区政府办")]), actor=world.district_admin)
    assert Organ.objects.get(code="ZF").category == OrganCategory.GOVERNMENT


def test_the_same_file_twice_is_unchanged_the_second_time(world):
    import_apply(batch=org_check(world.district_admin, NEW_ORGAN), actor=world.district_admin)
    stamps = dict(PartyOrg.objects.values_list("pk", "updated_at"))
    again = org_check(world.district_admin, NEW_ORGAN)
    assert again.status == ImportStatus.READY
    assert {r.action for r in plan(again).values()} == {RowAction.UNCHANGED}
    import_apply(batch=again, actor=world.district_admin)
    assert dict(PartyOrg.objects.values_list("pk", "updated_at")) == stamps
    assert Organ.objects.filter(code="RD").count() == 1


def test_a_renamed_branch_is_an_update_that_shows_the_change(world):
    import_apply(batch=org_check(world.district_admin, NEW_ORGAN), actor=world.district_admin)
    rows = [org("党支部", "RD-ZB2", "综合党支部", "RD-DW")]
    row = plan(org_check(world.district_admin, rows))[2]
    assert row.action == RowAction.UPDATE
    assert list(row.changes.values()) == [["第二党支部", "综合党支部"]]


# --- the organ reviewer ---


def test_organ_reviewer_imports_its_own_organs_tree_matching_the_organ_by_name_and_setting_its_codes(world):
    organ, committee = world.organ, f.committee_of(world.organ)
    assert organ.code == ""
    rows = [
        org("机关", "JG-A", organ.name),
        org("机关党委", "JG-A-DW", committee.name, "JG-A"),
        org("党支部", "ZB-A1", world.branch.name, "JG-A-DW"),  # an existing branch, matched by its name
        org("党支部", "ZB-A9", "新党支部", "JG-A-DW"),
    ]
    batch = org_check(world.reviewer, rows)
    assert batch.status == ImportStatus.READY
    found = plan(batch)
    assert (found[2].action, found[2].target_id) == (RowAction.UPDATE, organ.pk)
    assert (found[3].action, found[3].target_id) == (RowAction.UPDATE, committee.pk)
    assert (found[4].action, found[4].target_id) == (RowAction.UPDATE, world.branch.pk)
    assert list(found[4].changes.values()) == [["", "ZB-A1"]]
    assert found[5].action == RowAction.CREATE
    import_apply(batch=batch, actor=world.reviewer)

    organ.refresh_from_db()
    assert organ.code == "JG-A"
    assert Organ.objects.count() == 2
    assert list(PartyOrg.objects.filter(organ=organ, kind=PartyOrgKind.COMMITTEE).values_list("pk", "code")) == [
        (committee.pk, "JG-A-DW")
    ]
    world.branch.refresh_from_db()
    assert world.branch.code == "ZB-A1"
    new = PartyOrg.objects.get(code="ZB-A9")
    assert (new.organ, new.parent_id, new.path) == (organ, committee.pk, f"/{committee.pk}/{new.pk}/")


def test_organ_reviewer_gets_row_errors_for_another_organ_or_a_new_organ(world):
    PartyOrg.objects.filter(pk=f.committee_of(world.other_organ).pk).update(code="JG-B-DW")
    rows = [
        org("机关", "JG-A", world.organ.name),
        org("机关", "JG-B", world.other_organ.name),
        org("机关", "NEW", "新成立的局"),
        org("党支部", "JG-B-ZB9", "别的局的新支部", "JG-B-DW"),
    ]
    batch = org_check(world.reviewer, rows)
    assert batch.status == ImportStatus.INVALID
    found = plan(batch)
    assert found[2].action == RowAction.UPDATE
    assert error_columns(found[3]) == ["编码"]
    assert error_columns(found[4]) == ["类型"]
    assert error_columns(found[5]) == ["上级编码"]
    with pytest.raises(DomainError):
        import_apply(batch=batch, actor=world.reviewer)
    assert not Organ.objects.filter(code__in=["JG-A", "JG-B", "NEW"]).exists()
    assert not PartyOrg.objects.filter(code="JG-B-ZB9").exists()


def test_an_existing_branch_without_a_code_under_another_parent_in_the_file_is_not_moved(world):
    rows = [
        org("机关", "JG-A", world.organ.name),
        org("机关党委", "JG-A-DW", f.committee_of(world.organ).name, "JG-A"),
        org("党总支", "JG-A-ZZ", "新党总支", "JG-A-DW"),
        org("党支部", "ZB-A1", world.branch.name, "JG-A-ZZ"),  # the existing branch sits under the committee
    ]
    batch = org_check(world.reviewer, rows)
    assert batch.status == ImportStatus.INVALID
    assert error_columns(plan(batch)[5]) == ["上级编码"]


def test_a_new_branch_with_a_name_its_organ_already_uses_is_an_error(world):
    PartyOrg.objects.filter(pk=world.branch.pk).update(code="ZB-A1")
    committee = f.committee_of(world.organ)
    PartyOrg.objects.filter(pk=committee.pk).update(code="JG-A-DW")
    Organ.objects.filter(pk=world.organ.pk).update(code="JG-A")
    under_known_parent = [org("党支部", "ZB-A5", world.branch.name, "JG-A-DW")]
    under_parent_in_file = [
        org("机关党委", "JG-A-DW", committee.name, "JG-A"),
        org("党总支", "JG-A-ZZ", "新党总支", "JG-A-DW"),
        org("党支部", "ZB-A5", world.branch.name, "JG-A-ZZ"),
    ]
    assert error_columns(plan(org_check(world.reviewer, under_known_parent))[2]) == ["名称"]
    batch = org_check(world.reviewer, under_parent_in_file)
    assert [r.action for r in plan(batch).values()] == [RowAction.UNCHANGED, RowAction.CREATE, RowAction.ERROR]
    assert error_columns(plan(batch)[4]) == ["名称"]


# --- wrong trees ---


def test_a_branch_under_a_branch_in_the_file_is_an_error(world):
    rows = [*NEW_ORGAN, org("党支部", "RD-ZB3", "支部下的支部", "RD-ZB1")]
    batch = org_check(world.district_admin, rows)
    assert batch.status == ImportStatus.INVALID
    row = plan(batch)[7]
    assert (row.action, error_columns(row)) == (RowAction.ERROR, ["上级编码"])
    assert batch.counts[RowAction.ERROR] == 1


def test_a_branch_under_an_existing_branch_is_an_error(world):
    PartyOrg.objects.filter(pk=world.branch.pk).update(code="ZB-A1")
    batch = org_check(world.district_admin, [org("党支部", "ZB-A1-1", "支部下的支部", "ZB-A1")])
    assert error_columns(plan(batch)[2]) == ["上级编码"]


@pytest.mark.parametrize(
    "row",
    [
        org("党总支", "X-ZZ", "没有上级的总支"),
        org("党支部", "X-ZB", "上级不存在的支部", "NO-SUCH"),
        org("机关党委", "X-DW", "挂在支部下的党委", "RD-ZB1"),
        org("机关", "X", "有上级的机关", "RD"),
    ],
)
def test_a_party_organization_needs_a_parent_of_a_fitting_kind(world, row):
    batch = org_check(world.district_admin, [*NEW_ORGAN, row])
    assert batch.status == ImportStatus.INVALID
    assert plan(batch)[7].action == RowAction.ERROR
    assert "上级编码" in error_columns(plan(batch)[7])


def test_a_code_twice_in_the_file_is_an_error_on_both_rows(world):
    rows = [*NEW_ORGAN, org("党支部", "RD-ZB1", "重复编码的支部", "RD-DW")]
    batch = org_check(world.district_admin, rows)
    found = plan(batch)
    for number in (2, 7):
        assert found[number].action == RowAction.ERROR
        assert "2、7" in found[number].errors[-1]["message"]


@pytest.mark.parametrize("role", ["member", "staff", "secretary", "street_admin", "outsider"])
def test_only_district_administrators_and_organ_reviewers_import_organizations(world, role):
    with pytest.raises(DomainError) as caught:
        import_start(kind="organizations", file=xlsx_file(ORG_HEADER, NEW_ORGAN), actor=world.user(role))
    assert caught.value.code == "import_not_allowed"
