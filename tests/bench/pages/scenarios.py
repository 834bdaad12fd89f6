"""The pages of the page benchmark, what each must show, and the three ways they are read: over HTTP by the closed
loop of virtual users (each page alone), once more in this process through Django's test client to count their
queries and time them, and under cProfile for a profile of one page.

The in-process pass sends the same session cookie to the same database with the same settings as gunicorn's workers,
after one unmeasured request (the steady state of a running worker: caches of content types, translations and the
statistics filled). Counting there leaves the served requests untouched: the load runs no extra code.
"""

import cProfile
import io
import pstats
import re
import statistics
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

from django.urls import reverse

from tests.bench.load.client import Call, closed_loop, send
from tests.bench.load.server import SIGNED_IN_PATH

HOST = "127.0.0.1"  # in ALLOWED_HOSTS of the benchmark's and the tests' settings
HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"  # a browser's Accept
RECORD_CONTENT = "入户走访困难群众"  # the content of the load data's services (tests/bench/load/data.py)


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    role: str  # whose session: "member", "staff" (the community's staff) or "reviewer" (an organ's reviewer)
    member_page: bool = True  # issue #19's targets apply


PAGES = (
    Page("home", "Member home", "member"),
    Page("wish", "Wish detail (an open wish near home)", "member"),
    Page("activity", "Activity detail (one the member has a place in)", "member"),
    Page("claims", "My claims", "member"),
    Page("activities", "My activities", "member"),
    Page("hours", "My hours", "member"),
    Page("certificates", "My certificates", "member"),
    Page("notifications", "Notifications", "member"),
    Page("staff", "Staff landing (community staff)", "staff", member_page=False),
    Page("dashboard", "Dashboard landing (organ reviewer)", "reviewer", member_page=False),
)
FLOOR = Page("floor", "Signed-in bare endpoint (the floor: session and user only)", "member", member_page=False)
BY_KEY = {page.key: page for page in (*PAGES, FLOOR)}


def target(data, page, user):
    """(path, session, strings the answer must hold) of `page` for virtual user number `user`: members, reviewers
    in turn; the one staff session for all."""
    member = data.members[user % len(data.members)]
    who = {"member": member, "staff": data.staff, "reviewer": data.reviewers[user % len(data.reviewers)]}[page.role]
    member_root = reverse("member:home")
    paths = {
        "home": (member_root, [member_root + "wishes/", member_root + "activities/"]),
        "wish": (
            reverse("member:wish", args=[member["wish_id"]]),
            [reverse("member:wish_claim", args=[member["wish_id"]])],
        ),
        "activity": (
            reverse("member:activity", args=[member["activity_id"]]),
            [member["activity_title"], reverse("member:signup_cancel", args=[member["activity_id"]])],
        ),
        "claims": (reverse("member:claims"), [member["claimed_title"]]),
        "activities": (reverse("member:activities"), [member["upcoming_title"]]),
        "hours": (reverse("profile:hours"), [RECORD_CONTENT]),
        "certificates": (reverse("profile:certificates"), [member["certificate_number"]]),
        "notifications": (reverse("notifications:list"), [member["notification_title"]]),
        "staff": (reverse("staff:home"), [reverse("staff:wish-new")]),
        "dashboard": (reverse("dashboard:home"), [reverse("dashboard:zero_service")]),
        "floor": (SIGNED_IN_PATH, []),
    }
    path, expected = paths[page.key]
    if page.key != "floor":
        expected = [*expected, f'<span class="who">{who["name"]}</span>']
    return path, who["session"], expected


def call_for(data, page, user):
    path, session, _ = target(data, page, user)
    return Call(page.key, "GET", path, session, accept=HTML)


def _problem(page, user, status, body, expected):
    if status != 200:
        return f"{page.key} (user {user}): {status} {body[:200]!r}"
    text = body.decode(errors="replace")
    if page.key == "floor" and text != "ok":
        return f"floor (user {user}): {text[:200]!r} (session not valid?)"
    missing = [s for s in expected if s not in text]
    return f"{page.key} (user {user}): does not show {missing}" if missing else None


def check_pages(address, data, pages, *, users):
    """Every page answers 200 over HTTP for every virtual user and shows what it should (so the loop reads real
    content, signed in). Returns the problems."""
    problems = []
    for page in pages:
        for user in range(users):
            path, session, expected = target(data, page, user)
            answer = send(address, Call(page.key, "GET", path, session, accept=HTML), csrf_token=data.csrf_token)
            problem = _problem(page, user, answer.status, answer.body, expected)
            if problem:
                problems.append(problem)
    return problems


