"""Importing community and grid boundaries from GeoJSON: rings stored closed and in WGS-84, idempotent re-imports,
geometry that is checked (one valid polygon holding the place's centre, within its community, not overlapping a
sibling), codes resolved to the right place within the importer's area, and files that are not GeoJSON refused."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from apps.core.errors import DomainError
from apps.imports.models import ImportStatus, RowAction
from apps.imports.services import import_apply, import_start
from apps.ledger.models import AuditEntry
from apps.ledger.selectors import subject_type_of
from apps.places.coords import to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from apps.places.models import Community, Grid
from tests import factories as f
from tests.imports.conftest import checked, error_columns, plan

pytestmark = pytest.mark.django_db

# The centre of the tree's community, away from the world's places (which sit at the factories' city centre).
LAT, LNG = 30.30, 120.20


def rect(west, south, east, north):
    """A closed rectangular ring of [lng, lat] pairs, counter-clockwise, to the 7 decimals the import keeps."""
    west, south, east, north = (round(v, 7) for v in (west, south, east, north))
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


# The community: 600 m × 400 m around its centre; its two grids side by side inside it, 100 m apart.
COMMUNITY_RING = rect(LNG - 0.003, LAT - 0.002, LNG + 0.003, LAT + 0.002)
G1_RING = rect(LNG - 0.0025, LAT - 0.0015, LNG - 0.0005, LAT + 0.0015)
G2_RING = rect(LNG + 0.0005, LAT - 0.0015, LNG + 0.0025, LAT + 0.0015)


def polygon(ring):
    return {"type": "Polygon", "coordinates": [ring]}


def feature(code, ring=None, *, geometry=None, **properties):
    if code is not None:
        properties["code"] = code
    return {"type": "Feature", "properties": properties, "geometry": geometry or polygon(ring)}


def geojson_file(document, name="boundaries.geojson"):
    return SimpleUploadedFile(name, json.dumps(document).encode(), content_type="application/geo+json")


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def boundaries_check(actor, *features):
    return checked("boundaries", geojson_file(collection(*features)), actor)


def boundary_audits():
    return AuditEntry.objects.filter(action="boundary_set").count()


def geometry_messages(row):
    return [e["message"] for e in row.errors if e["column"] == "geometry"]


class Tree:
    """A community of the world's street with two grids, each place with an explicit centre point."""

    def __init__(self, world):
        self.world = world
        self.community = f.CommunityFactory(street=world.street, code="BJ-C", latitude=LAT, longitude=LNG)
        self.g1 = f.GridFactory(community=self.community, code="BJ-G1", latitude=LAT, longitude=LNG - 0.0015)
        self.g2 = f.GridFactory(community=self.community, code="BJ-G2", latitude=LAT, longitude=LNG + 0.0015)

    def features(self):
        return [feature("BJ-C", COMMUNITY_RING), feature("BJ-G1", G1_RING), feature("BJ-G2", G2_RING)]


@pytest.fixture
def tree(world):
    return Tree(world)


def actions(batch):
    return {number: row.action for number, row in plan(batch).items()}


# --- the whole flow ---------------------------------------------------------------------------------------------


def test_district_admin_imports_a_community_boundary_and_its_grids_boundaries(tree):
    admin = tree.world.district_admin
    batch = boundaries_check(admin, *tree.features())
    assert batch.status == ImportStatus.READY
    assert actions(batch) == {1: RowAction.CREATE, 2: RowAction.CREATE, 3: RowAction.CREATE}
    assert batch.counts[RowAction.CREATE] == 3
    assert plan(batch)[1].target_id == tree.community.pk
    assert plan(batch)[2].target_id == tree.g1.pk

    import_apply(batch=batch, actor=admin)

    for place, ring in ((tree.community, COMMUNITY_RING), (tree.g1, G1_RING), (tree.g2, G2_RING)):
        place.refresh_from_db()
        assert place.polygon == ring
        assert place.polygon[0] == place.polygon[-1]
    audits = AuditEntry.objects.filter(action="boundary_set")
    assert sorted((a.subject_type, a.subject_id) for a in audits) == sorted(
        (subject_type_of(p), p.pk) for p in (tree.community, tree.g1, tree.g2)
    )
    assert all(a.actor == admin for a in audits)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED


