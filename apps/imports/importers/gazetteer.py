"""Place names for the offline address lookup (地名: residential compounds, roads, buildings, landmarks): without
them a home address resolves only when it names its community or grid.

Columns: name, kind, community code (optional: the community the place lies in), centre point with its coordinate
system. A name is matched to an existing entry, which is updated.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.imports.importers.base import Importer, apply_row, changed
from apps.imports.importers.geography import POINT_COLUMNS, point_of
from apps.imports.models import RowAction
from apps.imports.reading import Column
from apps.places.models import Community, GazetteerEntry, GazetteerKind
from apps.places.permissions import may_manage_under
from apps.places.services import gazetteer_entry_save

_NAME_MAX = 100


class GazetteerImporter(Importer):
    kind = "gazetteer"
    sheet_title = "地名"
    key_column = "name"
    columns = (
        Column("name", "名称", required=True, example="福岸雅苑", width=20),
        Column(
            "kind",
            "类型",
            choices=(
                ("小区", GazetteerKind.COMPOUND),
                ("道路", GazetteerKind.ROAD),
                ("楼栋", GazetteerKind.BUILDING),
                ("地标", GazetteerKind.LANDMARK),
            ),
            example="小区",
            help=gettext_lazy("Empty means residential compound."),
            width=8,
        ),
        Column(
            "community_code",
            "所属社区编码",
            example="QL-JX-GY",
            help=gettext_lazy("The community the place lies in; empty for a road that crosses several."),
        ),
        *POINT_COLUMNS,
    )

    def check_rows(self, records):
        names = {r.get("name", "") for _n, r in records} - {""}
        codes = {r.get("community_code", "") for _n, r in records} - {""}
        self.entries = {
            e.name: e for e in GazetteerEntry.objects.filter(name__in=names).select_related("community__street")
        }
        self.communities = {c.code: c for c in Community.objects.filter(code__in=codes).select_related("street")}
        return [self._check(number, record) for number, record in records]

    def _check(self, number, record):
        values, errors = self.clean(record)
        name = values["name"]
        if len(name) > _NAME_MAX:
            errors.add("name", _("At most %(n)d characters.") % {"n": _NAME_MAX})
        point = point_of(values, errors)
        community = self.communities.get(values["community_code"]) if values["community_code"] else None
        if values["community_code"] and community is None:
            errors.add("community_code", _("No community has this code."))
        elif community is not None and not may_manage_under(self.actor, community.street):
            errors.add("community_code", _("This place is outside the area you administer."))
        elif community is None and not (self.scope.is_superuser or self.scope.district_ids):
            # A place name with no community is district-wide: a street administrator names its communities'.
            errors.add("community_code", _("Give the community the place lies in."))
        data = {
            "name": name,
            "kind": values["kind"] or GazetteerKind.COMPOUND,
            "community_code": values["community_code"],
        }
        if point:
            data["latitude"], data["longitude"] = point
        if community is not None:
            data["community"] = community.pk
        if errors:
            return self.row(number, key=name, action=RowAction.ERROR, data=data, errors=errors)
        entry = self.entries.get(name)
        if (
            entry is not None
            and entry.community is not None
            and not may_manage_under(self.actor, entry.community.street)
        ):
            errors.add(
                "name",
                _("A place of this name lies in %(community)s, outside the area you administer.")
                % {"community": entry.community.name},
            )
            return self.row(number, key=name, action=RowAction.ERROR, data=data, errors=errors)
        changes = {}
        if entry is not None:
            changed(changes, _("Kind"), entry.get_kind_display(), GazetteerKind(data["kind"]).label)
            changed(
                changes,
                _("Community"),
                entry.community.name if entry.community else "",
                community.name if community else "",
            )
            if abs(entry.latitude - data["latitude"]) > 1e-6 or abs(entry.longitude - data["longitude"]) > 1e-6:
                changes[str(_("Centre point"))] = [
                    f"{entry.longitude:.6f}, {entry.latitude:.6f}",
                    f"{data['longitude']:.6f}, {data['latitude']:.6f}",
                ]
        action = RowAction.CREATE if entry is None else (RowAction.UPDATE if changes else RowAction.UNCHANGED)
        return self.row(
            number, key=name, action=action, data=data, changes=changes, target_id=entry.pk if entry else None
        )

    def check_end(self):
        self.mark_duplicates(_("The same name is on rows %(rows)s."))

    def apply(self):
        for row in self.stored_rows(RowAction.CREATE, RowAction.UPDATE).iterator(chunk_size=500):
            apply_row(row, lambda row=row: self._save(row))

    def _save(self, row):
        data = row.data
        community = (
            Community.objects.select_related("street").get(pk=data["community"]) if data.get("community") else None
        )
        entry = gazetteer_entry_save(
            name=data["name"],
            kind=data["kind"],
            community=community,
            latitude=data["latitude"],
            longitude=data["longitude"],
            actor=self.actor,
        )
        row.target_id = entry.pk
        row.save(update_fields=["target_id", "updated_at"])
