"""Community and grid boundaries from GeoJSON (RFC 7946), the format GIS and grid-management systems export.

One feature per place: its `code` property names the community or grid (`level` tells which when a code is used by
both), its geometry is a Polygon (or a MultiPolygon of one part); the outer ring is kept, in WGS-84 (a `coord_system`
property of gcj02 or bd09 converts the points, as Chinese map tools often export those). A boundary must be a valid
polygon, hold the place's own centre point, lie within its community's boundary (a grid), and not overlap the
boundary of a sibling (another grid of the community, another community of the street).
"""

import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely.errors import GEOSException
from shapely.geometry import Point, Polygon
from shapely.validation import explain_validity

from apps.core.errors import DomainError
from apps.imports.importers.base import Importer, apply_row
from apps.imports.models import RowAction
from apps.imports.reading import Column, FileProblem
from apps.places.coords import CoordSystem, to_wgs84
from apps.places.models import Community, Grid
from apps.places.services import place_boundary_set

COMMUNITY, GRID = "community", "grid"
LEVELS = {"社区": COMMUNITY, "community": COMMUNITY, "网格": GRID, "grid": GRID}
# Shares of the smaller area: slivers below these are digitising slop, not an overlap or a boundary outside.
OVERLAP_TOLERANCE = 0.01
OUTSIDE_TOLERANCE = 0.02
_EXAMPLE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"code": "QL-JX-GY-01", "level": "网格", "name": "桂苑社区第一网格", "coord_system": "wgs84"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[120.150, 30.270], [120.154, 30.270], [120.154, 30.273], [120.150, 30.273], [120.150, 30.270]]
                ],
            },
        }
    ],
}


class _Features:
    """A GeoJSON file as the import's rows: (feature number, {code, level, coord_system, geometry})."""

    first_number = 1  # features are numbered from 1 (a table's rows from 2, under its header row)

    def __init__(self, file, *, count):
        file.seek(0)
        try:
            document = json.load(file)
        except (UnicodeDecodeError, ValueError) as exc:
            raise FileProblem(_("The file is not valid GeoJSON (JSON could not be read).")) from exc
        if isinstance(document, dict) and document.get("type") == "Feature":
            document = {"type": "FeatureCollection", "features": [document]}
        if not isinstance(document, dict) or not isinstance(document.get("features"), list):
            raise FileProblem(_("The file must be a GeoJSON FeatureCollection."))
        self._features = document["features"]
        self.total = len(self._features)

    def rows(self, skip=0):
        for number, feature in enumerate(self._features[skip:], start=skip + 1):
            feature = feature if isinstance(feature, dict) else {}
            properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
            yield (
                number,
                {
                    "code": str(properties.get("code") or properties.get("编码") or "").strip(),
                    "level": str(properties.get("level") or properties.get("层级") or "").strip(),
                    "coord_system": str(properties.get("coord_system") or properties.get("坐标系") or "").strip(),
                    "geometry": feature.get("geometry"),
                },
            )

    def close(self):
        self._features = []