def test_importing_the_same_boundaries_again_changes_nothing(tree):
    admin = tree.world.district_admin
    import_apply(batch=boundaries_check(admin, *tree.features()), actor=admin)
    assert boundary_audits() == 3

    again = boundaries_check(admin, *tree.features())
    assert again.status == ImportStatus.READY
    assert set(actions(again).values()) == {RowAction.UNCHANGED}
    assert all(not row.changes for row in plan(again).values())
    import_apply(batch=again, actor=admin)
    assert boundary_audits() == 3
    tree.g1.refresh_from_db()
    assert tree.g1.polygon == G1_RING


def test_a_changed_ring_is_an_update_and_is_stored(tree):
    admin = tree.world.district_admin
    import_apply(batch=boundaries_check(admin, *tree.features()), actor=admin)
    smaller = rect(LNG - 0.0024, LAT - 0.0014, LNG - 0.0006, LAT + 0.0014)

    batch = boundaries_check(admin, feature("BJ-C", COMMUNITY_RING), feature("BJ-G1", smaller))
    assert actions(batch) == {1: RowAction.UNCHANGED, 2: RowAction.UPDATE}
    assert plan(batch)[2].changes
    import_apply(batch=batch, actor=admin)
    tree.g1.refresh_from_db()
    assert tree.g1.polygon == smaller
    assert boundary_audits() == 4


def test_a_place_with_a_stored_boundary_not_in_the_file_keeps_it(tree):
    admin = tree.world.district_admin
    import_apply(batch=boundaries_check(admin, *tree.features()), actor=admin)
    import_apply(batch=boundaries_check(admin, feature("BJ-G1", G1_RING)), actor=admin)
    tree.g2.refresh_from_db()
    assert tree.g2.polygon == G2_RING


# --- geometry ---------------------------------------------------------------------------------------------------


def test_a_single_feature_not_a_collection_is_accepted(tree):
    admin = tree.world.district_admin
    batch = checked("boundaries", geojson_file(feature("BJ-G1", G1_RING)), admin)
    assert batch.status == ImportStatus.READY
    assert actions(batch) == {1: RowAction.CREATE}
    import_apply(batch=batch, actor=admin)
    tree.g1.refresh_from_db()
    assert tree.g1.polygon == G1_RING


def test_a_multipolygon_of_one_part_is_accepted(tree):
    admin = tree.world.district_admin
    geometry = {"type": "MultiPolygon", "coordinates": [[G1_RING]]}
    batch = boundaries_check(admin, feature("BJ-G1", geometry=geometry))
    assert batch.status == ImportStatus.READY
    import_apply(batch=batch, actor=admin)
    tree.g1.refresh_from_db()
    assert tree.g1.polygon == G1_RING


def test_only_the_outer_ring_of_a_polygon_with_a_hole_is_kept(tree):
    admin = tree.world.district_admin
    hole = rect(LNG - 0.0018, LAT + 0.0005, LNG - 0.0012, LAT + 0.001)
    geometry = {"type": "Polygon", "coordinates": [G1_RING, hole]}
    batch = boundaries_check(admin, feature("BJ-G1", geometry=geometry))
    import_apply(batch=batch, actor=admin)
    tree.g1.refresh_from_db()
    assert tree.g1.polygon == G1_RING


def test_a_multipolygon_of_two_parts_is_an_error_on_the_geometry(tree):
    far_part = rect(LNG + 0.0005, LAT - 0.0015, LNG + 0.001, LAT - 0.001)
    geometry = {"type": "MultiPolygon", "coordinates": [[G1_RING], [far_part]]}
    batch = boundaries_check(tree.world.district_admin, feature("BJ-G1", geometry=geometry))
    assert batch.status == ImportStatus.INVALID
    assert error_columns(plan(batch)[1]) == ["geometry"]


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "LineString", "coordinates": G1_RING},
        {"type": "Point", "coordinates": [LNG - 0.0015, LAT]},
        {"type": "GeometryCollection", "geometries": [polygon(G1_RING)]},
        None,
        "Polygon",
    ],
    ids=["linestring", "point", "collection", "null", "text"],
)
def test_a_geometry_that_is_not_a_polygon_is_an_error(tree, geometry):
    document = collection({"type": "Feature", "properties": {"code": "BJ-G1"}, "geometry": geometry})
    batch = checked("boundaries", geojson_file(document), tree.world.district_admin)
    assert batch.status == ImportStatus.INVALID
    assert error_columns(plan(batch)[1]) == ["geometry"]


