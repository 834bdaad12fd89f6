"""Schema fuzzing: schemathesis drives every operation of the published OpenAPI schema against the app in-process.

Every operation of /api/schema/ gets a bounded, seeded set of generated requests (valid and invalid ones) as a
superuser, the role that reaches the most; the member endpoints get a second run as a member. No request may
produce a 5xx, and every response must be documented: its status code among the operation's responses and its
body matching that response's schema. Path ids point at real rows of each kind (in the state the action needs),
so the requests reach the views' validation and services instead of stopping at 404.

Bounded: EXAMPLES requests per operation, seeded (the same requests on every run), about a minute with two xdist
workers on SQLite. The errors every operation may answer are documented once, by apps.core.api.schema.
"""

import base64
from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from apps.accounts.models import Role
from apps.activities import services as activity_services
from apps.activities.models import ActivityStatus
from apps.households import services as household_services
from apps.jobs.models import JobOutcome, JobRun
from apps.ledger import services as ledger_services
from apps.ledger.certificates import certificate_issue
from apps.ledger.models import AuditEntry, RecordStatus, ServiceCategory, ServiceSource
from apps.notifications.models import Notification, NotificationKind
from apps.orgs.models import PartyOrg
from apps.registrations.models import Evaluation, EvaluationGrade, PostClaim, RegistrationStatus
from apps.teams import services as team_services
from apps.wishes import services as wish_services
from apps.wishes.models import WishStatus
from server.wsgi import application
from tests import factories as f
from tests.activities.conftest import ActivityFactory, soon
from tests.households.conftest import make_household
from tests.residents.conftest import ResidentRequestFactory
from tests.teams.conftest import make_team
from tests.wishes.conftest import WishFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Fuzz@Pass2026"
# Bounded and reproducible: a few generated requests per operation and mode, the same ones on every run.
EXAMPLES = 5
SEED = 20260408
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance")

FUZZ_CONFIG = {
    "seed": SEED,
    "generation": {"max-examples": EXAMPLES, "deterministic": True, "no-shrink": True, "database": "none"},
    "phases": {"examples": {"enabled": True}, "fuzzing": {"enabled": True}, "coverage": {"enabled": False}},
    "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
}