class BoundariesImporter(Importer):
    kind = "boundaries"
    key_column = "code"
    accept = ".geojson,.json"
    columns = (
        Column("code", "code", required=True, help=gettext_lazy("The code of the community or grid.")),
        Column(
            "level",
            "level",
            choices=(("社区", COMMUNITY), ("网格", GRID)),
            help=gettext_lazy("社区 or 网格, when a community and a grid share the code."),
        ),
        Column(
            "coord_system",
            "coord_system",
            help=gettext_lazy("Empty means WGS-84 (GPS). Amap and Tencent maps give GCJ-02, Baidu maps BD-09."),
        ),
        Column("geometry", "geometry", required=True, help=gettext_lazy("A Polygon, or a MultiPolygon of one part.")),
    )

    @classmethod
    def open_file(cls, file, file_name, *, count=True):
        if not (file_name or "").lower().endswith((".geojson", ".json")):
            raise FileProblem(_("Upload a GeoJSON file (.geojson or .json)."))
        return _Features(file, count=count)

    @classmethod
    def template(cls):
        content = json.dumps(_EXAMPLE, ensure_ascii=False, indent=2).encode()
        return content, "application/geo+json", "geojson"

    def check_rows(self, records):
        codes = {r["code"] for _n, r in records} - {""}
        self.communities = {c.code: c for c in Community.objects.filter(code__in=codes).select_related("street")}
        self.grids = {g.code: g for g in Grid.objects.filter(code__in=codes).select_related("community__street")}
        return [self._check(number, record) for number, record in records]

    def _check(self, number, record):
        from apps.imports.importers.base import RowErrors
        from apps.places.permissions import may_manage_under

        errors = RowErrors(self.columns)
        code = record["code"]
        data = {"code": code}
        place, level = self._place(code, record["level"], errors)
        ring = self._ring(record, errors)
        if place is not None:
            data.update(level=level, name=place.name)
            parent = place.community if level == GRID else place.street
            if not may_manage_under(self.actor, parent):
                errors.add("code", _("This place is outside the area you administer."))
        if ring is not None:
            data["ring"] = ring
            if place is not None and not Polygon(ring).covers(Point(place.longitude, place.latitude)):
                errors.add("geometry", _("The boundary does not hold the place's own centre point."))
        if errors or place is None or ring is None:
            key = f"{level}:{code}" if level else ""  # a feature naming no place is not "the same place" twice
            return self.row(number, key=key, action=RowAction.ERROR, data=data, errors=errors)
        unchanged = place.polygon and [list(p) for p in place.polygon] == ring
        changes = {} if unchanged else {str(_("Boundary")): ["✓" if place.polygon else "", "✓"]}
        return self.row(
            number,
            key=f"{level}:{code}",
            action=RowAction.UNCHANGED if unchanged else (RowAction.UPDATE if place.polygon else RowAction.CREATE),
            data=data,
            changes=changes,
            target_id=place.pk,
        )

    def _place(self, code, level_text, errors):
        if not code:
            errors.add("code", _("Every feature needs a code property naming its community or grid."))
            return None, ""
        level = LEVELS.get(level_text.lower()) if level_text else None
        if level_text and level is None:
            errors.add("level", _("level is 社区 or 网格."))
            return None, ""
        community, grid = self.communities.get(code), self.grids.get(code)
        if level is None and community is not None and grid is not None:
            errors.add("level", _("A community and a grid both have this code: give level 社区 or 网格."))
            return None, ""
        if level in (None, GRID) and grid is not None:
            return grid, GRID
        if level in (None, COMMUNITY) and community is not None:
            return community, COMMUNITY
        errors.add("code", _("No community or grid has this code."))
        return None, ""

    @staticmethod
    def _ring(record, errors):
        """The outer ring as [[lng, lat], ...] in WGS-84, closed, or None with an error on the geometry."""
        geometry = record["geometry"]
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        try:
            if kind == "MultiPolygon":
                if len(coordinates) != 1:
                    errors.add("geometry", _("A place has one boundary: this MultiPolygon has several parts."))
                    return None
                coordinates, kind = coordinates[0], "Polygon"
            if kind != "Polygon":
                errors.add("geometry", _("The geometry must be a Polygon."))
                return None
            system = record["coord_system"].lower().replace("-", "") or CoordSystem.WGS84
            if system not in CoordSystem.values:
                errors.add("coord_system", _("Unknown coordinate system; use wgs84, gcj02 or bd09."))
                return None
            ring = []
            for lng, lat, *_rest in coordinates[0]:
                lat, lng = to_wgs84(lat, lng, system)  # numbers only: "120.15" or true is no coordinate
                ring.append([round(lng, 7), round(lat, 7)])
        except (TypeError, ValueError, IndexError, KeyError):
            errors.add("geometry", _("The coordinates are not [longitude, latitude] pairs."))
            return None
        except DomainError as error:
            errors.add("geometry", error.message)
            return None
        if ring and ring[0] != ring[-1]:
            ring.append(ring[0])
        if len(ring) < 4:
            errors.add("geometry", _("A boundary needs at least three distinct points."))
            return None
        polygon = Polygon(ring)
        if not polygon.is_valid:
            # shapely explains as "Self-intersection[120.15 30.27]": the place is what a user can act on.
            where = explain_validity(polygon).partition("[")[2].rstrip("]").replace(" ", ", ")
            errors.add(
                "geometry",
                _("The boundary is not a valid polygon: its edges cross or touch near %(point)s.") % {"point": where},
            )
            return None
        return ring

    def check_end(self):
        self.mark_duplicates(_("The same place is in features %(rows)s."))
        rows = list(self.stored_rows(RowAction.CREATE, RowAction.UPDATE, RowAction.UNCHANGED))
        shapes = {row.key: Polygon(row.data["ring"]) for row in rows}
        for row in rows:
            problems = self._against_neighbours(row, shapes)
            if problems:
                row.errors = [*row.errors, *({"column": "geometry", "message": m} for m in problems)]
                row.action = RowAction.ERROR
                row.save(update_fields=["errors", "action", "updated_at"])

    def _against_neighbours(self, row, shapes):
        """A grid within its community's boundary; no overlap with a sibling's boundary (from the file or stored)."""
        level = row.data["level"]
        shape = shapes[row.key]
        problems = []
        if level == GRID:
            grid = Grid.objects.select_related("community").get(pk=row.target_id)
            outer = shapes.get(f"{COMMUNITY}:{grid.community.code}")
            if outer is None and grid.community.polygon:
                outer = _stored_shape(grid.community.polygon)
            if outer is not None and outer.is_valid and shape.difference(outer).area > OUTSIDE_TOLERANCE * shape.area:
                problems.append(_("The grid's boundary reaches outside its community's boundary."))
            siblings = Grid.objects.filter(community_id=grid.community_id).exclude(pk=grid.pk)
        else:
            community = Community.objects.get(pk=row.target_id)
            siblings = Community.objects.filter(street_id=community.street_id).exclude(pk=community.pk)
        for sibling in siblings.only("code", "polygon"):
            other = shapes.get(f"{level}:{sibling.code}")
            if other is None and sibling.polygon:
                other = _stored_shape(sibling.polygon)
            if other is None or not other.is_valid:
                continue
            overlap = shape.intersection(other).area
            if overlap > OVERLAP_TOLERANCE * min(shape.area, other.area):
                problems.append(_("The boundary overlaps the boundary of %(code)s.") % {"code": sibling.code})
        return problems

    def apply(self):
        for row in self.stored_rows(RowAction.CREATE, RowAction.UPDATE).iterator(chunk_size=200):
            apply_row(row, lambda row=row: self._save(row))

    def _save(self, row):
        model = Grid if row.data["level"] == GRID else Community
        place_boundary_set(place=model.objects.get(pk=row.target_id), polygon=row.data["ring"], actor=self.actor)


def _stored_shape(points):
    """A boundary already on the platform as a polygon, or None when it is malformed (older data, the admin form):
    such a boundary is left out of the comparison rather than stopping the import."""
    try:
        return Polygon(points)
    except (TypeError, ValueError, IndexError, GEOSException):
        return None
