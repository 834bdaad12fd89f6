"""The roster import benchmark (issue #14): write member rosters of growing size as .xlsx files, import each through
the import services (start, every check step, apply) as an organ's reviewer, time each phase and its peak memory,
and compare with a plain bulk insert of the same rows. The report is Markdown.

    DATABASE_URL=postgres://... .venv/bin/python -m tests.bench.import_roster [--sizes 2500,5000,10000,20000]
        [--repeat 1] [--write docs/performance.md]

See docs/performance.md for the whole procedure (a throwaway PostgreSQL cluster from scripts/postgres.sh).
"""

import argparse
import gc
import os
import random
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

START_MARK = "<!-- bench:import:start -->"
END_MARK = "<!-- bench:import:end -->"
SECTION_TITLE = "## Roster import (issue #14)"
SECTION_INTRO = """\
**What is measured.** `tests/bench/import_roster.py` builds, through the services, a district with one street, 4
communities of 3 grids each and 2,000 gazetteer entries (compounds placed in those grids, so that home addresses
resolve offline with the default gazetteer geocoder; `--entries`), one organ with its committee and 20 coded
branches, a second organ with 20 branches for the baseline, and a reviewer with the `organ_reviewer` role on the
first organ. For each size it writes a roster `.xlsx` with openpyxl's write-only mode (the template's 7 columns,
unique mobile numbers, every row in service, half the rows with a home address drawn from 40,000 distinct addresses
down to the flat, each naming a gazetteer entry (`--addresses`; so nearly every address of a roster is its own),
half the rows with the organ code filled in) and imports it in one process as the reviewer, as the pages do:
`import_start` (store the file, read it once to count its rows), `import_check_step` until the status is no longer
"checking" (2,000 rows a step, the default `IMPORT_CHECK_CHUNK_ROWS`), then `import_apply`. The baseline is a plain
bulk insert of the same rows in one transaction (`User` with unusable passwords, `Member`, `MemberAffiliation`:
`bulk_create` in batches of 500) into the second organ: the floor any import has to pay. The 10,000-row file is then
imported a second time (every row unchanged) to time a repeated upload. Every size starts alike: the members, users
and imports it created are deleted and the tables vacuumed before the next run. Times are wall-clock
(`time.perf_counter`; the median over `--repeat` runs), with the process's CPU time and SQL statements counted
alongside; the peak Python allocation of each phase is measured in a separate run under `tracemalloc` (which slows
Python down), and the process's resident-set high-water mark (`ru_maxrss`) is read around each phase of the timed
runs. The timed imports of all sizes run first, smallest first, then the baselines, then the traced runs.

Target (issue #14): a 10,000-member roster validates and applies (start, check and apply) in under 30 s on this
2-core machine, with memory that stays flat as the file grows.

**How to reproduce** (about 10 minutes with the defaults on the machine below; the run below, with `--repeat 3
--profile`, took 21 minutes):

```sh
export DATABASE_URL=$(PG_PORT=54346 PG_DIR=/tmp/pg-import-bench scripts/postgres.sh start)
.venv/bin/python -m tests.bench.import_roster --write docs/performance.md   # --sizes 1000,2000 for a quick run
PG_PORT=54346 PG_DIR=/tmp/pg-import-bench scripts/postgres.sh destroy
```

The command migrates the database and refuses one that already holds organs or members; it prints the report on
standard output and progress on standard error; `--help` lists the options (sizes, repetitions, `--no-memory`,
`--profile` to write a cProfile of the 10,000-row check and apply to `var/`). Uploaded files go to a temporary
`MEDIA_ROOT`, removed at the end. `--write` replaces the marked section below.
`tests/bench/test_import_bench_smoke.py` runs the same builder, import, baseline and report at 30 rows on the test
database and checks the members, their branches and the counts."""