def test_an_unclosed_ring_is_closed(tree):
    admin = tree.world.district_admin
    batch = boundaries_check(admin, feature("BJ-G1", G1_RING[:-1]))
    assert batch.status == ImportStatus.READY
    assert plan(batch)[1].data["ring"] == G1_RING
    import_apply(batch=batch, actor=admin)
    tree.g1.refresh_from_db()
    assert tree.g1.polygon == G1_RING
    assert tree.g1.polygon[0] == tree.g1.polygon[-1]


A, B, C = [LNG - 0.0025, LAT - 0.0015], [LNG - 0.0005, LAT + 0.0015], [LNG - 0.0005, LAT - 0.0015]


@pytest.mark.parametrize(
    "ring",
    [[], [A], [A, B], [A, B, A], [A, B, B, A], [A, B, A, B], [A, A, A, A]],
    ids=["empty", "one", "two", "two-closed", "two-repeated", "back-and-forth", "one-repeated"],
)
def test_a_ring_of_fewer_than_three_distinct_points_is_an_error(tree, ring):
    batch = boundaries_check(tree.world.district_admin, feature("BJ-G1", ring))
    assert batch.status == ImportStatus.INVALID
    assert error_columns(plan(batch)[1]) == ["geometry"]


def test_three_points_in_a_line_are_no_boundary(tree):
    line = [[LNG - 0.0025, LAT], [LNG - 0.0015, LAT], [LNG - 0.0005, LAT]]
    batch = boundaries_check(tree.world.district_admin, feature("BJ-G1", line))
    assert batch.status == ImportStatus.INVALID
    assert error_columns(plan(batch)[1]) == ["geometry"]


def test_a_self_intersecting_bow_tie_is_an_error_naming_the_crossing_point(tree):
    west, east, south, north = LNG - 0.0025, LNG - 0.0005, LAT - 0.0015, LAT + 0.0015
    bow_tie = [[west, south], [east, north], [east, south], [west, north], [west, south]]
    batch = boundaries_check(tree.world.district_admin, feature("BJ-G1", bow_tie))
    assert batch.status == ImportStatus.INVALID
    row = plan(batch)[1]
    assert error_columns(row) == ["geometry"]
    # The edges cross at the grid's own centre, (LNG - 0.0015, LAT): the message gives that point.
    numbers = [float(n) for n in re.findall(r"\d+\.\d+", row.errors[0]["message"])]
    assert numbers == [pytest.approx(LNG - 0.0015), pytest.approx(LAT)]


def square_at(lng, lat, half=0.001):
    return rect(lng - half, lat - half, lng + half, lat + half)


@pytest.mark.parametrize(
    "coordinates",
    [
        [[["a", "b"], ["c", "d"], ["e", "f"], ["a", "b"]]],
        [[[str(x), str(y)] for x, y in square_at(LNG - 0.0015, LAT)]],
        [[[x, None] for x, _y in square_at(LNG - 0.0015, LAT)]],
        [[[True, True], [False, True], [False, False], [True, True]]],
        [[[x] for x, _y in square_at(LNG - 0.0015, LAT)]],
        [[{"lng": x, "lat": y} for x, y in square_at(LNG - 0.0015, LAT)]],
        [["12", "34", "56", "12"]],
        [[[[x, y]] for x, y in square_at(LNG - 0.0015, LAT)]],
        "120.2,30.3",
        None,
        [],
        [[[200, 30.3], [201, 30.3], [201, 30.4], [200, 30.3]]],
    ],
    ids=[
        "letters",
        "numbers-as-text",
        "null-latitude",
        "booleans",
        "one-number",
        "objects",
        "digit-strings",
        "nested-too-deep",
        "text",
        "null",
        "no-ring",
        "out-of-range",
    ],
)
def test_coordinates_that_are_not_numbers_are_an_error_on_the_geometry(tree, coordinates):
    geometry = {"type": "Polygon", "coordinates": coordinates}
    batch = boundaries_check(tree.world.district_admin, feature("BJ-G1", geometry=geometry))
    assert batch.status == ImportStatus.INVALID
    assert error_columns(plan(batch)[1]) == ["geometry"]


