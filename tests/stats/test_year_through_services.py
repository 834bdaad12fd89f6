"""A year built through the services: every figure of the glossary, counted directly over the rows the
services wrote (tests/stats/year_world.py), printed the same under the same label on every surface: the statistics
API (summary, branch list, member table, rankings; a volunteer team's summary and member table), the dashboard
(headline tiles, branch and places tables), every Excel export (headers, lines, totals line, 口径说明) and the
service report (its figures table, sentences and tables, read back from the Word file). Residents' requests (at
the city and the places) and households paired and visited (at every node) are among the figures compared.

The world is built once for the module, in one transaction rolled back at the end (as Django's setUpTestData), on
one xdist worker. Each check collects every disagreement as "surface: node: field: expected …, got …" before
failing. The dashboard's tiles include wish services, and a branch's member table lists a member who served for it
in the period and has left since, so that its totals line is the branch's own figures.
"""

import time
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from io import BytesIO

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from apps.stats import glossary, report
from apps.stats.nodes import Level, Node
from apps.stats.periods import Period
from tests.stats.report_world import docx_sections
from tests.stats.year_world import (
    BRANCH_ROW_FIELDS,
    SETTINGS,
    STARS_MEMBER,
    SUM_FIELDS,
    YEAR,
    Clock,
    Direct,
    Target,
    YearWorld,
    month_span,
    ranked,
    year_span,
)

# Built once per module: keep its tests on one xdist worker (scripts/test runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("year_through_services")

