"""The permission matrix: every route of the URL configuration, every role, an object on each side of the world.

The routes are collected from ``django.urls.get_resolver()``, so a new endpoint or page without a rule in
``matrix_rules.RULES`` fails ``test_every_route_has_a_rule`` with the route's path and name; a rule left behind
for a route that no longer exists fails too. The admin is the exception: one rule covers it (staff only,
``test_admin_is_for_staff_only``). ``test_route_matrix`` then runs, one route at a time, GET (on every route: a
POST-only button answers 405) and every unsafe method the route serves (POST/PUT/PATCH/DELETE, with the rule's
JSON body or an empty one) as anonymous and as each role of the ``world`` fixture, against the object of side A
and the object of side B, and compares each outcome with the rule. A 5xx (or an exception) always fails.

Conventions (matrix_rules.py spells out the grammar): side A is the side of every role user except
``other_member``, whose organ, branch and home are on side B, so for ``other_member`` the B object is its own.
"ok" means the request got through authorization: 2xx, a redirect that is not to the login page, or 400/409/422
(its content or the object's state was refused, not the user). "login" is a page's redirect to the login page; the
API answers anonymous requests 403. A page button that catches a Forbidden or NotFound domain error and flashes
it counts as that refusal (403/404), not as "ok".

Speed: the world and the objects are built once per module inside a transaction that is rolled back at the end
(like TestCase.setUpTestData), and each request runs in a savepoint that is rolled back, so an allowed write does
not change what the next request sees.
"""

import copy
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from apps.accounts.models import Role
from apps.core.errors import DomainError, Forbidden, NotFound
from apps.households import services as household_services
from apps.imports.models import ImportBatch, ImportKind, ImportStatus
from apps.jobs.models import JobRun
from apps.ledger import services as ledger_services
from apps.ledger.models import AuditEntry, Certificate, ServiceCategory, ServiceSource
from apps.ledger.selectors import subject_type_of
from apps.notifications.models import Notification, NotificationKind
from apps.registrations.models import Evaluation, EvaluationGrade, PostClaim
from apps.teams import services as team_services
from apps.wishes.models import WishStatus
from tests import factories as f
from tests.activities.conftest import ActivityFactory
from tests.activities_hours.conftest import make_signup
from tests.conftest import World
from tests.households.conftest import make_household
from tests.residents.conftest import ResidentRequestFactory
from tests.security.matrix_rules import ADMIN_PREFIX, RULES, UNSAFE_METHODS
from tests.teams.conftest import make_team
from tests.wishes.conftest import WishClaimFactory, WishFactory

# The mark makes pytest-django create the test database (and wrap each test in a savepoint of its own).
pytestmark = pytest.mark.django_db

# --- the routes ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # the path with its parameters as {name}: "/api/v1/wishes/{pk}/claim/"
    name: str  # the URL name with its namespace, for messages
    params: tuple  # the names of the path parameters
    methods: tuple  # the HTTP methods the view serves, GET included when it does


def _readable(pattern):
    """A route pattern as a path template: DRF's regexes and Django's converters both become {name}."""
    text = str(pattern)
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)
    text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)
    return text.replace("^", "").replace("$", "")


def _methods(callback):
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF viewset route: exactly the methods mapped to actions
        return tuple(sorted(m.upper() for m in actions))
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:  # a function view (set_language): whatever it accepts
        return ("GET", "POST")
    names = [m for m in view_class.http_method_names if m not in ("options", "head") and hasattr(view_class, m)]
    return tuple(sorted(m.upper() for m in names))


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + _readable(p.pattern), ns)
        elif isinstance(p, URLPattern):
            key = "/" + prefix + _readable(p.pattern)
            yield Route(
                key=key,
                name=f"{namespace}{p.name or p.callback.__name__}",
                params=tuple(re.findall(r"{(\w+)}", key)),
                methods=_methods(p.callback),
            )


def collect_routes():
    """Every route of the URL configuration but the admin's (and DRF's format-suffix duplicates, which we lack)."""
    routes = {}
    for route in _walk(get_resolver().url_patterns):
        if route.key.startswith(ADMIN_PREFIX):
            continue
        assert route.key not in routes, f"two routes share the path {route.key}"
        routes[route.key] = route
    return routes


ROUTES = collect_routes()


# --- the objects on each side -------------------------------------------------------------------------------------


