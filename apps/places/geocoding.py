"""Turning an address or a client's point into a WGS-84 point, its community and its grid.

Geocoders speak geopy's interface, so the offline gazetteer (the default, resolving against our own places tables)
and the real services (Nominatim, Baidu) are interchangeable by the GEOCODER setting.
"""

import math
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Replace
from django.db.models.lookups import Contains
from geopy.adapters import BaseSyncAdapter
from geopy.exc import GeocoderServiceError, GeopyError
from geopy.geocoders import BaiduV3, Nominatim
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location
from geopy.point import Point as GeopyPoint
from shapely.geometry import Point, Polygon

from apps.places import errors
from apps.places.coords import CoordSystem, bd09_to_wgs84, to_wgs84, validate_point, wgs84_to_bd09
from apps.places.models import Community, District, GazetteerEntry, GazetteerKind, Grid, Street

COMMUNITY_SUFFIX = "社区"
# Shorter bare names (e.g. "东" from "东社区") would match inside almost any address.
_MIN_BARE_NAME_LENGTH = 2
_WHITESPACE = re.compile(r"\s+")
# What may precede a district name for it to count as the administrative prefix: nothing, or a short province/city
# part ("浙江省杭州市", "杭州"). A district named later ("幸福小区(西湖区)") is left alone.
_PROVINCE_CITY_SUFFIXES = ("省", "自治区", "特别行政区", "市", "州", "盟", "地区")
_PROVINCE_CITY_MAX_LENGTH = 16
_METRES_PER_DEGREE_LAT = 111_320.0
_EARTH_RADIUS_M = 6_371_008.8

# Which kind of match wins when an address names several places: the most specific one (lower is better).
_TIER_PLACE, _TIER_GRID, _TIER_COMMUNITY, _TIER_ROAD, _TIER_STREET = range(5)
_GAZETTEER_TIER = {
    GazetteerKind.COMPOUND: _TIER_PLACE,
    GazetteerKind.BUILDING: _TIER_PLACE,
    GazetteerKind.LANDMARK: _TIER_PLACE,
    # A road crosses communities, so it says less about where someone lives than a named community does.
    GazetteerKind.ROAD: _TIER_ROAD,
}