SIZES = (2_500, 5_000, 10_000, 20_000)
TARGET_ROWS, TARGET_SECONDS = 10_000, 30.0
BRANCHES = 20
COMMUNITY_NAMES = ("朝晖社区", "和睦社区", "湖墅社区", "米市社区")
GRIDS_PER_COMMUNITY = 3
# A district's named compounds and buildings, and home addresses down to the flat: nearly every row of a roster
# has an address of its own.
ENTRIES = 2_000
ADDRESSES = 40_000
ROADS = ("桂花路", "文一路", "莫干山路", "德胜路", "上塘路", "潮王路")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国文斌宁凯"
JOB_TITLES = ("科员", "副科长", "科长", "主任科员", "一级主任科员", "四级调研员", "")
BASE_LAT, BASE_LNG = 30.29, 120.16


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.import_roster",
        description=(
            "Import member rosters of growing size into the database of DATABASE_URL through the import services, "
            "time and measure each phase, and compare with a plain bulk insert of the same rows."
        ),
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=SIZES,
        help="roster sizes in rows, comma-separated (default: 2500,5000,10000,20000)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="timed runs of each size (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=14, help="random seed of the rosters (default: %(default)s)")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run of each size")
    parser.add_argument(
        "--profile", action="store_true", help="profile one more check and apply of the 10,000-row file (var/)"
    )
    parser.add_argument(
        "--entries", type=int, default=ENTRIES, help="gazetteer entries of the district (default: %(default)s)"
    )
    parser.add_argument(
        "--addresses", type=int, default=ADDRESSES, help="distinct home addresses to draw from (default: %(default)s)"
    )
    parser.add_argument("--write", type=Path, metavar="FILE", help="replace the benchmark section of FILE")
    return parser.parse_args(argv)


def _sizes(text):
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError("sizes are whole numbers, e.g. 2500,5000") from exc
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("give at least one size of 1 row or more")
    return sizes


def setup_django(media_root):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings.base")
    os.environ.setdefault("DEBUG", "false")  # no query log, no debug cursor: what a server runs
    os.environ["MEDIA_ROOT"] = str(media_root)  # the uploaded rosters go to a temporary directory
    import django

    django.setup()