def basic_auth(user):
    token = base64.b64encode(f"{user.phone}:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class FuzzWorld:
    """The shared world plus one row of every kind the API addresses by id, each in the state its actions need."""

    def __init__(self, world):
        self.world = world
        now = timezone.now()
        for user in (world.superuser, world.member.user):
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])

        # Registrations: the member lives in the world's community (confirmed); a newcomer waits for a decision.
        self.registration = f.RegistrationFactory(member=world.member, grid=world.grid)
        f.RegistrationFactory(member=world.other_member, grid=world.other_grid)
        self.newcomer = f.MemberFactory(branch=world.branch)
        self.pending_registration = f.RegistrationFactory(
            member=self.newcomer, grid=world.grid, status=RegistrationStatus.PENDING
        )
        self.post = f.PostFactory(community=world.community)
        self.resident_request = ResidentRequestFactory(grid=world.grid)
        self.post_claim = PostClaim.objects.create(post=self.post, member=world.member, claimed_at=now)
        self.pairing = f.PairingFactory(organ=world.organ, community=world.community)
        self.evaluation = Evaluation.objects.create(
            member=world.member,
            community=world.community,
            year=now.year,
            grade=EvaluationGrade.EXCELLENT,
            evaluated_by=world.staff,
            evaluated_at=now,
        )

        # Wishes in the states their actions start from.
        def wish(status, **extra):
            return WishFactory(grid=world.grid, created_by=world.staff, status=status, **extra)

        self.wish = wish(WishStatus.PUBLISHED)
        self.draft_wish = wish(WishStatus.DRAFT)
        self.pending_wish = wish(WishStatus.PENDING_REVIEW)
        self.claimed_wish = wish(WishStatus.PUBLISHED)
        wish_services.wish_claim(wish=self.claimed_wish, actor=world.member.user)
        self.fulfilled_wish = wish(WishStatus.PUBLISHED)
        wish_services.wish_claim(wish=self.fulfilled_wish, actor=world.member.user)
        wish_services.wish_fulfil(wish=self.fulfilled_wish, actor=world.member.user, note="米和油已送到老人家中。")

        # Activities: one open ahead with the member signed up, one running now, one draft.
        def activity(**extra):
            return ActivityFactory(community=world.community, grid=world.grid, created_by=world.staff, **extra)

        self.activity = activity()
        self.signup = activity_services.signup_create(activity=self.activity, member=world.member)
        self.running = activity(
            starts_at=now - timedelta(minutes=30),
            ends_at=now + timedelta(minutes=90),
            signup_deadline=now - timedelta(minutes=30),
            status=ActivityStatus.CLOSED,
        )
        self.draft_activity = activity(status=ActivityStatus.DRAFT, starts_at=soon(days=5))

        # The ledger: an approved and a pending record, a certificate over them, notifications and a job run.
        day = now - timedelta(days=3)
        common = {
            "member": world.member,
            "community": world.community,
            "grid": world.grid,
            "source": ServiceSource.MANUAL,
            "source_id": None,
            "category": ServiceCategory.CLEAN_UP,
            "content": "社区环境卫生整治",
            "started_at": day,
            "ended_at": day + timedelta(hours=2),
            "credited_minutes": 90,
        }
        self.record = ledger_services.record_create(**common, status=RecordStatus.APPROVED, decided_by=world.staff)
        self.pending_record = ledger_services.record_create(**common, status=RecordStatus.PENDING)
        self.certificate = certificate_issue(
            member=world.member, actor=world.superuser, period_start=day.date(), period_end=now.date()
        )
        self.notifications = {
            user.pk: Notification.objects.create(user=user, kind=NotificationKind.WISH_CLAIMED, title="通知")
            for user in (world.superuser, world.member.user)
        }
        self.job_run = JobRun.objects.create(
            job="expire_wishes", started_at=now, finished_at=now, outcome=JobOutcome.SUCCESS, items=1
        )
        f.RoleFactory(user=f.UserFactory(), role=Role.COMMUNITY_STAFF, community=world.other_community)

        # A volunteer team led by the member, with a colleague's application waiting.
        self.team = make_team(leader=world.member, party_org=world.branch)
        self.applicant = f.MemberFactory(branch=world.branch)
        team_services.team_apply(actor=self.applicant.user, team=self.team)

        # A household of the community paired with a member registered there.
        self.household = make_household(world)
        paired = f.MemberFactory(branch=world.branch)
        f.RegistrationFactory(member=paired, grid=world.grid)
        self.household_pairing = household_services.pairing_create(
            actor=world.staff, household=self.household, member=paired
        )

    def body_references(self):
        """Request body fields that name a row, and the row to name."""
        w = self.world
        return {
            "community": w.community,
            "grid": w.grid,
            "organ": w.organ,
            "branch": w.branch,
            "party_org": w.branch,
            "organizer_party_org": w.branch,
            "as_branch": w.branch,
            "parent": f.committee_of(w.organ),
            "member": w.member,
            "leader": w.member,
            "user": w.outsider,
            "household": self.household,
        }

    def path_target(self, path, user):
        """The row whose id goes in `path` (an operation's templated path), chosen by resource and action."""
        w = self.world
        parts = [p for p in path.split("/") if p and p not in ("api", "v1")]
        resource, action = parts[0], parts[2] if len(parts) > 2 else ""
        by_action = {
            ("wishes", "submit"): self.draft_wish,
            ("wishes", "verify"): self.pending_wish,
            ("wishes", "publish"): self.pending_wish,
            ("wishes", "claim"): self.wish,
            ("wishes", "release"): self.claimed_wish,
            ("wishes", "revoke"): self.claimed_wish,
            ("wishes", "fulfil"): self.claimed_wish,
            ("wishes", "confirm"): self.fulfilled_wish,
            ("activities", "publish"): self.draft_activity,
            ("activities", "checkin"): self.running,
            ("activities", "checkout"): self.running,
            ("activities", "checkin-code"): self.running,
            ("registrations", "confirm"): self.pending_registration,
            ("registrations", "reject"): self.pending_registration,
            ("service-records", "approve"): self.pending_record,
            ("service-records", "reject"): self.pending_record,
        }
        by_resource = {
            "activities": self.activity,
            "audit-entries": AuditEntry.objects.order_by("id").first(),
            "certificates": self.certificate,
            "communities": w.community,
            "districts": w.street.district,
            "evaluations": self.evaluation,
            "grids": w.grid,
            "job-runs": self.job_run,
            "members": w.member,
            "notifications": self.notifications[user.pk],
            "organs": w.organ,
            "pairings": self.pairing,
            "party-orgs": PartyOrg.objects.filter(organ=w.organ).order_by("id").first(),
            "post-claims": self.post_claim,
            "posts": self.post,
            "registrations": self.registration,
            "resident-requests": self.resident_request,
            "role-assignments": w.staff.roles.order_by("id").first(),
            "service-records": self.record,
            "signups": self.signup,
            "streets": w.street,
            "teams": self.team,
            "households": self.household,
            "household-pairings": self.household_pairing,
            "wishes": self.wish,
        }
        return by_action.get((resource, action)) or by_resource[resource]


