"""Importing the member roster: new people (no password, one open affiliation), people already on the platform,
updates, moves through the move rule, deactivation (never deletion), the full-roster option, row errors, home
addresses placed in a community, idempotent re-imports, all-or-nothing application, and chunked checking."""

import pytest
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.accounts.services import user_create
from apps.core.errors import DomainError
from apps.imports.models import ImportBatch, ImportStatus, RowAction
from apps.imports.services import import_apply, import_check_step, import_start
from apps.ledger.models import AuditEntry
from apps.orgs.models import Member, MemberAffiliation
from apps.orgs.services import member_move, member_set_active
from apps.places.models import Community, Grid
from tests import factories as f
from tests.imports.conftest import MEM_HEADER, PHONES, checked, csv_file, error_columns, plan, run_check, xlsx_file

pytestmark = pytest.mark.django_db


def person(name, phone, branch="ZB-A1", *, organ="", job_title="", address="", status=""):
    return [name, phone, branch, organ, job_title, address, status]


def roster(actor, rows, **options):
    return checked("members", xlsx_file(MEM_HEADER, rows), actor, **options)


def as_listed(member, **changes):
    """The row that lists a member as they are (changes override the cells)."""
    cells = {
        "name": member.user.name,
        "phone": member.user.phone,
        "branch": member.branch.code,
        "job_title": member.job_title,
        "address": member.home_address,
        "status": "在职" if member.is_active else "不在职",
    } | changes
    return person(
        cells["name"],
        cells["phone"],
        cells["branch"],
        job_title=cells["job_title"],
        address=cells["address"],
        status=cells["status"],
    )


def applied(batch, actor):
    batch = import_apply(batch=batch, actor=actor)
    assert batch.status == ImportStatus.APPLIED
    return batch


def open_affiliations(member):
    return list(MemberAffiliation.objects.filter(member=member, ended_on__isnull=True).values_list("branch", flat=True))


@pytest.fixture
def gazetteer(coded):
    """Side B moved 11 km north, a compound in the world's grid and one far from every community."""
    world = coded.world
    Community.objects.filter(pk=world.other_community.pk).update(latitude=f.CITY_LAT + 0.1)
    Grid.objects.filter(pk=world.other_grid.pk).update(latitude=f.CITY_LAT + 0.1)
    f.GazetteerEntryFactory(name="幸福小区", latitude=world.grid.latitude, longitude=world.grid.longitude)
    f.GazetteerEntryFactory(name="远方小区", latitude=f.CITY_LAT + 1.0, longitude=f.CITY_LNG + 1.0)
    return coded


# --- new members ---


def test_new_people_become_members_without_a_password_and_with_one_open_affiliation(coded):
    reviewer = coded.world.reviewer
    batch = roster(reviewer, [person("李四", PHONES[0], job_title="科员"), person("王五", PHONES[1], "ZB-A2")])
    assert batch.status == ImportStatus.READY
    assert batch.counts[RowAction.CREATE] == 2
    users_before = User.objects.count()
    applied(batch, reviewer)

    assert User.objects.count() == users_before + 2
    li = Member.objects.select_related("user").get(user__phone=PHONES[0])
    assert (li.user.name, li.organ, li.branch, li.job_title, li.is_active) == (
        "李四",
        coded.world.organ,
        coded.world.branch,
        "科员",
        True,
    )
    assert not li.user.has_usable_password()
    affiliations = MemberAffiliation.objects.filter(member=li)
    assert list(affiliations.values_list("branch", "ended_on", "started_on")) == [
        (coded.world.branch.pk, None, timezone.localdate())
    ]
    assert Member.objects.get(user__phone=PHONES[1]).branch == coded.branch2


def test_mobile_numbers_are_normalized(coded):
    batch = roster(coded.world.reviewer, [person("李四", "+86 186-0000-0101")])
    assert plan(batch)[2].key == "18600000101"
    applied(batch, coded.world.reviewer)
    assert Member.objects.filter(user__phone="18600000101").exists()


def test_a_number_that_is_not_a_mobile_number_is_an_error(coded):
    batch = roster(coded.world.reviewer, [person("李四", "0571-8888000")])
    assert error_columns(plan(batch)[2]) == ["手机号码"]