def say(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def write_section(path, section):
    """Put `section` between the import marks of `path`, appending the section (title, text, marks) if missing."""
    text = path.read_text(encoding="utf-8")
    block = f"{START_MARK}\n{section.rstrip()}\n{END_MARK}"
    pattern = re.compile(re.escape(START_MARK) + r".*?" + re.escape(END_MARK), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _match: block, text)
    else:
        text = f"{text.rstrip()}\n\n{SECTION_TITLE}\n\n{SECTION_INTRO}\n\n{block}\n"
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


# --- the world --------------------------------------------------------------------------------------------------


@dataclass
class World:
    organ: object
    branches: list
    reviewer: object
    baseline_organ: object
    baseline_branches: list
    addresses: list
    facts: dict = field(default_factory=dict)


def build_world(*, entries=ENTRIES, addresses=ADDRESSES, branches=BRANCHES):
    """The places, the two organs and the reviewer, through the services (gazetteer entries have none: they are
    written as the admin writes them)."""
    from apps.accounts.models import Role
    from apps.accounts.services import role_assign, user_create
    from apps.orgs.models import PartyOrg, PartyOrgKind
    from apps.orgs.services import organ_create, party_org_create
    from apps.places.models import Community, GazetteerEntry, Grid, Street
    from apps.places.services import district_create, place_save

    district = district_create(code="BJ-D", name="基准区", latitude=BASE_LAT, longitude=BASE_LNG)
    street, _ = place_save(
        model=Street,
        code="BJ-S",
        parent=district,
        fields={"name": "基准街道", "latitude": BASE_LAT, "longitude": BASE_LNG},
    )
    grids = []
    for c, name in enumerate(COMMUNITY_NAMES):
        lat, lng = BASE_LAT + 0.02 * c, BASE_LNG + 0.02 * c  # about 3 km apart
        community, _ = place_save(
            model=Community,
            code=f"BJ-C{c + 1}",
            parent=street,
            fields={"name": name, "latitude": lat, "longitude": lng},
        )
        for g in range(GRIDS_PER_COMMUNITY):
            grid, _ = place_save(
                model=Grid,
                code=f"BJ-C{c + 1}-G{g + 1}",
                parent=community,
                fields={"name": f"{name}第{g + 1}网格", "latitude": lat + 0.003 * g, "longitude": lng},
            )
            grids.append(grid)
    places = [
        GazetteerEntry(
            name=f"锦绣{i:03d}苑",
            community_id=grids[i % len(grids)].community_id,
            latitude=grids[i % len(grids)].latitude + 0.0005,
            longitude=grids[i % len(grids)].longitude + 0.0005,
        )
        for i in range(entries)
    ]
    GazetteerEntry.objects.bulk_create(places)
    texts = [
        f"{ROADS[i % len(ROADS)]}{10 + i}号 {places[i % entries].name}{i % 9 + 1}栋{i % 3 + 1}单元{101 + i % 7}室"
        for i in range(addresses)
    ]

    def organ_with_branches(name, code):
        organ = organ_create(name=name, code=code, committee_code=f"{code}-DW")
        committee = PartyOrg.objects.get(organ=organ, kind=PartyOrgKind.COMMITTEE)
        made = [
            party_org_create(
                organ=organ,
                parent=committee,
                kind=PartyOrgKind.BRANCH,
                name=f"第{i + 1}党支部",
                code=f"{code}-ZB{i + 1:02d}",
            )
            for i in range(branches)
        ]
        return organ, made

    organ, organ_branches = organ_with_branches("基准导入机关", "BJ-JG")
    baseline_organ, baseline_branches = organ_with_branches("基准批量插入机关", "BJ-BL")
    reviewer = user_create(phone="19900000001", name="导入审核员")
    role_assign(user=reviewer, role=Role.ORGAN_REVIEWER, node=organ)
    facts = {
        "communities": Community.objects.count(),
        "grids": Grid.objects.count(),
        "entries": GazetteerEntry.objects.count(),
        "addresses": len(texts),
        "branches": len(organ_branches),
    }
    return World(organ, organ_branches, reviewer, baseline_organ, baseline_branches, texts, facts)


# --- the rosters ------------------------------------------------------------------------------------------------


def phone_of(run, i):
    """Mobile numbers of run `run` (0-99): 15 + run + 7 digits, distinct across runs."""
    return f"15{run:02d}{i:07d}"


def roster_rows(world, n, *, run, seed=14):
    """The n rows of a roster, in the template's column order (a list of 7-tuples of text)."""
    rng = random.Random(seed * 1_000_003 + n)
    rows = []
    for i in range(n):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        address = rng.choice(world.addresses) if rng.random() < 0.5 else ""
        rows.append(
            (
                name,
                phone_of(run, i),
                world.branches[i % len(world.branches)].code,
                world.organ.code if i % 2 == 0 else "",
                rng.choice(JOB_TITLES),
                address,
                "在职" if i % 3 else "",
            )
        )
    return rows


def write_roster(path, rows):
    """An .xlsx roster as a person would fill in the template, written row by row (openpyxl's write-only mode)."""
    from openpyxl import Workbook

    from apps.imports.importers.members import MembersImporter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(MembersImporter.sheet_title)
    sheet.append([column.header for column in MembersImporter.columns])
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


# --- measuring --------------------------------------------------------------------------------------------------


@dataclass
class Phase:
    seconds: float = 0.0
    cpu: float = 0.0
    queries: int = 0
    peak_bytes: int | None = None  # tracemalloc peak above the start of the phase
    rss_growth_kib: int = 0


class _QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _maxrss_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


@contextmanager
def measured(phase, *, trace=False):
    """Time the block into `phase`: wall and CPU seconds, SQL statements, ru_maxrss growth, and (traced) the peak
    Python allocation above what was allocated when the block started."""
    from django.db import connection

    gc.collect()
    counter = _QueryCounter()
    if trace:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
    rss = _maxrss_kib()
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        yield phase
    phase.seconds += time.perf_counter() - started
    phase.cpu += time.process_time() - cpu
    phase.queries += counter.count
    phase.rss_growth_kib += _maxrss_kib() - rss
    if trace:
        peak = tracemalloc.get_traced_memory()[1] - base
        phase.peak_bytes = max(phase.peak_bytes or 0, peak)


@dataclass
class ImportRun:
    rows: int
    start: Phase
    check: Phase
    apply: Phase
    steps: int
    counts: dict
    status: str

    @property
    def check_apply(self):
        return self.check.seconds + self.apply.seconds

    @property
    def total(self):
        return self.start.seconds + self.check.seconds + self.apply.seconds


def run_import(world, path, *, trace=False, profiler=None):
    """Import the roster at `path` as the world's reviewer, as the pages do: start, check steps, apply."""
    from django.core.files import File

    from apps.imports.models import ImportStatus
    from apps.imports.services import import_apply, import_check_step, import_start

    actor = world.reviewer
    start, check, apply = Phase(), Phase(), Phase()
    with measured(start, trace=trace), open(path, "rb") as handle:
        batch = import_start(kind="members", file=File(handle, name=Path(path).name), actor=actor)
    steps = 0
    with measured(check, trace=trace):
        if profiler:
            profiler.enable()
        while batch.status == ImportStatus.CHECKING:
            batch = import_check_step(batch=batch, actor=actor)
            steps += 1
        if profiler:
            profiler.disable()
    counts = dict(batch.counts)
    if batch.status == ImportStatus.READY:
        with measured(apply, trace=trace):
            if profiler:
                profiler.enable()
            batch = import_apply(batch=batch, actor=actor)
            if profiler:
                profiler.disable()
    return ImportRun(batch.rows_total or 0, start, check, apply, steps, counts, batch.status)


def baseline_insert(world, rows, *, trace=False):
    """A plain bulk insert of the same people into the baseline organ, in one transaction: the floor."""
    from django.db import transaction
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.orgs.models import Member, MemberAffiliation

    branches = {b.code.removeprefix(world.baseline_organ.code): b for b in world.baseline_branches}
    prefix = world.organ.code
    phase = Phase()
    with measured(phase, trace=trace), transaction.atomic():
        users = []
        for name, phone, *_rest in rows:
            user = User(phone=phone, name=name)
            user.set_unusable_password()
            users.append(user)
        User.objects.bulk_create(users, batch_size=500)
        members = Member.objects.bulk_create(
            [
                Member(
                    user=user,
                    organ_id=world.baseline_organ.pk,
                    branch=branches[row[2].removeprefix(prefix)],
                    job_title=row[4],
                    home_address=row[5],
                )
                for user, row in zip(users, rows, strict=True)
            ],
            batch_size=500,
        )
        today = timezone.localdate()
        MemberAffiliation.objects.bulk_create(
            [MemberAffiliation(member=m, organ_id=m.organ_id, branch=m.branch, started_on=today) for m in members],
            batch_size=500,
        )
    return phase, len(members)


def clear(world):
    """Delete the imports, members, affiliations and users the runs created, so that the next run starts alike."""
    from django.db import connection

    from apps.accounts.models import User
    from apps.imports.models import ImportBatch
    from apps.orgs.models import Member, MemberAffiliation

    organs = [world.organ.pk, world.baseline_organ.pk]
    ImportBatch.objects.filter(created_by=world.reviewer).delete()
    user_ids = list(Member.objects.filter(organ_id__in=organs).values_list("user_id", flat=True))
    MemberAffiliation.objects.filter(member__organ_id__in=organs).delete()
    Member.objects.filter(organ_id__in=organs).delete()
    for at in range(0, len(user_ids), 500):
        User.objects.filter(pk__in=user_ids[at : at + 500]).delete()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:  # not in a test's transaction
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def check_members(world, rows, *, organ=None, branches=None):
    """Are the rows' people members of the right branches, with their job title and address? {check: ok}."""
    from apps.orgs.models import Member

    organ = organ or world.organ
    branches = branches or world.branches
    code_of = {b.pk: b.code for b in branches}
    found = {
        phone: (name, code_of.get(branch), job, address, active)
        for phone, name, branch, job, address, active in Member.objects.filter(organ=organ).values_list(
            "user__phone", "user__name", "branch_id", "job_title", "home_address", "is_active"
        )
    }
    suffix = {b.code.removeprefix(organ.code): b.code for b in branches}
    wanted = {
        phone: (name, suffix[branch.removeprefix(world.organ.code)], job, address, True)
        for name, phone, branch, _organ, job, address, _status in rows
    }
    return {"members": len(found) == len(rows), "branches and fields": found == wanted}


# --- one size ---------------------------------------------------------------------------------------------------


@dataclass
class SizeResult:
    rows: int
    file_bytes: int = 0
    with_address: int = 0
    distinct_addresses: int = 0
    runs: list = field(default_factory=list)  # ImportRun
    baselines: list = field(default_factory=list)  # Phase
    memory: dict = field(default_factory=dict)  # phase -> peak bytes (tracemalloc run)
    maxrss_kib: int = 0  # after the size's timed imports
    checks: dict = field(default_factory=dict)
    again: ImportRun | None = None  # the same file imported a second time

    def median(self, attribute):
        return statistics.median(getattr(run, attribute).seconds for run in self.runs)

    def median_of(self, value):
        return statistics.median(value(run) for run in self.runs)

    @property
    def baseline(self):
        return statistics.median(p.seconds for p in self.baselines)


def import_size(world, result, *, directory, run, label, seed=14, trace=False, again=False, progress=say):
    """Write the roster of `result.rows` rows, import it (with `again`, a second time), check the members and clear
    them. The rows are not held while importing: they are made again (the same) for the checks."""
    from apps.imports.models import ImportStatus, RowAction

    n = result.rows
    rows = roster_rows(world, n, run=run, seed=seed)
    path = write_roster(Path(directory) / f"roster-{n}-{run}.xlsx", rows)
    addresses = [row[5] for row in rows if row[5]]
    result.file_bytes, result.with_address, result.distinct_addresses = (
        path.stat().st_size,
        len(addresses),
        len(set(addresses)),
    )
    del rows, addresses
    progress(f"{n:,} rows ({label}): importing")
    done = run_import(world, path, trace=trace)
    rows = roster_rows(world, n, run=run, seed=seed)
    result.checks[f"{label}: applied"] = done.status == ImportStatus.APPLIED
    result.checks[f"{label}: plan of {n} creates"] = done.counts.get(RowAction.CREATE) == n == done.rows
    result.checks |= {f"{label}: {k}": v for k, v in check_members(world, rows).items()}
    progress(
        f"{n:,} rows ({label}): start {done.start.seconds:.1f} s, check {done.check.seconds:.1f} s "
        f"({done.steps} steps), apply {done.apply.seconds:.1f} s"
    )
    if again:
        del rows
        second = run_import(world, path)
        result.again = second
        result.checks["second import: all unchanged"] = second.counts.get(RowAction.UNCHANGED) == n
        result.checks["second import: applied"] = second.status == ImportStatus.APPLIED
        progress(f"{n:,} rows again: check {second.check.seconds:.1f} s, apply {second.apply.seconds:.1f} s")
    clear(world)
    path.unlink()
    return done


def baseline_size(world, result, *, run, label, seed=14, trace=False, progress=say):
    """The plain bulk insert of the same rows as the import of that run, checked, then cleared."""
    n = result.rows
    rows = roster_rows(world, n, run=run, seed=seed)
    phase, inserted = baseline_insert(world, rows, trace=trace)
    result.checks[f"{label}: baseline inserted {n}"] = inserted == n
    result.checks |= {
        f"{label}: baseline {k}": v
        for k, v in check_members(world, rows, organ=world.baseline_organ, branches=world.baseline_branches).items()
    }
    progress(f"{n:,} rows ({label}): baseline {phase.seconds:.1f} s")
    clear(world)
    return phase


def profile_size(world, n, *, directory, run, seed=14):
    """One more import of an n-row roster under cProfile (check and apply only): var/bench_import_profile.pstats."""
    import cProfile
    import io
    import pstats

    rows = roster_rows(world, n, run=run, seed=seed)
    path = write_roster(Path(directory) / f"roster-{n}-profile.xlsx", rows)
    profiler = cProfile.Profile()
    run_import(world, path, profiler=profiler)
    clear(world)
    out = Path(__file__).resolve().parents[2] / "var" / "bench_import_profile.pstats"
    out.parent.mkdir(exist_ok=True)
    profiler.dump_stats(out)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
    say(f"profile written to {out}\n{text.getvalue()}")
    return out


def run(world, *, sizes=SIZES, repeat=1, seed=14, memory=True, directory, progress=say):
    """After a small untimed warm-up: the timed imports of every size, smallest first (so that the process's
    resident-set high-water mark grows during an import only if that import needs more memory than the smaller
    ones did), the second import of the 10,000-row file, then the baselines, then one run of each under
    tracemalloc. Every run imports the same kind of file with its own range of mobile numbers."""
    warm = SizeResult(min(200, min(sizes)))
    progress(f"warming up with {warm.rows} rows")
    import_size(world, warm, directory=directory, run=90, label="warm-up", seed=seed, progress=progress)
    baseline_size(world, warm, run=90, label="warm-up", seed=seed, progress=progress)
    again_size = TARGET_ROWS if TARGET_ROWS in sizes else max(sizes)
    results = [SizeResult(n) for n in sorted(set(sizes))]

    def run_of(index, r):
        return index * (repeat + 1) + r

    for index, result in enumerate(results):
        for r in range(repeat):
            label = f"run {r + 1}/{repeat}"
            done = import_size(
                world,
                result,
                directory=directory,
                run=run_of(index, r),
                label=label,
                seed=seed,
                again=r == 0 and result.rows == again_size,
                progress=progress,
            )
            result.runs.append(done)
        result.maxrss_kib = _maxrss_kib()
    for index, result in enumerate(results):
        for r in range(repeat):
            label = f"run {r + 1}/{repeat}"
            result.baselines.append(
                baseline_size(world, result, run=run_of(index, r), label=label, seed=seed, progress=progress)
            )
    if memory:
        for index, result in enumerate(results):
            tracemalloc.start()
            try:
                traced = import_size(
                    world,
                    result,
                    directory=directory,
                    run=run_of(index, repeat),
                    label="traced",
                    seed=seed,
                    trace=True,
                    progress=progress,
                )
                phase = baseline_size(
                    world, result, run=run_of(index, repeat), label="traced", seed=seed, trace=True, progress=progress
                )
            finally:
                tracemalloc.stop()
            result.memory = {
                "start": traced.start.peak_bytes,
                "check": traced.check.peak_bytes,
                "apply": traced.apply.peak_bytes,
                "baseline": phase.peak_bytes,
            }
    return results


# --- the report -------------------------------------------------------------------------------------------------


def _s(seconds):
    return f"{seconds:,.2f}" if seconds < 10 else f"{seconds:,.1f}"


def _mib(value):
    return f"{value / 2**20:,.1f}" if value is not None else ""


def report(*, world, results, info, repeat, command=""):
    """The Markdown section of docs/performance.md."""
    from django.conf import settings
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    facts = world.facts
    lines = [
        f"### Run of {today}",
        "",
        "**Machine.** " + "; ".join(f"{key}: {value}" for key, value in info.items()) + ".",
        "",
        f"**Data.** {facts['communities']} communities, {facts['grids']} grids, {facts['entries']} gazetteer "
        f"entries, {facts['addresses']} distinct home addresses; the roster's organ has {facts['branches']} branches; "
        f"{settings.IMPORT_CHECK_CHUNK_ROWS:,} rows a check step.",
        "",
        "| rows | file | rows with an address | distinct addresses |",
        "|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.rows:,} | {r.file_bytes / 1024:,.0f} KiB | {r.with_address:,} | {r.distinct_addresses:,} |"
        for r in results
    ]
    runs = f"median of {repeat} runs" if repeat > 1 else "one run"
    lines += [
        "",
        f"**Time** (seconds, {runs}; the baseline is the plain bulk insert of the same rows; CPU is the Python "
        "process's share of the check and apply, the rest is waiting for PostgreSQL):",
        "",
        "| rows | `import_start` | check (steps) | `import_apply` | check + apply | start + check + apply | "
        "per 1,000 rows | baseline insert | import / baseline | CPU | SQL statements | target (10,000 rows < 30 s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        total = r.median_of(lambda x: x.total)
        check_apply = r.median_of(lambda x: x.check_apply)
        cpu = r.median_of(lambda x: (x.check.cpu + x.apply.cpu) / max(x.check_apply, 1e-9))
        queries = r.median_of(lambda x: x.start.queries + x.check.queries + x.apply.queries)
        steps = r.runs[0].steps
        if r.rows == TARGET_ROWS:
            target = f"{_s(total)} s ✅ met" if total < TARGET_SECONDS else f"{_s(total)} s ❌ missed"
        else:
            target = ""
        lines.append(
            f"| {r.rows:,} | {_s(r.median('start'))} | {_s(r.median('check'))} ({steps}) | {_s(r.median('apply'))} "
            f"| {_s(check_apply)} | **{_s(total)}** | {_s(total * 1000 / r.rows)} | {_s(r.baseline)} | "
            f"{total / r.baseline:,.0f} × | {cpu:.0%} | {queries:,.0f} | {target} |"
        )
    again = next((r for r in results if r.again), None)
    if again:
        second = again.again
        lines += [
            "",
            f"**The same {again.rows:,}-row file imported again** (every row unchanged: "
            f"{second.counts.get('unchanged', 0):,} of {again.rows:,}): start {_s(second.start.seconds)} s, check "
            f"{_s(second.check.seconds)} s ({second.steps} steps), apply {_s(second.apply.seconds)} s; check + apply "
            f"{_s(second.check_apply)} s, {second.check.queries + second.apply.queries:,} SQL statements.",
        ]
    lines += [
        "",
        "**Memory** (MiB). Peak Python allocation above the phase's start, from the `tracemalloc` run; then the "
        "process's resident-set high-water mark (`ru_maxrss`) after the timed imports of each size (all sizes are "
        "imported, smallest first, before any baseline runs) and how much it rose during each phase of those "
        "imports (0 means the phase needed no more memory than the process had already used), and during the "
        "baselines:",
        "",
        "| rows | `import_start` | check | `import_apply` | baseline insert | `ru_maxrss` after the imports | rise "
        "during start / check / apply | rise during the baselines |",
        "|---:|---:|---:|---:|---:|---:|---|---:|",
    ]

    def rise(phases):
        return f"{sum(p.rss_growth_kib for p in phases) / 1024:,.1f}"

    for r in results:
        m = r.memory
        during = " / ".join(rise(getattr(x, p) for x in r.runs) for p in ("start", "check", "apply"))
        lines.append(
            f"| {r.rows:,} | {_mib(m.get('start'))} | {_mib(m.get('check'))} | {_mib(m.get('apply'))} | "
            f"{_mib(m.get('baseline'))} | {r.maxrss_kib / 1024:,.0f} | {during} | {rise(r.baselines)} |"
        )
    failed = [f"{r.rows:,} rows: {name}" for r in results for name, ok in r.checks.items() if not ok]
    count = sum(len(r.checks) for r in results)
    lines += [
        "",
        (
            f"**Checks.** All {count} passed: every import was applied with a plan of one create per row; the members "
            "exist with the name, branch, job title and address of their row; the baseline inserted the same number; "
            "the second import found every row unchanged."
            if not failed
            else "**Checks failed:** " + "; ".join(failed) + "."
        ),
    ]
    if command:
        lines += ["", f"Command: `{command}`"]
    return "\n".join(lines) + "\n"


def all_passed(results):
    return all(ok for r in results for ok in r.checks.values())


def main(argv=None):
    args = parse_args(argv)
    if "DATABASE_URL" not in os.environ:
        sys.exit(
            "Set DATABASE_URL to the database to fill (see docs/performance.md); the benchmark never uses the "
            "default SQLite file."
        )
    media = Path(tempfile.mkdtemp(prefix="bench-import-media-"))
    files = Path(tempfile.mkdtemp(prefix="bench-import-rosters-"))
    try:
        setup_django(media)
        from django.core.management import call_command

        from apps.orgs.models import Member, Organ

        from .measure import machine

        call_command("migrate", verbosity=0)
        if Organ.objects.exists() or Member.objects.exists():
            sys.exit("The database already holds organs or members: give the benchmark an empty database.")
        say("building the places, organs and reviewer")
        world = build_world(entries=args.entries, addresses=args.addresses)
        results = run(
            world, sizes=args.sizes, repeat=args.repeat, seed=args.seed, memory=not args.no_memory, directory=files
        )
        if args.profile:
            profile_size(world, TARGET_ROWS, directory=files, run=99, seed=args.seed)
        command = "python -m tests.bench.import_roster " + " ".join(argv if argv is not None else sys.argv[1:])
        section = report(world=world, results=results, info=machine(), repeat=args.repeat, command=command.strip())
        print(section)
        if args.write:
            write_section(args.write, section)
            say(f"wrote {args.write}")
        return 0 if all_passed(results) else 1
    finally:
        shutil.rmtree(media, ignore_errors=True)
        shutil.rmtree(files, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
