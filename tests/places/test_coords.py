"""Coordinate conversions against the published WGS-84 / GCJ-02 / BD-09 example and round trips across China."""

import math
import random
from decimal import Decimal

import pytest
from geopy.distance import geodesic

from apps.core.errors import Invalid
from apps.places import coords
from apps.places.errors import INVALID_COORD_SYSTEM, INVALID_COORDINATES

# The published worked example (coordinates.md), as (latitude, longitude).
WGS = (39.990475, 116.481499)
GCJ = (39.991754, 116.487586)
BD = (39.997716, 116.49412)

# The published values carry six decimals (about 0.1 m), so a couple of metres is a generous bound.
PUBLISHED_TOLERANCE_M = 2.0


def metres(a, b):
    return geodesic(a, b).meters


@pytest.mark.parametrize(
    ("convert", "source", "expected"),
    [
        (coords.wgs84_to_gcj02, WGS, GCJ),
        (coords.gcj02_to_wgs84, GCJ, WGS),
        (coords.gcj02_to_bd09, GCJ, BD),
        (coords.bd09_to_gcj02, BD, GCJ),
        (coords.wgs84_to_bd09, WGS, BD),
        (coords.bd09_to_wgs84, BD, WGS),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_published_example_converts_within_two_metres(convert, source, expected):
    assert metres(convert(*source), expected) < PUBLISHED_TOLERANCE_M


def test_example_offsets_are_about_540_m_to_gcj02_and_1_3_km_to_bd09():
    assert 500 < metres(WGS, coords.wgs84_to_gcj02(*WGS)) < 580
    assert 1250 < metres(WGS, coords.wgs84_to_bd09(*WGS)) < 1400


def _points_across_china(count, seed):
    rng = random.Random(seed)
    # Mainland China from Hainan to Heilongjiang and from Xinjiang to the east coast.
    return [(rng.uniform(18.5, 53.0), rng.uniform(74.0, 134.0)) for _ in range(count)]


@pytest.mark.parametrize("point", _points_across_china(300, seed=20240501))
def test_round_trips_stay_within_a_metre_across_china(point):
    assert metres(coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(*point)), point) < 1.0
    assert metres(coords.wgs84_to_gcj02(*coords.gcj02_to_wgs84(*point)), point) < 1.0
    assert metres(coords.bd09_to_wgs84(*coords.wgs84_to_bd09(*point)), point) < 1.0
    assert metres(coords.bd09_to_gcj02(*coords.gcj02_to_bd09(*point)), point) < 1.0


def test_iterated_gcj02_inverse_is_under_half_a_metre():
    worst = max(metres(coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(*p)), p) for p in _points_across_china(200, seed=7))
    assert worst < 0.5


@pytest.mark.parametrize("point", _points_across_china(50, seed=99))
def test_gcj02_offset_inside_china_is_tens_to_hundreds_of_metres(point):
    offset = metres(point, coords.wgs84_to_gcj02(*point))
    assert 1 < offset < 1000


@pytest.mark.parametrize(
    "point",
    [
        (51.5007, -0.1246),  # London
        (40.6892, -74.0445),  # New York
        (-33.8568, 151.2153),  # Sydney
        (35.6586, 139.7454),  # Tokyo (east of the box)
        (-6.1754, 106.8272),  # Jakarta (south of the box)
        (55.7539, 37.6208),  # Moscow
    ],
)
def test_points_outside_china_are_not_shifted(point):
    assert coords.wgs84_to_gcj02(*point) == point
    assert coords.gcj02_to_wgs84(*point) == point
    assert coords.to_wgs84(*point, coords.CoordSystem.GCJ02) == point


def test_to_wgs84_converts_by_the_named_system():
    assert coords.to_wgs84(*WGS, "wgs84") == WGS
    assert metres(coords.to_wgs84(*GCJ, "gcj02"), WGS) < PUBLISHED_TOLERANCE_M
    assert metres(coords.to_wgs84(*BD, coords.CoordSystem.BD09), WGS) < PUBLISHED_TOLERANCE_M


def test_to_wgs84_rejects_an_unknown_system():
    with pytest.raises(Invalid) as exc:
        coords.to_wgs84(*WGS, "mercator")
    assert exc.value.code == "invalid_coord_system"
    assert exc.value.message == INVALID_COORD_SYSTEM


@pytest.mark.parametrize(
    ("lat", "lng"),
    [
        (math.nan, 120.0),
        (30.0, math.inf),
        (-math.inf, 120.0),
        (90.0001, 120.0),
        (-91, 120.0),
        (30.0, 180.5),
        (30.0, -181),
        ("30.0", 120.0),
        (30.0, None),
        (True, 120.0),
        ([30.0], 120.0),
    ],
)
def test_invalid_points_raise_invalid_coordinates(lat, lng):
    with pytest.raises(Invalid) as exc:
        coords.validate_point(lat, lng)
    assert exc.value.code == "invalid_coordinates"
    assert exc.value.message == INVALID_COORDINATES
    with pytest.raises(Invalid):
        coords.to_wgs84(lat, lng, "gcj02")


def test_valid_points_come_back_as_floats_including_the_edges():
    assert coords.validate_point(90, -180) == (90.0, -180.0)
    assert coords.validate_point(Decimal("30.5"), 120) == (30.5, 120.0)
