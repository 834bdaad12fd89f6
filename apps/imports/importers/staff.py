"""Staff and roles from one sheet: name, mobile number, role, and the code of the place or organization it covers.

Each row is one appointment; a person new to the platform is added without a password (they set one with a
one-time code). Who may appoint what follows apps.accounts.permissions.may_appoint.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import ROLE_SCOPE_FIELD, Role, RoleAssignment, User
from apps.accounts.permissions import may_appoint
from apps.accounts.services import person_appoint
from apps.imports.importers.base import Importer, apply_row, phone_of, phones_in
from apps.imports.models import RowAction
from apps.imports.reading import Column

ROLE_LABELS = (
    ("社区工作人员", Role.COMMUNITY_STAFF.value),
    ("网格员", Role.GRID_WORKER.value),
    ("支部书记", Role.BRANCH_SECRETARY.value),
    ("机关党委", Role.ORGAN_REVIEWER.value),
    ("街道管理员", Role.STREET_ADMIN.value),
    ("区管理员", Role.DISTRICT_ADMIN.value),
)
_NAME_MAX = 50


def _node_model(role):
    return RoleAssignment._meta.get_field(ROLE_SCOPE_FIELD[Role(role)]).related_model


class StaffImporter(Importer):
    kind = "staff"
    sheet_title = "工作人员和角色"
    key_column = "phone"
    columns = (
        Column("name", "姓名", required=True, example="李四", width=10),
        Column("phone", "手机号码", required=True, example="13900000201", width=14),
        Column(
            "role",
            "角色",
            required=True,
            choices=ROLE_LABELS,
            example="网格员",
            help=gettext_lazy("One role per row; a person with two roles has two rows."),
            width=12,
        ),
        Column(
            "node_code",
            "所辖编码",
            required=True,
            example="QL-JX-GY-01",
            help=gettext_lazy(
                "The code of what the role covers: a community, a grid, a Party branch, an organ, a street or a "
                "district."
            ),
        ),
    )

    def check_rows(self, records):
        phones = phones_in(records)
        codes = {}
        for _n, record in records:
            role = dict(ROLE_LABELS).get(record.get("role"), record.get("role"))
            if role in Role.values:
                codes.setdefault(role, set()).add(record.get("node_code", ""))
        self.users = {u.phone: u for u in User.objects.filter(phone__in=phones)}
        self.nodes = {
            role: {n.code: n for n in _node_model(role).objects.filter(code__in=wanted - {""})}
            for role, wanted in codes.items()
        }
        return [self._check(number, record) for number, record in records]

    def _check(self, number, record):
        values, errors = self.clean(record)
        if len(values["name"]) > _NAME_MAX:
            errors.add("name", _("At most %(n)d characters.") % {"n": _NAME_MAX})
        phone = phone_of(values, errors)
        role, code = values["role"], values["node_code"]
        data = {"name": values["name"], "phone": phone, "role": role or "", "node_code": code}
        key = f"{phone}:{role}:{code}"
        node = self.nodes.get(role, {}).get(code) if role else None
        if role and code and node is None:
            errors.add("node_code", _("Nothing of the kind this role covers has this code."))
        elif node is not None and not may_appoint(self.actor, role, node):
            errors.add("node_code", _("You may not appoint this role for that place or organization."))
        if errors:
            return self.row(number, key=key, action=RowAction.ERROR, data=data, errors=errors)
        data["node"] = node.pk
        data["node_name"] = str(node)
        user = self.users.get(phone)
        held = (
            user is not None
            and RoleAssignment.objects.filter(user=user, role=role, **{ROLE_SCOPE_FIELD[Role(role)]: node}).exists()
        )
        return self.row(number, key=key, action=RowAction.UNCHANGED if held else RowAction.CREATE, data=data)

    def check_end(self):
        self.mark_duplicates(_("The same appointment is on rows %(rows)s."))

    def apply(self):
        for row in self.stored_rows(RowAction.CREATE).iterator(chunk_size=500):
            apply_row(row, lambda row=row: self._appoint(row))

    def _appoint(self, row):
        data = row.data
        node = _node_model(data["role"]).objects.get(pk=data["node"])
        assignment, _created = person_appoint(
            phone=data["phone"], name=data["name"], role=data["role"], node=node, actor=self.actor
        )
        row.target_id = assignment.pk
        row.save(update_fields=["target_id", "updated_at"])