LANGUAGE = "zh-hans"  # the tests' default language: the pages, files and answers speak it
YEAR_SPAN = year_span(YEAR)
DASH = "—"


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The year, written once through the services with timezone.now following the scenario, and its direct count."""
    with django_db_blocker.unblock():
        overrides = override_settings(**SETTINGS)
        overrides.enable()
        outer = transaction.atomic()
        outer.__enter__()
        patch = pytest.MonkeyPatch()
        try:
            clock = Clock(timezone.now)
            patch.setattr(timezone, "now", clock.now)
            started = time.monotonic()
            with translation.override(LANGUAGE):
                world = YearWorld(clock)
            patch.undo()
            world.build_seconds = time.monotonic() - started
            yield world, Direct()
        finally:
            patch.undo()
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            overrides.disable()


@pytest.fixture
def clients():
    return Clients()


@pytest.fixture
def year(built, db):
    with translation.override(LANGUAGE):
        yield built


class Checks:
    """Collects every disagreement, then fails once with all of them."""

    def __init__(self):
        self.problems = []
        self.compared = 0

    def equal(self, where, field, expected, got):
        self.compared += 1
        if expected != got:
            self.problems.append(f"{where}: {field}: expected {expected!r}, got {got!r}")

    def true(self, where, what, condition):
        self.compared += 1
        if not condition:
            self.problems.append(f"{where}: {what}")

    def done(self):
        assert not self.problems, f"{len(self.problems)} of {self.compared} comparisons disagree:\n" + "\n".join(
            self.problems
        )
        assert self.compared, "nothing was compared"


class Clients(dict):
    """One logged-in client per user, for the length of a test (its session is rolled back with the test)."""

    def __missing__(self, user):
        client = self[user] = Client()
        client.force_login(user)
        return client


def get_json(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200, (name, params, response.content[:500])
    return response.json()


# --- how each surface writes a value ------------------------------------------------------------------------------


def as_json(value):
    """The API keeps hours, rates and averages JSON numbers."""
    return float(value) if isinstance(value, Decimal) else value


def percent(rate):
    return f"{(Decimal(rate) * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def as_text(field, value):
    """A figure as the pages and the report print it: rates as percentages with one decimal, nothing as a dash."""
    if value is None:
        return DASH
    if field.endswith("_rate"):
        return percent(value)
    return str(value)


def as_cell(field, value):
    """A figure as an Excel cell holds it: a number (rates as fractions), star levels as stars, nothing as a dash."""
    if field == "stars":
        return "★" * value if value else DASH
    if value is None:
        return DASH
    return float(value)


def cell_value(value):
    return float(value) if isinstance(value, int | float | Decimal) and not isinstance(value, bool) else value


# --- the nodes ------------------------------------------------------------------------------------------------------


def org_targets(world):
    """(user who reads it, node): organ A, its branches and members; organ B and its branch."""
    targets = [(world.reviewer_a, Target("organ", world.organ_a))]
    targets += [(world.reviewer_a, Target("party_org", branch)) for branch in (world.a1, world.a2)]
    members = (world.wang, world.li, world.zhang, world.liu, world.zhou, world.chen, world.yang, world.zhao)
    targets += [(world.reviewer_a, Target("member", member)) for member in (*members, world.huang)]
    targets += [(world.reviewer_b, Target("organ", world.organ_b)), (world.reviewer_b, Target("party_org", world.b1))]
    return targets


def team_targets(world):
    """Organ A's volunteer team, read by the organ's committee."""
    return [(world.reviewer_a, Target("team", world.team))]


def place_targets(world):
    places = [Target("city"), Target("district", world.district)]
    places += [Target("street", street) for street in (world.street_e, world.street_w)]
    places += [Target("community", community) for community in (world.c1, world.c2, world.c3)]
    places += [Target("grid", grid) for grid in (world.g1a, world.g1b, world.g2a, world.g3a)]
    return [(world.district_admin, place) for place in places]


def span_params(span):
    return dict(span.params)


# --- 0. the scenario is the one described ---------------------------------------------------------------------------


def test_the_year_was_written_through_the_services_as_described(year):
    world, direct = year
    counts = world.scenario.counts
    print("\nscenario:", dict(sorted(counts.items())), f"built in {world.build_seconds:.1f} s")
    assert (counts["wish claims by a member"], counts["wish claims by a branch"], counts["wish claims by a team"]) == (
        9,
        2,
        1,
    )
    assert (counts["wish claims given back"], counts["wishes fulfilled"], counts["wishes confirmed"]) == (3, 9, 8)
    assert (counts["sign-ups"], counts["team sign-ups"], counts["no-shows"]) == (25, 2, 1)
    assert [counts[f"activities organized by {kind}"] for kind in ("a branch", "a community", "a team")] == [5, 3, 1]
    assert (counts["manual entries for several members"], counts["manual entries for one member"]) == (2, 7)
    assert (counts["self-registered services"], counts["self-registered services as a team"]) == (5, 1)
    assert (counts["households"], counts["household visits"], counts["households closed"]) == (5, 7, 1)
    assert [counts[f"household pairings {kind}"] for kind in ("with a member", "with a team", "ended")] == [5, 1, 1]
    assert [counts[f"residents' requests{kind}"] for kind in ("", " accepted", " merged", " declined")] == [7, 2, 1, 2]
    decided = ("approved", "adjusted", "rejected", "left pending")
    assert [counts[f"self-registered records {kind}"] for kind in decided] == [7, 2, 2, 2]
    statuses = Counter(row["status"] for row in direct.rows)
    # Before the teams, requests and households: 47 approved (6 amendments), 3 rejected, 1 pending. Then 6
    # self-registered services and 7 visits (9 approved, 2 of them adjusted: 2 amendments; 2 rejected, 2 pending),
    # the team's wish (2 records) and the team's activity (3).
    assert statuses == {"approved": 47 + 9 + 2 + 2 + 3, "rejected": 3 + 2, "pending": 1 + 2}, statuses
    assert sum(1 for row in direct.rows if row["amends_id"]) == 6 + 2  # two attendances, four manual records, two self
    # Organ A's year worked out by hand from the story, so that the direct count is itself checked.
    organ = direct.figures(Target("organ", world.organ_a), YEAR_SPAN)
    assert (organ["members"], organ["registered_members"], organ["registration_rate"]) == (9, 7, Decimal("0.7778"))
    # Activities: March 4 (not B's member), May 1 (one rejected), June 1, August 4, the patrol 1 (the member who
    # checked in after midnight serves in 2026), October none (corrected to 0 minutes), the team's 2 (not B's
    # member). Wishes: the one claimed in December 2024, w1, w2 (two members), w7, the one whose service started at
    # 23:30 on New Year's Eve, the team's (two members). Manual: February's occasion (2 of A), a lone record, the
    # corrected one, October's occasion (3 approved). Self-registered: 李娜's, 张伟's (adjusted), 赵敏's, 陈静's as the
    # team, and three visits (周杰's two, 陈静's for the team, adjusted); not 王芳's (one pending, one rejected).
    assert (organ["services"], organ["person_times"], organ["members_served"]) == (
        6 + 6 + 4 + 7,
        13 + 8 + 7 + 7,
        7,
    )
    # Minutes: activities 1360 + 240 (the team's), wishes 360 + 120, manual 660, self-registered 90 + 60 + 60 + 120
    # and visits 60 + 60 + 60.
    assert (organ["minutes"], organ["hours"]) == (1600 + 480 + 660 + 510, Decimal("54.2"))
    # The team's wish serves two residents: the second request, merged into it, was another resident's.
    assert organ["residents_served"] == (
        (35 + 20 + 12 + 8 + 5 + 10) + (1 + 1 + 3 + 4 + 1 + 2) + (12 + 2 + 5 + 4) + (2 + 2 + 1 + 4 + 1 + 1 + 1)
    )
    assert (organ["wish_services"], organ["points"]) == (8, 266 + 120 + 110 + 85)
    # Claims of 2025: w1 w2 w3 w5 w6 w7 w9 w10 (w7 once, though claimed twice); w4 was claimed in 2024. The team's
    # claim is the team's: neither a member's nor a branch's.
    assert [organ[k] for k in ("wishes_claimed", "wishes_fulfilled", "wishes_confirmed")] == [8, 6, 5]
    assert (organ["wish_completion_rate"], organ["wishes_solved"]) == (Decimal("0.6250"), 6)
    # March, August and the patrol (starts on New Year's Eve); not December 2024's, the draft, the cancelled one or
    # the team's (organized by the team with the community, not by a branch).
    assert (organ["activities_organized"], organ["activities_joined"]) == (3, 6)
    # 刘洋, 黄勇 served nothing; 杨磊 is below the target (赵敏 reaches it with his self-registered hour).
    assert (organ["zero_service_members"], organ["below_target_members"]) == (2, 3)
    assert organ["target_completion_rate"] == Decimal("0.6667")
    # Households: 周杰's (paired in March, visited in May and September), the team's (also 王芳's from June, visited
    # by 陈静 as the team), 王芳's (closed in October, its one visit pending), 杨磊's (paired on New Year's Eve,
    # visited in 2026); organ B's member's, ended on New Year's Day, is organ B's.
    assert (organ["households_paired"], organ["households_visited"]) == (4, 2)
    branch = {b: direct.figures(Target("party_org", b), YEAR_SPAN) for b in (world.a1, world.a2)}
    # 周杰's household is the first branch's until July and the second's from then; the team's pairing is the
    # organ's only; 王芳's two are the first branch's, 杨磊's the second's.
    assert (branch[world.a1]["households_paired"], branch[world.a2]["households_paired"]) == (3, 2)
    # Visited: the first branch's by 周杰 in May; the second's by 周杰 in September and 陈静 for the team.
    assert (branch[world.a1]["households_visited"], branch[world.a2]["households_visited"]) == (1, 2)
    team = direct.figures(Target("team", world.team), YEAR_SPAN)
    # The team: its wish (two members), its activity (two members), 陈静's service and visit as the team.
    assert (team["services"], team["person_times"], team["members_served"], team["members"]) == (4, 6, 3, 3)
    assert (team["minutes"], team["wishes_claimed"], team["activities_organized"]) == (120 + 240 + 120 + 60, 1, 1)
    assert (team["households_paired"], team["households_visited"]) == (1, 1)
    city = direct.figures(Target("city"), YEAR_SPAN)
    # Requests of 2025: five (one of December 2024, one of January 2026 aside); accepted two, merged one; done the
    # two in the team's wish.
    assert [city[k] for k in ("requests_received", "requests_accepted", "requests_done")] == [5, 3, 2]
    # Households paired in 2025: all five (周阿姨's until New Year's Day, 郑奶奶's from New Year's Eve); visited two,
    # 钱奶奶's and 孙爷爷's (周阿姨's was visited in 2024, 郑奶奶's in 2026, and 吴大爷's visit is pending).
    assert (city["households_paired"], city["households_visited"]) == (5, 2)


# --- 1. the API ---------------------------------------------------------------------------------------------------


def test_the_summary_answers_every_figure_of_the_direct_count(year, clients):
    world, direct = year
    checks = Checks()
    edges = (year_span(YEAR - 1), month_span(YEAR - 1, 12), month_span(YEAR, 12), month_span(YEAR + 1, 1))
    # The years around and the months at either end of 2025, where the day of claim and the day of service matter.
    with_edges = {Target("organ", world.organ_a), Target("party_org", world.a2), Target("district", world.district)}
    with_edges.add(Target("community", world.c2))  # the night patrol's
    with_edges.add(Target("team", world.team))
    for user, target in org_targets(world) + team_targets(world) + place_targets(world):
        client = clients[user]
        spans = [YEAR_SPAN, *(edges if target in with_edges else ())]
        for span in spans:
            metrics = get_json(client, "stats-summary", **target.params(), **span_params(span))["metrics"]
            expected = direct.figures(target, span)
            where = f"API summary {target.level} {target.name} {span.first}..{span.last}"
            checks.equal(where, "fields", sorted(expected), sorted(metrics))
            for field, value in expected.items():
                checks.equal(where, field, as_json(value), metrics.get(field))
    checks.done()


def _compare_rows(checks, where, expected_rows, got_rows, fields, convert=as_json):
    expected_by_id = {row["id"]: row for row in expected_rows}
    got_by_id = {row["id"]: row for row in got_rows}
    checks.equal(where, "rows", sorted(expected_by_id, key=str), sorted(got_by_id, key=str))
    for pk, expected in expected_by_id.items():
        got = got_by_id.get(pk, {})
        for field in fields:
            checks.equal(f"{where} row {expected['name']}", field, convert(expected[field]), got.get(field))


def test_the_branch_list_and_the_member_table_answer_the_direct_count(year, clients):
    world, direct = year
    checks = Checks()
    for user, organ in ((world.reviewer_a, world.organ_a), (world.reviewer_b, world.organ_b)):
        client = clients[user]
        params = {"level": "organ", "id": organ.pk, "year": YEAR}
        rows = get_json(client, "stats-branches", **params)["results"]
        fields = ("name", *BRANCH_ROW_FIELDS, "average_points")
        _compare_rows(checks, f"API branches {organ.name}", direct.branch_rows(organ, YEAR_SPAN), rows, fields)
    tables = [(u, t) for u, t in org_targets(world) + team_targets(world) if t.level in ("organ", "party_org", "team")]
    for user, target in tables:
        rows = get_json(clients[user], "stats-members", **target.params(), year=YEAR)["results"]
        now = direct.members_listed(target, YEAR_SPAN)
        expected = [row for row in direct.member_rows(target, YEAR_SPAN) if row["id"] in now]
        fields = ("name", "branch", "registered", *SUM_FIELDS, "stars", "meets_target")
        _compare_rows(checks, f"API member table {target.name}", expected, rows, fields)
    checks.done()


def rankings(world, direct):
    """(user, node, of, metric, fields compared, the direct rows ranked)."""
    span = YEAR_SPAN
    member_fields = ("name", "branch", *SUM_FIELDS, "stars", "rank")
    place_fields = ("name", "members", "members_served", *SUM_FIELDS, "rank")
    organ_a, a1, district = (
        Target("organ", world.organ_a),
        Target("party_org", world.a1),
        Target("district", world.district),
    )
    out = [
        (world.reviewer_a, organ_a, "members", metric, member_fields, ranked(direct.member_rows(organ_a, span), metric))
        for metric in ("hours", "points", "person_times")
    ]
    out += [
        (world.reviewer_a, a1, "members", "hours", member_fields, ranked(direct.member_rows(a1, span), "hours")),
        (
            world.reviewer_a,
            organ_a,
            "branches",
            "points",
            ("name", "members", "members_served", *SUM_FIELDS, "average_points", "stars", "rank"),
            ranked(direct.branch_rows(world.organ_a, span), "points"),
        ),
        (
            world.district_admin,
            Target("city"),
            "organs",
            "hours",
            ("name", "members", *SUM_FIELDS, "rank"),
            ranked(direct.organ_rows(span), "hours"),
        ),
        (
            world.district_admin,
            district,
            "streets",
            "hours",
            place_fields,
            ranked(direct.place_rows(district, "street", span), "hours"),
        ),
        (
            world.district_admin,
            district,
            "communities",
            "person_times",
            (*place_fields, "street"),
            ranked(direct.place_rows(district, "community", span), "person_times"),
        ),
    ]
    for place in (district, Target("street", world.street_e), Target("street", world.street_w)):
        if place.level == "street":
            rows = ranked(direct.place_rows(place, "community", span), "points")
            out.append((world.district_admin, place, "communities", "points", place_fields, rows))
        out.append(
            (
                world.district_admin,
                place,
                "organs",
                "hours",
                place_fields,
                ranked(direct.organs_in_place(place, span), "hours"),
            )
        )
    for place in (Target("community", world.c1), Target("community", world.c3), Target("grid", world.g1a)):
        rows = ranked(direct.organs_in_place(place, span), "points")
        out.append((world.district_admin, place, "organs", "points", place_fields, rows))
    return out


def test_every_ranking_answers_the_direct_count_and_its_ranks(year, clients):
    world, direct = year
    checks = Checks()
    for user, target, of, metric, fields, expected in rankings(world, direct):
        answer = get_json(clients[user], "stats-rankings", **target.params(), year=YEAR, of=of, metric=metric)
        where = f"API ranking of {of} by {metric} at {target.level} {target.name}"
        _compare_rows(checks, where, expected, answer["rows"], fields)
        # Listed in rank order, ties by name then id.
        checks.equal(where, "order", [row["id"] for row in expected], [row["id"] for row in answer["rows"]])
    checks.done()


# --- 2. the dashboard -------------------------------------------------------------------------------------------


class _PageParser(HTMLParser):
    """The headline tiles (div.stat[data-key] with div.value, div.label, div.note) and the tables of a page."""

    def __init__(self):
        super().__init__()
        self.tiles, self.tables = [], []
        self._divs = []  # what each open <div> is: "tile", a part of a tile, or None
        self._part = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "div":
            if "stat" in classes and "data-key" in attrs:
                self.tiles.append({"key": attrs["data-key"], "value": "", "label": "", "note": ""})
                self._divs.append("tile")
            elif self._divs and "tile" in self._divs and classes and classes[0] in ("value", "label", "note"):
                self._part = classes[0]
                self._divs.append(classes[0])
            else:
                self._divs.append(None)
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("th", "td") and self.tables and self.tables[-1]:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "div" and self._divs:
            if self._divs.pop() == self._part:
                self._part = None
        elif tag in ("th", "td") and self._cell is not None:
            self.tables[-1][-1].append(" ".join(self._cell.split()))
            self._cell = None

    def handle_data(self, data):
        if self._part is not None:
            self.tiles[-1][self._part] += data
        if self._cell is not None:
            self._cell += data


def page(client, name, target, **params):
    response = client.get(reverse(name), {"node": target.form_value(), "kind": "year", "year": YEAR, **params})
    assert response.status_code == 200, (name, target, response.status_code)
    parser = _PageParser()
    parser.feed(response.content.decode())
    return parser


# Figures without a tile: the minutes (the tiles show the hours computed from them).
NOT_ON_TILES = ("minutes",)
# Tiles: each figure with its own tile; the rates and the target are written in the note of another tile.
TILE_NOTES = {
    "registered_members": ("registration_rate",),
    "wishes_confirmed": ("wish_completion_rate",),
    "below_target_members": ("target_hours", "target_completion_rate"),
}


def test_the_dashboard_tiles_show_each_figure_under_its_glossary_label(year, clients):
    world, direct = year
    checks = Checks()
    for user, target in org_targets(world) + place_targets(world):
        if target.level == "member":
            continue  # the dashboard is the committees' and administrators'; a member's figures are the API's
        tiles = page(clients[user], "dashboard:home", target).tiles
        expected = direct.figures(target, YEAR_SPAN)
        where = f"dashboard tiles {target.level} {target.name}"
        shown = {tile["key"] for tile in tiles}
        noted = {field for fields in TILE_NOTES.values() for field in fields}
        wanted = {field for field in expected if field not in noted and field not in NOT_ON_TILES}
        wanted -= {"activities_organized"} if expected["activities_organized"] is None else set()
        checks.equal(where, "tiles", sorted(wanted), sorted(shown))
        for tile in tiles:
            field = tile["key"]
            checks.equal(where, f"{field} label", glossary.label(field), tile["label"].strip())
            checks.equal(where, field, as_text(field, expected.get(field)), tile["value"].strip())
            for noted_field in TILE_NOTES.get(field, ()):
                if expected[noted_field] is None and noted_field == "registration_rate":
                    continue  # a place has no registration rate: no note
                text = as_text(noted_field, expected[noted_field])
                checks.true(
                    where,
                    f"note of {field} says {glossary.label(noted_field)} {text}: {tile['note'].strip()!r}",
                    glossary.label(noted_field) in tile["note"] and text in tile["note"],
                )
    checks.done()


def test_the_dashboard_shows_the_wish_services_on_a_tile(year, clients):
    world, direct = year
    target = Target("organ", world.organ_a)
    tiles = {tile["key"]: tile for tile in page(clients[world.reviewer_a], "dashboard:home", target).tiles}
    expected = direct.figures(target, YEAR_SPAN)["wish_services"]
    assert "wish_services" in tiles, f"dashboard tiles {target.name}: wish_services: expected {expected}, got no tile"
    assert tiles["wish_services"]["value"].strip() == str(expected)
    assert tiles["wish_services"]["label"].strip() == glossary.label("wish_services")


def _table_by_label(table):
    """{row name: {field: cell text}} of a dashboard table whose headers are glossary labels."""
    header, *rows = table
    fields = [glossary.field_of_label(text) for text in header]
    return {row[0]: {field: cell for field, cell in zip(fields, row, strict=True) if field} for row in rows}, fields


def test_the_dashboard_branch_and_places_tables_show_the_direct_count(year, clients):
    world, direct = year
    checks = Checks()
    client = clients[world.reviewer_a]
    [table] = page(client, "dashboard:branches", Target("organ", world.organ_a)).tables
    rows, fields = _table_by_label(table)
    where = "dashboard branch table 市年度局"
    checks.equal(where, "columns", 12, len([f for f in fields if f]))
    expected_rows = direct.branch_rows(world.organ_a, YEAR_SPAN)
    checks.equal(where, "rows", [row["name"] for row in expected_rows], list(rows))
    for expected in expected_rows:
        got = rows.get(expected["name"], {})
        for field in got:
            checks.equal(f"{where} {expected['name']}", field, as_text(field, expected[field]), got[field])

    client = clients[world.district_admin]
    for place, level in (
        (Target("district", world.district), "street"),
        (Target("street", world.street_e), "community"),
        (Target("street", world.street_w), "community"),
        (Target("community", world.c1), "grid"),
        (Target("community", world.c2), "grid"),
    ):
        [table] = page(client, "dashboard:places", place).tables
        rows, fields = _table_by_label(table)
        where = f"dashboard places table {place.name}"
        checks.equal(where, "columns", 6, len([f for f in fields if f]))
        expected_rows = direct.place_rows(place, level, YEAR_SPAN)
        names = [row["name"] or _("No grid") for row in expected_rows]
        checks.equal(where, "rows", names, list(rows))
        for expected, name in zip(expected_rows, names, strict=True):
            got = rows.get(name, {})
            for field in got:
                key = "members" if field == "registered_members" else field
                checks.equal(f"{where} {name}", field, as_text(field, expected[key]), got[field])
    checks.done()


# --- 3. the Excel exports -----------------------------------------------------------------------------------------

HEADER_ROW, FIRST_ROW = 2, 3


def download(client, name, target, **params):
    response = client.get(reverse(name), {**target.params(), "year": YEAR, **params})
    assert response.status_code == 200, (name, target, response.content[:300])
    return response.content


def read_table(sheet):
    """(headers, lines, totals line, notes) of one export sheet: a title row, the headers, lines numbered from 1,
    maybe a line headed 合计 (Total), then notes."""
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    headers = rows[HEADER_ROW - 1]
    lines, totals, notes = [], None, []
    for row in rows[FIRST_ROW - 1 :]:
        if isinstance(row[0], int):
            lines.append(dict(zip(headers, row, strict=True)))
        elif row[0] == _("Total"):
            totals = dict(zip(headers, row, strict=True))
        elif row[0]:
            notes.append(row[0])
    return headers, lines, totals, notes


def check_definitions(checks, where, book):
    """Every glossary label among the workbook's headers has its definition on the sheet 口径说明."""
    labelled = set()
    for sheet in book.worksheets:
        if sheet.title == _("Definitions")[:31]:
            continue
        labelled |= {
            glossary.field_of_label(cell) for cell in next(sheet.iter_rows(min_row=HEADER_ROW, values_only=True))
        }
    labelled.discard(None)
    definitions = book[_("Definitions")[:31]]
    rows = {row[0]: row for row in definitions.iter_rows(values_only=True) if row and row[0]}
    for field in sorted(labelled):
        figure = glossary.figure(field)
        row = rows.get(str(figure.label))
        checks.true(f"{where} 口径说明", f"no line for {figure.label}", row is not None)
        if row is not None:
            checks.equal(f"{where} 口径说明 {figure.label}", "definition", str(figure.definition), row[1])
            checks.equal(
                f"{where} 口径说明 {figure.label}", "counts", f"{figure.counts.name}: {figure.counts.text}", row[2]
            )
            checks.equal(f"{where} 口径说明 {figure.label}", "date", f"{figure.date.name}: {figure.date.text}", row[3])


