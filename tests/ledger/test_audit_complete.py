"""The audit trail is complete: every state change of every service writes its audit entry, in its transaction.

Every public function of the service modules (apps/*/services.py, apps/*/reminders.py and every other module of
apps/ holding a @transaction.atomic function) is in one of two tables below: SCENARIOS, a call of it on the shared
world, or EXEMPT, the reason it needs no entry. A function in neither fails the first test ("add it to the table"),
so a new service cannot slip through.

Each scenario runs with its SQL captured (connection.execute_wrapper). A call that wrote to a domain table (any but
TECHNICAL) must have written audit entries that cover every table it wrote (an entry covers its subject's table and
the tables of COVERS), and the entry of each subject the scenario names, with the actor, the state before when it
replaced one, and the reason when the service takes one. Then the same call is made to fail right after its first
entry: nothing it changed may survive, and no entry either (the entry is written in the change's transaction).
"""

import importlib
import inspect
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from apps.accounts import codes, sms
from apps.accounts import services as accounts
from apps.accounts.models import CodePurpose, Role, User
from apps.activities import checkin, hours
from apps.activities import services as activities
from apps.activities.models import Activity, ActivityStatus, Attendance
from apps.households import services as households
from apps.imports import services as imports
from apps.ledger import certificates
from apps.ledger import services as ledger
from apps.ledger.audit_labels import ACTION_LABELS
from apps.ledger.models import AuditEntry, RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.ledger.self_services import record_of, self_service_register
from apps.orgs import services as orgs
from apps.orgs.models import Member
from apps.places import services as places
from apps.places.models import Community, Grid
from apps.registrations import services as registrations
from apps.registrations.models import PostKind, RegistrationStatus
from apps.residents import services as residents
from apps.teams import services as teams
from apps.teams.models import TeamStatus
from apps.wishes import services as wishes
from apps.wishes.models import WishCategory, WishStatus
from tests import factories as f
from tests.activities.conftest import ActivityFactory
from tests.activities_hours.conftest import make_activity, make_signup
from tests.households.conftest import make_household
from tests.imports.conftest import MEM_HEADER, PHONES, Coded, checked, xlsx_file
from tests.ledger.conftest import DAY
from tests.residents.conftest import ResidentRequestFactory
from tests.teams.conftest import join, make_team
from tests.wishes.conftest import WishFactory

pytestmark = pytest.mark.django_db

# --- what counts as a change -------------------------------------------------------------------------------------

WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)

# Tables that hold no domain state: the trail itself and what the platform keeps for its own running.
TECHNICAL = {
    "ledger_auditentry": "the audit trail itself",
    "notifications_notification": "a user's inbox (who was told what), not a decision",
    "stats_memberdaytotal": "statistics roll-ups, recomputed from the ledger (manage.py check_rollups)",
    "stats_organdaytotal": "statistics roll-ups",
    "stats_communitydaytotal": "statistics roll-ups",
    "stats_teamdaytotal": "statistics roll-ups",
    "accounts_onetimecode": "one-time codes: keyed hashes, tries and their use",
    "imports_importrow": "an import's plan, written while checking; what it changes is audited when applied",
}
TECHNICAL_PREFIXES = ("axes_", "seals_", "jobs_", "django_", "auth_")

# Tables an entry on a subject type vouches for besides its own: rows that belong to the subject, whose changes
# its entry names (a team's memberships are in the team's entries, a member's affiliations in the member's...).
COVERS = {
    "orgs.member": {"accounts_user", "orgs_memberaffiliation"},
    "activities.activity": {"activities_activityseries"},
    "activities.signup": {"activities_activity"},  # the activity's count of confirmed places
    "ledger.servicerecord": {"ledger_selfservice"},
    "teams.team": {"teams_teammembership"},
    "households.household": {"households_householdpairing", "households_householdvisit"},
    "wishes.wish": {"wishes_wishclaim", "wishes_wishparticipant"},
    "registrations.post": {"registrations_postclaim"},
}


def technical(table):
    return table in TECHNICAL or table.startswith(TECHNICAL_PREFIXES)


class FailureAfterEntry(Exception):
    """Raised by the capture right after the first audit entry is written."""


class Capture:
    """connection.execute_wrapper: every INSERT / UPDATE / DELETE and its table; optionally fails after the first
    audit entry."""

    def __init__(self, *, fail_after_entry=False):
        self.writes = []
        self.fail_after_entry = fail_after_entry

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        match = WRITE.match(sql)
        if match:
            verb, table = match.group(1).split()[0].upper(), match.group(2)
            self.writes.append((verb, table))
            if self.fail_after_entry and (verb, table) == ("INSERT", "ledger_auditentry"):
                raise FailureAfterEntry
        return result

    @property
    def domain_tables(self):
        return {table for _verb, table in self.writes if not technical(table)}


def domain_snapshot():
    """Every row of every domain table, to compare before and after a call that failed."""
    state = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if technical(table):
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            state[table] = sorted(map(repr, cursor.fetchall()))
    return state


def covered_tables(entries):
    tables = set()
    for subject_type in {e.subject_type for e in entries}:
        app_label, _dot, model_name = subject_type.partition(".")
        try:
            tables.add(django_apps.get_model(app_label, model_name)._meta.db_table)
        except (LookupError, ValueError):
            pass
        tables |= COVERS.get(subject_type, set())
    return tables


# --- the service functions ---------------------------------------------------------------------------------------