def page_reads(address, data, page, *, clients, seconds, warmup, processes):
    """One page alone: `clients` virtual users, each with its own member (reviewer) in turn, in a closed loop."""
    users = [[(1, call_for(data, page, u))] for u in range(clients)]
    return closed_loop(address, users, csrf_token=data.csrf_token, seconds=seconds, warmup=warmup, processes=processes)


# --- in this process: queries, SQL time, profile ------------------------------------------------------------------


class QueryTimer:
    """A database execute wrapper: each statement's SQL and wall time (round trip and rows included)."""

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, time.perf_counter() - started))

    @property
    def seconds(self):
        return sum(s for _, s in self.queries)


def browser(data, page, user=0):
    """Django's test client with the session cookie of `page`'s user, as the HTTP client sends it."""
    from django.conf import settings
    from django.test import Client

    path, session, expected = target(data, page, user)
    client = Client(HTTP_HOST=HOST, HTTP_ACCEPT=HTML)
    client.cookies[settings.SESSION_COOKIE_NAME] = session
    client.cookies[settings.CSRF_COOKIE_NAME] = data.csrf_token
    return client, path, expected


def _get(client, path):
    response = client.get(path)
    body = response.content
    response.close()
    return response.status_code, body


def count_queries(data, pages, *, repeats=3):
    """{page key: {queries, queries_max, sql_ms, bytes, problem}} from `repeats` requests after one unmeasured, in
    this process: queries of the first measured request (queries_max: the most of any), median SQL time."""
    from django.db import connection

    found = {}
    for page in pages:
        client, path, expected = browser(data, page)
        status, body = _get(client, path)
        counts, sql = [], []
        for _ in range(repeats):
            timer = QueryTimer()
            with connection.execute_wrapper(timer):
                status, body = _get(client, path)
            counts.append(len(timer.queries))
            sql.append(timer.seconds * 1000)
        found[page.key] = {
            "queries": counts[0],
            "queries_max": max(counts),
            "sql_ms": statistics.median(sql),
            "bytes": len(body),
            "problem": _problem(page, 0, status, body, expected),
        }
    return found


STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()
ROOT = Path(__file__).resolve().parents[3]

# Layers of a request whose cumulative time the profile reports: (label, the function's dotted path). They overlap
# (the view's work includes the SQL; running SQL includes compiling it).
LAYERS = (
    ("the whole request (Django's handler)", "django.core.handlers.base.BaseHandler.get_response"),
    ("session and user (auth middleware's get_user)", "django.contrib.auth.middleware.get_user"),
    ("the view's work before rendering (TemplateView.get)", "django.views.generic.base.TemplateView.get"),
    ("the view's work before rendering (ListView.get)", "django.views.generic.list.BaseListView.get"),
    ("template rendering", "django.template.response.SimpleTemplateResponse.rendered_content"),
    ("querysets built (filter, exclude)", "django.db.models.query.QuerySet._filter_or_exclude_inplace"),
    ("querysets built (annotate)", "django.db.models.query.QuerySet._annotate"),
    ("querysets cloned (Query.clone)", "django.db.models.sql.query.Query.clone"),
    ("SQL read into model instances (ModelIterable)", "django.db.models.query.ModelIterable.__iter__"),
    ("SQL compiled and run (SQLCompiler.execute_sql)", "django.db.models.sql.compiler.SQLCompiler.execute_sql"),
    ("SQL compiled (SQLCompiler.as_sql)", "django.db.models.sql.compiler.SQLCompiler.as_sql"),
    ("SQL sent and read by the driver (CursorWrapper._execute)", "django.db.backends.utils.CursorWrapper._execute"),
    ("model instances made (Model.from_db)", "django.db.models.base.Model.from_db"),
    ("forms built (BaseForm.__init__)", "django.forms.forms.BaseForm.__init__"),
    ("FilterSets built (BaseFilterSet.__init__)", "django_filters.filterset.BaseFilterSet.__init__"),
    ("copy.deepcopy", "copy.deepcopy"),
    ("translations (gettext)", "django.utils.translation.trans_real.gettext"),
    ("URLs reversed (reverse)", "django.urls.base.reverse"),
)


def _code_key(dotted):
    """pstats' key (file, first line, name) of the function at `dotted`, or None if there is none."""
    import importlib
    import inspect

    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for name in parts[cut:]:
                obj = inspect.getattr_static(obj, name)
        except AttributeError:
            return None
        obj = getattr(obj, "fget", None) or getattr(obj, "__func__", None) or obj
        code = getattr(inspect.unwrap(obj), "__code__", None)
        return (code.co_filename, code.co_firstlineno, code.co_name) if code else None
    return None