def check_lines(
    checks,
    where,
    headers,
    lines,
    key_header,
    expected_rows,
    *,
    name_of=lambda row: row["name"],
    keys=None,
    ordered=True,
):
    """Each line's figures (columns headed by a glossary label) against the expected row of the same name; the lines
    in the expected order unless `ordered` is false (names sorted by the database's collation)."""
    keys = keys or {}
    fields = {header: glossary.field_of_label(header) for header in headers}
    got = {line[key_header]: line for line in lines}
    names, got_names = [name_of(row) for row in expected_rows], [line[key_header] for line in lines]
    checks.equal(where, "lines", names if ordered else sorted(names), got_names if ordered else sorted(got_names))
    for row in expected_rows:
        line = got.get(name_of(row), {})
        for header, field in fields.items():
            if field is None:
                continue
            expected = row[keys.get(field, field)]
            checks.equal(f"{where} {name_of(row)}", header, as_cell(field, expected), cell_value(line.get(header)))


def check_totals(checks, where, headers, totals, expected):
    """The totals line: every glossary column that has a total equals the node's own figure."""
    checks.true(where, "no totals line", totals is not None)
    for header in headers:
        field = glossary.field_of_label(header)
        if field is None or totals is None or totals.get(header) is None:
            continue
        checks.equal(f"{where} totals", header, as_cell(field, expected[field]), cell_value(totals[header]))