def test_a_third_coordinate_such_as_an_altitude_is_dropped(tree):
    admin = tree.world.district_admin
    with_altitude = [[x, y, 12.5] for x, y in G1_RING]
    batch = boundaries_check(admin, feature("BJ-G1", with_altitude))
    assert batch.status == ImportStatus.READY
    import_apply(batch=batch, actor=admin)
    tree.g1.refresh_from_db()
    assert tree.g1.polygon == G1_RING


# --- coordinate systems -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label, system, forward",
    [("gcj02", "gcj02", wgs84_to_gcj02), ("GCJ-02", "gcj02", wgs84_to_gcj02), ("bd09", "bd09", wgs84_to_bd09)],
)
def test_points_from_chinese_maps_are_converted_to_wgs84(tree, label, system, forward):
    admin = tree.world.district_admin
    # The grid's square as a Chinese map tool shows it: shifted by a few hundred metres.
    given = [[lng, lat] for lat, lng in (forward(lat, lng) for lng, lat in G1_RING)]
    batch = boundaries_check(admin, feature("BJ-G1", given, coord_system=label))
    assert batch.status == ImportStatus.READY
    import_apply(batch=batch, actor=admin)
    tree.g1.refresh_from_db()
    assert len(tree.g1.polygon) == len(given)
    for (lng, lat), (stored_lng, stored_lat) in zip(given, tree.g1.polygon, strict=True):
        want_lat, want_lng = to_wgs84(lat, lng, system)
        assert (stored_lng, stored_lat) == (pytest.approx(want_lng, abs=1e-6), pytest.approx(want_lat, abs=1e-6))
        assert abs(stored_lng - lng) + abs(stored_lat - lat) > 1e-3  # it was moved, not stored as given
    # Back in WGS-84, it is the grid's square again (to well under a metre).
    for (stored_lng, stored_lat), (lng, lat) in zip(tree.g1.polygon, G1_RING, strict=True):
        assert (stored_lng, stored_lat) == (pytest.approx(lng, abs=1e-5), pytest.approx(lat, abs=1e-5))


@pytest.mark.parametrize("label", ["", "wgs84", "WGS-84"])
def test_points_without_a_chinese_coordinate_system_are_stored_as_given(tree, label):
    admin = tree.world.district_admin
    import_apply(batch=boundaries_check(admin, feature("BJ-G1", G1_RING, coord_system=label)), actor=admin)
    tree.g1.refresh_from_db()
    assert tree.g1.polygon == G1_RING


@pytest.mark.parametrize("label", ["mercator", "epsg:3857", "baidu"])
def test_an_unknown_coordinate_system_is_an_error_on_its_column(tree, label):
    batch = boundaries_check(tree.world.district_admin, feature("BJ-G1", G1_RING, coord_system=label))
    assert batch.status == ImportStatus.INVALID
    assert error_columns(plan(batch)[1]) == ["coord_system"]


# --- codes and levels -------------------------------------------------------------------------------------------


def test_a_code_no_community_or_grid_has_is_an_error_on_the_code(tree):
    batch = boundaries_check(tree.world.district_admin, feature("NO-SUCH", G1_RING))
    assert batch.status == ImportStatus.INVALID
    assert error_columns(plan(batch)[1]) == ["code"]


@pytest.mark.parametrize("code", [None, "", "   "], ids=["missing", "empty", "blank"])
def test_a_feature_without_a_code_is_an_error_on_the_code(tree, code):
    batch = boundaries_check(tree.world.district_admin, feature(code, G1_RING))
    assert batch.status == ImportStatus.INVALID
    assert error_columns(plan(batch)[1]) == ["code"]


def test_features_without_a_code_are_not_taken_for_the_same_place(tree):
    batch = boundaries_check(tree.world.district_admin, feature(None, G1_RING), feature(None, G2_RING))
    rows = plan(batch)
    assert [error_columns(rows[1]), error_columns(rows[2])] == [["code"], ["code"]]


def test_the_chinese_property_names_are_read_too(tree):
    admin = tree.world.district_admin
    given = [[lng, lat] for lat, lng in (wgs84_to_gcj02(lat, lng) for lng, lat in G1_RING)]
    properties = {"编码": "BJ-G1", "层级": "网格", "坐标系": "gcj02"}
    document = collection({"type": "Feature", "properties": properties, "geometry": polygon(given)})
    batch = checked("boundaries", geojson_file(document), admin)
    assert batch.status == ImportStatus.READY
    assert plan(batch)[1].target_id == tree.g1.pk


