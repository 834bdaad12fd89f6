"""The member roster (党员花名册): name, mobile number, branch code, job title, home address, in-service status.

A row is matched to a member by mobile number. New people are created without a password (they set one with a
one-time code); a member whose branch changed is moved through the move rule (their history stays with the old
organ); a member marked as no longer in service, or (when the uploader asks) missing from a full roster, is
deactivated, never deleted.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.imports import errors as import_errors
from apps.imports.importers.base import Importer, apply_row, changed, phone_of, phones_in
from apps.imports.models import ImportRow, RowAction
from apps.imports.reading import Column
from apps.orgs.models import Member, PartyOrg, PartyOrgKind
from apps.orgs.services import member_move, member_set_active, member_update, members_bulk_create
from apps.places.geocoding import PlacesSnapshot, get_geocoder, resolve_address
from apps.places.models import RESIDENTIAL_KINDS

IN_SERVICE, NOT_IN_SERVICE = "in_service", "not_in_service"
_MAX = {"name": 50, "job_title": 50, "home_address": 200}


class MembersImporter(Importer):
    kind = "members"
    sheet_title = "党员花名册"
    key_column = "phone"
    columns = (
        Column("name", "姓名", required=True, example="张三", width=10),
        Column("phone", "手机号码", required=True, example="13900000001", width=14),
        Column(
            "branch_code", "党支部编码", required=True, example="RD-ZB1", help=gettext_lazy("The code of the branch.")
        ),
        Column(
            "organ_code",
            "机关编码",
            example="RD",
            help=gettext_lazy("Optional: when given, it must be the branch's organ."),
        ),
        Column("job_title", "职务", example="科员"),
        Column(
            "home_address",
            "家庭住址",
            example="桂花路16号 福岸雅苑21栋1单元304室",
            help=gettext_lazy("Optional; the preview shows the community and grid it lies in."),
            width=30,
        ),
        Column(
            "status",
            "在职状态",
            choices=(("在职", IN_SERVICE), ("不在职", NOT_IN_SERVICE)),
            example="在职",
            help=gettext_lazy("Empty means in service. A member no longer in service is deactivated, never deleted."),
            width=10,
        ),
    )

    def check_rows(self, records):
        phones = phones_in(records)
        branch_codes = {r.get("branch_code", "") for _n, r in records} - {""}
        self.users = {u.phone: u for u in User.objects.filter(phone__in=phones)}
        self.members = {
            m.user.phone: m
            for m in Member.objects.filter(user__phone__in=phones).select_related("user", "branch", "organ")
        }
        self.branches = {b.code: b for b in PartyOrg.objects.filter(code__in=branch_codes).select_related("organ")}
        self.addresses = self._placed_before({r.get("home_address", "") for _n, r in records} - {""})
        self.geocoder = self.places = None
        return [self._check(number, record) for number, record in records]

    def _placed_before(self, addresses):
        """{address: (community and grid, None)} for the addresses an earlier chunk of this file already placed: a
        roster repeats the address of a compound many times, and placing one takes several queries."""
        if not addresses:
            return {}
        placed = (
            self.batch.rows.filter(data__home_address__in=sorted(addresses), data__has_key="resolved")
            .order_by()
            .values_list("data__home_address", "data__resolved")
            .distinct()
        )
        return {address: (resolved, None) for address, resolved in placed}

    def _check(self, number, record):
        values, errors = self.clean(record)
        for key, limit in _MAX.items():
            if len(values[key]) > limit:
                errors.add(key, _("At most %(n)d characters.") % {"n": limit})
        phone = phone_of(values, errors)
        branch = self.branches.get(values["branch_code"])
        if values["branch_code"] and branch is None:
            errors.add("branch_code", _("No Party branch has this code."))
        elif branch is not None:
            if branch.kind != PartyOrgKind.BRANCH:
                errors.add("branch_code", _("This code is not a Party branch's."))
            elif not self.scope.covers_party_org(branch):
                errors.add("branch_code", _("This branch is outside the organs you manage."))
            if values["organ_code"] and values["organ_code"] != branch.organ.code:
                errors.add("organ_code", _("The branch belongs to %(organ)s.") % {"organ": branch.organ.name})
        status = values["status"] or IN_SERVICE
        data = {
            "name": values["name"],
            "phone": phone,
            "branch_code": values["branch_code"],
            "job_title": values["job_title"],
            "home_address": values["home_address"],
            "status": status,
        }
        if branch is not None:
            data["branch"] = branch.pk
            data["branch_name"] = f"{branch.organ.name} {branch.name}"
        member = self.members.get(phone)
        if member is not None and not self.scope.covers_party_org(member.branch):
            errors.add(
                "phone",
                _("This number belongs to a member of %(organ)s; their organ must transfer them out first.")
                % {"organ": member.organ.name},
            )
        if values["home_address"] and not errors and (member is None or member.home_address != values["home_address"]):
            self._resolve(values["home_address"], data, errors)
        if errors:
            return self.row(number, key=phone, action=RowAction.ERROR, data=data, errors=errors)
        return self._plan(number, data, member)

    def _resolve(self, address, data, errors):
        """The community and grid the address lies in, for the preview (an address no community covers is an error,
        as on the registration page)."""
        if address not in self.addresses:
            # One reading of the places and one geocoder for the chunk: a roster's addresses are mostly distinct, and
            # asking the database for each one's names takes several queries an address.
            if self.geocoder is None:
                self.places = PlacesSnapshot()
                self.geocoder = get_geocoder(places=self.places)
            try:
                found = resolve_address(address, geocoder=self.geocoder, places=self.places, kinds=RESIDENTIAL_KINDS)
                grid = found.grid.name if found.grid else ""
                self.addresses[address] = (f"{found.community.name} {grid}".strip(), None)
            except DomainError as error:
                self.addresses[address] = ("", error.message)
        resolved, problem = self.addresses[address]
        if problem:
            errors.add("home_address", problem)
        else:
            data["resolved"] = resolved

    def _plan(self, number, data, member):
        phone = data["phone"]
        in_service = data["status"] == IN_SERVICE
        if member is None:
            if not in_service:
                return self.row(number, key=phone, action=RowAction.UNCHANGED, data=data)
            user = self.users.get(phone)
            if user is not None:  # already on the platform (e.g. as staff): the member profile is added to them
                data["user"] = user.pk
            return self.row(number, key=phone, action=RowAction.CREATE, data=data)
        changes = {}
        changed(changes, _("Name"), member.user.name, data["name"])
        changed(changes, _("Job title"), member.job_title, data["job_title"])
        changed(changes, _("Home address"), member.home_address, data["home_address"])
        if member.is_active != in_service:
            changes[str(_("Status"))] = [_status_label(member.is_active), _status_label(in_service)]
        if member.branch_id != data["branch"]:
            changes[str(_("Branch"))] = [f"{member.organ.name} {member.branch.name}", data["branch_name"]]
            action = RowAction.MOVE
        elif member.is_active and not in_service:
            action = RowAction.DEACTIVATE
        else:
            action = RowAction.UPDATE if changes else RowAction.UNCHANGED
        return self.row(number, key=phone, action=action, data=data, changes=changes, target_id=member.pk)

    def check_end(self):
        self.mark_duplicates(_("The same mobile number is on rows %(rows)s."))
        if self.batch.deactivate_missing:
            self._plan_missing()

    def _plan_missing(self):
        """Active members of the organs this roster covers whose number is not in the file: deactivated (row 0)."""
        listed = self.batch.rows.exclude(key="").order_by().values("key")
        organs = set(self.scope.organ_ids)
        if self.scope.is_superuser:
            branch_ids = {r.data.get("branch") for r in self.stored_rows().only("data")} - {None}
            organs = set(PartyOrg.objects.filter(pk__in=branch_ids).values_list("organ_id", flat=True))
        missing = (
            Member.objects.filter(organ_id__in=organs, is_active=True)
            .exclude(user__phone__in=listed)
            .select_related("user", "organ", "branch")
            .order_by("organ_id", "branch_id", "id")
        )
        rows = []
        for member in missing.iterator(chunk_size=1000):
            data = {
                "name": member.user.name,
                "phone": member.user.phone,
                "branch_name": f"{member.organ.name} {member.branch.name}",
                "missing": True,
            }
            changes = {str(_("Status")): [_status_label(True), _status_label(False)]}
            rows.append(
                ImportRow(
                    batch=self.batch,
                    row_number=0,
                    key="",
                    action=RowAction.DEACTIVATE,
                    data=data,
                    changes=changes,
                    target_id=member.pk,
                )
            )
            if len(rows) >= 1000:
                ImportRow.objects.bulk_create(rows)
                rows = []
        ImportRow.objects.bulk_create(rows)

    def apply(self):
        self._create_all()
        for row in self.stored_rows(RowAction.UPDATE, RowAction.MOVE, RowAction.DEACTIVATE).iterator(chunk_size=500):
            apply_row(row, lambda row=row: self._change(row))

    def _create_all(self):
        branches = {}
        batch = []
        for row in self.stored_rows(RowAction.CREATE).iterator(chunk_size=1000):
            data = row.data
            branch_id = data["branch"]
            if branch_id not in branches:
                branches[branch_id] = PartyOrg.objects.get(pk=branch_id)
            batch.append((row, data, branches[branch_id]))
            if len(batch) >= 1000:
                self._create(batch)
                batch = []
        if batch:
            self._create(batch)

    def _create(self, batch):
        users = {u.pk: u for u in User.objects.filter(pk__in=[d["user"] for _r, d, _b in batch if d.get("user")])}
        entries = [
            {
                "branch": branch,
                "phone": data["phone"],
                "name": data["name"],
                "job_title": data["job_title"],
                "home_address": data["home_address"],
                "user": users.get(data.get("user")),
            }
            for _row, data, branch in batch
        ]
        try:
            members_bulk_create(entries=entries, actor=self.actor, reason=_("Roster import"))
        except DomainError as error:  # a number or a person taken since the check: name that row, not the first
            raise import_errors.row_failed(_taken_since_check(batch) or batch[0][0], error) from error

    def _change(self, row):
        member = Member.objects.select_related("user", "branch").get(pk=row.target_id)
        data = row.data
        if data.get("missing"):
            member_set_active(member=member, active=False, actor=self.actor, reason=_("Missing from the roster"))
            return
        in_service = data["status"] == IN_SERVICE
        if row.action == RowAction.MOVE:
            member = member_move(
                member=member,
                branch=PartyOrg.objects.get(pk=data["branch"]),
                reason=_("Roster import"),
                actor=self.actor,
            )
        fields = {"job_title": data["job_title"], "home_address": data["home_address"]}
        if any(getattr(member, k) != v for k, v in fields.items()) or member.user.name != data["name"]:
            member_update(member=member, name=data["name"], actor=self.actor, **fields)
        if member.is_active != in_service:
            member_set_active(member=member, active=in_service, actor=self.actor, reason=_("Roster import"))


def _taken_since_check(batch):
    """The first of the (row, data, branch) whose mobile number is now another user's, or whose person is now a
    member, or None."""
    phones = [data["phone"] for _row, data, _branch in batch if not data.get("user")]
    taken = set(User.objects.filter(phone__in=phones).values_list("phone", flat=True))
    users = [data["user"] for _row, data, _branch in batch if data.get("user")]
    members = set(Member.objects.filter(user_id__in=users).values_list("user_id", flat=True))
    for row, data, _branch in batch:
        user = data.get("user")
        if (user in members) if user else (data["phone"] in taken):
            return row
    return None


def _status_label(active):
    return _("In service") if active else _("Not in service")