def test_someone_already_on_the_platform_gets_a_member_profile_and_no_second_user(coded):
    staff = coded.world.staff
    batch = roster(coded.world.reviewer, [person("社区干部", staff.phone, job_title="科员")])
    assert plan(batch)[2].action == RowAction.CREATE
    users_before = User.objects.count()
    applied(batch, coded.world.reviewer)
    assert User.objects.count() == users_before
    member = Member.objects.get(user=staff)
    assert (member.branch, member.job_title) == (coded.world.branch, "科员")
    assert staff.roles.filter(role=Role.COMMUNITY_STAFF).exists()
    staff.refresh_from_db()
    assert staff.check_password("pass-word-123")  # their password is kept


def test_a_new_person_marked_not_in_service_is_left_out(coded):
    batch = roster(coded.world.reviewer, [person("李四", PHONES[0], status="不在职")])
    assert plan(batch)[2].action == RowAction.UNCHANGED
    applied(batch, coded.world.reviewer)
    assert not User.objects.filter(phone=PHONES[0]).exists()


# --- existing members ---


def test_a_members_job_title_and_address_are_updated(gazetteer):
    member = gazetteer.world.member
    batch = roster(gazetteer.world.reviewer, [as_listed(member, job_title="副科长", address="幸福小区3栋")])
    row = plan(batch)[2]
    assert (row.action, row.target_id) == (RowAction.UPDATE, member.pk)
    assert sorted(row.changes.values()) == [["", "副科长"], ["", "幸福小区3栋"]]
    applied(batch, gazetteer.world.reviewer)
    member.refresh_from_db()
    assert (member.job_title, member.home_address, member.branch) == ("副科长", "幸福小区3栋", gazetteer.world.branch)
    assert AuditEntry.objects.filter(action="member_update", subject_id=member.pk).count() == 1


def test_a_members_name_is_updated_on_their_user(coded):
    member = coded.world.member
    applied(roster(coded.world.reviewer, [as_listed(member, name="改了名")]), coded.world.reviewer)
    member.user.refresh_from_db()
    assert member.user.name == "改了名"


def test_member_whose_branch_changed_is_moved_and_keeps_history(coded):
    member = coded.world.member
    batch = roster(coded.world.reviewer, [as_listed(member, branch="ZB-A2")])
    row = plan(batch)[2]
    assert (row.action, row.target_id) == (RowAction.MOVE, member.pk)
    assert batch.counts[RowAction.MOVE] == 1
    applied(batch, coded.world.reviewer)

    member.refresh_from_db()
    assert (member.branch, member.organ, member.is_active) == (coded.branch2, coded.world.organ, True)
    history = list(MemberAffiliation.objects.filter(member=member).order_by("id").values_list("branch", "ended_on"))
    assert history == [(coded.world.branch.pk, timezone.localdate()), (coded.branch2.pk, None)]
    move = AuditEntry.objects.get(action="member_move", subject_id=member.pk)
    assert (move.before["branch"], move.after["branch"]) == (coded.world.branch.pk, coded.branch2.pk)
    assert not AuditEntry.objects.filter(action="member_update", subject_id=member.pk).exists()


def test_a_member_no_longer_in_service_is_deactivated_never_deleted(coded):
    member = coded.world.member
    batch = roster(coded.world.reviewer, [as_listed(member, status="不在职")])
    assert plan(batch)[2].action == RowAction.DEACTIVATE
    applied(batch, coded.world.reviewer)
    member.refresh_from_db()
    assert member.is_active is False
    assert open_affiliations(member) == [coded.world.branch.pk]
    assert AuditEntry.objects.filter(action="member_deactivate", subject_id=member.pk).count() == 1


def test_a_deactivated_member_listed_in_service_again_is_reactivated(coded):
    member = coded.world.member
    member_set_active(member=member, active=False)
    member.refresh_from_db()
    batch = roster(coded.world.reviewer, [as_listed(member, status="在职")])
    assert plan(batch)[2].action == RowAction.UPDATE
    applied(batch, coded.world.reviewer)
    member.refresh_from_db()
    assert member.is_active is True


# --- the full roster ---


def full_roster_world(coded):
    """Organ A with the world's member (listed), a second member (missing) and a deactivated one (missing)."""
    missing = f.MemberFactory(branch=coded.branch2)
    gone = f.MemberFactory(branch=coded.branch2)
    member_set_active(member=gone, active=False)
    return missing, gone