@pytest.fixture
def shared_code(tree):
    """The code "BJ-X" on both a grid of the tree's community and another community of the street."""
    grid = f.GridFactory(community=tree.community, code="BJ-X", latitude=LAT + 0.00175, longitude=LNG)
    community = f.CommunityFactory(street=tree.world.street, code="BJ-X", latitude=LAT, longitude=LNG + 0.01)
    return grid, community


GRID_X_RING = rect(LNG - 0.0004, LAT + 0.0016, LNG + 0.0004, LAT + 0.0019)
COMMUNITY_X_RING = rect(LNG + 0.008, LAT - 0.002, LNG + 0.012, LAT + 0.002)


def test_a_code_of_both_a_community_and_a_grid_needs_a_level(tree, shared_code):
    batch = boundaries_check(tree.world.district_admin, feature("BJ-X", GRID_X_RING))
    assert batch.status == ImportStatus.INVALID
    assert error_columns(plan(batch)[1]) == ["level"]


@pytest.mark.parametrize("label", ["网格", "grid", "Grid"])
def test_the_grid_level_picks_the_grid_of_a_shared_code(tree, shared_code, label):
    grid, _community = shared_code
    admin = tree.world.district_admin
    batch = boundaries_check(admin, feature("BJ-X", GRID_X_RING, level=label))
    assert batch.status == ImportStatus.READY
    assert plan(batch)[1].target_id == grid.pk
    import_apply(batch=batch, actor=admin)
    assert Grid.objects.get(pk=grid.pk).polygon == GRID_X_RING
    assert Community.objects.get(code="BJ-X").polygon is None


@pytest.mark.parametrize("label", ["社区", "community"])
def test_the_community_level_picks_the_community_of_a_shared_code(tree, shared_code, label):
    grid, community = shared_code
    admin = tree.world.district_admin
    batch = boundaries_check(admin, feature("BJ-X", COMMUNITY_X_RING, level=label))
    assert batch.status == ImportStatus.READY
    assert plan(batch)[1].target_id == community.pk
    import_apply(batch=batch, actor=admin)
    assert Community.objects.get(pk=community.pk).polygon == COMMUNITY_X_RING
    assert Grid.objects.get(pk=grid.pk).polygon is None


def test_a_level_that_does_not_match_the_code_is_an_error_on_the_code(tree):
    batch = boundaries_check(tree.world.district_admin, feature("BJ-G1", G1_RING, level="社区"))
    assert error_columns(plan(batch)[1]) == ["code"]


def test_an_unknown_level_is_an_error_on_the_level(tree):
    batch = boundaries_check(tree.world.district_admin, feature("BJ-G1", G1_RING, level="街道"))
    assert error_columns(plan(batch)[1]) == ["level"]


# --- the place's own centre, its community, its siblings ---------------------------------------------------------


def test_a_boundary_that_does_not_hold_the_places_centre_is_an_error(tree):
    beside = rect(LNG - 0.0025, LAT + 0.0005, LNG - 0.0005, LAT + 0.0015)  # within the community, north of the centre
    batch = boundaries_check(tree.world.district_admin, feature("BJ-G1", beside))
    assert batch.status == ImportStatus.INVALID
    assert error_columns(plan(batch)[1]) == ["geometry"]


def test_a_grid_reaching_outside_its_communitys_boundary_in_the_same_file_is_an_error(tree):
    reaching_out = rect(LNG - 0.0040, LAT - 0.0015, LNG - 0.0005, LAT + 0.0015)  # 1 of its 3.5 units is outside
    batch = boundaries_check(tree.world.district_admin, feature("BJ-C", COMMUNITY_RING), feature("BJ-G1", reaching_out))
    assert batch.status == ImportStatus.INVALID
    assert actions(batch) == {1: RowAction.CREATE, 2: RowAction.ERROR}
    assert error_columns(plan(batch)[2]) == ["geometry"]