def test_the_member_tables_and_their_totals_equal_the_direct_count(year, clients):
    world, direct = year
    checks = Checks()
    for user, target in org_targets(world):
        if target.level not in ("organ", "party_org"):
            continue
        book = load_workbook(BytesIO(download(clients[user], "stats-export-members", target)))
        headers, lines, totals, _notes = read_table(book.worksheets[0])
        where = f"member table {target.name}"
        fields = [glossary.field_of_label(header) for header in headers]
        checks.equal(
            where,
            "figure columns",
            ["person_times", "hours", "residents_served", "wish_services", "points", "stars"],
            [field for field in fields if field],
        )
        now = direct.members_listed(target, YEAR_SPAN)
        rows = [row for row in direct.member_rows(target, YEAR_SPAN) if row["id"] in now]
        check_lines(checks, where, headers, lines, _("Name"), rows, ordered=False)
        met = {line[_("Name")]: line[_("Target met")] for line in lines}
        checks.equal(
            where, "target met", {row["name"]: _("Met") if row["meets_target"] else _("Not met") for row in rows}, met
        )
        # The totals line: sums of the lines, residents served once per service (the node's own figure).
        listed = direct.services(target, YEAR_SPAN, lambda r, now=now: r["member_id"] in now)
        expected = {**direct.sums(listed), "residents_served": direct.figures(target, YEAR_SPAN)["residents_served"]}
        check_totals(checks, where, headers, totals, expected)
        check_definitions(checks, where, book)
    checks.done()


