"""Streets, communities and grids from one sheet: level, code, name, parent code, address, centre point."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.errors import DomainError
from apps.imports.importers.base import Importer, apply_row, changed
from apps.imports.models import RowAction
from apps.imports.reading import Column
from apps.places.coords import CoordSystem, to_wgs84
from apps.places.models import Community, CommunityKind, District, Grid, Street
from apps.places.permissions import may_manage_under
from apps.places.services import place_save

STREET, COMMUNITY, GRID = "street", "community", "grid"
MODEL = {STREET: Street, COMMUNITY: Community, GRID: Grid}
PARENT_MODEL = {STREET: District, COMMUNITY: Street, GRID: Community}
PARENT_LEVEL = {COMMUNITY: STREET, GRID: COMMUNITY}
ORDER = (STREET, COMMUNITY, GRID)
_NAME_MAX = 100
_CODE_MAX = 32


# The centre point of a place, in the coordinate system its map gave (the geography and place-name files).
POINT_COLUMNS = (
    Column("longitude", "经度", required=True, example="120.1551"),
    Column("latitude", "纬度", required=True, example="30.2741"),
    Column(
        "coord_system",
        "坐标系",
        choices=(("WGS-84", CoordSystem.WGS84), ("GCJ-02", CoordSystem.GCJ02), ("BD-09", CoordSystem.BD09)),
        example="WGS-84",
        help=gettext_lazy("Empty means WGS-84 (GPS). Amap and Tencent maps give GCJ-02, Baidu maps BD-09."),
        width=10,
    ),
)


class GeographyImporter(Importer):
    kind = "geography"
    sheet_title = "街道社区网格"
    key_column = "code"
    columns = (
        Column(
            "level",
            "层级",
            required=True,
            choices=(("街道", STREET), ("社区", COMMUNITY), ("网格", GRID)),
            example="社区",
            help=gettext_lazy("Street, community or grid. Parents may be in the same file."),
            width=8,
        ),
        Column("code", "编码", required=True, example="QL-JX-GY", help=gettext_lazy("Unique within its level.")),
        Column("name", "名称", required=True, example="桂苑社区", width=20),
        Column(
            "parent_code",
            "上级编码",
            required=True,
            example="QL-JX",
            help=gettext_lazy("A street's district, a community's street, a grid's community."),
        ),
        Column("address", "地址", example="桂花路8号", width=24),
        Column("contact_phone", "联系电话", example="0571-88880001"),
        *POINT_COLUMNS,
        Column(
            "kind",
            "类型",
            choices=(
                ("社区", CommunityKind.RESIDENTIAL),
                ("村", CommunityKind.VILLAGE),
                ("企业", CommunityKind.ENTERPRISE),
                ("其他", CommunityKind.OTHER),
            ),
            example="社区",
            help=gettext_lazy(
                "Communities only: residential community, village, enterprise or other. Empty: a new community is a "
                "residential community, an existing one keeps its kind. Members register only with residential "
                "communities and villages."
            ),
            width=8,
        ),
    )

    def check_rows(self, records):
        codes = {
            level: {r.get("code", "") for _n, r in records if r.get("level") in (level, _label(level))}
            for level in ORDER
        }
        existing = {
            level: {p.code: p for p in MODEL[level].objects.filter(code__in=codes[level] - {""})} for level in ORDER
        }
        parent_codes = {r.get("parent_code", "") for _n, r in records}
        parents = {
            STREET: {d.code: d for d in District.objects.filter(code__in=parent_codes)},
            COMMUNITY: {s.code: s for s in Street.objects.filter(code__in=parent_codes).select_related("district")},
            GRID: {c.code: c for c in Community.objects.filter(code__in=parent_codes).select_related("street")},
        }
        return [self._check(number, record, existing, parents) for number, record in records]

    def _check(self, number, record, existing, parents):
        values, errors = self.clean(record)
        level, code = values["level"], values["code"]
        if len(code) > _CODE_MAX:
            errors.add("code", _("At most %(n)d characters.") % {"n": _CODE_MAX})
        if len(values["name"]) > _NAME_MAX:
            errors.add("name", _("At most %(n)d characters.") % {"n": _NAME_MAX})
        point = point_of(values, errors)
        data = {
            "level": level,
            "code": code,
            "name": values["name"],
            "parent_code": values["parent_code"],
            "address": values["address"],
            "contact_phone": values["contact_phone"],
        }
        if values["kind"]:
            if level == COMMUNITY:
                data["kind"] = values["kind"]
            elif level is not None:
                errors.add("kind", _("Only communities have a kind of place; leave this column empty."))
        if point:
            data["latitude"], data["longitude"] = point
        key = f"{level}:{code}"
        if errors or level is None:
            return self.row(number, key=key, action=RowAction.ERROR, data=data, errors=errors)
        parent = parents[level].get(values["parent_code"])
        if parent is None:
            if level == STREET:
                errors.add("parent_code", _("No district has this code."))
            else:
                data["parent_in_file"] = True  # looked for among the file's own rows once every row is stored
        elif not may_manage_under(self.actor, parent):
            errors.add("parent_code", _("This place is outside the area you administer."))
        place = existing[level].get(code)
        changes = {}
        if place is not None:
            self._changes(changes, place, data, level)
        if place is not None and parent is not None and getattr(place, f"{PARENT_FIELD[level]}_id") != parent.pk:
            if not may_manage_under(self.actor, getattr(place, PARENT_FIELD[level])):
                errors.add("parent_code", _("This place is outside the area you administer."))
            changes[str(_("Parent"))] = [str(getattr(place, PARENT_FIELD[level])), str(parent)]
        if place is None:
            action = RowAction.CREATE
        else:
            action = RowAction.UPDATE if changes else RowAction.UNCHANGED
        return self.row(
            number,
            key=key,
            action=action,
            data=data,
            changes=changes,
            errors=errors,
            target_id=place.pk if place else None,
        )

    @staticmethod
    def _changes(changes, place, data, level):
        changed(changes, _("Name"), place.name, data["name"])
        if level == COMMUNITY:
            changed(changes, _("Address"), place.address, data["address"])
            changed(changes, _("Contact phone"), place.contact_phone, data["contact_phone"])
            if data.get("kind"):
                changed(changes, _("Kind of place"), place.get_kind_display(), CommunityKind(data["kind"]).label)
        if "latitude" in data and (
            abs(place.latitude - data["latitude"]) > 1e-6 or abs(place.longitude - data["longitude"]) > 1e-6
        ):
            changes[str(_("Centre point"))] = [
                f"{place.longitude:.6f}, {place.latitude:.6f}",
                f"{data['longitude']:.6f}, {data['latitude']:.6f}",
            ]

    def check_end(self):
        self.mark_duplicates(_("The same code is on rows %(rows)s."))
        # Parents given in the file itself: a community's street or a grid's community on another row.
        for row in self.stored_rows(RowAction.CREATE, RowAction.UPDATE, RowAction.UNCHANGED):
            if not row.data.get("parent_in_file"):
                continue
            parent_level = PARENT_LEVEL[row.data["level"]]
            parent_row = self.stored_rows().filter(key=f"{parent_level}:{row.data['parent_code']}").first()
            if parent_row is None:
                message = (
                    _("No street has this code, in the platform or in this file.")
                    if parent_level == STREET
                    else _("No community has this code, in the platform or in this file.")
                )
                row.errors = [*row.errors, {"column": "上级编码", "message": message}]
                row.action = RowAction.ERROR
                row.save(update_fields=["errors", "action", "updated_at"])

    def apply(self):
        rows = list(self.stored_rows(RowAction.CREATE, RowAction.UPDATE))
        rows.sort(key=lambda r: (ORDER.index(r.data["level"]), r.row_number))
        for row in rows:
            apply_row(row, lambda row=row: self._save(row))

    def _save(self, row):
        data = row.data
        level = data["level"]
        parent = PARENT_MODEL[level].objects.get(code=data["parent_code"])
        fields = {"name": data["name"], "latitude": data["latitude"], "longitude": data["longitude"]}
        if level == COMMUNITY:
            fields.update(address=data["address"], contact_phone=data["contact_phone"])
            if data.get("kind"):
                fields["kind"] = data["kind"]
        place, _created = place_save(
            model=MODEL[level], code=data["code"], parent=parent, fields=fields, actor=self.actor
        )
        if row.target_id != place.pk:
            row.target_id = place.pk
            row.save(update_fields=["target_id", "updated_at"])


PARENT_FIELD = {STREET: "district", COMMUNITY: "street", GRID: "community"}


def _label(level):
    return {STREET: "街道", COMMUNITY: "社区", GRID: "网格"}[level]


def point_of(values, errors):
    """The row's longitude and latitude (in its coordinate system) as a WGS-84 (lat, lng), or None with an error."""
    try:
        lng, lat = float(values["longitude"]), float(values["latitude"])
    except ValueError:
        if values["longitude"] and values["latitude"]:
            errors.add("longitude", _("Longitude and latitude must be numbers in degrees (e.g. 120.1551)."))
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        errors.add("latitude", _("Latitude lies between -90 and 90, longitude between -180 and 180."))
        return None
    try:
        return to_wgs84(lat, lng, values["coord_system"] or CoordSystem.WGS84)
    except DomainError as error:
        errors.add("coord_system", error.message)
        return None