def test_a_grid_reaching_outside_its_communitys_stored_boundary_is_an_error(tree):
    Community.objects.filter(pk=tree.community.pk).update(polygon=COMMUNITY_RING)
    reaching_out = rect(LNG - 0.0025, LAT - 0.0015, LNG - 0.0005, LAT + 0.0030)
    batch = boundaries_check(tree.world.district_admin, feature("BJ-G1", reaching_out))
    assert batch.status == ImportStatus.INVALID
    assert error_columns(plan(batch)[1]) == ["geometry"]


def test_a_grid_within_its_communitys_stored_boundary_is_accepted(tree):
    Community.objects.filter(pk=tree.community.pk).update(polygon=COMMUNITY_RING)
    batch = boundaries_check(tree.world.district_admin, feature("BJ-G1", G1_RING), feature("BJ-G2", G2_RING))
    assert batch.status == ImportStatus.READY


def test_the_communitys_boundary_in_the_file_wins_over_the_stored_one(tree):
    Community.objects.filter(pk=tree.community.pk).update(polygon=rect(LNG - 0.001, LAT - 0.001, LNG, LAT + 0.001))
    batch = boundaries_check(tree.world.district_admin, *tree.features())
    assert batch.status == ImportStatus.READY


def test_a_grid_edge_slightly_past_its_communitys_boundary_is_accepted(tree):
    # The grid ends 0.00001° (about 1 m) past the community's western edge: digitising slop.
    slop = rect(LNG - 0.00301, LAT - 0.0015, LNG - 0.0005, LAT + 0.0015)
    batch = boundaries_check(tree.world.district_admin, feature("BJ-C", COMMUNITY_RING), feature("BJ-G1", slop))
    assert batch.status == ImportStatus.READY


def test_two_grids_of_a_community_that_overlap_both_get_an_error_naming_the_other(tree):
    wide = rect(LNG - 0.0025, LAT - 0.0015, LNG + 0.0010, LAT + 0.0015)  # 0.0005° into the second grid
    batch = boundaries_check(
        tree.world.district_admin, feature("BJ-C", COMMUNITY_RING), feature("BJ-G1", wide), feature("BJ-G2", G2_RING)
    )
    assert batch.status == ImportStatus.INVALID
    rows = plan(batch)
    assert actions(batch) == {1: RowAction.CREATE, 2: RowAction.ERROR, 3: RowAction.ERROR}
    assert error_columns(rows[2]) == ["geometry"]
    assert error_columns(rows[3]) == ["geometry"]
    assert "BJ-G2" in geometry_messages(rows[2])[0]
    assert "BJ-G1" in geometry_messages(rows[3])[0]


def test_a_tiny_overlap_of_two_grids_is_accepted(tree):
    # 0.00001° of a 0.002° wide grid: half a percent of the smaller area.
    touching = rect(LNG - 0.0025, LAT - 0.0015, LNG + 0.00051, LAT + 0.0015)
    features = [feature("BJ-C", COMMUNITY_RING), feature("BJ-G1", touching), feature("BJ-G2", G2_RING)]
    batch = boundaries_check(tree.world.district_admin, *features)
    assert batch.status == ImportStatus.READY


def test_grids_that_share_an_edge_are_accepted(tree):
    west = rect(LNG - 0.0025, LAT - 0.0015, LNG, LAT + 0.0015)
    east = rect(LNG, LAT - 0.0015, LNG + 0.0025, LAT + 0.0015)
    batch = boundaries_check(tree.world.district_admin, feature("BJ-G1", west), feature("BJ-G2", east))
    assert batch.status == ImportStatus.READY


def test_a_grid_overlapping_a_sibling_grids_stored_boundary_is_an_error(tree):
    Grid.objects.filter(pk=tree.g2.pk).update(polygon=G2_RING)
    wide = rect(LNG - 0.0025, LAT - 0.0015, LNG + 0.0010, LAT + 0.0015)
    batch = boundaries_check(tree.world.district_admin, feature("BJ-G1", wide))
    assert batch.status == ImportStatus.INVALID
    assert "BJ-G2" in geometry_messages(plan(batch)[1])[0]