def test_a_branch_member_tables_totals_equal_the_branchs_figures_after_a_member_left(year, clients):
    world, direct = year
    target = Target("party_org", world.a1)  # 周杰 served with it in March and moved to the second branch in July
    book = load_workbook(BytesIO(download(clients[world.reviewer_a], "stats-export-members", target)))
    headers, _lines, totals, _notes = read_table(book.worksheets[0])
    checks = Checks()
    check_totals(checks, f"member table {target.name}", headers, totals, direct.figures(target, YEAR_SPAN))
    checks.done()


def test_the_branch_summary_and_its_totals_line_equal_the_direct_count(year, clients):
    world, direct = year
    checks = Checks()
    for user, organ in ((world.reviewer_a, world.organ_a), (world.reviewer_b, world.organ_b)):
        target = Target("organ", organ)
        book = load_workbook(BytesIO(download(clients[user], "stats-export-branches", target)))
        headers, lines, totals, _notes = read_table(book.worksheets[0])
        where = f"branch summary {organ.name}"
        fields = [glossary.field_of_label(header) for header in headers]
        checks.equal(where, "figure columns", 13, len([field for field in fields if field]))
        check_lines(checks, where, headers, lines, _("Party branch"), direct.branch_rows(organ, YEAR_SPAN))
        # The totals line is the organ's: distinct counts are its own, rates and averages worked out from the totals.
        figures = direct.figures(target, YEAR_SPAN)
        figures["average_points"] = Decimal(figures["points"] / figures["members"]).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
        check_totals(checks, where, headers, totals, figures)
        check_definitions(checks, where, book)
    checks.done()