class Sides:
    """For every kind of object a route takes, one on side A (the role users' side) and one on side B."""

    def __init__(self, world):
        w = world
        now = timezone.now()
        self.world = w
        other_staff = f.UserFactory(name="别的社区干部")
        role_b = f.RoleFactory(user=other_staff, role=Role.COMMUNITY_STAFF, community=w.other_community)
        registration_a = f.RegistrationFactory(member=w.member, grid=w.grid)
        registration_b = f.RegistrationFactory(member=w.other_member, grid=w.other_grid)
        wish_a = WishFactory(grid=w.grid, created_by=w.staff)
        wish_b = WishFactory(grid=w.other_grid, created_by=other_staff)
        request_a = ResidentRequestFactory(grid=w.grid)
        request_b = ResidentRequestFactory(grid=w.other_grid, phone="13700000002")
        activity_a = ActivityFactory(community=w.community, grid=w.grid, created_by=w.staff)
        activity_b = ActivityFactory(community=w.other_community, grid=w.other_grid, created_by=other_staff)
        post_a = f.PostFactory(community=w.community)
        post_b = f.PostFactory(community=w.other_community)
        record_a = self._record(w.member, w.grid)
        record_b = self._record(w.other_member, w.other_grid)
        year = timezone.localdate().year

        def evaluation(member, community, by):
            return Evaluation.objects.create(
                member=member,
                community=community,
                year=year,
                grade=EvaluationGrade.COMPETENT,
                evaluated_by=by,
                evaluated_at=now,
            )

        def certificate(member, n):
            return Certificate.objects.create(
                number=f"MATRIX-{n}",
                verification_code=f"matrixcode{n}",
                member=member,
                period_start=date(year, 1, 1),
                period_end=date(year, 12, 31),
                issued_at=now,
                issuer_name="测试",
                total_minutes=90,
                record_count=1,
            )

        def notification(user):
            return Notification.objects.create(user=user, kind=NotificationKind.WISH_CLAIMED, title="通知")

        def import_batch(by, name):
            # Checked already and refused (no file is read again): apply answers 409, step and cancel go through.
            return ImportBatch.objects.create(
                kind=ImportKind.GEOGRAPHY,
                created_by=by,
                file=f"imports/geography/{name}",
                file_name=name,
                status=ImportStatus.INVALID,
            )

        other_district_admin = f.UserFactory(name="别的区管理员")
        f.RoleFactory(user=other_district_admin, role=Role.DISTRICT_ADMIN, district=w.other_street.district)
        certificate_a, certificate_b = certificate(w.member, 1), certificate(w.other_member, 2)
        job_run = JobRun.objects.create(job="matrix", started_at=now - timedelta(minutes=1), finished_at=now)
        # Volunteer teams: each side's member leads its side's team, formed by its branch; a colleague has applied.
        team_a = make_team(leader=w.member, party_org=w.branch)
        team_b = make_team(leader=w.other_member, party_org=w.other_branch)
        # Household pairing: each side's community has a household paired with its side's member (registered there).
        household_a = make_household(w)
        household_b = make_household(w, community=w.other_community, actor=other_staff)
        paired_since = timezone.localdate() - timedelta(days=10)
        pairing_a = household_services.pairing_create(
            actor=w.staff, household=household_a, member=w.member, started_on=paired_since
        )
        pairing_b = household_services.pairing_create(
            actor=other_staff, household=household_b, member=w.other_member, started_on=paired_since
        )
        self.objects = {
            "role_assignment": (w.staff.roles.get(), role_b),
            "organ": (w.organ, w.other_organ),
            "party_org": (w.branch, w.other_branch),
            "member": (w.member, w.other_member),
            "district": (w.street.district, w.other_street.district),
            "street": (w.street, w.other_street),
            "community": (w.community, w.other_community),
            "grid": (w.grid, w.other_grid),
            "registration": (registration_a, registration_b),
            "registration_code": (registration_a.verification_code, registration_b.verification_code),
            "post": (post_a, post_b),
            "post_claim": (
                PostClaim.objects.create(post=post_a, member=w.member, claimed_at=now),
                PostClaim.objects.create(post=post_b, member=w.other_member, claimed_at=now),
            ),
            "pairing": (
                f.PairingFactory(organ=w.organ, community=w.community),
                f.PairingFactory(organ=w.other_organ, community=w.other_community),
            ),
            "evaluation": (
                evaluation(w.member, w.community, w.staff),
                evaluation(w.other_member, w.other_community, other_staff),
            ),
            "record": (record_a, record_b),
            "audit_entry": tuple(
                AuditEntry.objects.filter(subject_type=subject_type_of(r), subject_id=r.pk).earliest("at")
                for r in (record_a, record_b)
            ),
            "wish": (wish_a, wish_b),
            # claimed by the member of its side: release and fulfil are the claimant's, not anyone's
            "claimed_wish": (
                WishClaimFactory(
                    wish=WishFactory(grid=w.grid, created_by=w.staff, status=WishStatus.CLAIMED), member=w.member
                ).wish,
                WishClaimFactory(
                    wish=WishFactory(grid=w.other_grid, created_by=other_staff, status=WishStatus.CLAIMED),
                    member=w.other_member,
                ).wish,
            ),
            "resident_request": (request_a, request_b),
            "resident_token": (request_a.token, request_b.token),
            "activity": (activity_a, activity_b),
            "signup": (
                make_signup(activity=activity_a, member=w.member),
                make_signup(activity=activity_b, member=w.other_member),
            ),
            "certificate": (certificate_a, certificate_b),
            "certificate_code": (certificate_a.verification_code, certificate_b.verification_code),
            "notification": (notification(w.member.user), notification(w.other_member.user)),
            "job_run": (job_run, job_run),
            "import_batch": (import_batch(w.district_admin, "a.xlsx"), import_batch(other_district_admin, "b.xlsx")),
            "team": (team_a, team_b),
            "household": (household_a, household_b),
            "household_pairing": (pairing_a, pairing_b),
            "team_application": tuple(
                team_services.team_apply(actor=f.MemberFactory(branch=team.party_org).user, team=team)
                for team in (team_a, team_b)
            ),
        }

    @staticmethod
    def _record(member, grid):
        start = timezone.now() - timedelta(days=2)
        return ledger_services.record_create(
            member=member,
            community=grid.community,
            grid=grid,
            source=ServiceSource.MANUAL,
            source_id=None,
            category=ServiceCategory.CARE_VISIT,
            content="社区环境卫生整治",
            started_at=start,
            ended_at=start + timedelta(hours=2),
            credited_minutes=90,
        )

    @property
    def ids(self):
        """The ids a rule's body may name: "{branch_a}", "{community_b}", ..."""
        w = self.world
        return {
            "branch_a": w.branch.pk,
            "branch_b": w.other_branch.pk,
            "community_a": w.community.pk,
            "community_b": w.other_community.pk,
            "grid_a": w.grid.pk,
            "grid_b": w.other_grid.pk,
            "member_a": w.member.pk,
            "member_b": w.other_member.pk,
            "team_a": self.objects["team"][0].pk,
            "team_b": self.objects["team"][1].pk,
            "household_a": self.objects["household"][0].pk,
        }

    @property
    def times(self):
        """Times a rule's body may name, relative to now (local time): a service tomorrow morning, a service done
        yesterday, a deadline next week, today and this year."""
        today = timezone.localdate()
        local = timezone.get_current_timezone()

        def at(day, hour):
            return timezone.make_aware(datetime.combine(day, time(hour)), local).isoformat()

        return {
            "start": at(today + timedelta(days=1), 9),
            "end": at(today + timedelta(days=1), 11),
            "past_start": at(today - timedelta(days=1), 9),
            "past_end": at(today - timedelta(days=1), 10),
            "deadline": at(today + timedelta(days=7), 18),
            "today": today.isoformat(),
            "year_start": date(today.year, 1, 1).isoformat(),
            "year": today.year,
        }

    def body(self, rule, side="-"):
        """The rule's body with its placeholders filled; for a per-side rule, "{grid}" and its kind name the
        objects of `side`."""
        values = {**self.ids, **self.times}
        if rule.per_side and side in ("A", "B"):
            for kind in ("grid", "community", "member", "organ"):
                values[kind] = self.value(kind, side)
            branch = self.objects["party_org"][0 if side == "A" else 1]
            values["branch"], values["committee"] = branch.pk, branch.parent_id

        def fill(value):
            if isinstance(value, list):
                return [fill(item) for item in value]
            if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
                return values[value[1:-1]]
            return value

        return {key: fill(value) for key, value in rule.body.items()}

    def value(self, kind, side):
        obj = self.objects[kind][0 if side == "A" else 1]
        return getattr(obj, "pk", obj)


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """The world, the objects of both sides and a logged-in client per role, built once for the module.

    Like Django's TestCase.setUpTestData: everything lives in one transaction that is rolled back at the end, and
    every request runs in a savepoint of its own (see `_request`).
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = World()
            sides = Sides(world)
            clients = {"anon": Client()}
            for role in World.ROLE_NAMES:
                clients[role] = Client()
                clients[role].force_login(world.user(role))
            yield sides, clients
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- one request, one outcome -------------------------------------------------------------------------------------

_THROUGH = {400, 409, 422}  # the request passed authorization and was refused for its (empty) content


def outcome(response):
    """The class of a response the rules speak of: ok, login, 401, 403, 404, 405, or 5xx."""
    status = response.status_code
    if status >= 500:
        return "5xx"
    if status in (301, 302, 303) and "/login/" in response.get("Location", ""):
        return "login"
    if status < 400 or status in _THROUGH:
        return "ok"
    return str(status)


class _DomainErrorsRaised:
    """Records the domain errors raised during a request: a page that catches one and flashes it still refused."""

    def __init__(self):
        self.raised = []

    def __enter__(self):
        original = self.original = DomainError.__init__
        raised = self.raised

        def record(error, *args, **kwargs):
            original(error, *args, **kwargs)
            raised.append(error)

        DomainError.__init__ = record
        return self

    def __exit__(self, *exc):
        DomainError.__init__ = self.original

    def refusal(self):
        codes = [str(e.status_code) for e in self.raised if isinstance(e, Forbidden | NotFound)]
        return codes[-1] if codes else None


def _request(client, method, url, body=None):
    api = url.startswith("/api/")
    # A logout (or a login) replaces the client's session cookie; the next request must still be the role's.
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        try:
            with _DomainErrorsRaised() as errors:
                if method == "GET":
                    response = client.get(url)
                elif api:
                    response = client.generic(method, url, data=json.dumps(body or {}), content_type="application/json")
                else:
                    response = getattr(client, method.lower())(url, data={})
            result = outcome(response)
            if result == "ok" and not api and errors.refusal():
                result = errors.refusal()
            detail = (
                f"{response.status_code} {response.content[:150]!r}"
                if response.status_code in (400, 409, 422)
                else str(response.status_code)
            )
        except Exception as exc:  # a view that raises is a 500 in production
            result, detail = "5xx", f"{type(exc).__name__}: {exc}"
        transaction.set_rollback(True)
    client.cookies = cookies
    return result, detail


def run_route(route, rule, sides, clients):
    """Every (method, role, side) of one route: a list of (method, role, side, expected, got, detail)."""
    kind = rule.obj
    sided = bool(kind or rule.per_side)
    results = []
    for method in ["GET", *(m for m in route.methods if m in UNSAFE_METHODS)]:
        # A method the route does not serve is refused before any object is read: side A is enough.
        sides_to_try = (
            ("A", "B") if sided and (method != "GET" or "GET" in route.methods) else ("A",) if sided else ("-",)
        )
        for role in rule.roles:
            for side in sides_to_try:
                url = route.key
                for param, value in rule.path.items():
                    url = url.replace("{" + param + "}", value)
                if kind:
                    value = str(sides.value(kind, side))
                    for param in route.params:
                        url = url.replace("{" + param + "}", value)
                    if rule.query:
                        url += "?" + rule.query.replace("{pk}", value)
                got, detail = _request(clients[role], method, url, sides.body(rule, side))
                expected = rule.expect(method, role, side)
                results.append((method, role, side, expected, got, detail))
    return results


# --- the tests ----------------------------------------------------------------------------------------------------


def test_every_route_has_a_rule():
    missing = sorted(f"{key}  ({route.name})" for key, route in ROUTES.items() if key not in RULES)
    stale = sorted(key for key in RULES if key not in ROUTES)
    assert not missing, "routes without a permission rule in tests/security/matrix_rules.py:\n  " + "\n  ".join(missing)
    assert not stale, "rules for routes that no longer exist:\n  " + "\n  ".join(stale)


def test_every_rule_names_the_methods_its_route_serves():
    problems = []
    for key, route in ROUTES.items():
        rule = RULES.get(key)
        if rule is None:
            continue
        served = {"GET", *(m for m in route.methods if m in UNSAFE_METHODS)}
        if set(rule.specs) != served:
            problems.append(f"{key}: the rule covers {sorted(rule.specs)}, the route serves {sorted(served)}")
        free = set(route.params) - set(rule.path)
        if bool(free) and not rule.obj or rule.obj and not (free or rule.query):
            problems.append(f"{key}: the route takes {route.params}, the rule's object is {rule.obj!r}")
    assert not problems, "\n".join(problems)


def test_admin_is_for_staff_only(matrix):
    """The one rule of the admin: only staff users (here the superuser) get in; everyone else is sent to log in."""
    _sides, clients = matrix
    got = {role: _request(client, "GET", ADMIN_PREFIX)[0] for role, client in clients.items()}
    assert got == {role: "ok" if role == "superuser" else "login" for role in clients}


@pytest.mark.parametrize("key", sorted(k for k in ROUTES if k in RULES))
def test_route_matrix(key, matrix):
    sides, clients = matrix
    route, rule = ROUTES[key], RULES[key]
    results = run_route(route, rule, sides, clients)
    wrong = [r for r in results if r[4] == "5xx" or r[4] != r[3]]
    lines = [
        f"{m:6} {role:14} side {side}: expected {exp:5} got {got:5} ({detail})"
        for m, role, side, exp, got, detail in wrong
    ]
    assert not wrong, f"{key} ({route.name}):\n  " + "\n  ".join(lines)