def test_a_community_overlapping_a_sibling_communitys_stored_boundary_is_an_error(tree):
    neighbour = f.CommunityFactory(street=tree.world.street, code="BJ-N", latitude=LAT, longitude=LNG + 0.006)
    Community.objects.filter(pk=neighbour.pk).update(polygon=rect(LNG + 0.002, LAT - 0.002, LNG + 0.010, LAT + 0.002))
    batch = boundaries_check(tree.world.district_admin, feature("BJ-C", COMMUNITY_RING))
    assert batch.status == ImportStatus.INVALID
    row = plan(batch)[1]
    assert error_columns(row) == ["geometry"]
    assert "BJ-N" in geometry_messages(row)[0]


def test_a_sibling_boundary_in_the_file_wins_over_its_stored_one(tree):
    neighbour = f.CommunityFactory(street=tree.world.street, code="BJ-N", latitude=LAT, longitude=LNG + 0.006)
    Community.objects.filter(pk=neighbour.pk).update(polygon=rect(LNG + 0.002, LAT - 0.002, LNG + 0.010, LAT + 0.002))
    moved = rect(LNG + 0.003, LAT - 0.002, LNG + 0.010, LAT + 0.002)
    batch = boundaries_check(tree.world.district_admin, feature("BJ-C", COMMUNITY_RING), feature("BJ-N", moved))
    assert batch.status == ImportStatus.READY


def test_a_community_of_another_street_is_no_sibling(world, tree):
    other = f.StreetFactory(district=world.street.district)
    f.CommunityFactory(street=other, code="BJ-O", latitude=LAT, longitude=LNG + 0.006, polygon=COMMUNITY_RING)
    batch = boundaries_check(world.district_admin, feature("BJ-C", COMMUNITY_RING))
    assert batch.status == ImportStatus.READY


def test_the_same_place_twice_in_the_file_is_an_error_on_both_features(tree):
    batch = boundaries_check(tree.world.district_admin, feature("BJ-G1", G1_RING), feature("BJ-G1", G1_RING))
    assert batch.status == ImportStatus.INVALID
    rows = plan(batch)
    assert actions(batch) == {1: RowAction.ERROR, 2: RowAction.ERROR}
    assert error_columns(rows[1]) == ["code"]
    assert error_columns(rows[2]) == ["code"]


def test_a_file_checked_in_several_chunks_reads_every_feature_once(tree, settings):
    settings.IMPORT_CHECK_CHUNK_ROWS = 1
    batch = boundaries_check(tree.world.district_admin, *tree.features())
    assert batch.status == ImportStatus.READY
    assert batch.rows.count() == 3
    assert actions(batch) == {1: RowAction.CREATE, 2: RowAction.CREATE, 3: RowAction.CREATE}


def test_overlaps_are_found_across_chunks(tree, settings):
    settings.IMPORT_CHECK_CHUNK_ROWS = 2
    wide = rect(LNG - 0.0025, LAT - 0.0015, LNG + 0.0010, LAT + 0.0015)
    batch = boundaries_check(
        tree.world.district_admin, feature("BJ-C", COMMUNITY_RING), feature("BJ-G1", wide), feature("BJ-G2", G2_RING)
    )
    assert batch.rows.count() == 3
    assert actions(batch) == {1: RowAction.CREATE, 2: RowAction.ERROR, 3: RowAction.ERROR}


# --- who may import ---------------------------------------------------------------------------------------------


def test_a_street_admin_imports_the_boundaries_of_its_own_streets_places(tree):
    admin = tree.world.street_admin
    batch = boundaries_check(admin, *tree.features())
    assert batch.status == ImportStatus.READY
    import_apply(batch=batch, actor=admin)
    tree.community.refresh_from_db()
    assert tree.community.polygon == COMMUNITY_RING


@pytest.mark.parametrize("level", ["community", "grid"])
def test_a_street_admin_may_not_import_boundaries_of_another_streets_places(world, level):
    community = f.CommunityFactory(street=world.other_street, code="QT-C", latitude=LAT, longitude=LNG)
    f.GridFactory(community=community, code="QT-G", latitude=LAT, longitude=LNG - 0.0015)
    code, ring = ("QT-C", COMMUNITY_RING) if level == "community" else ("QT-G", G1_RING)
    batch = boundaries_check(world.street_admin, feature(code, ring))
    assert batch.status == ImportStatus.INVALID
    assert error_columns(plan(batch)[1]) == ["code"]
    assert Community.objects.get(code="QT-C").polygon is None