def test_the_unregistered_and_zero_service_lists_equal_the_direct_count(year, clients):
    world, direct = year
    checks = Checks()
    for user, target in org_targets(world):
        if target.level not in ("organ", "party_org"):
            continue
        book = load_workbook(BytesIO(download(clients[user], "stats-export-lists", target)))
        unregistered, zero = book.worksheets[0], book.worksheets[1]
        for sheet, expected in (
            (unregistered, direct.unregistered(target)),
            (zero, direct.zero_service(target, YEAR_SPAN)),
        ):
            headers, lines, _totals, notes = read_table(sheet)
            where = f"{sheet.title} {target.name}"
            names = sorted(direct.members[pk].user.name for pk in expected)
            checks.equal(where, "names", names, sorted(line[_("Name")] for line in lines))
            checks.equal(where, "count", _("%(count)d members in total.") % {"count": len(names)}, notes[0])
        # The tiles' zero-service figure is the list's length.
        checks.equal(
            f"zero service {target.name}",
            glossary.label("zero_service_members"),
            direct.figures(target, YEAR_SPAN)["zero_service_members"],
            len(read_table(zero)[1]),
        )
    checks.done()


def test_the_place_summaries_and_organs_in_the_area_equal_the_direct_count(year, clients):
    world, direct = year
    checks = Checks()
    client = clients[world.district_admin]
    keys = {"registered_members": "members"}
    for place in (
        Target("district", world.district),
        Target("street", world.street_e),
        Target("street", world.street_w),
        Target("community", world.c1),
        Target("community", world.c2),
        Target("community", world.c3),
    ):
        figures = {**direct.figures(place, YEAR_SPAN), "registered_members": len(direct.members_now(place))}
        book = load_workbook(BytesIO(download(client, "stats-export-places", place)))
        levels = {"district": ("street", "community"), "street": ("community",), "community": ("grid",)}[place.level]
        for sheet, level in zip(book.worksheets, levels, strict=False):
            headers, lines, totals, _notes = read_table(sheet)
            where = f"place summary {place.name} {sheet.title}"
            header = {"street": _("Street"), "community": _("Community"), "grid": _("Grid")}[level]
            rows = direct.place_rows(place, level, YEAR_SPAN)
            check_lines(
                checks, where, headers, lines, header, rows, name_of=lambda row: row["name"] or _("No grid"), keys=keys
            )
            if place.level == "district" and level == "community":
                checks.equal(where, "streets", [row["street"] for row in rows], [line[_("Street")] for line in lines])
            check_totals(checks, where, headers, totals, figures)
        check_definitions(checks, f"place summary {place.name}", book)

    for place in (
        Target("district", world.district),
        Target("street", world.street_e),
        Target("street", world.street_w),
        Target("community", world.c1),
        Target("community", world.c2),
        Target("community", world.c3),
        Target("grid", world.g1a),
        Target("grid", world.g2a),
    ):
        figures = {**direct.figures(place, YEAR_SPAN), "registered_members": len(direct.members_now(place))}
        book = load_workbook(BytesIO(download(client, "stats-export-organs-in-area", place)))
        headers, lines, totals, _notes = read_table(book.worksheets[0])
        where = f"organs in the area {place.name}"
        rows = ranked(direct.organs_in_place(place, YEAR_SPAN), "hours")
        check_lines(checks, where, headers, lines, _("Organ"), rows, keys=keys)
        checks.equal(where, "ranks", [row["rank"] for row in rows], [line[_("Rank")] for line in lines])
        check_totals(checks, where, headers, totals, figures)
        check_definitions(checks, where, book)
    checks.done()


