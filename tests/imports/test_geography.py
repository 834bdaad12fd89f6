"""Importing streets, communities and grids: parents anywhere in the file, points converted to WGS-84, idempotent
re-imports, updates shown before they are written, the street administrator's limits, and row errors that name
the row and the column."""

import pytest

from apps.core.errors import DomainError
from apps.imports.models import ImportStatus, RowAction
from apps.imports.services import import_apply, import_check_step, import_start
from apps.ledger.models import AuditEntry
from apps.places.coords import CoordSystem, to_wgs84
from apps.places.models import Community, Grid, Street
from tests.imports.conftest import GEO_HEADER, checked, error_columns, plan, xlsx_file

pytestmark = pytest.mark.django_db

LAT, LNG = 30.2741, 120.1551


def place(level, code, name, parent, *, address="", phone="", lng=LNG, lat=LAT, system=""):
    return [level, code, name, parent, address, phone, lng, lat, system]


def tree_rows(district_code):
    """A street, a community and a grid, each listed before its parent."""
    return [
        place("网格", "QL-JX-GY-1", "桂苑第一网格", "QL-JX-GY", lng=LNG + 0.001),
        place("社区", "QL-JX-GY", "桂苑社区", "QL-JX", address="桂花路8号", phone="0571-88880001"),
        place("街道", "QL-JX", "锦绣街道", district_code, lng=LNG - 0.01, lat=LAT + 0.01),
    ]


def geo_check(actor, rows):
    return checked("geography", xlsx_file(GEO_HEADER, rows), actor)


def place_audits():
    return AuditEntry.objects.filter(action__in=("place_create", "place_update")).count()


def test_district_admin_imports_streets_communities_and_grids_listed_before_their_parents(world):
    district = world.street.district
    batch = geo_check(world.district_admin, tree_rows(district.code))
    assert batch.status == ImportStatus.READY
    assert {n: r.action for n, r in plan(batch).items()} == {2: "create", 3: "create", 4: "create"}
    assert batch.counts[RowAction.CREATE] == 3
    import_apply(batch=batch, actor=world.district_admin)
    street = Street.objects.get(code="QL-JX")
    community = Community.objects.get(code="QL-JX-GY")
    grid = Grid.objects.get(code="QL-JX-GY-1")
    assert (street.district, street.name) == (district, "锦绣街道")
    assert (street.latitude, street.longitude) == (pytest.approx(LAT + 0.01), pytest.approx(LNG - 0.01))
    assert (community.street, community.address, community.contact_phone) == (street, "桂花路8号", "0571-88880001")
    assert (grid.community, grid.name, grid.longitude) == (community, "桂苑第一网格", pytest.approx(LNG + 0.001))
    assert place_audits() == 3
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert plan(batch)[2].target_id == grid.pk


@pytest.mark.parametrize("label, system", [("GCJ-02", CoordSystem.GCJ02), ("BD-09", CoordSystem.BD09)])
def test_points_from_chinese_maps_are_stored_in_wgs84(world, label, system):
    rows = [place("社区", "QL-HX", "和谐社区", world.street.code, lng=120.16, lat=30.28, system=label)]
    batch = geo_check(world.district_admin, rows)
    import_apply(batch=batch, actor=world.district_admin)
    community = Community.objects.get(code="QL-HX")
    lat, lng = to_wgs84(30.28, 120.16, system)
    assert (community.latitude, community.longitude) == (pytest.approx(lat, abs=1e-9), pytest.approx(lng, abs=1e-9))
    # The conversion moved the point (by a few hundred metres): it was not stored as given.
    assert abs(community.latitude - 30.28) + abs(community.longitude - 120.16) > 1e-3


def test_a_point_without_a_coordinate_system_is_taken_as_wgs84(world):
    rows = [place("社区", "QL-HX", "和谐社区", world.street.code, lng="120.16", lat="30.28", system="")]
    import_apply(batch=geo_check(world.district_admin, rows), actor=world.district_admin)
    community = Community.objects.get(code="QL-HX")
    assert (community.latitude, community.longitude) == (30.28, 120.16)


def test_importing_the_same_file_twice_changes_nothing_the_second_time(world):
    rows = tree_rows(world.street.district.code)
    rows.append(place("社区", "QL-HX", "和谐社区", world.street.code, lng=120.16, lat=30.28, system="GCJ-02"))
    import_apply(batch=geo_check(world.district_admin, rows), actor=world.district_admin)
    stamps = {p.code: p.updated_at for model in (Street, Community, Grid) for p in model.objects.all()}
    audits = place_audits()

    again = geo_check(world.district_admin, rows)
    assert again.status == ImportStatus.READY
    assert {r.action for r in plan(again).values()} == {RowAction.UNCHANGED}
    assert again.counts[RowAction.UNCHANGED] == 4
    import_apply(batch=again, actor=world.district_admin)
    assert place_audits() == audits
    assert {p.code: p.updated_at for model in (Street, Community, Grid) for p in model.objects.all()} == stamps