def _area(filename):
    """Where a profiled function lives: a package of site-packages (two levels: django/template), a module of the
    project (apps/wishes), of Python's standard library (stdlib/copy), or Python's built-ins."""
    if filename.startswith("~") or filename.startswith("<"):
        return "(built-in)"
    path = Path(filename).resolve()
    parts = path.parts
    if "site-packages" in parts:
        rest = parts[parts.index("site-packages") + 1 :]
        return "/".join(rest[:2]) if len(rest) > 2 else rest[0]
    if path.is_relative_to(STDLIB):
        return "stdlib/" + path.relative_to(STDLIB).parts[0].removesuffix(".py")
    if path.is_relative_to(ROOT):
        return "/".join(path.relative_to(ROOT).parts[:2])
    return "(other)"


def _layers(stats, requests):
    """(label, ms a request) of LAYERS found in the profile."""
    found = []
    for label, dotted in LAYERS:
        entry = stats.stats.get(_code_key(dotted))
        if entry is not None:
            found.append((label, entry[3] / requests * 1000))
    return found


def profile_page(data, page, *, requests=30, top=25, user=0, out=None):
    """Profile `page` in this process: `requests` timed requests (wall, CPU, SQL), the queries of one with their
    times, then the same requests under cProfile: the functions and the areas (packages, apps) where the time goes.
    Writes a plain-text report to `out` (standard output)."""
    from django.db import connection

    out = out or sys.stdout
    client, path, expected = browser(data, page, user)
    for _ in range(3):
        status, body = _get(client, path)
    problem = _problem(page, user, status, body, expected)
    if problem:
        print(f"warning: {problem}", file=out)
    walls, cpus, sqls, counts, last = [], [], [], [], None
    for _ in range(requests):
        timer = QueryTimer()
        wall, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(timer):
            _get(client, path)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        sqls.append(timer.seconds * 1000)
        counts.append(len(timer.queries))
        last = timer
    median = statistics.median
    print(f"# Profile of {page.label}: GET {path} as user {user}, {requests} requests in this process", file=out)
    print(
        f"per request (median): wall {median(walls):.1f} ms, CPU of this process {median(cpus):.1f} ms, "
        f"SQL (wall, round trips included) {median(sqls):.1f} ms, queries {counts[0]} (most {max(counts)}); "
        f"{len(body):,} bytes",
        file=out,
    )
    print("\n## The queries of the last request (wall ms, SQL)\n", file=out)
    for k, (sql, seconds) in enumerate(last.queries, 1):
        text = " ".join(sql.split())
        print(f"{k:2}. {seconds * 1000:7.2f} ms  {text[:600]}{' …' if len(text) > 600 else ''}", file=out)

    # CPU time, not wall time: what the worker spends, without the waits for PostgreSQL (timed above) or for a core
    # on a busy machine.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(requests):
        _get(client, path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    print(
        f"\n## Under cProfile: {total / requests * 1000:.1f} ms of CPU a request (the profiler's overhead included: "
        "the shares are what matter)",
        file=out,
    )
    print("\n### Layers (cumulative CPU a request; they overlap)\n", file=out)
    for label, ms in _layers(stats, requests):
        print(f"{ms:7.1f} ms  {ms / (total / requests * 1000):6.1%}  {label}", file=out)
    areas = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        area = _area(filename)
        areas[area] = areas.get(area, 0.0) + tottime
    print("\n### Own CPU by area (package, app, standard library module)\n", file=out)
    for area, seconds in sorted(areas.items(), key=lambda item: -item[1])[:top]:
        print(f"{seconds / requests * 1000:7.1f} ms  {seconds / total:6.1%}  {area}", file=out)
    for title, order, restriction in (
        ("the project's functions by cumulative CPU", "cumulative", r"/(apps|server)/"),
        ("functions by own CPU", "tottime", None),
        ("functions by cumulative CPU", "cumulative", None),
    ):
        buffer = io.StringIO()
        listing = pstats.Stats(profiler, stream=buffer).sort_stats(order)
        listing.print_stats(*([restriction] if restriction else []), top)
        text = buffer.getvalue().replace(str(ROOT) + "/", "").replace(str(STDLIB) + "/", "")
        text = re.sub(r"\S*/site-packages/", "", text)
        print(f"\n### Top {top} of {title} ({requests} requests)\n", file=out)
        print(text.strip("\n"), file=out)
    return {"wall_ms": median(walls), "cpu_ms": median(cpus), "sql_ms": median(sqls), "queries": counts[0]}