# --- 4. the service report ---------------------------------------------------------------------------------------


def _node(target):
    return Node(Level(target.level), target.obj)


def report_sections(client, target):
    return docx_sections(download(client, "stats-export-report", target, format="docx"))


def body_of(section):
    return section["rows"][1:]


def test_the_service_report_prints_the_direct_count_in_its_figures_sentences_and_tables(year, clients):
    world, direct = year
    checks = Checks()
    period = Period(YEAR_SPAN.first, YEAR_SPAN.last, "year")
    for user, target in (
        (world.reviewer_a, Target("organ", world.organ_a)),
        (world.reviewer_a, Target("party_org", world.a1)),
        (world.reviewer_a, Target("party_org", world.a2)),
        (world.reviewer_b, Target("organ", world.organ_b)),
        (world.district_admin, Target("district", world.district)),
        (world.district_admin, Target("street", world.street_e)),
        (world.district_admin, Target("street", world.street_w)),
    ):
        sections = report_sections(clients[user], target)
        expected = direct.figures(target, YEAR_SPAN)
        where = f"report {target.level} {target.name}"

        # The figures table: every figure, under its label, with the number the direct count gives.
        figures = {label: value for label, value, _unit in body_of(sections[_("Main figures")])}
        checks.equal(where, "figures", sorted(glossary.label(field) for field in expected), sorted(figures))
        for field, value in expected.items():
            checks.equal(
                f"{where} figures table",
                glossary.label(field),
                as_text(field, value),
                figures.get(glossary.label(field)),
            )

        # The sentences: the report's standard sentences filled in with the direct count must be the ones it printed.
        texts = {field: value for field, value in expected.items()}
        sentences = list(report._summary(_node(target), period, texts))
        checks.equal(where, "sentences", sentences, sections[_("General situation")]["paragraphs"])

        if target.is_org:
            organ = world.organ_a if target.obj in (world.organ_a, world.a1, world.a2) else world.organ_b
            branch_rows = direct.branch_rows(organ, YEAR_SPAN)
            if target.level == "party_org":
                branch_rows = [row for row in branch_rows if row["id"] == target.pk]
            table = sections[_("Service of each branch")]["rows"]
            checks.equal(where, "branch columns", [glossary.label(f) for f in report.BRANCH_FIELDS], table[0][1:])
            checks.equal(
                f"{where} branch table",
                "lines",
                [[row["name"], *(as_text(f, row[f]) for f in report.BRANCH_FIELDS)] for row in branch_rows],
                table[1:],
            )
            members = ranked(direct.member_rows(target, YEAR_SPAN), "hours")[: report.RANKING_TOP]
            heading = _("Top %(count)d members by service hours") % {"count": len(members)}
            checks.equal(
                f"{where} ranking",
                "lines",
                [
                    [
                        str(row["rank"]),
                        row["name"],
                        row["branch"],
                        *(as_text(f, row[f]) for f in ("hours", "points", "person_times", "stars")),
                    ]
                    for row in members
                ],
                body_of(sections.get(heading, {"rows": [[]]})),
            )
            unregistered = sorted(direct.members[pk].user.name for pk in direct.unregistered(target))
            got = sorted(row[1] for row in body_of(sections[_("Unregistered members")]))
            checks.equal(where, "unregistered members", unregistered, got)
        else:
            levels = (("street", _("Service of each street")),) if target.level == "district" else ()
            levels += (("community", _("Service of each community")),)
            for level, heading in levels:
                rows = direct.place_rows(target, level, YEAR_SPAN)
                table = sections[heading]["rows"]
                with_street = level == "community" and target.level == "district"
                lines = []
                for row in rows:
                    line = [row["name"], *([row["street"]] if with_street else [])]
                    line += [as_text(field, row[key]) for field, key in report.PLACE_FIELDS]
                    lines.append(line)
                checks.equal(f"{where} {heading}", "lines", lines, table[1:])
                labels = [glossary.label(field) for field, _key in report.PLACE_FIELDS]
                checks.equal(f"{where} {heading}", "columns", labels, table[0][2 if with_street else 1 :])

        zero = sorted(direct.members[pk].user.name for pk in direct.zero_service(target, YEAR_SPAN))
        got = sorted(row[1] for row in body_of(sections[glossary.label("zero_service_members")]))
        checks.equal(where, "zero-service members", zero, got)
        checks.equal(where, "zero-service count", expected["zero_service_members"], len(got))

        # 口径说明: each figure the report names, with its definition from the glossary.
        definitions = {row[0]: row[1] for row in body_of(sections[_("Definitions of the figures")])}
        for field in expected:
            figure = glossary.figure(field)
            checks.equal(
                f"{where} 口径说明", str(figure.label), str(figure.definition), definitions.get(str(figure.label))
            )
    checks.done()


def test_a_members_stars_follow_the_years_thresholds(year, clients):
    """The member thresholds the direct count uses are the ones the module set (STAR_POINTS_MEMBER)."""
    world, direct = year
    answer = get_json(clients[world.reviewer_a], "stats-star-rules", year=YEAR)
    assert tuple(answer["member"]) == STARS_MEMBER