def test_a_full_roster_deactivates_the_organs_active_members_missing_from_it(coded):
    missing, gone = full_roster_world(coded)
    rows = [as_listed(coded.world.member), person("李四", PHONES[0])]
    batch = roster(coded.world.reviewer, rows, deactivate_missing=True)
    assert batch.status == ImportStatus.READY
    deactivations = list(batch.rows.filter(row_number=0))
    assert [(r.action, r.target_id, r.data["phone"]) for r in deactivations] == [
        (RowAction.DEACTIVATE, missing.pk, missing.user.phone)
    ]
    assert batch.counts[RowAction.DEACTIVATE] == 1
    applied(batch, coded.world.reviewer)

    assert Member.objects.get(pk=missing.pk).is_active is False
    assert Member.objects.get(pk=coded.world.member.pk).is_active is True
    assert Member.objects.get(pk=coded.world.other_member.pk).is_active is True  # another organ's
    assert Member.objects.filter(pk__in=[missing.pk, gone.pk]).count() == 2  # never deleted
    assert Member.objects.get(user__phone=PHONES[0]).is_active is True


def test_without_the_full_roster_option_missing_members_stay_active(coded):
    missing, _gone = full_roster_world(coded)
    batch = roster(coded.world.reviewer, [as_listed(coded.world.member)])
    assert not batch.rows.filter(row_number=0).exists()
    assert batch.counts[RowAction.DEACTIVATE] == 0
    applied(batch, coded.world.reviewer)
    assert Member.objects.get(pk=missing.pk).is_active is True


def test_a_superusers_full_roster_covers_the_organs_of_the_branches_in_it(coded):
    superuser = coded.world.superuser
    batch = roster(superuser, [person("李四", PHONES[0])], deactivate_missing=True)
    assert set(batch.rows.filter(row_number=0).values_list("target_id", flat=True)) == {coded.world.member.pk}


# --- row errors ---


def test_a_number_twice_in_the_file_is_an_error_on_both_rows(coded):
    rows = [person("李四", PHONES[0]), person("王五", PHONES[1]), person("李四", "186 0000 0000", "ZB-A2")]
    batch = roster(coded.world.reviewer, rows)
    assert batch.status == ImportStatus.INVALID
    found = plan(batch)
    for number in (2, 4):
        assert error_columns(found[number]) == ["手机号码"]
        assert "2、4" in found[number].errors[0]["message"]
    assert found[3].action == RowAction.CREATE


def test_the_number_of_another_organs_member_is_a_row_error(coded):
    other = coded.world.other_member
    batch = roster(coded.world.reviewer, [person(other.user.name, other.user.phone)])
    assert error_columns(plan(batch)[2]) == ["手机号码"]
    with pytest.raises(DomainError):
        import_apply(batch=batch, actor=coded.world.reviewer)
    other.refresh_from_db()
    assert other.branch == coded.world.other_branch


@pytest.mark.parametrize("branch", ["NO-SUCH", "ZB-B1", "JG-A-DW"])
def test_a_branch_code_that_is_not_one_of_the_reviewers_branches_is_an_error(coded, branch):
    batch = roster(coded.world.reviewer, [person("李四", PHONES[0], branch)])
    assert batch.status == ImportStatus.INVALID
    assert error_columns(plan(batch)[2]) == ["党支部编码"]


def test_an_organ_code_that_is_not_the_branchs_organ_is_an_error(coded):
    rows = [person("李四", PHONES[0], organ="JG-A"), person("王五", PHONES[1], organ="JG-B")]
    batch = roster(coded.world.reviewer, rows)
    assert plan(batch)[2].action == RowAction.CREATE
    assert error_columns(plan(batch)[3]) == ["机关编码"]


def test_required_cells_and_status_values_are_checked(coded):
    rows = [person("", PHONES[0], ""), person("王五", PHONES[1], status="退休")]
    found = plan(roster(coded.world.reviewer, rows))
    assert error_columns(found[2]) == ["姓名", "党支部编码"]
    assert error_columns(found[3]) == ["在职状态"]


# --- home addresses ---


def test_a_home_address_is_placed_in_its_community_for_the_preview(gazetteer):
    world = gazetteer.world
    batch = roster(world.reviewer, [person("李四", PHONES[0], address="幸福小区3栋2单元101")])
    assert batch.status == ImportStatus.READY
    resolved = plan(batch)[2].data["resolved"]
    assert world.community.name in resolved
    assert world.grid.name in resolved
    applied(batch, world.reviewer)
    assert Member.objects.get(user__phone=PHONES[0]).home_address == "幸福小区3栋2单元101"


def test_a_home_address_in_no_community_is_an_error_on_its_column(gazetteer):
    rows = [person("李四", PHONES[0], address="远方小区1栋"), person("王五", PHONES[1], address="火星基地")]
    found = plan(roster(gazetteer.world.reviewer, rows))
    assert error_columns(found[2]) == ["家庭住址"]
    assert error_columns(found[3]) == ["家庭住址"]


