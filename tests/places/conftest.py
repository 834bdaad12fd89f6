"""A small, spaced-out geography for the places tests, far (about 150 km) from the shared world's city centre.

community A 阳光社区: boundary lat 29.000-29.010, lng 119.000-119.010
    grid A1 第一网格: boundary = the south-west quarter (lat < 29.005, lng < 119.005)
    grid A2 第二网格: no boundary, centre near the compound 阳光花园 (which lies inside A1's boundary)
    grid A3 第三网格: no boundary, centre in the north-east
community B 东湖社区: boundary lat 29.000-29.010, lng 119.010-119.020, east of A
    grid B1 东湖一网格: no boundary, centre just east of A's edge (nearer to some of A's points than A's grids)
community C 临江社区: no boundary; grid C1 第一网格 (same name as A1), no boundary, at (29.100, 119.100)
community D 新建社区: boundary around (29.200, 119.200) and no grids yet
"""

from dataclasses import dataclass

import pytest

from apps.places.models import Community, District, GazetteerEntry, GazetteerKind, Grid, Street
from tests import factories as f


def square(min_lat, min_lng, max_lat, max_lng):
    """A closed boundary as stored on the models: [longitude, latitude] pairs."""
    return [[min_lng, min_lat], [max_lng, min_lat], [max_lng, max_lat], [min_lng, max_lat], [min_lng, min_lat]]


@dataclass
class Geo:
    district: District
    street: Street
    other_street: Street
    a: Community
    b: Community
    c: Community
    d: Community
    a1: Grid
    a2: Grid
    a3: Grid
    b1: Grid
    c1: Grid
    compound: GazetteerEntry
    road: GazetteerEntry


@pytest.fixture
def geo(db):
    district = f.DistrictFactory(name="临江区", latitude=29.05, longitude=119.05)
    street = f.StreetFactory(district=district, name="江滨街道", latitude=29.004, longitude=119.004)
    other_street = f.StreetFactory(district=district, name="新城街道", latitude=29.15, longitude=119.15)
    a = f.CommunityFactory(
        street=street, name="阳光社区", latitude=29.005, longitude=119.005, polygon=square(29.0, 119.0, 29.01, 119.01)
    )
    b = f.CommunityFactory(
        street=street, name="东湖社区", latitude=29.005, longitude=119.015, polygon=square(29.0, 119.01, 29.01, 119.02)
    )
    c = f.CommunityFactory(street=other_street, name="临江社区", latitude=29.1, longitude=119.1)
    d_boundary = square(29.19, 119.19, 29.21, 119.21)
    d = f.CommunityFactory(street=other_street, name="新建社区", latitude=29.2, longitude=119.2, polygon=d_boundary)
    a1 = f.GridFactory(
        community=a, name="第一网格", latitude=29.0025, longitude=119.0025, polygon=square(29.0, 119.0, 29.005, 119.005)
    )
    a2 = f.GridFactory(community=a, name="第二网格", latitude=29.001, longitude=119.0065)
    a3 = f.GridFactory(community=a, name="第三网格", latitude=29.008, longitude=119.006)
    b1 = f.GridFactory(community=b, name="东湖一网格", latitude=29.0088, longitude=119.0103)
    c1 = f.GridFactory(community=c, name="第一网格", latitude=29.1, longitude=119.1)
    compound = f.GazetteerEntryFactory(
        name="阳光花园", kind=GazetteerKind.COMPOUND, community=a, latitude=29.0008, longitude=119.0045
    )
    road = f.GazetteerEntryFactory(name="阳光路", kind=GazetteerKind.ROAD, latitude=29.009, longitude=119.009)
    return Geo(district, street, other_street, a, b, c, d, a1, a2, a3, b1, c1, compound, road)