@pytest.fixture
def fuzz_world(world):
    return FuzzWorld(world)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The app runs in-process on the test's connection, inside its transaction: the handler must not close it at
    the end of each request (Django's own test client disconnects the same receiver)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The published schema, fetched from the app itself (collection time: no database is needed to build it).
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=SchemathesisConfig.from_dict(FUZZ_CONFIG))


# What a member does from their phone: their profile, registration, posts, wishes, activities, hours, certificates
# and notifications. (The superuser run covers every operation; this one covers the member's own paths.)
MEMBER_OPERATIONS = (
    r"^/api/v1/(me|registrations|registrations/(mine|move)|registrations/\{id\}(/withdraw|/receipt)?"
    r"|posts|posts/\{id\}(/claim|/release)?|post-claims(/\{id\}(/release)?)?"
    r"|wishes|wishes/(my-claims|\{id\}(/claim|/release|/fulfil)?)"
    r"|activities|activities/\{id\}(/signup|/checkin|/checkout)?|signups/(mine|\{id\}(/cancel|/dispute)?)"
    r"|service-records/mine|certificates|certificates/\{id\}/pdf"
    r"|notifications|notifications/(unread-count|read-all|\{id\}(/read)?)"
    r"|teams|teams/(mine|\{id\}(/apply|/leave|/applications|/accept|/decline|/remove)?))/$"
)


def send(case, fuzz_world, user):
    """Point the case's path at a real row (now and then, by the generated id, at an arbitrary one) and call it."""
    generated = case.path_parameters.get("id")
    if generated is not None and not (isinstance(generated, int) and generated % 5 == 0):
        case.path_parameters["id"] = fuzz_world.path_target(case.operation.path, user).pk
    if "code" in case.path_parameters:
        case.path_parameters["code"] = fuzz_world.certificate.verification_code
    if isinstance(case.body, dict):
        # References in a body likewise: real rows, so that valid bodies get past validation to the services.
        for field, row in fuzz_world.body_references().items():
            value = case.body.get(field)
            if isinstance(value, int) and not isinstance(value, bool) and value % 5:
                case.body[field] = row.pk
    case.call_and_validate(headers=basic_auth(user))


def test_the_member_run_covers_the_member_paths():
    """A typo in MEMBER_OPERATIONS would quietly drop operations from the member's run."""
    labels = {op.ok().label for op in schema.include(path_regex=MEMBER_OPERATIONS).get_all_operations()}
    assert {
        "GET /api/v1/me/",
        "POST /api/v1/registrations/",
        "POST /api/v1/posts/{id}/claim/",
        "POST /api/v1/wishes/{id}/claim/",
        "GET /api/v1/wishes/my-claims/",
        "POST /api/v1/activities/{id}/signup/",
        "POST /api/v1/activities/{id}/checkin/",
        "POST /api/v1/signups/{id}/cancel/",
        "GET /api/v1/service-records/mine/",
        "GET /api/v1/certificates/{id}/pdf/",
        "POST /api/v1/notifications/read-all/",
    } <= labels
    assert len(labels) >= 40


FUZZ_SETTINGS = settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)


@schema.parametrize()
@FUZZ_SETTINGS
def test_every_operation_as_a_superuser(case, fuzz_world):
    send(case, fuzz_world, fuzz_world.world.superuser)


@schema.include(path_regex=MEMBER_OPERATIONS).parametrize()
@FUZZ_SETTINGS
def test_the_member_operations_as_a_member(case, fuzz_world):
    send(case, fuzz_world, fuzz_world.world.member.user)