def test_an_unchanged_home_address_is_not_placed_again(gazetteer):
    member = gazetteer.world.member
    Member.objects.filter(pk=member.pk).update(home_address="远方小区1栋")  # kept from before the gazetteer knew it
    member.refresh_from_db()
    row = plan(roster(gazetteer.world.reviewer, [as_listed(member)]))[2]
    assert row.action == RowAction.UNCHANGED


def test_an_address_placed_in_an_earlier_chunk_is_not_placed_again(gazetteer, settings, monkeypatch):
    from apps.imports.importers import members as importer

    placed = []
    resolve = importer.resolve_address
    monkeypatch.setattr(
        importer, "resolve_address", lambda address, **kw: placed.append(address) or resolve(address, **kw)
    )
    rows = [
        person("李四", PHONES[0], address="幸福小区3栋"),
        person("王五", PHONES[1], address="幸福小区3栋"),
        person("赵六", PHONES[2], address="远方小区1栋"),
        person("钱七", PHONES[3], address="远方小区1栋"),
    ]
    settings.IMPORT_CHECK_CHUNK_ROWS = 1
    batch = roster(gazetteer.world.reviewer, rows)

    # Only the stored placements are reused: an address no community covers is looked up again, as before.
    assert placed == ["幸福小区3栋", "远方小区1栋", "远方小区1栋"]
    found = plan(batch)
    assert (
        found[3].data["resolved"]
        == found[2].data["resolved"]
        == (f"{gazetteer.world.community.name} {gazetteer.world.grid.name}")
    )
    assert found[5].errors == found[4].errors and error_columns(found[5]) == ["家庭住址"]
    settings.IMPORT_CHECK_CHUNK_ROWS = 2000
    assert comparable(batch) == comparable(roster(gazetteer.world.reviewer, rows))


# --- idempotence and all-or-nothing ---


def test_the_same_roster_twice_changes_nothing_the_second_time(coded):
    rows = [
        as_listed(coded.world.member, job_title="科员"),
        person("李四", PHONES[0]),
        person("王五", PHONES[1], "ZB-A2"),
    ]
    applied(roster(coded.world.reviewer, rows), coded.world.reviewer)
    stamps = dict(Member.objects.values_list("pk", "updated_at"))
    counts = (User.objects.count(), MemberAffiliation.objects.count(), AuditEntry.objects.count())

    again = roster(coded.world.reviewer, rows)
    assert {r.action for r in plan(again).values()} == {RowAction.UNCHANGED}
    assert again.counts[RowAction.UNCHANGED] == 3
    applied(again, coded.world.reviewer)
    assert dict(Member.objects.values_list("pk", "updated_at")) == stamps
    # Only the import itself is audited.
    assert (User.objects.count(), MemberAffiliation.objects.count(), AuditEntry.objects.count()) == (
        counts[0],
        counts[1],
        counts[2] + 1,
    )


def test_applying_is_all_or_nothing_when_a_number_was_taken_since_the_check(coded):
    rows = [person("李四", PHONES[0]), person("王五", PHONES[1]), person("赵六", PHONES[2], "ZB-A2")]
    batch = roster(coded.world.reviewer, rows)
    assert batch.status == ImportStatus.READY
    user_create(phone=PHONES[2], name="抢先注册的人")

    with pytest.raises(DomainError) as caught:
        import_apply(batch=batch, actor=coded.world.reviewer)
    assert caught.value.code == "already_a_member"
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert "4" in batch.file_error
    assert "2" not in batch.file_error
    assert not Member.objects.filter(user__phone__in=PHONES[:3]).exists()
    assert list(User.objects.filter(phone__in=PHONES[:3]).values_list("phone", flat=True)) == [PHONES[2]]
    assert not AuditEntry.objects.filter(action="import_apply").exists()


def test_applying_is_all_or_nothing_when_a_change_is_refused(coded):
    member = coded.world.member
    batch = roster(coded.world.reviewer, [person("李四", PHONES[0]), as_listed(member, job_title="科长")])
    member_move(member=member, branch=coded.world.other_branch)  # transferred out since the check

    with pytest.raises(DomainError) as caught:
        import_apply(batch=batch, actor=coded.world.reviewer)
    assert caught.value.code == "not_in_your_organization"
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert "3" in batch.file_error
    assert not User.objects.filter(phone=PHONES[0]).exists()


