"""The statistics benchmark's measurements: each read repeated and timed, the same figures computed straight from
the ledger (the floor without roll-ups), the check that both agree, and the Markdown report.
"""

import math
import os
import platform
import statistics
import time
from dataclasses import dataclass, field

import django
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from apps.activities.models import Activity, SignUp
from apps.ledger.models import RecordStatus, ServiceRecord, ServiceSource
from apps.ledger.points import points_per_confirmed_wish, points_per_hour
from apps.orgs.models import Member, Organ
from apps.stats import exports, selectors
from apps.stats.nodes import Level, Node
from apps.stats.periods import year_period

from .city import BIG_ORGAN_NAME

TYPICAL_ORGANS = 5  # the dashboard is timed on these in turn
FIGURES = ("person_times", "minutes", "residents_served", "wish_services", "points")
# The figures that are sums over the services (residents served are counted once per service at each node).
SUMS = ("person_times", "minutes", "wish_services", "points")

# Targets of issue #5: p95 in milliseconds.
TARGETS_MS = {"dashboard": 100, "ranking": 500, "export": 3000}


@dataclass
class Timing:
    key: str
    label: str
    runs: list = field(default_factory=list)  # seconds
    target_ms: float | None = None
    floor: str | None = None  # key of the direct-aggregate timing it is compared with

    def _ms(self, seconds):
        return seconds * 1000

    @property
    def median_ms(self):
        return self._ms(statistics.median(self.runs))

    @property
    def p95_ms(self):
        """Nearest-rank 95th percentile: with 30 runs, the 29th fastest."""
        ordered = sorted(self.runs)
        return self._ms(ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)])

    @property
    def min_ms(self):
        return self._ms(min(self.runs))

    @property
    def max_ms(self):
        return self._ms(max(self.runs))

    @property
    def met(self):
        return None if self.target_ms is None else self.p95_ms < self.target_ms


def time_calls(timing, call, *, repeat, warmup):
    """Call `call(i)` warmup times untimed, then repeat times timed with time.perf_counter."""
    for i in range(warmup):
        call(i)
    for i in range(repeat):
        started = time.perf_counter()
        call(warmup + i)
        timing.runs.append(time.perf_counter() - started)
    return timing


# --- the same figures straight from the ledger ------------------------------------------------------------------

# Each approved service (an original and its approved amendments share member, organ, place, source and start) with
# its effective figures; the outer query sums them, applying the points rule per service as the roll-ups do.
_SERVICES_SQL = """
    SELECT COALESCE(r.amends_id, r.id) AS service, r.organ_id, r.member_id, r.source,
           SUM(r.credited_minutes) AS minutes,
           SUM(CASE WHEN r.amends_id IS NULL THEN 1 ELSE 0 END) AS originals
    FROM {table} r
    WHERE r.status = %s AND r.started_at >= %s AND r.started_at < %s{organ}
    GROUP BY COALESCE(r.amends_id, r.id), r.organ_id, r.member_id, r.source
"""
_FIGURES_SQL = """
    SUM(s.originals), SUM(s.minutes),
    SUM(CASE WHEN s.source = %s THEN s.originals ELSE 0 END),
    SUM(CASE WHEN s.minutes > 0 THEN s.minutes ELSE 0 END * %s / 60
        + CASE WHEN s.source = %s AND s.originals > 0 THEN %s ELSE 0 END)
"""