def test_a_district_admin_may_not_import_boundaries_of_another_districts_places(world):
    f.CommunityFactory(street=world.other_street, code="QT-C", latitude=LAT, longitude=LNG)
    batch = boundaries_check(world.district_admin, feature("QT-C", COMMUNITY_RING))
    assert error_columns(plan(batch)[1]) == ["code"]


@pytest.mark.parametrize("role", ["reviewer", "member", "staff", "grid_worker", "secretary", "outsider"])
def test_only_district_and_street_admins_may_import_boundaries(tree, role):
    with pytest.raises(DomainError) as refused:
        import_start(kind="boundaries", file=geojson_file(collection(*tree.features())), actor=tree.world.user(role))
    assert refused.value.code == "import_not_allowed"


def test_a_superuser_may_import_boundaries_anywhere(tree):
    batch = boundaries_check(tree.world.superuser, *tree.features())
    assert batch.status == ImportStatus.READY


# --- the file ---------------------------------------------------------------------------------------------------


def refused_file(world, name, content):
    batch = import_start(kind="boundaries", file=SimpleUploadedFile(name, content), actor=world.district_admin)
    assert batch.status == ImportStatus.INVALID
    assert batch.file_error
    assert not batch.rows.exists()
    return batch


@pytest.mark.parametrize("name", ["boundaries.xlsx", "boundaries.csv", "boundaries.kml", "boundaries"])
def test_a_file_that_is_not_named_geojson_is_refused(tree, name):
    refused_file(tree.world, name, json.dumps(collection(*tree.features())).encode())


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", b"\xff\xfe\x00garbage", "编码,层级\nBJ-G1,网格\n".encode("gb18030")],
    ids=["broken", "empty", "binary", "csv-text"],
)
def test_a_file_that_is_not_json_is_refused(world, content):
    refused_file(world, "boundaries.geojson", content)


@pytest.mark.parametrize(
    "document",
    [
        [feature("BJ-G1", G1_RING)],
        {"type": "FeatureCollection"},
        {"type": "FeatureCollection", "features": {"0": feature("BJ-G1", G1_RING)}},
        polygon(G1_RING),
        "FeatureCollection",
        None,
    ],
    ids=["list", "no-features", "features-not-a-list", "bare-geometry", "text", "null"],
)
def test_json_that_is_not_a_feature_collection_is_refused(world, document):
    refused_file(world, "boundaries.json", json.dumps(document).encode())


def test_a_collection_without_features_is_refused(world):
    refused_file(world, "boundaries.geojson", json.dumps(collection()).encode())


def test_a_file_with_a_byte_order_mark_is_read(tree):
    content = b"\xef\xbb\xbf" + json.dumps(collection(*tree.features()), ensure_ascii=False).encode()
    batch = checked("boundaries", SimpleUploadedFile("boundaries.GEOJSON", content), tree.world.district_admin)
    assert batch.status == ImportStatus.READY


def test_a_feature_that_is_not_an_object_is_an_error_row(tree):
    document = collection(feature("BJ-G1", G1_RING), "not a feature", None)
    batch = checked("boundaries", geojson_file(document), tree.world.district_admin)
    assert batch.rows_total == 3
    assert actions(batch) == {1: RowAction.CREATE, 2: RowAction.ERROR, 3: RowAction.ERROR}


# --- the template -----------------------------------------------------------------------------------------------


def test_the_boundaries_template_is_a_geojson_feature_collection_with_one_feature(world):
    client = Client()
    client.force_login(world.district_admin)
    response = client.get(reverse("manage:import-template", args=["boundaries"]))
    assert response.status_code == 200
    assert ".geojson" in response["Content-Disposition"]
    document = json.loads(response.content)
    assert document["type"] == "FeatureCollection"
    assert len(document["features"]) == 1
    example = document["features"][0]
    assert example["type"] == "Feature"
    assert example["geometry"]["type"] == "Polygon"
    assert example["properties"]["code"]


def test_the_template_as_downloaded_is_read_back(world):
    client = Client()
    client.force_login(world.district_admin)
    content = client.get(reverse("manage:import-template", args=["boundaries"])).content
    batch = checked("boundaries", SimpleUploadedFile("template-boundaries.geojson", content), world.district_admin)
    assert batch.rows_total == 1
    # Its example code names no place of the test world.
    assert error_columns(plan(batch)[1]) == ["code"]