def test_a_changed_name_is_an_update_that_shows_the_change(world):
    community = world.community
    rows = [
        place(
            "社区",
            community.code,
            "新名字社区",
            world.street.code,
            address=community.address,
            phone=community.contact_phone,
            lng=community.longitude,
            lat=community.latitude,
        )
    ]
    batch = geo_check(world.district_admin, rows)
    row = plan(batch)[2]
    assert (row.action, row.target_id) == (RowAction.UPDATE, community.pk)
    assert list(row.changes.values()) == [[community.name, "新名字社区"]]
    import_apply(batch=batch, actor=world.district_admin)
    community.refresh_from_db()
    assert community.name == "新名字社区"
    assert AuditEntry.objects.filter(action="place_update", subject_id=community.pk).count() == 1


def test_a_moved_point_is_an_update(world):
    grid = world.grid
    rows = [place("网格", grid.code, grid.name, world.community.code, lng=grid.longitude + 0.01, lat=grid.latitude)]
    row = plan(geo_check(world.district_admin, rows))[2]
    assert row.action == RowAction.UPDATE
    assert len(row.changes) == 1


# --- the street administrator ---


def test_street_admin_cannot_create_a_street(world):
    rows = [place("街道", "QL-NEW", "新街道", world.street.district.code)]
    batch = geo_check(world.street_admin, rows)
    assert batch.status == ImportStatus.INVALID
    assert error_columns(plan(batch)[2]) == ["上级编码"]
    assert not Street.objects.filter(code="QL-NEW").exists()


def test_street_admin_adds_communities_and_grids_in_its_own_street(world):
    rows = [
        place("社区", "MY-C", "自己的社区", world.street.code),
        place("网格", "MY-G", "自己的网格", world.community.code),
        place("网格", "MY-G2", "新社区的网格", "MY-C"),
    ]
    batch = geo_check(world.street_admin, rows)
    assert batch.status == ImportStatus.READY
    import_apply(batch=batch, actor=world.street_admin)
    assert Community.objects.get(code="MY-C").street == world.street
    assert Grid.objects.get(code="MY-G").community == world.community
    assert Grid.objects.get(code="MY-G2").community.code == "MY-C"


def test_street_admin_cannot_add_places_in_another_street(world):
    rows = [
        place("社区", "MY-C", "自己的社区", world.street.code),
        place("社区", "OTHER-C", "别人的社区", world.other_street.code),
        place("网格", "OTHER-G", "别人的网格", world.other_community.code),
    ]
    batch = geo_check(world.street_admin, rows)
    assert batch.status == ImportStatus.INVALID
    rows = plan(batch)
    assert rows[2].action == RowAction.CREATE
    assert error_columns(rows[3]) == ["上级编码"]
    assert error_columns(rows[4]) == ["上级编码"]
    with pytest.raises(DomainError) as caught:
        import_apply(batch=batch, actor=world.street_admin)
    assert caught.value.code == "import_not_ready"
    assert not Community.objects.filter(code__in=["MY-C", "OTHER-C"]).exists()


def test_street_admin_cannot_move_a_community_of_another_street_into_its_own(world):
    other = world.other_community
    rows = [place("社区", other.code, other.name, world.street.code, lng=other.longitude, lat=other.latitude)]
    batch = geo_check(world.street_admin, rows)
    assert error_columns(plan(batch)[2]) == ["上级编码"]
    other.refresh_from_db()
    assert other.street == world.other_street


# --- row errors ---


def test_an_unknown_parent_code_is_an_error_on_the_row_and_the_parent_column(world):
    rows = [
        place("社区", "QL-A", "甲社区", world.street.code),
        place("社区", "QL-B", "乙社区", "NO-SUCH-STREET"),
        place("网格", "QL-B-1", "乙网格", "NO-SUCH-COMMUNITY"),
        place("街道", "QL-S", "丙街道", "NO-SUCH-DISTRICT"),
    ]
    batch = geo_check(world.district_admin, rows)
    assert batch.status == ImportStatus.INVALID
    rows = plan(batch)
    assert rows[2].action == RowAction.CREATE
    for number in (3, 4, 5):
        assert rows[number].action == RowAction.ERROR
        assert error_columns(rows[number]) == ["上级编码"]
    assert batch.counts[RowAction.ERROR] == 3