def service_modules():
    """apps/*/services.py, apps/*/reminders.py and every other module of apps/ with a @transaction.atomic function."""
    root = Path(settings.BASE_DIR)
    for path in sorted((root / "apps").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        if path.name in ("services.py", "reminders.py") or "transaction.atomic" in path.read_text(encoding="utf-8"):
            yield ".".join(path.relative_to(root).with_suffix("").parts)


def service_functions():
    """{"module.function": function} of the public functions defined in the service modules (not imported)."""
    found = {}
    for module_name in service_modules():
        module = importlib.import_module(module_name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and function.__module__ == module_name:
                found[f"{module_name}.{name}"] = function
    return found


# --- the table: exemptions ---------------------------------------------------------------------------------------

READ = "a read or a helper: writes nothing"
NOTIFY = "sends notifications only (a user's inbox, no domain state)"
CODES = "one-time codes: a code's hash, tries and use are technical rows; what a code proves is audited by its user"
SEALS = "the seals themselves, which seal the audit trail"
ROLLUPS = "statistics roll-ups, recomputed from the ledger"
JOBS = "the scheduler's own bookkeeping (job runs, the leader's lease)"
IMPORT_PLAN = "writes only the import's plan (its batch and rows); applying it is audited through the services"
AUDIT = "writes the audit entry itself"

EXEMPT = {
    "apps.accounts.codes.code_send": CODES,
    "apps.accounts.codes.code_sent_message": READ,
    "apps.accounts.codes.code_verify": CODES,
    "apps.accounts.codes.codes_prune": CODES,
    "apps.accounts.services.normalize_phone": READ,
    "apps.activities.hours.activity_minutes": READ,
    "apps.activities.hours.clamped_span": READ,
    "apps.activities.hours.credited_minutes_for": READ,
    "apps.activities.hours.is_lead": READ,
    "apps.activities.reminders.activity_remind_starts": NOTIFY,
    "apps.activities.reminders.signups_due_for_reminder": READ,
    "apps.activities.reminders.start_reminder_window": READ,
    "apps.activities.reminders.waitlists_due": READ,
    "apps.activities.services.cancel_deadline": READ,
    "apps.activities.services.checkin_window": READ,
    "apps.households.reminders.escalate_after": READ,
    "apps.households.reminders.households_remind_unvisited": NOTIFY,
    "apps.households.reminders.pairings_due": READ,
    "apps.households.reminders.remind_after": READ,
    "apps.households.services.member_registered_with": READ,
    "apps.households.services.visit_place": READ,
    "apps.imports.services.import_check_step": IMPORT_PLAN,
    "apps.imports.services.import_start": IMPORT_PLAN,
    "apps.jobs.leader.holder_id": READ,
    "apps.jobs.leader.lease_seconds": READ,
    "apps.jobs.leader.make_leader": JOBS,
    "apps.jobs.services.history_days": READ,
    "apps.jobs.services.job_runs_prune": JOBS,
    "apps.ledger.certificates.certificate_base_url": READ,
    "apps.ledger.certificates.certificate_get": READ,
    "apps.ledger.certificates.certificate_get_by_code": READ,
    "apps.ledger.certificates.certificate_list": READ,
    "apps.ledger.certificates.certificate_member_for": READ,
    "apps.ledger.certificates.certificate_number": READ,
    "apps.ledger.certificates.certificate_pdf": READ,
    "apps.ledger.certificates.certificate_records": READ,
    "apps.ledger.certificates.certificate_revocable_list": READ,
    "apps.ledger.certificates.certificate_verify_api_url": READ,
    "apps.ledger.certificates.certificate_verify_url": READ,
    "apps.ledger.certificates.certificate_visible_q": READ,
    "apps.ledger.certificates.hours_text": READ,
    "apps.ledger.certificates.may_revoke": READ,
    "apps.ledger.certificates.revoked_notice": READ,
    "apps.ledger.self_services.record_of": READ,
    "apps.ledger.self_services.registering_member": READ,
    "apps.ledger.self_services.self_services_of": READ,
    "apps.ledger.services.audit_log": AUDIT,
    "apps.ledger.services.audit_log_many": AUDIT,
    "apps.notifications.services.notification_mark_read": NOTIFY,
    "apps.notifications.services.notifications_mark_all_read": NOTIFY,
    "apps.notifications.services.notify": NOTIFY,
    "apps.notifications.services.notify_many": NOTIFY,
    "apps.registrations.reminders.members_remind_unregistered": NOTIFY,
    "apps.registrations.reminders.members_unregistered": READ,
    "apps.registrations.reminders.reminder_week": READ,
    "apps.registrations.services.new_verification_code": READ,
    "apps.registrations.services.receipt_number_for": READ,
    "apps.residents.services.need_key": READ,
    "apps.residents.services.resident_request_code_send": CODES,
    "apps.residents.services.tracking_path": READ,
    "apps.seals.services.ledger_check_record": SEALS,
    "apps.seals.services.ledger_seal": SEALS,
    "apps.seals.services.ledger_seal_all": SEALS,
    "apps.seals.services.settle_delay": READ,
    "apps.seals.services.witness_write": SEALS,
    "apps.stats.reminders.members_remind_no_service": NOTIFY,
    "apps.stats.reminders.reminder_round": READ,
    "apps.stats.rollups.contribution": READ,
    "apps.stats.rollups.expected_totals": READ,
    "apps.stats.rollups.rebuild": ROLLUPS,
    "apps.stats.rollups.reconcile": ROLLUPS,
    "apps.stats.rollups.rollup_record": ROLLUPS,
    "apps.stats.rollups.service_figures": READ,
    "apps.stats.rollups.stored_totals": READ,
    "apps.wishes.reminders.claim_reminder_window": READ,
    "apps.wishes.reminders.claims_due_for_reminder": READ,
    "apps.wishes.reminders.wish_remind_claim_deadlines": NOTIFY,
}


# --- the table: scenarios ----------------------------------------------------------------------------------------

RESULT = object()  # the subject is what the call returns (each item of a list)


@dataclass
class Call:
    """One call of a service, and what its audit entries must say.

    `subject`: the object(s) whose entry the call must write (RESULT: what it returns; a function: of the result).
    `actor`: who the entries of the subjects name (None: the system). `reason`: the reason they carry (required
    when the service takes one). `before`: the call replaces a state of an existing subject, which the entry keeps.
    """

    run: Any
    actor: Any = None
    subject: Any = RESULT
    reason: str = ""
    before: bool = False

    def _given(self):
        return self.subject is not RESULT and not (callable(self.subject) and not hasattr(self.subject, "_meta"))

    def keys_before(self):
        """(model, pk) of the subjects given as objects, taken before the call (which may delete them)."""
        return _keys(self.subject) if self._given() else []

    def keys_after(self, result):
        """(model, pk) of the subjects the call returned."""
        if self._given():
            return []
        return _keys(result if self.subject is RESULT else self.subject(result))


def _keys(subjects):
    subjects = list(subjects) if isinstance(subjects, list | tuple) else [subjects]
    return [(type(s), s.pk) for s in subjects if s is not None]


SCENARIOS = {}


def scenario(name):
    def register(build):
        assert name not in SCENARIOS, name
        SCENARIOS[name] = build
        return build

    return register


class W:
    """The shared world and the shortcuts the scenarios share."""

    def __init__(self, world, capture_on_commit):
        self.world = world
        self.capture_on_commit = capture_on_commit

    def __getattr__(self, name):
        return getattr(self.world, name)

    def now(self):
        return timezone.now()

    def registered(self, member=None, grid=None, **extra):
        return f.RegistrationFactory(member=member or self.member, grid=grid or self.grid, **extra)

    def separate(self):
        """Side B moved 11 km north, so that every point belongs to one community."""
        lat = f.CITY_LAT + 0.1
        Community.objects.filter(pk=self.other_community.pk).update(latitude=lat)
        Grid.objects.filter(pk=self.other_grid.pk).update(latitude=lat)
        self.other_community.refresh_from_db()
        self.other_grid.refresh_from_db()

    def activity(self, **extra):
        extra.setdefault("community", self.community)
        extra.setdefault("grid", self.grid)
        extra.setdefault("created_by", self.staff)
        return ActivityFactory(**extra)

    def finished_signup(self):
        """The world's member's sign-up to a past activity (present 09:00-11:00), finished: minutes pending."""
        activity, signup = _past_activity(self)
        hours.activity_finish(activity=activity, now=activity.ends_at + HOUR)
        signup.refresh_from_db()
        return signup

    def wish(self, **extra):
        extra.setdefault("grid", self.grid)
        extra.setdefault("created_by", self.staff)
        return WishFactory(**extra)

    def claimed_wish(self, now=None):
        self.registered()
        wish = self.wish()
        wishes.wish_claim(wish=wish, actor=self.member.user, now=now)
        wish.refresh_from_db()
        return wish

    def fulfilled_wish(self):
        wish = self.claimed_wish()
        return wishes.wish_fulfil(wish=wish, actor=self.member.user, note="米和油已送到老人家中。")

    def team(self, members=()):
        team = make_team(leader=self.member, party_org=self.branch)
        for member in members:
            join(team, member)
        return team

    def teammate(self):
        return f.MemberFactory(branch=self.branch)

    def household(self):
        return make_household(self.world)

    def household_pairing(self):
        self.registered()
        return households.pairing_create(
            actor=self.staff,
            household=self.household(),
            member=self.member,
            started_on=timezone.localdate() - timedelta(days=10),
        )

    def record(self, status=RecordStatus.PENDING, **extra):
        return ledger.record_create(
            member=self.member,
            community=self.community,
            grid=self.grid,
            source=ServiceSource.MANUAL,
            source_id=None,
            category=ServiceCategory.CLEAN_UP,
            content="社区环境卫生整治",
            started_at=DAY,
            ended_at=DAY + HOUR * 3,
            credited_minutes=90,
            residents_served=4,
            status=status,
            decided_by=self.staff if status == RecordStatus.APPROVED else None,
            **extra,
        )

    def texted_code(self, send):
        """The code `send()` texts (it goes out on commit)."""
        sms.outbox.clear()
        with self.capture_on_commit(execute=True):
            send()
        return re.search(r"(?<!\d)\d{6}(?!\d)", sms.outbox[-1][1]).group(0)

    def checked_import(self, actor):
        Coded(self.world)
        rows = [
            ["李四", PHONES[0], "ZB-A1", "", "科员", "", ""],
            [self.member.user.name, self.member.user.phone, "ZB-A1", "", "副科长", "", "在职"],
        ]
        return checked("members", xlsx_file(MEM_HEADER, rows), actor)


HOUR = timedelta(hours=1)
REASON = "情况有变"


# accounts ---------------------------------------------------------------------------------------------------------


@scenario("apps.accounts.services.user_create")
def _(w):
    return Call(lambda: accounts.user_create(phone="13600000001", name="新用户", actor=w.superuser), w.superuser)


@scenario("apps.accounts.services.role_assign")
def _(w):
    user = f.UserFactory()
    return Call(
        lambda: accounts.role_assign(user=user, role=Role.GRID_WORKER, node=w.grid, actor=w.superuser), w.superuser
    )


@scenario("apps.accounts.services.role_appoint")
def _(w):
    user = f.UserFactory()
    return Call(
        lambda: accounts.role_appoint(user=user, role=Role.GRID_WORKER, node=w.grid, actor=w.street_admin),
        w.street_admin,
        subject=lambda result: result[0],
    )


@scenario("apps.accounts.services.role_revoke")
def _(w):
    assignment = w.grid_worker.roles.get()
    return Call(
        lambda: accounts.role_revoke(assignment=assignment, actor=w.street_admin, reason=REASON),
        w.street_admin,
        subject=assignment,
        reason=REASON,
        before=True,
    )


@scenario("apps.accounts.services.person_appoint")
def _(w):
    def run():
        return accounts.person_appoint(
            phone="13600000002", name="新网格员", role=Role.GRID_WORKER, node=w.grid, actor=w.street_admin
        )

    return Call(run, w.street_admin, subject=lambda result: [result[0], result[0].user])


@scenario("apps.accounts.codes.password_set_with_code")
def _(w):
    user = w.staff
    code = w.texted_code(lambda: codes.code_send(phone=user.phone, purpose=CodePurpose.SET_PASSWORD, ip="203.0.113.9"))
    return Call(
        lambda: codes.password_set_with_code(phone=user.phone, code=code, password="N3w-pass-word!", ip="203.0.113.9"),
        user,
        subject=user,
    )


# orgs -------------------------------------------------------------------------------------------------------------


@scenario("apps.orgs.services.organ_create")
def _(w):
    return Call(lambda: orgs.organ_create(name="新建局", actor=w.district_admin), w.district_admin)


@scenario("apps.orgs.services.organ_update")
def _(w):
    return Call(lambda: orgs.organ_update(organ=w.organ, short_name="短名", actor=w.reviewer), w.reviewer, before=True)


@scenario("apps.orgs.services.party_org_create")
def _(w):
    committee = f.committee_of(w.organ)
    return Call(
        lambda: orgs.party_org_create(
            organ=w.organ, parent=committee, kind="branch", name="第九党支部", actor=w.reviewer
        ),
        w.reviewer,
    )


@scenario("apps.orgs.services.party_org_update")
def _(w):
    return Call(
        lambda: orgs.party_org_update(party_org=w.branch, name="改名党支部", actor=w.reviewer),
        w.reviewer,
        before=True,
    )


@scenario("apps.orgs.services.member_create")
def _(w):
    return Call(
        lambda: orgs.member_create(branch=w.branch, phone="13600000003", name="新党员", actor=w.secretary),
        w.secretary,
        subject=lambda member: [member, member.user],
    )


@scenario("apps.orgs.services.member_move")
def _(w):
    branch = f.BranchFactory(organ=w.organ)
    return Call(
        lambda: orgs.member_move(member=w.member, branch=branch, reason=REASON, actor=w.reviewer),
        w.reviewer,
        reason=REASON,
        before=True,
    )


@scenario("apps.orgs.services.member_update")
def _(w):
    return Call(
        lambda: orgs.member_update(member=w.member, name="改名", job_title="科员", actor=w.secretary),
        w.secretary,
        before=True,
    )


@scenario("apps.orgs.services.member_set_active")
def _(w):
    return Call(
        lambda: orgs.member_set_active(member=w.member, active=False, reason=REASON, actor=w.secretary),
        w.secretary,
        reason=REASON,
        before=True,
    )


@scenario("apps.orgs.services.members_bulk_create")
def _(w):
    entries = [
        {"branch": w.branch, "phone": "13600000004", "name": "甲"},
        {"branch": w.branch, "phone": "13600000005", "name": "乙", "job_title": "科员"},
    ]
    return Call(
        lambda: orgs.members_bulk_create(entries=entries, actor=w.reviewer, reason=REASON),
        w.reviewer,
        reason=REASON,
    )


# places -----------------------------------------------------------------------------------------------------------


@scenario("apps.places.services.place_save")
def _(w):
    fields = {"name": "第九网格", "latitude": f.CITY_LAT, "longitude": f.CITY_LNG}
    return Call(
        lambda: places.place_save(model=Grid, code="G-NEW", parent=w.community, fields=fields, actor=w.street_admin),
        w.street_admin,
        subject=lambda result: result[0],
    )


@scenario("apps.places.services.community_set_kind")
def _(w):
    return Call(
        lambda: places.community_set_kind(community=w.community, kind="village", actor=w.street_admin),
        w.street_admin,
        before=True,
    )


@scenario("apps.places.services.place_boundary_set")
def _(w):
    lat, lng = f.CITY_LAT, f.CITY_LNG
    ring = [[lng - 0.01, lat - 0.01], [lng + 0.01, lat - 0.01], [lng + 0.01, lat + 0.01], [lng - 0.01, lat - 0.01]]
    return Call(
        lambda: places.place_boundary_set(place=w.grid, polygon=ring, actor=w.street_admin),
        w.street_admin,
        before=True,
    )


@scenario("apps.places.services.district_create")
def _(w):
    return Call(
        lambda: places.district_create(
            code="D-NEW", name="新区", latitude=f.CITY_LAT, longitude=f.CITY_LNG, actor=w.superuser
        ),
        w.superuser,
    )


@scenario("apps.places.services.gazetteer_entry_save")
def _(w):
    return Call(
        lambda: places.gazetteer_entry_save(
            name="幸福小区",
            kind="compound",
            community=w.community,
            latitude=f.CITY_LAT,
            longitude=f.CITY_LNG,
            actor=w.street_admin,
        ),
        w.street_admin,
    )


# registrations ----------------------------------------------------------------------------------------------------


@scenario("apps.registrations.services.registration_submit")
def _(w):
    w.separate()
    return Call(
        lambda: registrations.registration_submit(
            member=w.member, address="幸福小区3栋", latitude=w.grid.latitude, longitude=w.grid.longitude
        ),
        w.member.user,
    )


@scenario("apps.registrations.services.registration_move")
def _(w):
    w.separate()
    current = w.registered()
    post = f.PostFactory(community=w.community)
    registrations.post_claim(post=post, member=w.member)

    def run():
        return registrations.registration_move(
            member=w.member,
            address="和平小区5栋",
            latitude=w.other_grid.latitude,
            longitude=w.other_grid.longitude,
        )

    return Call(run, w.member.user, subject=lambda new: [new, current, post])


@scenario("apps.registrations.services.registration_confirm")
def _(w):
    registration = w.registered(status=RegistrationStatus.PENDING)
    return Call(
        lambda: registrations.registration_confirm(registration=registration, actor=w.staff), w.staff, before=True
    )


@scenario("apps.registrations.services.registration_reject")
def _(w):
    registration = w.registered(status=RegistrationStatus.PENDING)
    return Call(
        lambda: registrations.registration_reject(registration=registration, actor=w.staff, reason=REASON),
        w.staff,
        reason=REASON,
        before=True,
    )


@scenario("apps.registrations.services.registration_withdraw")
def _(w):
    registration = w.registered(status=RegistrationStatus.PENDING)
    return Call(
        lambda: registrations.registration_withdraw(registration=registration, actor=w.member.user),
        w.member.user,
        before=True,
    )


@scenario("apps.registrations.services.post_create")
def _(w):
    return Call(
        lambda: registrations.post_create(
            actor=w.staff, community=w.community, kind=PostKind.SAFETY_PATROLLER, title="平安巡逻员"
        ),
        w.staff,
    )


@scenario("apps.registrations.services.post_update")
def _(w):
    post = f.PostFactory(community=w.community)
    return Call(
        lambda: registrations.post_update(actor=w.staff, post=post, title="新岗位名", capacity=3), w.staff, before=True
    )


@scenario("apps.registrations.services.post_deactivate")
def _(w):
    post = f.PostFactory(community=w.community)
    w.registered()
    registrations.post_claim(post=post, member=w.member)
    return Call(lambda: registrations.post_deactivate(actor=w.staff, post=post), w.staff, before=True)


@scenario("apps.registrations.services.post_claim")
def _(w):
    post = f.PostFactory(community=w.community)
    w.registered()
    return Call(lambda: registrations.post_claim(post=post, member=w.member), w.member.user, subject=post)


@scenario("apps.registrations.services.post_release")
def _(w):
    post = f.PostFactory(community=w.community)
    w.registered()
    claim = registrations.post_claim(post=post, member=w.member)
    return Call(lambda: registrations.post_release(claim=claim, actor=w.staff), w.staff, subject=post, before=True)


@scenario("apps.registrations.services.pairing_create")
def _(w):
    return Call(
        lambda: registrations.pairing_create(
            actor=w.reviewer, organ=w.organ, community=w.other_community, starts_on=timezone.localdate()
        ),
        w.reviewer,
    )


@scenario("apps.registrations.services.pairing_end")
def _(w):
    pairing = f.PairingFactory(organ=w.organ, community=w.other_community)
    return Call(
        lambda: registrations.pairing_end(actor=w.reviewer, pairing=pairing, ends_on=timezone.localdate()),
        w.reviewer,
        before=True,
    )


@scenario("apps.registrations.services.evaluation_submit")
def _(w):
    w.registered()
    return Call(
        lambda: registrations.evaluation_submit(
            actor=w.staff,
            member=w.member,
            community=w.community,
            year=timezone.localdate().year,
            grade="excellent",
        ),
        w.staff,
        subject=lambda result: result[0],
    )


# activities -------------------------------------------------------------------------------------------------------


def _soon(days=3):
    today = timezone.localdate()
    return DAY.replace(year=today.year, month=today.month, day=today.day) + timedelta(days=days)


@scenario("apps.activities.services.activity_create")
def _(w):
    start = _soon()
    return Call(
        lambda: activities.activity_create(
            actor=w.staff,
            community=w.community,
            grid=w.grid,
            title="环境卫生整治",
            category="clean_up",
            address="幸福路1号",
            latitude=f.CITY_LAT,
            longitude=f.CITY_LNG,
            starts_at=start,
            ends_at=start + HOUR * 2,
            capacity=10,
        ),
        w.staff,
    )


@scenario("apps.activities.services.activity_create_series")
def _(w):
    start = _soon()
    return Call(
        lambda: activities.activity_create_series(
            actor=w.staff,
            occurrences=2,
            community=w.community,
            title="每周巡逻",
            category="night_patrol",
            address="幸福路1号",
            latitude=f.CITY_LAT,
            longitude=f.CITY_LNG,
            starts_at=start,
            ends_at=start + HOUR * 2,
            capacity=10,
        ),
        w.staff,
    )


@scenario("apps.activities.services.activity_publish")
def _(w):
    activity = w.activity(status=ActivityStatus.DRAFT)
    return Call(lambda: activities.activity_publish(activity=activity, actor=w.staff), w.staff, before=True)


@scenario("apps.activities.services.activity_update")
def _(w):
    activity = w.activity()
    return Call(
        lambda: activities.activity_update(activity=activity, actor=w.staff, title="新标题"), w.staff, before=True
    )


@scenario("apps.activities.services.activity_cancel")
def _(w):
    activity = w.activity()
    w.registered()
    signup = activities.signup_create(activity=activity, member=w.member)
    return Call(
        lambda: activities.activity_cancel(activity=activity, actor=w.staff, reason=REASON),
        w.staff,
        subject=[activity, signup],
        reason=REASON,
        before=True,
    )


@scenario("apps.activities.services.activity_close_signups_due")
def _(w):
    activity = w.activity()
    return Call(
        lambda: activities.activity_close_signups_due(now=activity.starts_at + HOUR),
        None,
        subject=activity,
        before=True,
    )


@scenario("apps.activities.services.signup_create")
def _(w):
    activity = w.activity()
    w.registered()
    return Call(lambda: activities.signup_create(activity=activity, member=w.member), w.member.user)


@scenario("apps.activities.services.signup_create_team")
def _(w):
    mate = w.teammate()
    w.registered()
    w.registered(member=mate)
    team = w.team(members=[mate])
    activity = w.activity()
    return Call(
        lambda: activities.signup_create_team(
            activity=activity, actor=w.member.user, team=team, members=[w.member, mate]
        ),
        w.member.user,
    )


@scenario("apps.activities.services.signup_cancel")
def _(w):
    activity = w.activity()
    w.registered()
    signup = activities.signup_create(activity=activity, member=w.member)
    return Call(
        lambda: activities.signup_cancel(signup=signup, actor=w.member.user, reason=REASON),
        w.member.user,
        reason=REASON,
        before=True,
    )


@scenario("apps.activities.services.waitlist_promote")
def _(w):

    activity = w.activity(capacity=1)
    w.registered()
    mate = w.teammate()
    w.registered(member=mate)
    activities.signup_create(activity=activity, member=w.member)
    waiting = activities.signup_create(activity=activity, member=mate)
    Activity.objects.filter(pk=activity.pk).update(capacity=2)
    return Call(
        lambda: activities.waitlist_promote(activity=activity, actor=w.staff), w.staff, subject=waiting, before=True
    )


def _signed_up(w):
    activity = w.activity()
    w.registered()
    return activity, activities.signup_create(activity=activity, member=w.member)


@scenario("apps.activities.services.checkin_by_position")
def _(w):
    activity, signup = _signed_up(w)
    return Call(
        lambda: activities.checkin_by_position(
            signup=signup,
            actor=w.member.user,
            latitude=activity.latitude,
            longitude=activity.longitude,
            now=activity.starts_at,
        ),
        w.member.user,
    )


@scenario("apps.activities.services.checkin_by_code")
def _(w):
    activity, signup = _signed_up(w)
    code = checkin.current_code(activity, now=activity.starts_at).code
    return Call(
        lambda: activities.checkin_by_code(signup=signup, actor=w.member.user, code=code, now=activity.starts_at),
        w.member.user,
    )


@scenario("apps.activities.services.checkout")
def _(w):
    activity, signup = _signed_up(w)
    activities.checkin_by_position(
        signup=signup,
        actor=w.member.user,
        latitude=activity.latitude,
        longitude=activity.longitude,
        now=activity.starts_at,
    )
    return Call(lambda: activities.checkout(signup=signup, actor=w.member.user, now=activity.ends_at), w.member.user)


# hours --------------------------------------------------------------------------------------------------------------


def _past_activity(w):
    start = DAY.replace(year=DAY.year + 1)
    activity = make_activity(
        community=w.community, grid=w.grid, created_by=w.staff, starts_at=start, ends_at=start + HOUR * 2
    )
    signup = make_signup(activity=activity, member=w.member, checked_in_at=start, checked_out_at=start + HOUR * 2)
    return activity, signup


@scenario("apps.activities.hours.activity_finish")
def _(w):
    activity, signup = _past_activity(w)
    return Call(
        lambda: hours.activity_finish(activity=activity, actor=w.staff, now=activity.ends_at + HOUR),
        w.staff,
        subject=lambda result: [result, signup],
        before=True,
    )


@scenario("apps.activities.hours.activity_finish_due")
def _(w):
    activity, signup = _past_activity(w)
    return Call(
        lambda: hours.activity_finish_due(now=activity.ends_at + HOUR),
        None,
        subject=[activity, signup],
        before=True,
    )


@scenario("apps.activities.hours.activity_set_residents")
def _(w):
    activity = w.finished_signup().activity
    hours.activity_set_residents(activity=activity, actor=w.staff, residents_served=12)
    return Call(
        lambda: hours.activity_set_residents(activity=activity, actor=w.staff, residents_served=15, reason=REASON),
        w.staff,
        reason=REASON,
        before=True,
    )


@scenario("apps.activities.hours.attendance_mark")
def _(w):
    signup = w.finished_signup()
    return Call(
        lambda: hours.attendance_mark(signup=signup, actor=w.staff, attendance=Attendance.LATE),
        w.staff,
        before=True,
    )


@scenario("apps.activities.hours.hours_approve")
def _(w):
    signup = w.finished_signup()
    return Call(
        lambda: hours.hours_approve(signup=signup, actor=w.staff),
        w.staff,
        subject=lambda result: [result, result.record],
        before=True,
    )


@scenario("apps.activities.hours.hours_adjust")
def _(w):
    signup = w.finished_signup()
    return Call(
        lambda: hours.hours_adjust(signup=signup, actor=w.staff, credited_minutes=60, reason=REASON),
        w.staff,
        subject=lambda result: [result, result.record],
        reason=REASON,
        before=True,
    )


@scenario("apps.activities.hours.hours_reject")
def _(w):
    signup = w.finished_signup()
    return Call(
        lambda: hours.hours_reject(signup=signup, actor=w.staff, reason=REASON),
        w.staff,
        subject=lambda result: [result, result.record],
        reason=REASON,
        before=True,
    )


@scenario("apps.activities.hours.hours_dispute")
def _(w):
    signup = w.finished_signup()
    return Call(
        lambda: hours.hours_dispute(signup=signup, actor=w.member.user, reason=REASON),
        w.member.user,
        reason=REASON,
        before=True,
    )


# ledger -------------------------------------------------------------------------------------------------------------


@scenario("apps.ledger.services.record_create")
def _(w):
    return Call(lambda: w.record(recorded_by=w.staff), w.staff)


def _manual(w, **extra):
    return {
        "actor": w.staff,
        "community": w.community,
        "grid": w.grid,
        "category": ServiceCategory.CLEAN_UP,
        "content": "社区环境卫生整治",
        "started_at": DAY,
        "ended_at": DAY + HOUR * 2,
        "credited_minutes": 90,
        "reason": REASON,
        **extra,
    }


@scenario("apps.ledger.services.record_create_manual")
def _(w):
    return Call(lambda: ledger.record_create_manual(member=w.member, **_manual(w)), w.staff, reason=REASON)


@scenario("apps.ledger.services.record_create_manual_group")
def _(w):
    members = [w.member, w.teammate()]
    return Call(lambda: ledger.record_create_manual_group(members=members, **_manual(w)), w.staff, reason=REASON)


@scenario("apps.ledger.services.record_approve")
def _(w):
    record = w.record()
    return Call(lambda: ledger.record_approve(record=record, actor=w.staff), w.staff, before=True)


@scenario("apps.ledger.services.record_approve_adjusted")
def _(w):
    record = w.record()
    return Call(
        lambda: ledger.record_approve_adjusted(
            record=record, actor=w.staff, credited_minutes=60, residents_served=4, reason=REASON
        ),
        w.staff,
        reason=REASON,
        before=True,
    )


@scenario("apps.ledger.services.record_adjust")
def _(w):
    record = w.record(status=RecordStatus.APPROVED)
    return Call(
        lambda: ledger.record_adjust(
            record=record, actor=w.staff, credited_minutes=60, residents_served=4, reason=REASON
        ),
        w.staff,
        reason=REASON,
        before=True,
    )


@scenario("apps.ledger.services.record_reject")
def _(w):
    record = w.record()
    return Call(
        lambda: ledger.record_reject(record=record, actor=w.staff, reason=REASON), w.staff, reason=REASON, before=True
    )


@scenario("apps.ledger.services.record_amend")
def _(w):
    record = w.record(status=RecordStatus.APPROVED)
    return Call(
        lambda: ledger.record_amend(
            record=record, actor=w.staff, credited_minutes=60, residents_served=4, reason=REASON
        ),
        w.staff,
        subject=record,
        reason=REASON,
        before=True,
    )


@scenario("apps.ledger.self_services.self_service_register")
def _(w):
    start = timezone.now() - HOUR * 3
    return Call(
        lambda: self_service_register(
            actor=w.member.user,
            community=w.community,
            place="社区广场",
            category=ServiceCategory.CLEAN_UP,
            content="清理楼道杂物",
            started_at=start,
            ended_at=start + HOUR,
        ),
        w.member.user,
        subject=record_of,
    )


@scenario("apps.ledger.certificates.certificate_issue")
def _(w):
    w.record(status=RecordStatus.APPROVED)
    return Call(
        lambda: certificates.certificate_issue(
            member=w.member,
            actor=w.member.user,
            period_start=date(DAY.year, 1, 1),
            period_end=date(DAY.year, 12, 31),
        ),
        w.member.user,
    )


@scenario("apps.ledger.certificates.certificate_revoke")
def _(w):
    w.record(status=RecordStatus.APPROVED)
    certificate = certificates.certificate_issue(
        member=w.member, actor=w.member.user, period_start=date(DAY.year, 1, 1), period_end=date(DAY.year, 12, 31)
    )
    return Call(
        lambda: certificates.certificate_revoke(certificate=certificate, actor=w.reviewer, reason=REASON),
        w.reviewer,
        reason=REASON,
        before=True,
    )


# imports ------------------------------------------------------------------------------------------------------------


@scenario("apps.imports.services.import_apply")
def _(w):
    batch = w.checked_import(w.reviewer)
    return Call(
        lambda: imports.import_apply(batch=batch, actor=w.reviewer),
        w.reviewer,
        subject=lambda result: [result, Member.objects.get(user__phone=PHONES[0]), w.member],
    )


@scenario("apps.imports.services.import_cancel")
def _(w):
    batch = w.checked_import(w.reviewer)
    return Call(lambda: imports.import_cancel(batch=batch, actor=w.reviewer), w.reviewer, before=True)


# wishes -------------------------------------------------------------------------------------------------------------


@scenario("apps.wishes.services.wish_create")
def _(w):
    return Call(
        lambda: wishes.wish_create(
            actor=w.staff,
            grid=w.grid,
            title="给独居老人买米",
            category=WishCategory.ELDERLY,
            resident_name="张三丰",
            deadline=timezone.now() + timedelta(days=10),
        ),
        w.staff,
    )


@scenario("apps.wishes.services.wish_submit")
def _(w):
    wish = w.wish(status=WishStatus.DRAFT)
    return Call(lambda: wishes.wish_submit(wish=wish, actor=w.staff), w.staff, before=True)


@scenario("apps.wishes.services.wish_verify")
def _(w):
    wish = w.wish(status=WishStatus.PENDING_REVIEW)
    return Call(lambda: wishes.wish_verify(wish=wish, actor=w.staff), w.staff, before=True)


@scenario("apps.wishes.services.wish_publish")
def _(w):
    wish = w.wish(status=WishStatus.DRAFT)
    return Call(lambda: wishes.wish_publish(wish=wish, actor=w.staff), w.staff, before=True)


@scenario("apps.wishes.services.wish_resident_add")
def _(w):
    wish = w.wish()
    return Call(lambda: wishes.wish_resident_add(wish=wish, actor=w.staff), w.staff, before=True)


@scenario("apps.wishes.services.wish_claim")
def _(w):
    w.registered()
    wish = w.wish()
    return Call(lambda: wishes.wish_claim(wish=wish, actor=w.member.user), w.member.user, subject=wish, before=True)


@scenario("apps.wishes.services.wish_release")
def _(w):
    wish = w.claimed_wish()
    return Call(
        lambda: wishes.wish_release(wish=wish, actor=w.member.user, reason=REASON),
        w.member.user,
        reason=REASON,
        before=True,
    )


@scenario("apps.wishes.services.wish_revoke")
def _(w):
    wish = w.claimed_wish()
    return Call(
        lambda: wishes.wish_revoke(wish=wish, actor=w.staff, reason=REASON), w.staff, reason=REASON, before=True
    )


@scenario("apps.wishes.services.wish_release_overdue_claims")
def _(w):
    wish = w.claimed_wish(now=timezone.now() - timedelta(days=20))
    return Call(lambda: wishes.wish_release_overdue_claims(), None, subject=wish, before=True)


@scenario("apps.wishes.services.wish_fulfil")
def _(w):
    wish = w.claimed_wish()
    return Call(
        lambda: wishes.wish_fulfil(wish=wish, actor=w.member.user, note="米已送到。"), w.member.user, before=True
    )


@scenario("apps.wishes.services.wish_confirm")
def _(w):
    wish = w.fulfilled_wish()
    return Call(
        lambda: wishes.wish_confirm(wish=wish, actor=w.staff, rating=5),
        w.staff,
        subject=lambda result: [result, ServiceRecord.objects.get(source=ServiceSource.WISH, source_id=wish.pk)],
        before=True,
    )


@scenario("apps.wishes.services.wish_cancel")
def _(w):
    wish = w.claimed_wish()
    return Call(
        lambda: wishes.wish_cancel(wish=wish, actor=w.staff, reason=REASON), w.staff, reason=REASON, before=True
    )


@scenario("apps.wishes.services.wish_expire")
def _(w):
    wish = w.wish()
    return Call(lambda: wishes.wish_expire(wish=wish, actor=w.staff, now=wish.deadline + HOUR), w.staff, before=True)


@scenario("apps.wishes.services.wish_expire_due")
def _(w):
    wish = w.wish()
    return Call(lambda: wishes.wish_expire_due(now=wish.deadline + HOUR), None, subject=wish, before=True)


# residents' requests ----------------------------------------------------------------------------------------------


@scenario("apps.residents.services.resident_request_submit")
def _(w):
    f.GazetteerEntryFactory(name="幸福家园", kind="compound", community=w.community)
    phone = "13712345678"
    code = w.texted_code(lambda: residents.resident_request_code_send(phone=phone, ip="203.0.113.9"))
    return Call(
        lambda: residents.resident_request_submit(
            name="王秀英", phone=phone, code=code, address="幸福家园3栋2单元101室", need="想请人帮忙换个灯泡。"
        ),
        None,
    )


def _request(w, **extra):
    return ResidentRequestFactory(grid=w.grid, **extra)


@scenario("apps.residents.services.resident_request_rate")
def _(w):
    request = _request(w, status="accepted", wish=w.fulfilled_wish())
    return Call(
        lambda: residents.resident_request_rate(token=request.token, rating=5, comment="很满意"),
        None,
        subject=request,
    )


@scenario("apps.residents.services.resident_request_accept")
def _(w):
    request = _request(w)
    return Call(
        lambda: residents.resident_request_accept(
            request=request,
            actor=w.staff,
            title="换灯泡",
            category=WishCategory.ELDERLY,
            deadline=timezone.now() + timedelta(days=10),
        ),
        w.staff,
        subject=lambda result: [result, result.wish],
        before=True,
    )


@scenario("apps.residents.services.resident_request_merge")
def _(w):
    request = _request(w)
    wish = w.wish()
    return Call(
        lambda: residents.resident_request_merge(request=request, actor=w.staff, wish=wish), w.staff, before=True
    )


@scenario("apps.residents.services.resident_request_decline")
def _(w):
    request = _request(w)
    return Call(
        lambda: residents.resident_request_decline(request=request, actor=w.staff, reason=REASON),
        w.staff,
        reason=REASON,
        before=True,
    )


# teams --------------------------------------------------------------------------------------------------------------


@scenario("apps.teams.services.team_create")
def _(w):
    return Call(
        lambda: teams.team_create(
            actor=w.reviewer, organ=w.organ, name="医疗服务队", specialty="medical", leader=w.member
        ),
        w.reviewer,
    )


@scenario("apps.teams.services.team_update")
def _(w):
    team = w.team()
    return Call(lambda: teams.team_update(actor=w.reviewer, team=team, name="新队名"), w.reviewer, before=True)


@scenario("apps.teams.services.team_dissolve")
def _(w):
    team = w.team(members=[w.teammate()])
    return Call(
        lambda: teams.team_dissolve(actor=w.reviewer, team=team, reason=REASON),
        w.reviewer,
        reason=REASON,
        before=True,
    )


@scenario("apps.teams.services.team_memberships_end")
def _(w):
    mate = w.teammate()
    team = w.team(members=[mate])
    Member.objects.filter(pk=mate.pk).update(is_active=False)  # no longer in service (member_set_active calls it)
    return Call(
        lambda: teams.team_memberships_end(member=mate, actor=w.reviewer, reason=REASON),
        w.reviewer,
        subject=team,
        reason=REASON,
        before=True,
    )


@scenario("apps.teams.services.team_leader_set")
def _(w):
    mate = w.teammate()
    team = w.team(members=[mate])
    return Call(lambda: teams.team_leader_set(actor=w.reviewer, team=team, member=mate), w.reviewer, before=True)


@scenario("apps.teams.services.team_apply")
def _(w):
    team = w.team()
    mate = w.teammate()
    return Call(lambda: teams.team_apply(actor=mate.user, team=team), mate.user, subject=team)


@scenario("apps.teams.services.team_accept")
def _(w):
    team = w.team()
    mate = w.teammate()
    teams.team_apply(actor=mate.user, team=team)
    return Call(
        lambda: teams.team_accept(actor=w.member.user, team=team, member=mate),
        w.member.user,
        subject=team,
        before=True,
    )


@scenario("apps.teams.services.team_decline")
def _(w):
    team = w.team()
    mate = w.teammate()
    teams.team_apply(actor=mate.user, team=team)
    return Call(
        lambda: teams.team_decline(actor=w.member.user, team=team, member=mate, reason=REASON),
        w.member.user,
        subject=team,
        reason=REASON,
        before=True,
    )


@scenario("apps.teams.services.team_leave")
def _(w):
    mate = w.teammate()
    team = w.team(members=[mate])
    return Call(
        lambda: teams.team_leave(actor=mate.user, team=team, reason=REASON),
        mate.user,
        subject=team,
        reason=REASON,
        before=True,
    )


@scenario("apps.teams.services.team_remove")
def _(w):
    mate = w.teammate()
    team = w.team(members=[mate])
    return Call(
        lambda: teams.team_remove(actor=w.member.user, team=team, member=mate, reason=REASON),
        w.member.user,
        subject=team,
        reason=REASON,
        before=True,
    )


# households -------------------------------------------------------------------------------------------------------


@scenario("apps.households.services.household_create")
def _(w):
    return Call(
        lambda: households.household_create(
            actor=w.staff,
            community=w.community,
            head_name="张大爷",
            address="幸福小区3栋201",
            situation="elderly_alone",
            consent_on=timezone.localdate(),
        ),
        w.staff,
    )


@scenario("apps.households.services.household_update")
def _(w):
    household = w.household()
    return Call(
        lambda: households.household_update(actor=w.staff, household=household, situation="disability"),
        w.staff,
        before=True,
    )


@scenario("apps.households.services.household_close")
def _(w):
    household = w.household_pairing().household
    return Call(
        lambda: households.household_close(actor=w.staff, household=household, reason=REASON),
        w.staff,
        reason=REASON,
        before=True,
    )


@scenario("apps.households.services.pairing_create")
def _(w):
    household = w.household()
    w.registered()
    return Call(
        lambda: households.pairing_create(actor=w.staff, household=household, member=w.member),
        w.staff,
        subject=household,
    )


@scenario("apps.households.services.pairing_end")
def _(w):
    pairing = w.household_pairing()
    return Call(
        lambda: households.pairing_end(actor=w.staff, pairing=pairing, reason=REASON),
        w.staff,
        subject=pairing.household,
        reason=REASON,
    )


@scenario("apps.households.services.pairings_end_of_team")
def _(w):
    w.registered()
    team = w.team()
    pairing = households.pairing_create(
        actor=w.staff, household=w.household(), team=team, started_on=timezone.localdate() - timedelta(days=10)
    )
    # Called inside the dissolution (team_dissolve), once the team is dissolved.
    team.status, team.dissolved_at = TeamStatus.DISSOLVED, timezone.now()
    team.save(update_fields=["status", "dissolved_at"])
    return Call(
        lambda: households.pairings_end_of_team(team=team, actor=w.reviewer, reason=REASON),
        w.reviewer,
        subject=pairing.household,
        reason=REASON,
    )


@scenario("apps.households.services.household_visit_register")
def _(w):
    pairing = w.household_pairing()
    start = timezone.now() - HOUR * 3
    return Call(
        lambda: households.household_visit_register(
            actor=w.member.user, pairing=pairing, started_at=start, ended_at=start + HOUR, content="上门看望"
        ),
        w.member.user,
        subject=pairing.household,
    )


# --- the tests -----------------------------------------------------------------------------------------------------


def test_every_service_function_is_in_the_table():
    found = service_functions()
    missing = sorted(found.keys() - SCENARIOS.keys() - EXEMPT.keys())
    assert not missing, f"add it to the table (a scenario in SCENARIOS, or a reason in EXEMPT): {missing}"
    gone = sorted((SCENARIOS.keys() | EXEMPT.keys()) - found.keys())
    assert not gone, f"not a public service function (any more): remove it from the table: {gone}"
    assert not SCENARIOS.keys() & EXEMPT.keys()
    # The discovery sees the modules the brief names, so an empty table cannot pass.
    assert {"apps.activities.hours", "apps.accounts.codes", "apps.ledger.certificates"} <= set(service_modules())


def _prepare(name, world, django_capture_on_commit_callbacks, settings):
    settings.OTP_RESEND_SECONDS = 0
    settings.OTP_MAX_PER_NUMBER_PER_HOUR = 0
    settings.OTP_MAX_PER_ADDRESS_PER_HOUR = 0
    return SCENARIOS[name](W(world, django_capture_on_commit_callbacks))


def _newest_pks():
    """{model: its highest primary key} of the domain models: a subject at or below it existed before the call."""
    return {
        model: model.objects.aggregate(newest=Max("pk"))["newest"] or 0
        for model in django_apps.get_models()
        if not technical(model._meta.db_table) and model._meta.pk.get_internal_type().endswith("AutoField")
    }


def _last_entry_id():
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_change_writes_its_audit_entry(name, world, django_capture_on_commit_callbacks, settings):
    call = _prepare(name, world, django_capture_on_commit_callbacks, settings)
    function = service_functions()[name]
    if "reason" in inspect.signature(function).parameters:
        assert call.reason, f"{name} takes a reason: the scenario must give one and expect it in the entry"
    last = _last_entry_id()
    newest = _newest_pks()
    subjects = call.keys_before()
    capture = Capture()

    with connection.execute_wrapper(capture):
        result = call.run()

    changed = capture.domain_tables
    assert changed, f"{name}: the scenario changed nothing (make it exercise the service, or exempt the function)"
    entries = list(AuditEntry.objects.filter(id__gt=last).order_by("id"))
    assert entries, f"{name} changed {sorted(changed)} and wrote no audit entry"
    uncovered = changed - covered_tables(entries)
    assert not uncovered, f"{name} changed {sorted(uncovered)} with no audit entry of it ({_described(entries)})"
    for entry in entries:
        assert entry.action in ACTION_LABELS, f"{name}: the action {entry.action!r} has no label in audit_labels"
        said = entry.before or entry.after or entry.reason
        assert said, f"{name}: the entry {entry.action!r} says nothing of the change"

    subjects += call.keys_after(result)
    assert subjects, f"{name}: the scenario names no subject"
    for model, pk in subjects:
        key = (f"{model._meta.app_label}.{model._meta.model_name}", pk)
        own = [e for e in entries if (e.subject_type, e.subject_id) == key]
        assert own, f"{name}: no audit entry of {key} ({_described(entries)})"
        actor_id = call.actor.pk if call.actor is not None else None
        assert {e.actor_id for e in own} == {actor_id}, f"{name}: the entries of {key} name another actor"
        if call.reason:
            assert call.reason in {e.reason for e in own}, f"{name}: the entries of {key} lack the reason"
        if call.before and pk <= newest.get(model, 0):  # a subject that existed before the call
            assert any(e.before for e in own), f"{name}: the entries of {key} lack the state before"


def _described(entries):
    return ", ".join(f"{e.subject_type}#{e.subject_id} {e.action}" for e in entries)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_entry_rolls_back_with_the_change(name, world, django_capture_on_commit_callbacks, settings):
    """The call fails right after writing its first audit entry: nothing it changed survives, nor the entry."""
    call = _prepare(name, world, django_capture_on_commit_callbacks, settings)
    last = _last_entry_id()
    before = domain_snapshot()

    with pytest.raises(FailureAfterEntry), connection.execute_wrapper(Capture(fail_after_entry=True)):
        call.run()

    assert _last_entry_id() == last
    after = domain_snapshot()
    changed = sorted(table for table in before if before[table] != after[table])
    assert not changed, f"{name}: {changed} kept a change whose audit entry was rolled back"


def test_the_docs_list_what_is_audited_and_what_is_exempt():
    """docs/ledger-seals.md, "What the audit trail holds", names every audited service and every exempt one that
    writes (reads and helpers aside)."""
    text = (Path(settings.BASE_DIR) / "docs" / "ledger-seals.md").read_text(encoding="utf-8")
    section = text.split("## What the audit trail holds", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(\w+)`", section))
    listed = {name for name in SCENARIOS} | {name for name, reason in EXEMPT.items() if reason != READ}
    missing = sorted(name for name in listed if name.rpartition(".")[2] not in named)
    assert not missing, f"docs/ledger-seals.md does not name {missing} under 'What the audit trail holds'"


def test_a_user_created_with_a_role_is_named_by_both_entries(world):
    """person_appoint of someone new: the account and the appointment each have their entry, by the appointer."""
    last = _last_entry_id()
    assignment, created = accounts.person_appoint(
        phone="13600000009", name="新网格员", role=Role.GRID_WORKER, node=world.grid, actor=world.street_admin
    )
    entries = AuditEntry.objects.filter(id__gt=last).order_by("id")
    assert created
    assert [(e.subject_type, e.subject_id, e.action, e.actor_id) for e in entries] == [
        ("accounts.user", assignment.user_id, "user_create", world.street_admin.pk),
        ("accounts.roleassignment", assignment.pk, "role_appoint", world.street_admin.pk),
    ]
    assert User.objects.get(pk=assignment.user_id).name == "新网格员"


def test_whoever_sees_a_registration_post_or_member_reads_its_history(world):
    """The new entries are readable where their subjects are: the community's staff read the confirmation of a
    registration in their community and the claims of its posts, the organ's reviewer the member's move; side B's
    staff read neither, and a member without a role reads no trail at all."""
    from apps.ledger.selectors import audit_list

    pending = f.RegistrationFactory(member=world.member, grid=world.grid, status=RegistrationStatus.PENDING)
    registrations.registration_confirm(registration=pending, actor=world.staff)
    post = f.PostFactory(community=world.community)
    registrations.post_claim(post=post, member=world.member)
    orgs.member_move(member=world.member, branch=f.BranchFactory(organ=world.organ), actor=world.reviewer)
    other_staff = f.UserFactory()
    f.RoleFactory(user=other_staff, role=Role.COMMUNITY_STAFF, community=world.other_community)

    def seen(user, subject_type):
        return set(audit_list(user=user, filters={"subject_type": subject_type}).values_list("action", flat=True))

    assert seen(world.staff, "registrations.registration") == {"confirm"}
    assert seen(world.staff, "registrations.post") == {"claim"}
    assert "member_move" in seen(world.reviewer, "orgs.member")
    assert seen(other_staff, "registrations.registration") == set()
    assert "member_move" not in seen(other_staff, "orgs.member")
    assert seen(world.member.user, "registrations.registration") == set()