def test_applying_twice_is_refused(coded):
    batch = applied(roster(coded.world.reviewer, [person("李四", PHONES[0])]), coded.world.reviewer)
    with pytest.raises(DomainError) as caught:
        import_apply(batch=batch, actor=coded.world.reviewer)
    assert caught.value.code == "import_not_ready"
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.APPLIED
    assert Member.objects.filter(user__phone=PHONES[0]).count() == 1


def test_an_import_with_errors_cannot_be_applied(coded):
    batch = roster(coded.world.reviewer, [person("李四", PHONES[0]), person("王五", PHONES[1], "NO-SUCH")])
    with pytest.raises(DomainError) as caught:
        import_apply(batch=batch, actor=coded.world.reviewer)
    assert caught.value.code == "import_not_ready"
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.INVALID
    assert not User.objects.filter(phone=PHONES[0]).exists()


# --- checking in chunks ---


def comparable(batch):
    return [
        (r.row_number, r.key, r.action, r.data, r.changes, r.errors, r.target_id)
        for r in batch.rows.order_by("row_number", "id")
    ]


@pytest.mark.parametrize("make", [xlsx_file, csv_file])
def test_a_long_file_is_checked_a_chunk_at_a_time_to_the_same_plan(coded, settings, make):
    reviewer = coded.world.reviewer
    rows = [person(f"党员{i}", PHONES[i]) for i in range(6)]
    rows[3] = as_listed(coded.world.member, job_title="科员")
    rows += [person("重复号码", PHONES[0], "ZB-A2"), person("无支部", PHONES[7], "NO-SUCH")]
    assert len(rows) == 8

    settings.IMPORT_CHECK_CHUNK_ROWS = 3
    batch = import_start(kind="members", file=make(MEM_HEADER, rows), actor=reviewer, deactivate_missing=True)
    assert (batch.status, batch.rows_total, batch.rows_checked) == (ImportStatus.CHECKING, 8, 0)
    progress = []
    while batch.status == ImportStatus.CHECKING:
        batch = import_check_step(batch=batch, actor=reviewer)
        progress.append((batch.rows_checked, batch.status, batch.rows.count()))
    assert progress == [
        (3, ImportStatus.CHECKING, 3),
        (6, ImportStatus.CHECKING, 6),
        (8, ImportStatus.INVALID, 8),
    ]
    assert batch.progress_percent == 100
    # Checks across the file saw rows of every chunk: row 2 and row 8 hold the same number.
    assert error_columns(plan(batch)[8]) == ["手机号码"]
    assert error_columns(plan(batch)[2]) == ["手机号码"]

    settings.IMPORT_CHECK_CHUNK_ROWS = 2000
    whole = run_check(
        import_start(kind="members", file=make(MEM_HEADER, rows), actor=reviewer, deactivate_missing=True), reviewer
    )
    assert comparable(batch) == comparable(whole)
    assert batch.counts == whole.counts


def test_a_step_on_a_finished_check_changes_nothing(coded):
    batch = roster(coded.world.reviewer, [person("李四", PHONES[0])])
    again = import_check_step(batch=batch, actor=coded.world.reviewer)
    assert (again.status, again.rows.count()) == (ImportStatus.READY, 1)


# --- whose import it is ---


def test_another_reviewer_cannot_carry_on_or_apply_a_reviewers_import(coded, settings):
    settings.IMPORT_CHECK_CHUNK_ROWS = 1
    other = f.UserFactory()
    f.RoleFactory(user=other, role=Role.ORGAN_REVIEWER, organ=coded.world.organ)  # even of the same organ
    reviewer = coded.world.reviewer
    batch = import_start(
        kind="members",
        file=xlsx_file(MEM_HEADER, [person("李四", PHONES[0]), person("王五", PHONES[1])]),
        actor=reviewer,
    )
    with pytest.raises(DomainError) as caught:
        import_check_step(batch=batch, actor=other)
    assert caught.value.code == "import_not_allowed"
    batch = run_check(batch, reviewer)
    assert batch.status == ImportStatus.READY
    with pytest.raises(DomainError) as caught:
        import_apply(batch=batch, actor=other)
    assert caught.value.code == "import_not_allowed"
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.READY
    assert not User.objects.filter(phone__in=PHONES[:2]).exists()


@pytest.mark.parametrize("role", ["member", "staff", "secretary", "street_admin", "district_admin", "outsider"])
def test_only_organ_reviewers_import_rosters(coded, role):
    with pytest.raises(DomainError) as caught:
        import_start(
            kind="members", file=xlsx_file(MEM_HEADER, [person("李四", PHONES[0])]), actor=coded.world.user(role)
        )
    assert caught.value.code == "import_not_allowed"