def _direct(select, *, period, organ_id=None, group_by=None):
    start, end = period.bounds
    adapt = connection.ops.adapt_datetimefield_value
    services = _SERVICES_SQL.format(
        table=connection.ops.quote_name(ServiceRecord._meta.db_table),
        organ=" AND r.organ_id = %s" if organ_id is not None else "",
    )
    sql = f"SELECT {select} FROM ({services}) s" + (f" GROUP BY s.{group_by}" if group_by else "")
    wish = ServiceSource.WISH.value
    params = [wish, points_per_hour(), wish, points_per_confirmed_wish()]
    params += [RecordStatus.APPROVED.value, adapt(start), adapt(end)]
    if organ_id is not None:
        params.append(organ_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _ints(values):
    return tuple(int(v or 0) for v in values)


# Residents served: each service a group (organ or member) holds in the period once, with its residents
# (docs/statistics.md, "Residents served"). A group holds a service when one of its approved originals starting in
# the period comes to more than 0 minutes with its approved amendments. A service is its activity (the residents
# entered on the activity), its wish or its manual occasion (the residents on all their approved records and
# amendments), or a manual record entered alone (its own with its amendments').
_RESIDENTS_SQL = """
    SELECT h.grp, SUM(h.residents) FROM (
        SELECT DISTINCT o.{group} AS grp, o.source AS source,
            CASE WHEN o.source = %s THEN CAST(su.activity_id AS VARCHAR(40))
                 WHEN o.source = %s THEN CAST(o.source_id AS VARCHAR(40))
                 WHEN o.occasion IS NOT NULL THEN CAST(o.occasion AS VARCHAR(40))
                 ELSE CAST(o.id AS VARCHAR(40)) END AS service,
            CASE WHEN o.source = %s THEN COALESCE(a.residents_served, 0)
                 WHEN o.source = %s THEN (
                     SELECT SUM(w.residents_served) FROM {records} w
                     WHERE w.source = o.source AND w.source_id = o.source_id AND w.status = %s)
                 WHEN o.occasion IS NOT NULL THEN (
                     SELECT SUM(m.residents_served) FROM {records} m
                     WHERE m.status = %s AND (m.occasion = o.occasion
                         OR m.amends_id IN (SELECT g.id FROM {records} g WHERE g.occasion = o.occasion)))
                 ELSE o.residents_served + COALESCE((
                     SELECT SUM(m.residents_served) FROM {records} m WHERE m.amends_id = o.id AND m.status = %s), 0)
            END AS residents
        FROM {records} o
        LEFT JOIN {signups} su ON o.source = %s AND su.id = o.source_id
        LEFT JOIN {activities} a ON a.id = su.activity_id
        WHERE o.status = %s AND o.amends_id IS NULL AND o.started_at >= %s AND o.started_at < %s{organ}
          AND o.credited_minutes + COALESCE((
              SELECT SUM(e.credited_minutes) FROM {records} e WHERE e.amends_id = o.id AND e.status = %s), 0) > 0
    ) h
    GROUP BY h.grp
"""


def _direct_residents(*, period, group_by, organ_id=None):
    """{organ or member id: residents served} in the period, straight from the ledger and the activities."""
    start, end = period.bounds
    adapt = connection.ops.adapt_datetimefield_value
    quote = connection.ops.quote_name
    sql = _RESIDENTS_SQL.format(
        group=group_by,
        records=quote(ServiceRecord._meta.db_table),
        signups=quote(SignUp._meta.db_table),
        activities=quote(Activity._meta.db_table),
        organ=" AND o.organ_id = %s" if organ_id is not None else "",
    )
    activity, wish, approved = ServiceSource.ACTIVITY.value, ServiceSource.WISH.value, RecordStatus.APPROVED.value
    params = [activity, wish, activity, wish, approved, approved, approved, activity, approved, adapt(start)]
    params += [adapt(end), *([organ_id] if organ_id is not None else []), approved]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {group: int(residents or 0) for group, residents in cursor.fetchall()}


def _figures(values, residents):
    return {**dict(zip(SUMS, values, strict=True)), "residents_served": residents}


def direct_organ_figures(*, organ_id, period):
    """An organ's figures in the period and its members who served: one aggregate over the ledger for the sums and
    members, one for the residents served."""
    (row,) = _direct(
        f"{_FIGURES_SQL}, COUNT(DISTINCT CASE WHEN s.originals > 0 THEN s.member_id END)",
        period=period,
        organ_id=organ_id,
    )
    values = _ints(row)
    residents = _direct_residents(period=period, group_by="organ_id", organ_id=organ_id).get(organ_id, 0)
    return {**_figures(values[:4], residents), "members_served": values[4]}


def direct_organ_ranking(*, period):
    """Every organ's figures in the period by GROUP BYs over the ledger, highest minutes first."""
    rows = _direct(f"s.organ_id, {_FIGURES_SQL}", period=period, group_by="organ_id")
    residents = _direct_residents(period=period, group_by="organ_id")
    figures = {row[0]: _figures(_ints(row[1:]), residents.get(row[0], 0)) for row in rows}
    return sorted(figures.items(), key=lambda item: (-item[1]["minutes"], item[0]))


def direct_member_figures(*, organ_id, period):
    """Each member's figures in the period within one organ (the figures of the member table), from the ledger."""
    rows = _direct(f"s.member_id, {_FIGURES_SQL}", period=period, organ_id=organ_id, group_by="member_id")
    residents = _direct_residents(period=period, group_by="member_id", organ_id=organ_id)
    return {row[0]: _figures(_ints(row[1:]), residents.get(row[0], 0)) for row in rows}


# --- the run ----------------------------------------------------------------------------------------------------


@dataclass
class Results:
    year: int
    typical_organs: list  # (name, members)
    export_organ: tuple  # (name, members)
    timings: dict = field(default_factory=dict)
    checks: dict = field(default_factory=dict)  # name -> True / False
    export_bytes: int = 0

    @property
    def all_equal(self):
        return all(self.checks.values())


def typical_organs(count=TYPICAL_ORGANS):
    """The organs closest to the median organ size (the big export organ left out), largest first."""
    sizes = list(
        Organ.objects.exclude(name=BIG_ORGAN_NAME).annotate(n=Count("members")).order_by("pk").values_list("pk", "n")
    )
    median = statistics.median(n for _, n in sizes)
    chosen = sorted(sizes, key=lambda item: (abs(item[1] - median), item[0]))[:count]
    organs = Organ.objects.in_bulk([pk for pk, _ in chosen])
    return [organs[pk] for pk, _ in chosen]


def run(*, year, repeat=30, warmup=3, export_repeat=10, progress=None):
    """Time every read and check its figures against the ledger; returns Results."""
    say = progress or (lambda message: None)
    period = year_period(year)
    city = Node(Level.CITY)
    organs = [Node(Level.ORGAN, organ) for organ in typical_organs()]
    big = Node(Level.ORGAN, Organ.objects.get(name=BIG_ORGAN_NAME))
    members = dict(
        Member.objects.filter(is_active=True).values("organ_id").annotate(n=Count("pk")).values_list("organ_id", "n")
    )
    results = Results(
        year=year,
        typical_organs=[(node.name, members.get(node.pk, 0)) for node in organs],
        export_organ=(big.name, members.get(big.pk, 0)),
    )

    def organ(i):
        return organs[i % len(organs)]

    def timed(key, label, call, *, target=None, floor=None, times=repeat, warm=warmup):
        say(label)
        timing = Timing(key, label, target_ms=target, floor=floor)
        results.timings[key] = time_calls(timing, call, repeat=times, warmup=warm)

    # The floors first, so each roll-up row can be compared with its floor as it is printed.
    timed(
        "direct_organ",
        "Direct aggregate: one organ's year sums from the ledger",
        lambda i: direct_organ_figures(organ_id=organ(i).pk, period=period),
    )
    timed(
        "direct_ranking",
        "Direct aggregate: city organ ranking from the ledger",
        lambda i: direct_organ_ranking(period=period),
    )
    timed(
        "direct_members",
        "Direct aggregate: member sums of the export organ from the ledger",
        lambda i: direct_member_figures(organ_id=big.pk, period=period),
        times=export_repeat,
        warm=1,
    )
    timed(
        "dashboard",
        "One organ's year dashboard (`node_metrics`)",
        lambda i: selectors.node_metrics(node=organ(i), period=period),
        target=TARGETS_MS["dashboard"],
        floor="direct_organ",
    )
    timed(
        "dashboard_sums",
        "… of which the roll-up sums (`_totals` + `member_minutes`)",
        lambda i: (selectors._totals(organ(i), period), selectors.member_minutes(organ(i), period)),
        floor="direct_organ",
    )
    timed(
        "ranking",
        "City-wide organ ranking by hours (`ranking`)",
        lambda i: selectors.ranking(node=city, period=period, of="organs", metric="hours"),
        target=TARGETS_MS["ranking"],
        floor="direct_ranking",
    )

    def export(i):
        results.export_bytes = len(exports.member_table_workbook(node=big, period=period))

    timed(
        "export",
        "Excel member table of the export organ (`member_table_workbook`)",
        export,
        target=TARGETS_MS["export"],
        floor="direct_members",
        times=export_repeat,
        warm=1,
    )
    timed(
        "member_table",
        "… of which the rows (`member_table`)",
        lambda i: selectors.member_table(node=big, period=period),
        floor="direct_members",
        times=export_repeat,
        warm=1,
    )
    timed(
        "branch_export",
        "Excel branch summary of the export organ (`branch_summary_workbook`)",
        lambda i: exports.branch_summary_workbook(node=big, period=period),
        times=export_repeat,
        warm=1,
    )
    timed(
        "months",
        'One organ\'s year by month (`node_breakdown(by="month")`)',
        lambda i: selectors.node_breakdown(node=organ(i), period=period, by="month"),
    )
    timed(
        "branches",
        'One organ\'s branch ranking (`ranking(of="branches")`)',
        lambda i: selectors.ranking(node=organ(i), period=period, of="branches", metric="hours"),
    )
    timed(
        "members_ranking",
        'Member ranking of the export organ (`ranking(of="members")`)',
        lambda i: selectors.ranking(node=big, period=period, of="members", metric="hours"),
        times=export_repeat,
        warm=1,
    )
    say("checking the figures against the ledger")
    results.checks = check(period=period, organs=[*organs, big])
    return results


def check(*, period, organs):
    """Do the roll-up reads give exactly the ledger's figures? One entry per comparison."""
    checks = {}
    for node in organs:
        metrics = selectors.node_metrics(node=node, period=period)
        direct = direct_organ_figures(organ_id=node.pk, period=period)
        checks[f"dashboard of {node.name}"] = all(metrics[k] == direct[k] for k in (*FIGURES, "members_served"))
        months = selectors.node_breakdown(node=node, period=period, by="month")
        # Residents served are no sum (a service counts once per node), so only the sums add up over months.
        checks[f"months of {node.name} add up to its year"] = all(
            sum(row[k] for row in months) == metrics[k] for k in SUMS
        )
    ranked = {
        row["id"]: {k: row[k] for k in FIGURES}
        for row in selectors.ranking(node=Node(Level.CITY), period=period, of="organs", metric="hours")
    }
    direct = dict(direct_organ_ranking(period=period))
    zero = dict.fromkeys(FIGURES, 0)
    checks["city organ ranking"] = (
        bool(ranked) and all(ranked[pk] == direct.get(pk, zero) for pk in ranked) and (set(direct) <= set(ranked))
    )
    big = organs[-1]
    table = {row["id"]: {k: row[k] for k in FIGURES} for row in selectors.member_table(node=big, period=period)}
    direct_members = direct_member_figures(organ_id=big.pk, period=period)
    checks[f"member table of {big.name}"] = all(table[pk] == direct_members.get(pk, zero) for pk in table) and (
        set(direct_members) <= set(table)
    )
    return checks


# --- the report -------------------------------------------------------------------------------------------------


def machine():
    """CPU, memory, database and software versions, as the report prints them."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    memory = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    info = {
        "CPU": f"{cpu} × {os.cpu_count()}",
        "Memory": f"{memory / 2**30:.1f} GiB" if memory else "unknown",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Django": django.get_version(),
        # Other processes on the machine skew the timings: say how busy it was when the report was written.
        "load average (1, 5, 15 min)": ", ".join(f"{value:.1f}" for value in os.getloadavg()),
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            settings = []
            for name in ("shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather"):
                cursor.execute(f"SHOW {name}")
                settings.append(f"{name}={cursor.fetchone()[0]}")
            info["Database"] = f"PostgreSQL {version} ({', '.join(settings)})"
        else:
            info["Database"] = f"{connection.vendor} {connection.Database.sqlite_version}"
    return info


def _ms(value):
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}"


def _seconds(value):
    return f"{value:,.1f} s" if value is not None else "not run"


SIZE_LABELS = (
    ("districts", "Districts"),
    ("streets", "Streets"),
    ("communities", "Communities"),
    ("grids", "Grids"),
    ("organs", "Organs"),
    ("party_orgs", "Party organizations (committees, general branches, branches)"),
    ("branches", "… of which branches"),
    ("members", "Members"),
    ("registered_members", "Members with a confirmed registration"),
    ("largest_organ_members", "Members of the largest organ"),
    ("export_organ_members", "Members of the export organ"),
    ("activities", "Activities"),
    ("signups", "Sign-ups"),
    ("wishes", "Micro-wishes"),
    ("wish_claims", "Wish claims"),
    ("records_in_year", "Service records starting in the benchmark year"),
    ("approved_in_year", "… approved (originals and amendments)"),
    ("pending_in_year", "… pending"),
    ("amendments_in_year", "… amendments"),
    ("records_total", "Service records in all (with the year before)"),
    ("member_day_totals", "Roll-up rows: member-day totals"),
    ("organ_day_totals", "Roll-up rows: organ-day totals"),
    ("community_day_totals", "Roll-up rows: community-day totals"),
)


def report(*, plan, facts, load, results, info):
    """The Markdown section of docs/performance.md."""
    today = timezone.localdate().isoformat()
    lines = [
        f"### Run of {today} at scale {plan.scale:g}",
        "",
        "**Machine.** " + "; ".join(f"{key}: {value}" for key, value in info.items()) + ".",
        "",
        f"**City** (benchmark year {plan.year}, seed {plan.seed}):",
        "",
        "| | rows |",
        "|---|---:|",
    ]
    lines += [f"| {label} | {facts[key]:,} |" for key, label in SIZE_LABELS if key in facts]
    generated = f" on {load['generated_on']}" if load.get("generated_on") else ""
    reused = (
        f" The city was generated{generated} by an earlier run; the reads below were measured again on it (`--reuse`)."
        if load.get("reused")
        else ""
    )
    lines += [
        "",
        "**Loading** (once; `rebuild` is also what recomputing every roll-up from the ledger costs, `reconcile` what "
        f"the nightly full check costs).{reused}",
        "",
        "| step | time |",
        "|---|---:|",
        f"| Generate the city (bulk {'COPY' if connection.vendor == 'postgresql' else 'INSERT'}) | "
        f"{_seconds(load.get('generate'))} |",
        f"| `VACUUM ANALYZE` | {_seconds(load.get('analyze'))} |",
        f"| `apps.stats.rollups.rebuild()` | {_seconds(load.get('rebuild'))} |",
        f"| `apps.stats.rollups.reconcile()` ({load.get('reconcile_result', 'not run')}) | "
        f"{_seconds(load.get('reconcile'))} |",
        "",
        f"**Reads** of the year {results.year} (milliseconds; the dashboard rotates over the "
        f"{len(results.typical_organs)} organs nearest the median size: "
        + ", ".join(f"{name} ({n} members)" for name, n in results.typical_organs)
        + f"; the export organ is {results.export_organ[0]} with {results.export_organ[1]:,} members; "
        f"the member table workbook is {results.export_bytes / 1024:,.0f} KiB):",
        "",
        "| read | runs | median | p95 | min | max | target (p95) | direct median | roll-up / direct |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for timing in results.timings.values():
        if timing.target_ms is None:
            target = ""
        else:
            target = f"< {_ms(timing.target_ms)} {'✅ met' if timing.met else '❌ missed'}"
        floor = results.timings.get(timing.floor) if timing.floor else None
        direct = _ms(floor.median_ms) if floor else ""
        ratio = f"{timing.median_ms / floor.median_ms:.2f}" if floor else ""
        lines.append(
            f"| {timing.label} | {len(timing.runs)} | {_ms(timing.median_ms)} | {_ms(timing.p95_ms)} | "
            f"{_ms(timing.min_ms)} | {_ms(timing.max_ms)} | {target} | {direct} | {ratio} |"
        )
    failed = [name for name, ok in results.checks.items() if not ok]
    lines += [
        "",
        (
            f"**Figures.** The roll-up reads gave exactly the ledger's figures in all {len(results.checks)} "
            "comparisons (each dashboard organ and the export organ, their months, the city ranking, the member "
            "table)."
            if not failed
            else "**Figures differ from the ledger** in: " + ", ".join(failed) + "."
        ),
        "",
    ]
    return "\n".join(lines)
