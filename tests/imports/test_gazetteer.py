"""Place names for the offline address lookup (地名): created, updated, unchanged, scoped like the geography, and
used by the roster import's address preview straight after they are applied."""

import pytest

from apps.core.errors import DomainError
from apps.imports.models import ImportStatus, RowAction
from apps.imports.services import import_apply, import_start
from apps.places.coords import CoordSystem, to_wgs84
from apps.places.geocoding import resolve_address
from apps.places.models import GazetteerEntry, GazetteerKind
from tests import factories as f
from tests.imports.conftest import checked, error_columns, plan, xlsx_file


def rows_of(batch):
    return list(plan(batch).values())


pytestmark = pytest.mark.django_db

HEADER = ["名称", "类型", "所属社区编码", "经度", "纬度", "坐标系"]


def gazetteer_check(actor, rows):
    return checked("gazetteer", xlsx_file(HEADER, rows), actor)


def near(community, d=0.0005):
    return community.longitude + d, community.latitude + d


def test_a_district_admin_adds_compounds_that_addresses_then_resolve_to(world):
    lng, lat = near(world.community)
    batch = gazetteer_check(world.district_admin, [["翠湖雅苑", "小区", world.community.code, lng, lat, ""]])
    assert batch.status == ImportStatus.READY
    assert [r.action for r in rows_of(batch)] == [RowAction.CREATE]
    with pytest.raises(DomainError):
        resolve_address("翠湖雅苑3栋2单元")  # nothing knows the compound before the import is applied
    import_apply(batch=batch, actor=world.district_admin)
    entry = GazetteerEntry.objects.get(name="翠湖雅苑")
    assert (entry.kind, entry.community, entry.latitude, entry.longitude) == (
        GazetteerKind.COMPOUND,
        world.community,
        lat,
        lng,
    )
    assert resolve_address("翠湖雅苑3栋2单元").community == world.community


def test_points_from_chinese_maps_are_stored_in_wgs84_and_the_same_file_twice_changes_nothing(world):
    lng, lat = near(world.community)
    rows = [["翠湖路", "道路", "", lng, lat, "GCJ-02"]]
    import_apply(batch=gazetteer_check(world.district_admin, rows), actor=world.district_admin)
    entry = GazetteerEntry.objects.get(name="翠湖路")
    assert (entry.latitude, entry.longitude) == pytest.approx(to_wgs84(lat, lng, CoordSystem.GCJ02))
    assert entry.kind == GazetteerKind.ROAD and entry.community is None
    again = gazetteer_check(world.district_admin, rows)
    assert [r.action for r in rows_of(again)] == [RowAction.UNCHANGED]


def test_a_moved_or_reclassified_name_is_an_update_showing_the_change(world):
    lng, lat = near(world.community)
    f.GazetteerEntryFactory(name="翠湖雅苑", community=world.community, latitude=lat, longitude=lng)
    batch = gazetteer_check(world.district_admin, [["翠湖雅苑", "地标", world.community.code, lng + 0.001, lat, ""]])
    (row,) = rows_of(batch)
    assert row.action == RowAction.UPDATE
    assert len(row.changes) == 2  # the kind and the centre point
    import_apply(batch=batch, actor=world.district_admin)
    entry = GazetteerEntry.objects.get(name="翠湖雅苑")
    assert entry.kind == GazetteerKind.LANDMARK and entry.longitude == pytest.approx(lng + 0.001)


def test_a_street_admin_names_places_of_its_own_communities_only(world):
    lng, lat = near(world.community)
    batch = gazetteer_check(
        world.street_admin,
        [
            ["翠湖雅苑", "小区", world.community.code, lng, lat, ""],
            ["远山小区", "小区", world.other_community.code, lng, lat, ""],
            ["长街", "道路", "", lng, lat, ""],
        ],
    )
    found = rows_of(batch)
    assert found[0].action == RowAction.CREATE
    assert error_columns(found[1]) == ["所属社区编码"]
    assert error_columns(found[2]) == ["所属社区编码"]  # a district-wide name is the district's business
    assert batch.status == ImportStatus.INVALID


def test_a_name_in_another_street_cannot_be_taken_over(world):
    f.GazetteerEntryFactory(name="远山小区", community=world.other_community)
    lng, lat = near(world.community)
    (row,) = rows_of(gazetteer_check(world.street_admin, [["远山小区", "小区", world.community.code, lng, lat, ""]]))
    assert error_columns(row) == ["名称"]


def test_bad_rows_name_their_columns(world):
    lng, lat = near(world.community)
    found = rows_of(
        gazetteer_check(
            world.district_admin,
            [
                ["", "小区", world.community.code, lng, lat, ""],
                ["甲", "公园", world.community.code, lng, lat, ""],
                ["乙", "小区", "NO-SUCH", lng, lat, ""],
                ["丙", "小区", world.community.code, "东经", lat, ""],
                ["丁", "小区", world.community.code, lng, lat, ""],
                ["丁", "小区", world.community.code, lng, lat, ""],
            ],
        )
    )
    assert error_columns(found[0]) == ["名称"]
    assert error_columns(found[1]) == ["类型"]
    assert error_columns(found[2]) == ["所属社区编码"]
    assert error_columns(found[3]) == ["经度"]
    assert error_columns(found[4]) == error_columns(found[5]) == ["名称"]
    assert "6" in found[4].errors[0]["message"] and "7" in found[4].errors[0]["message"]


@pytest.mark.parametrize("role", ["member", "staff", "grid_worker", "secretary", "reviewer", "outsider"])
def test_only_administrators_may_import_place_names(world, role):
    with pytest.raises(DomainError) as refused:
        import_start(kind="gazetteer", file=xlsx_file(HEADER, [["甲", "", "", 120, 30, ""]]), actor=world.user(role))
    assert refused.value.code == "import_not_allowed"