def normalize_address(text):
    """Full-width digits, letters and spaces to ASCII (NFKC), then no whitespace: Chinese addresses need none."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text or ""))


@dataclass(frozen=True)
class _Candidate:
    tier: int
    name: str
    start: int
    obj: object
    source: str

    @property
    def end(self):
        return self.start + len(self.name)

    def inside(self, other):
        """Strictly inside a longer match: "幸福" within "幸福路" is not a mention of 幸福社区."""
        return other.start <= self.start and self.end <= other.end and len(other.name) > len(self.name)


def _contained_in(text, name=None):
    """A filter for rows whose name occurs in `text`, evaluated by the database (one query per table)."""
    return Contains(Value(text, output_field=CharField()), name if name is not None else F("name"))


class _PlacesInDatabase:
    """The places whose names occur in a text, asked of the database: one query per table and address."""

    @staticmethod
    def districts_in(text):
        return list(District.objects.filter(_contained_in(text)).only("id", "name"))

    @staticmethod
    def streets_in(text):
        return list(Street.objects.filter(_contained_in(text)))

    @staticmethod
    def communities_in(text):
        bare = Replace(F("name"), Value(COMMUNITY_SUFFIX), Value(""))
        return list(Community.objects.select_related("street").filter(_contained_in(text) | _contained_in(text, bare)))

    @staticmethod
    def grids_in(text):
        return list(Grid.objects.select_related("community").filter(_contained_in(text)))

    @staticmethod
    def entries_in(text):
        return list(GazetteerEntry.objects.filter(_contained_in(text)))

    @staticmethod
    def grids_near(lat, lng, radius_m, community_id, grid_id):
        wanted = _grids_wanted(lat, lng, radius_m, community_id, grid_id)
        return list(Grid.objects.select_related("community").filter(wanted))

    @staticmethod
    def gridless_communities(community_id):
        return list(
            Community.objects.filter(grids__isnull=True).filter(Q(polygon__isnull=False) | Q(pk=community_id or 0))
        )

    @staticmethod
    def covers(place, lat, lng):
        return _polygon_covers(place.polygon, lat, lng)


class PlacesSnapshot:
    """Every place and place name read once, for placing many addresses in a row (a roster import's check step).

    Answers what `_PlacesInDatabase` answers, from memory: names are indexed by their first character, so finding
    the names inside an address costs one dictionary look-up per character; boundaries are built once. A snapshot
    does not see places saved after it was taken: keep one for a single piece of work.
    """

    def __init__(self):
        self.districts = list(District.objects.only("id", "name"))
        streets = {s.pk: s for s in Street.objects.all()}
        communities = {c.pk: c for c in Community.objects.all()}
        for community in communities.values():
            community.street = streets[community.street_id]
        self.grids = list(Grid.objects.all())
        for grid in self.grids:
            grid.community = communities[grid.community_id]
        with_grids = {g.community_id for g in self.grids}
        self.gridless = [c for c in communities.values() if c.pk not in with_grids]
        self._names = {}  # the first two characters of a name: [(name, table, object)]; one-character names by it
        self._scanned = (None, {})
        self._add("district", ((d.name, d) for d in self.districts))
        self._add("street", ((s.name, s) for s in streets.values()))
        self._add("community", ((c.name, c) for c in communities.values()))
        # As the database filter has it: the name with every 社区 taken out.
        self._add("community", ((c.name.replace(COMMUNITY_SUFFIX, ""), c) for c in communities.values()))
        self._add("grid", ((g.name, g) for g in self.grids))
        self._add("entry", ((e.name, e) for e in GazetteerEntry.objects.all()))
        self._shapes = {}

    def _add(self, table, pairs):
        for name, obj in pairs:
            if name:
                self._names.setdefault(name[:2], []).append((name, table, obj))

    def _in(self, text, table):
        """The objects of `table` whose name occurs in `text` (the text's names are found once, for all tables)."""
        if self._scanned[0] != text:
            found = {}
            for i in range(len(text)):
                for key in (text[i : i + 2], text[i]) if i + 1 < len(text) else (text[i],):
                    for name, kind, obj in self._names.get(key, ()):
                        if text.startswith(name, i):
                            found.setdefault(kind, {})[obj.pk] = obj
            self._scanned = (text, found)
        return list(self._scanned[1].get(table, {}).values())

    def districts_in(self, text):
        return self._in(text, "district")

    def streets_in(self, text):
        return self._in(text, "street")

    def communities_in(self, text):
        return self._in(text, "community")

    def grids_in(self, text):
        return self._in(text, "grid")

    def entries_in(self, text):
        return self._in(text, "entry")

    def grids_near(self, lat, lng, radius_m, community_id, grid_id):
        """What _grids_wanted selects in the database, from memory."""
        box = _bbox(lat, lng, radius_m)
        return [
            g
            for g in self.grids
            if g.polygon is not None
            or g.community.polygon is not None
            or (box[0] <= g.latitude <= box[1] and box[2] <= g.longitude <= box[3])
            or (community_id and g.community_id == community_id)
            or (grid_id and g.pk == grid_id)
        ]

    def gridless_communities(self, community_id):
        return [c for c in self.gridless if c.polygon is not None or c.pk == (community_id or 0)]

    def covers(self, place, lat, lng):
        key = (type(place).__name__, place.pk)
        if key not in self._shapes:
            self._shapes[key] = _boundary_shape(place.polygon)
        shape = self._shapes[key]
        if shape is None:
            return False
        min_x, min_y, max_x, max_y = shape.bounds
        return min_x <= lng <= max_x and min_y <= lat <= max_y and shape.covers(Point(lng, lat))


_IN_DATABASE = _PlacesInDatabase()


class _OfflineAdapter(BaseSyncAdapter):
    """The HTTP adapter of a geocoder that answers from the database: any request is a programming error."""

    def get_json(self, url, *, timeout, headers):
        raise GeocoderServiceError("the gazetteer geocoder makes no requests")

    def get_text(self, url, *, timeout, headers):
        raise GeocoderServiceError("the gazetteer geocoder makes no requests")


class GazetteerGeocoder(Geocoder):
    """Offline geocoder over the places tables: finds the most specific known name contained in the address.

    Known names are gazetteer entries (compounds, buildings, landmarks, roads), grids, communities (with and
    without the trailing 社区) and streets. Everything up to a district name is treated as the administrative
    prefix (province, city, district) and ignored, so "西湖区..." never reads as 西湖社区.
    `Location.raw` says what matched: {"geocoder": "gazetteer", "source", "id", "name", "community_id", "grid_id"}.
    With `places` (a PlacesSnapshot) the names are looked up in memory instead of the database.
    """

    def __init__(self, *args, places=None, **kwargs):
        # It never goes online: geopy's default HTTP adapter would build a TLS context (about 40 ms) for nothing.
        kwargs.setdefault("adapter_factory", _OfflineAdapter)
        super().__init__(*args, **kwargs)
        self.places = places or _IN_DATABASE

    def geocode(self, query, exactly_one=True, timeout=None):
        text = normalize_address(query)
        candidates = self._ranked_candidates(text) if text else []
        if not candidates:
            return None
        locations = [self._location(c, text) for c in candidates]
        return locations[0] if exactly_one else locations

    def _ranked_candidates(self, text):
        districts = self.places.districts_in(text)
        district_ids = {d.id for d in districts}
        prefix_end = 0
        for district in sorted(districts, key=lambda d: (text.find(d.name), -len(d.name))):
            start = text.find(district.name)
            before = text[:start]
            if not before or (len(before) <= _PROVINCE_CITY_MAX_LENGTH and before.endswith(_PROVINCE_CITY_SUFFIXES)):
                prefix_end = start + len(district.name)
                break
        rest = text[prefix_end:]

        streets = self.places.streets_in(rest)
        communities = self.places.communities_in(rest)
        grids = self.places.grids_in(rest)
        entries = self.places.entries_in(rest)

        found = []
        for entry in entries:
            tier = _GAZETTEER_TIER.get(entry.kind, _TIER_PLACE)
            found += self._occurrences(rest, entry.name, tier, entry, "gazetteer")
        for grid in grids:
            found += self._occurrences(rest, grid.name, _TIER_GRID, grid, "grid")
        for community in communities:
            for name in {community.name, community.name.removesuffix(COMMUNITY_SUFFIX)}:
                if len(name) >= _MIN_BARE_NAME_LENGTH:
                    found += self._occurrences(rest, name, _TIER_COMMUNITY, community, "community")
        for street in streets:
            found += self._occurrences(rest, street.name, _TIER_STREET, street, "street")

        # Districts named later in the address only shield the names inside them ("临江" in "临江区").
        shields = [c for d in districts for c in self._occurrences(rest, d.name, None, d, "district")]
        found = [c for c in found if not any(c.inside(other) for other in found + shields)]
        found = self._disambiguate(found, district_ids)
        # Most specific kind first, then the longest name, then the one written last (Chinese addresses narrow down).
        found.sort(key=lambda c: (c.tier, -len(c.name), -c.start))
        unique, seen = [], set()
        for c in found:
            if (c.source, c.obj.pk) not in seen:
                seen.add((c.source, c.obj.pk))
                unique.append(c)
        return unique

    @staticmethod
    def _occurrences(text, name, tier, obj, source):
        if not name:
            return []
        start = text.rfind(name)
        return [_Candidate(tier, name, start, obj, source)] if start >= 0 else []

    @staticmethod
    def _disambiguate(found, district_ids):
        """Same-named grids ("第一网格") or communities: keep the one whose parent the address names, else none."""
        street_ids = {c.obj.pk for c in found if c.source == "street"}
        community_ids = {c.obj.pk for c in found if c.source == "community"}

        def parent_named(c):
            if c.source == "grid":
                return c.obj.community_id in community_ids or c.obj.community.street_id in street_ids
            if c.source == "community":
                return c.obj.street_id in street_ids or c.obj.street.district_id in district_ids
            if c.source == "street":
                return c.obj.district_id in district_ids
            return True

        by_name = {}
        for c in found:
            by_name.setdefault((c.source, c.name), []).append(c)
        kept = []
        for group in by_name.values():
            if len({c.obj.pk for c in group}) > 1:
                group = [c for c in group if parent_named(c)]
                if len({c.obj.pk for c in group}) != 1:
                    continue
            kept += group
        return kept

    @staticmethod
    def _location(c, text):
        obj = c.obj
        raw = {"geocoder": "gazetteer", "source": c.source, "id": obj.pk, "name": obj.name, "query": text}
        if c.source == "gazetteer":
            raw.update(kind=obj.kind, community_id=obj.community_id, grid_id=None)
        elif c.source == "grid":
            raw.update(community_id=obj.community_id, grid_id=obj.pk)
        elif c.source == "community":
            raw.update(community_id=obj.pk, grid_id=None)
        else:
            raw.update(community_id=None, grid_id=None)
        return Location(obj.name, (obj.latitude, obj.longitude), raw)


def _to_wgs84_location(location):
    lat, lng = bd09_to_wgs84(location.latitude, location.longitude)
    raw = dict(location.raw) if isinstance(location.raw, dict) else {"raw": location.raw}
    raw["bd09"] = {"lat": location.latitude, "lng": location.longitude}
    return Location(location.address, (lat, lng), raw)


class BaiduWgs84Geocoder(BaiduV3):
    """geopy's BaiduV3 answering in WGS-84: Baidu returns BD-09, which is off by about a kilometre."""

    def geocode(self, query, *, exactly_one=True, timeout=DEFAULT_SENTINEL):
        result = super().geocode(query, exactly_one=exactly_one, timeout=timeout)
        if result is None:
            return None
        if isinstance(result, list):
            return [_to_wgs84_location(loc) for loc in result]
        return _to_wgs84_location(result)

    def reverse(self, query, *, exactly_one=True, timeout=DEFAULT_SENTINEL):
        point = GeopyPoint(query)
        bd_point = wgs84_to_bd09(point.latitude, point.longitude)
        result = super().reverse(bd_point, exactly_one=exactly_one, timeout=timeout)
        if result is None:
            return None
        if isinstance(result, list):
            return [_to_wgs84_location(loc) for loc in result]
        return _to_wgs84_location(result)


def get_geocoder(*, places=None):
    """The geocoder chosen by settings.GEOCODER: "gazetteer" (default, offline), "nominatim" or "baidu".

    `places` (a PlacesSnapshot) lets the offline gazetteer look names up in memory; the online services ignore it.
    """
    choice = str(getattr(settings, "GEOCODER", "gazetteer") or "gazetteer").strip().lower()
    user_agent = getattr(settings, "GEOCODER_USER_AGENT", "dual-reporting-platform")
    timeout = getattr(settings, "GEOCODER_TIMEOUT_S", 5)
    if choice == "gazetteer":
        return GazetteerGeocoder(user_agent=user_agent, places=places)
    if choice == "nominatim":
        domain = getattr(settings, "NOMINATIM_DOMAIN", "nominatim.openstreetmap.org")
        return Nominatim(user_agent=user_agent, domain=domain, timeout=timeout)
    if choice == "baidu":
        api_key = getattr(settings, "BAIDU_API_KEY", "")
        if not api_key:
            raise ImproperlyConfigured("GEOCODER=baidu needs BAIDU_API_KEY.")
        return BaiduWgs84Geocoder(api_key=api_key, user_agent=user_agent, timeout=timeout)
    raise ImproperlyConfigured(f"Unknown GEOCODER {choice!r}; use gazetteer, nominatim or baidu.")


@dataclass(frozen=True)
class AddressResolution:
    latitude: float
    longitude: float
    community: Community
    grid: Grid | None
    matched_name: str | None


def _boundary_points(points):
    """([lng...], [lat...]) of a [[lng, lat], ...] boundary, or None when it is malformed."""
    try:
        if len(points) < 3:
            return None
        return [float(p[0]) for p in points], [float(p[1]) for p in points]
    except (TypeError, ValueError, IndexError, KeyError):
        return None


def _boundary_shape(points):
    """The boundary as a shapely polygon (self-crossings repaired), or None when it is malformed."""
    parsed = _boundary_points(points)
    if parsed is None:
        return None
    polygon = Polygon(zip(*parsed, strict=True))
    return polygon if polygon.is_valid else polygon.buffer(0)


def _polygon_covers(points, lat, lng):
    """Whether a [[lng, lat], ...] boundary covers the point (edges included); malformed boundaries cover nothing."""
    parsed = _boundary_points(points)
    if parsed is None:
        return False
    xs, ys = parsed
    # Cheap rejection before building the shapely geometry.
    if not (min(xs) <= lng <= max(xs) and min(ys) <= lat <= max(ys)):
        return False
    return _boundary_shape(points).covers(Point(lng, lat))


def _distance_m(lat, lng, place):
    """Great-circle distance in metres (haversine on the mean Earth radius): within 0.5 % of the geodesic over the
    few kilometres compared here, and a hundred times cheaper to compute."""
    phi1, phi2 = math.radians(lat), math.radians(place.latitude)
    d_phi, d_lambda = phi2 - phi1, math.radians(place.longitude - lng)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _nearest(lat, lng, grids):
    return min(grids, key=lambda g: _distance_m(lat, lng, g)) if grids else None


def _bbox(lat, lng, radius_m):
    """(min lat, max lat, min lng, max lng) of the box around the point that holds the circle of `radius_m`."""
    d_lat = radius_m / _METRES_PER_DEGREE_LAT
    d_lng = radius_m / (_METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    return lat - d_lat, lat + d_lat, lng - d_lng, lng + d_lng


def _grids_wanted(lat, lng, radius_m, community_id, grid_id):
    """The database filter for the grids that could hold the point (see resolve_point)."""
    min_lat, max_lat, min_lng, max_lng = _bbox(lat, lng, radius_m)
    box = Q(latitude__gte=min_lat, latitude__lte=max_lat, longitude__gte=min_lng, longitude__lte=max_lng)
    wanted = Q(polygon__isnull=False) | Q(community__polygon__isnull=False) | box
    if community_id:
        wanted |= Q(community_id=community_id)
    if grid_id:
        wanted |= Q(pk=grid_id)
    return wanted


def resolve_point(lat, lng, *, community_id=None, grid_id=None, places=None, kinds=None):
    """The (community, grid) a WGS-84 point belongs to, or Invalid("address_outside_service_area").

    In order: the grid the geocoder matched by name (`grid_id`); a grid whose boundary covers the point; a community
    whose boundary covers it (then its grid with the nearest centre); the community the geocoder matched by name
    (`community_id`, nearest grid centre in it); a community without grids that covers the point or was named
    (grid None); the nearest grid centre within PLACES_MATCH_RADIUS_M. `places` as for GazetteerGeocoder.
    `kinds` (CommunityKind values) keeps only places of those kinds: where a member lives is matched to residential
    communities and villages (RESIDENTIAL_KINDS), never to an enterprise the point may also lie in.
    """
    lat, lng = validate_point(lat, lng)
    places = places or _IN_DATABASE
    radius_m = float(getattr(settings, "PLACES_MATCH_RADIUS_M", 1500))
    # A grid is a candidate if geometry could place the point in it, its centre may be near enough, or it was named.
    grids = places.grids_near(lat, lng, radius_m * 1.01, community_id, grid_id)
    if kinds is not None:
        grids = [g for g in grids if g.community.kind in kinds]

    if grid_id:
        named = next((g for g in grids if g.pk == grid_id), None)
        if named is not None:
            return named.community, named

    covering = [g for g in grids if g.polygon and places.covers(g, lat, lng)]
    if covering:
        # Overlapping boundaries (digitising slop): the community named in the address, then the nearest centre.
        preferred = [g for g in covering if g.community_id == community_id] or covering
        grid = _nearest(lat, lng, preferred)
        return grid.community, grid

    communities = {g.community_id: g.community for g in grids}
    covering_communities = [c for c in communities.values() if c.polygon and places.covers(c, lat, lng)]
    if covering_communities:
        chosen = next((c for c in covering_communities if c.pk == community_id), None)
        chosen = chosen or min(covering_communities, key=lambda c: _distance_m(lat, lng, c))
        return chosen, _nearest(lat, lng, [g for g in grids if g.community_id == chosen.pk])

    if community_id in communities:
        return communities[community_id], _nearest(lat, lng, [g for g in grids if g.community_id == community_id])

    for community in places.gridless_communities(community_id):
        if kinds is not None and community.kind not in kinds:
            continue
        if community.pk == community_id or (community.polygon and places.covers(community, lat, lng)):
            return community, None

    near = [(d, g) for g in grids if (d := _distance_m(lat, lng, g)) <= radius_m]
    if near:
        grid = min(near, key=lambda pair: pair[0])[1]
        return grid.community, grid
    raise errors.address_outside_service_area()


def _hint(raw, key):
    value = raw.get(key) if isinstance(raw, dict) and raw.get("geocoder") == "gazetteer" else None
    return value if isinstance(value, int) else None


def resolve_address(address, *, geocoder=None, places=None, kinds=None):
    """Geocode an address and place it in a community and grid (the preview before registering: there with
    `kinds=RESIDENTIAL_KINDS`, see resolve_point).

    For many addresses in a row, pass one PlacesSnapshot as `places` and a geocoder made with it.
    """
    if address is None or not str(address).strip():
        raise errors.address_required()
    geocoder = geocoder or get_geocoder()
    try:
        location = geocoder.geocode(str(address).strip(), exactly_one=True)
    except GeopyError as exc:
        raise errors.geocoder_unavailable() from exc
    if location is None:
        raise errors.address_not_found()
    lat, lng = validate_point(location.latitude, location.longitude)
    community, grid = resolve_point(
        lat,
        lng,
        community_id=_hint(location.raw, "community_id"),
        grid_id=_hint(location.raw, "grid_id"),
        places=places,
        kinds=kinds,
    )
    return AddressResolution(
        latitude=lat, longitude=lng, community=community, grid=grid, matched_name=location.address or None
    )


def resolve_coordinates(*, latitude, longitude, coord_system=CoordSystem.WGS84, kinds=None):
    """Place a client's point (reported in `coord_system`) in a community and grid; the point comes back in WGS-84.
    `kinds` as for resolve_point."""
    lat, lng = to_wgs84(latitude, longitude, coord_system)
    community, grid = resolve_point(lat, lng, kinds=kinds)
    return AddressResolution(latitude=lat, longitude=lng, community=community, grid=grid, matched_name=None)