def test_a_code_twice_in_the_file_is_an_error_on_both_rows_naming_each_other(world):
    rows = [
        place("社区", "QL-A", "甲社区", world.street.code),
        place("社区", "QL-B", "乙社区", world.street.code),
        place("社区", "QL-A", "甲社区二", world.street.code),
        place("网格", "QL-A", "同编码的网格", world.community.code),  # another level: codes are per level
    ]
    batch = geo_check(world.district_admin, rows)
    rows = plan(batch)
    for number in (2, 4):
        assert rows[number].action == RowAction.ERROR
        assert error_columns(rows[number]) == ["编码"]
        assert "2、4" in rows[number].errors[0]["message"]
    assert rows[3].action == RowAction.CREATE
    assert rows[5].action == RowAction.CREATE


@pytest.mark.parametrize(
    "lng, lat, column",
    [("东经120度", "30.2741", "经度"), ("120.1551", "三十度", "经度"), ("120.1551", "95", "纬度")],
)
def test_a_coordinate_that_is_not_a_number_in_range_is_an_error(world, lng, lat, column):
    batch = geo_check(world.district_admin, [place("社区", "QL-A", "甲社区", world.street.code, lng=lng, lat=lat)])
    assert batch.status == ImportStatus.INVALID
    assert error_columns(plan(batch)[2]) == [column]


def test_an_unknown_level_and_empty_required_cells_are_errors(world):
    rows = [["小区", "QL-A", "甲", world.street.code, "", "", LNG, LAT, ""], ["社区", "", "", world.street.code]]
    rows[1] += ["", "", LNG, LAT, ""]
    batch = geo_check(world.district_admin, rows)
    rows = plan(batch)
    assert error_columns(rows[2]) == ["层级"]
    assert error_columns(rows[3]) == ["编码", "名称"]


# --- who may import ---


@pytest.mark.parametrize("role", ["member", "staff", "grid_worker", "secretary", "reviewer", "outsider"])
def test_only_administrators_may_import_geography(world, role):
    rows = [place("社区", "QL-A", "甲社区", world.street.code)]
    with pytest.raises(DomainError) as caught:
        import_start(kind="geography", file=xlsx_file(GEO_HEADER, rows), actor=world.user(role))
    assert caught.value.code == "import_not_allowed"


@pytest.mark.parametrize("role", ["reviewer", "street_admin"])
def test_nobody_else_carries_on_a_geography_import(world, role):
    batch = import_start(
        kind="geography",
        file=xlsx_file(GEO_HEADER, [place("社区", "QL-A", "甲社区", world.street.code)]),
        actor=world.district_admin,
    )
    with pytest.raises(DomainError) as caught:
        import_check_step(batch=batch, actor=world.user(role))
    assert caught.value.code == "import_not_allowed"
    batch.refresh_from_db()
    assert (batch.status, batch.rows_checked) == (ImportStatus.CHECKING, 0)


# --- the optional kind of place ---------------------------------------------------------------------------------

KIND_HEADER = [*GEO_HEADER, "类型"]


def test_the_kind_column_makes_a_community_a_village_or_an_enterprise_and_empty_keeps_it(world):
    district = world.street.district
    rows = [
        [*place("街道", "QL-JX", "锦绣街道", district.code), ""],
        [*place("社区", "QL-JX-CY", "创业园", "QL-JX"), "企业"],
        [*place("社区", "QL-JX-XC", "下村", "QL-JX"), "村"],
        [*place("社区", "QL-JX-GY", "桂苑社区", "QL-JX"), ""],
    ]
    batch = checked("geography", xlsx_file(KIND_HEADER, rows), world.district_admin)
    assert batch.status == ImportStatus.READY
    import_apply(batch=batch, actor=world.district_admin)
    kinds = dict(Community.objects.filter(code__startswith="QL-JX-").values_list("code", "kind"))
    assert kinds == {"QL-JX-CY": "enterprise", "QL-JX-XC": "village", "QL-JX-GY": "residential"}

    # Again with the village now a residential community, and the enterprise's kind left empty: it stays one.
    rows[1][-1], rows[2][-1] = "", "社区"
    batch = checked("geography", xlsx_file(KIND_HEADER, rows), world.district_admin)
    assert {n: r.action for n, r in plan(batch).items()} == {
        2: "unchanged",
        3: "unchanged",
        4: "update",
        5: "unchanged",
    }
    import_apply(batch=batch, actor=world.district_admin)
    kinds = dict(Community.objects.filter(code__startswith="QL-JX-").values_list("code", "kind"))
    assert kinds == {"QL-JX-CY": "enterprise", "QL-JX-XC": "residential", "QL-JX-GY": "residential"}


def test_a_kind_on_a_street_or_an_unknown_kind_is_a_row_error(world):
    district = world.street.district
    rows = [
        [*place("街道", "QL-JX", "锦绣街道", district.code), "企业"],
        [*place("社区", "QL-JX-CY", "创业园", "QL-JX"), "工厂"],
    ]
    batch = checked("geography", xlsx_file(KIND_HEADER, rows), world.district_admin)
    rows = plan(batch)
    assert (error_columns(rows[2]), error_columns(rows[3])) == (["类型"], ["类型"])
