"""Organs and their Party organization trees from one sheet: kind, code, name, parent code (organ, committee,
general branch, branch), matched on the code, or on the name for organizations created before they had codes."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.imports.importers.base import Importer, apply_row, changed
from apps.imports.models import RowAction
from apps.imports.reading import Column
from apps.orgs.errors import PARTY_ORG_NAME_TAKEN
from apps.orgs.models import Organ, OrganCategory, PartyOrg, PartyOrgKind
from apps.orgs.services import organ_create, organ_update, party_org_create, party_org_update

ORGAN = "organ"
KIND_LABELS = (
    ("机关", ORGAN),
    ("机关党委", PartyOrgKind.COMMITTEE.value),
    ("党总支", PartyOrgKind.GENERAL_BRANCH.value),
    ("党支部", PartyOrgKind.BRANCH.value),
)
ORDER = (ORGAN, PartyOrgKind.COMMITTEE, PartyOrgKind.GENERAL_BRANCH, PartyOrgKind.BRANCH)
# The kinds a row's parent may be, by the row's kind.
PARENT_KINDS = {
    PartyOrgKind.COMMITTEE: (ORGAN,),
    PartyOrgKind.GENERAL_BRANCH: (PartyOrgKind.COMMITTEE,),
    PartyOrgKind.BRANCH: (PartyOrgKind.COMMITTEE, PartyOrgKind.GENERAL_BRANCH),
}
_NAME_MAX = 100
_CODE_MAX = 32


class OrganizationsImporter(Importer):
    kind = "organizations"
    sheet_title = "机关与党组织"
    key_column = "code"
    columns = (
        Column(
            "kind",
            "类型",
            required=True,
            choices=KIND_LABELS,
            example="党支部",
            help=gettext_lazy("An organ, its Party committee, a general branch or a branch."),
            width=10,
        ),
        Column("code", "编码", required=True, example="RD-ZB1", help=gettext_lazy("Unique among all organizations.")),
        Column("name", "名称", required=True, example="机关第一党支部", width=24),
        Column(
            "parent_code",
            "上级编码",
            example="RD-DW",
            help=gettext_lazy(
                "Empty for an organ; a committee's organ; a general branch's committee; a branch's committee or "
                "general branch."
            ),
        ),
        Column("short_name", "简称", example="区人大办", help=gettext_lazy("Organs only.")),
        Column(
            "category",
            "机关类别",
            choices=(
                ("人大常委会", OrganCategory.CONGRESS),
                ("政府部门", OrganCategory.GOVERNMENT),
                ("事业单位", OrganCategory.INSTITUTION),
                ("其他", OrganCategory.OTHER),
            ),
            help=gettext_lazy("Organs only; empty means government bureau."),
        ),
    )

    def check_rows(self, records):
        codes = {r.get("code", "") for _n, r in records} | {r.get("parent_code", "") for _n, r in records}
        names = {r.get("name", "") for _n, r in records}
        codes.discard("")
        self.organs_by_code = {o.code: o for o in Organ.objects.filter(code__in=codes)}
        self.organs_by_name = {o.name: o for o in Organ.objects.filter(name__in=names)}
        self.orgs_by_code = {p.code: p for p in PartyOrg.objects.filter(code__in=codes).select_related("organ")}
        return [self._check(number, record) for number, record in records]

    def _check(self, number, record):
        values, errors = self.clean(record)
        kind, code, name = values["kind"], values["code"], values["name"]
        if len(code) > _CODE_MAX:
            errors.add("code", _("At most %(n)d characters.") % {"n": _CODE_MAX})
        if len(name) > _NAME_MAX:
            errors.add("name", _("At most %(n)d characters.") % {"n": _NAME_MAX})
        data = {k: values[k] or "" for k in ("kind", "code", "name", "parent_code", "short_name", "category")}
        key = code
        if errors:
            return self.row(number, key=key, action=RowAction.ERROR, data=data, errors=errors)
        if kind == ORGAN:
            return self._check_organ(number, data, errors)
        return self._check_party_org(number, data, errors)

    def _check_organ(self, number, data, errors):
        organ = self.organs_by_code.get(data["code"]) or self.organs_by_name.get(data["name"])
        if data["parent_code"]:
            errors.add("parent_code", _("An organ has no parent: leave this empty."))
        if organ is None and not (self.scope.is_superuser or self.scope.district_ids):
            errors.add("kind", _("Only district administrators may add organs; you may import your own organ's tree."))
        if organ is not None and not (self.scope.covers_organ(organ.pk) or self.scope.district_ids):
            errors.add("code", _("This organ is not yours to change."))
        other = self.organs_by_code.get(data["code"])
        if organ is not None and other is not None and other.pk != organ.pk:
            errors.add("code", _("Another organization already has this code."))
        changes = {}
        if organ is not None:
            changed(changes, _("Code"), organ.code, data["code"])
            changed(changes, _("Name"), organ.name, data["name"])
            if data["short_name"]:
                changed(changes, _("Short name"), organ.short_name, data["short_name"])
            if data["category"]:
                changed(changes, _("Category"), organ.category, data["category"])
        action = RowAction.CREATE if organ is None else (RowAction.UPDATE if changes else RowAction.UNCHANGED)
        return self.row(
            number,
            key=data["code"],
            action=action,
            data=data,
            changes=changes,
            errors=errors,
            target_id=organ.pk if organ else None,
        )

    def _check_party_org(self, number, data, errors):
        kind = data["kind"]
        if not data["parent_code"]:
            errors.add("parent_code", _("Give the code of the organization this one sits under."))
            return self.row(number, key=data["code"], action=RowAction.ERROR, data=data, errors=errors)
        parent_organ = self.organs_by_code.get(data["parent_code"]) if kind == PartyOrgKind.COMMITTEE else None
        parent_org = self.orgs_by_code.get(data["parent_code"]) if kind != PartyOrgKind.COMMITTEE else None
        organ = parent_organ or (parent_org.organ if parent_org else None)
        if parent_org is not None and parent_org.kind not in PARENT_KINDS[kind]:
            errors.add("parent_code", _("This kind of Party organization cannot sit under that parent."))
        if organ is not None and not (self.scope.covers_organ(organ.pk) or self.scope.district_ids):
            errors.add("parent_code", _("This organization is outside the organs you manage."))
        existing = self.orgs_by_code.get(data["code"])
        if existing is None and organ is not None:
            existing = _match_by_name(organ, kind, data["name"])
        if existing is not None and existing.kind != kind:
            errors.add("kind", _("This code belongs to a %(kind)s.") % {"kind": existing.get_kind_display()})
        if existing is not None and organ is not None and existing.organ_id != organ.pk:
            errors.add("parent_code", _("Moving a Party organization to another organ is not done by import."))
        if existing is not None and parent_org is not None and existing.parent_id != parent_org.pk:
            errors.add("parent_code", _("Moving a Party organization under another parent is not done by import."))
        if existing is None and organ is not None and PartyOrg.objects.filter(organ=organ, name=data["name"]).exists():
            errors.add("name", PARTY_ORG_NAME_TAKEN)
        if organ is None:
            data["parent_in_file"] = True
        changes = {}
        if existing is not None:
            changed(changes, _("Code"), existing.code, data["code"])
            changed(changes, _("Name"), existing.name, data["name"])
        action = RowAction.CREATE if existing is None else (RowAction.UPDATE if changes else RowAction.UNCHANGED)
        return self.row(
            number,
            key=data["code"],
            action=action,
            data=data,
            changes=changes,
            errors=errors,
            target_id=existing.pk if existing else None,
        )

    def check_end(self):
        self.mark_duplicates(_("The same code is on rows %(rows)s."))
        # Parents before children, so that a parent matched to an existing organization is known to its children.
        rows = sorted(
            self.stored_rows(RowAction.CREATE, RowAction.UPDATE, RowAction.UNCHANGED),
            key=lambda r: (ORDER.index(r.data["kind"]), r.row_number),
        )
        for row in rows:
            if not row.data.get("parent_in_file"):
                continue
            parent = self.stored_rows().filter(key=row.data["parent_code"]).first()
            wanted = PARENT_KINDS[row.data["kind"]]
            if parent is None or parent.data.get("kind") not in wanted:
                message = (
                    _("No organization of a fitting kind has this code, in the platform or in this file.")
                    if parent is None
                    else _("This kind of Party organization cannot sit under that parent.")
                )
                row.errors = [*row.errors, {"column": "上级编码", "message": message}]
                row.action = RowAction.ERROR
                row.save(update_fields=["errors", "action", "updated_at"])
            elif row.action == RowAction.CREATE:
                self._match_under_file_parent(row, parent)

    def _match_under_file_parent(self, row, parent):
        """A row whose parent is in the file may still be an existing organization without a code (an organ's
        committee, or a branch matched by name in its organ): it is updated, not created a second time."""
        organ_id = self._existing_organ_id(parent)
        existing = _match_by_name(organ_id, row.data["kind"], row.data["name"]) if organ_id else None
        if existing is None:
            if organ_id and PartyOrg.objects.filter(organ_id=organ_id, name=row.data["name"]).exists():
                row.errors = [*row.errors, {"column": "名称", "message": str(PARTY_ORG_NAME_TAKEN)}]
                row.action = RowAction.ERROR
                row.save(update_fields=["errors", "action", "updated_at"])
            return
        if existing.kind != PartyOrgKind.COMMITTEE and existing.parent_id != parent.target_id:
            message = _("Moving a Party organization under another parent is not done by import.")
            row.errors = [*row.errors, {"column": "上级编码", "message": message}]
            row.action = RowAction.ERROR
        else:
            changes = {}
            changed(changes, _("Code"), existing.code, row.data["code"])
            changed(changes, _("Name"), existing.name, row.data["name"])
            row.changes = changes
            row.action = RowAction.UPDATE if changes else RowAction.UNCHANGED
        row.target_id = existing.pk
        row.save(update_fields=["errors", "action", "changes", "target_id", "updated_at"])

    def _existing_organ_id(self, row):
        """The existing organ that a row of the file belongs to, following its parents up the file (None: an organ
        this file creates, or a parent that is missing)."""
        for _level in ORDER:
            if row.data.get("kind") == ORGAN:
                return row.target_id
            if not row.data.get("parent_in_file"):
                if row.data["kind"] == PartyOrgKind.COMMITTEE:
                    return Organ.objects.filter(code=row.data["parent_code"]).values_list("pk", flat=True).first()
                return PartyOrg.objects.filter(code=row.data["parent_code"]).values_list("organ_id", flat=True).first()
            row = self.stored_rows().filter(key=row.data["parent_code"]).first()
            if row is None:
                return None
        return None

    def apply(self):
        rows = list(self.stored_rows(RowAction.CREATE, RowAction.UPDATE))
        rows.sort(key=lambda r: (ORDER.index(r.data["kind"]), r.row_number))
        for row in rows:
            apply_row(row, lambda row=row: self._save(row))

    def _save(self, row):
        data = row.data
        if data["kind"] == ORGAN:
            if row.action == RowAction.CREATE:
                obj = organ_create(
                    name=data["name"],
                    code=data["code"],
                    short_name=data["short_name"],
                    category=data["category"] or OrganCategory.GOVERNMENT,
                    actor=self.actor,
                )
            else:
                fields = {"code": data["code"], "name": data["name"]}
                fields.update({k: data[k] for k in ("short_name", "category") if data[k]})
                obj = organ_update(organ=Organ.objects.get(pk=row.target_id), actor=self.actor, **fields)
        elif row.action == RowAction.UPDATE:
            org = PartyOrg.objects.get(pk=row.target_id)
            obj = party_org_update(party_org=org, code=data["code"], name=data["name"], actor=self.actor)
        elif data["kind"] == PartyOrgKind.COMMITTEE:
            # Every organ has its committee from the start: a committee row names it (code, name).
            organ = Organ.objects.get(code=data["parent_code"])
            committee = PartyOrg.objects.get(organ=organ, kind=PartyOrgKind.COMMITTEE)
            obj = party_org_update(party_org=committee, code=data["code"], name=data["name"], actor=self.actor)
        else:
            parent = PartyOrg.objects.get(code=data["parent_code"])
            obj = party_org_create(
                organ=parent.organ,
                parent=parent,
                kind=data["kind"],
                name=data["name"],
                code=data["code"],
                actor=self.actor,
            )
        if row.target_id != obj.pk:
            row.target_id = obj.pk
            row.save(update_fields=["target_id", "updated_at"])


def _match_by_name(organ, kind, name):
    """The organ's committee (there is always exactly one), or its organization of this name that has no code yet.
    `organ` is an Organ or its id."""
    if kind == PartyOrgKind.COMMITTEE:
        return PartyOrg.objects.filter(organ=organ, kind=kind).first()
    return PartyOrg.objects.filter(organ=organ, code="", name=name).first()
