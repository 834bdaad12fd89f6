"""The statistics benchmark (issue #5): generate a city, fill the roll-ups, time the dashboard, the city ranking and
the Excel export against the same figures computed straight from the ledger, and report in Markdown.

    DATABASE_URL=postgres://... .venv/bin/python -m tests.bench.stats_city [--scale 1.0] [--write docs/performance.md]

See docs/performance.md for the whole procedure (a throwaway PostgreSQL cluster from scripts/postgres.sh).
"""

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

START_MARK = "<!-- bench:stats:start -->"
END_MARK = "<!-- bench:stats:end -->"

INTRO = """# Performance

Benchmarks live in `tests/bench/` and run by hand; their results are recorded here. The test suite only runs their
smoke tests (correctness at a tiny scale), never timing assertions.

## Statistics (issue #5)

**What is measured.** A synthetic city of 100,000 members in 500 organs (one of them with exactly 1,000 members),
2,000 communities with 8 grids each in 40 streets of 4 districts, and 2,000,000 service records in the benchmark
year (plus 10 % in the year before) is written straight into the database in bulk (PostgreSQL `COPY`), not through
the services: it is synthetic load, with no audit trail and no notifications, but with the shape the statistics
read (see `tests/bench/city.py`: about 85 % of members registered, 70 % of services from activities with real
sign-ups, 10 % from confirmed wishes, 20 % manual entries, 2 % pending, 0.5 % rejected, 1 % amendments, 1 % of
members moved organ at the start of the year, organ sizes skewed around 200 members). The roll-up tables are then
filled by `apps.stats.rollups.rebuild()` and checked by `reconcile()`. Each read is called 30 times after 3
warm-ups (the exports 10 times after 1) in one process, timed with `time.perf_counter`, and reported as median,
95th percentile (nearest rank), minimum and maximum in milliseconds. "Direct" rows compute the same figures from
`ledger_servicerecord` alone by one SQL aggregate (per-service points floor included): the floor a design without
roll-ups would start from. After timing, every roll-up figure read is compared with the direct one.

Targets: one organ's year dashboard p95 under 100 ms; the city-wide organ ranking under 500 ms; the Excel member
table of a 1,000-member organ under 3 s.

**How to reproduce.** The full scale needs about 5 GB of disk (the cluster took 4.1 GB) and, on the 2-CPU machine
below, about 35 minutes: 14 to generate, 12 to rebuild the roll-ups, 2 to reconcile, 4 to measure (`--no-reconcile`
skips one step; `--scale 0.1` takes a few minutes).

```sh
export DATABASE_URL=$(PG_PORT=54345 PG_DIR=/tmp/pg-bench scripts/postgres.sh start)
.venv/bin/python -m tests.bench.stats_city --write docs/performance.md      # --scale 0.1 for a quick run
PG_PORT=54345 PG_DIR=/tmp/pg-bench scripts/postgres.sh destroy
```

The command migrates the database, refuses one that already holds members (`--reuse` measures again on a city it
generated before, if its sizes match), prints the report on standard output and progress on standard error;
`--help` lists the options (scale, year, seed, repetitions). `--write` replaces the marked section below (what
follows the section is kept). `tests/bench/test_bench_smoke.py` runs the same generator and checks at scale 0.0005
on the test database (SQLite or PostgreSQL).
"""


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.stats_city",
        description=(
            "Generate a synthetic city into the database of DATABASE_URL, fill the statistics roll-ups and time "
            "the dashboard, city ranking and Excel export reads against direct aggregates over the ledger."
        ),
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 100,000 members, 2,000,000 records (default)")
    parser.add_argument("--year", type=int, help="benchmark year (default: last year)")
    parser.add_argument("--seed", type=int, default=20250101, help="random seed of the city (default: %(default)s)")
    parser.add_argument(
        "--reuse", action="store_true", help="measure on the city already in the database if its sizes match"
    )
    parser.add_argument("--repeat", type=int, default=30, help="timed calls of each read (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed calls before them (default: %(default)s)")
    parser.add_argument(
        "--export-repeat", type=int, default=10, help="timed calls of the exports (default: %(default)s)"
    )
    parser.add_argument("--no-reconcile", action="store_true", help="skip timing reconcile() after the load")
    parser.add_argument("--write", type=Path, metavar="FILE", help="replace the benchmark section of FILE")
    return parser.parse_args(argv)


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings.base")
    os.environ.setdefault("DEBUG", "false")  # no query log, no debug cursor: what a server runs
    import django

    django.setup()


def _say(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _timed(load, key, call):
    started = time.perf_counter()
    result = call()
    load[key] = time.perf_counter() - started
    _say(f"{key}: {load[key]:.1f} s")
    return result


def write_section(path, section):
    """Put `section` between the benchmark marks of `path`, creating the file (with its introduction) or the marks
    (at the end) if missing."""
    text = path.read_text(encoding="utf-8") if path.exists() else INTRO
    block = f"{START_MARK}\n{section.rstrip()}\n{END_MARK}"
    pattern = re.compile(re.escape(START_MARK) + r".*?" + re.escape(END_MARK), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _match: block, text)
    else:
        text = f"{text.rstrip()}\n\n{block}\n"
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def _load_file():
    """Where the load timings are kept between a generating run and later `--reuse` runs (var/ is not committed)."""
    return Path(__file__).resolve().parents[2] / "var" / "bench_stats_load.json"


def _remember_load(plan, load):
    path = _load_file()
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"plan": plan.as_dict(), "load": load}), encoding="utf-8")


def _recall_load(plan):
    try:
        saved = json.loads(_load_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return saved["load"] if saved.get("plan") == plan.as_dict() else {}


def main(argv=None):
    args = parse_args(argv)
    if "DATABASE_URL" not in os.environ:
        sys.exit(
            "Set DATABASE_URL to the database to fill (see docs/performance.md); the benchmark never uses the "
            "default SQLite file."
        )
    setup_django()
    from django.core.management import call_command

    from apps.orgs.models import Member
    from apps.stats.models import OrganDayTotal
    from apps.stats.rollups import rebuild, reconcile

    from . import city, measure

    call_command("migrate", verbosity=0)
    plan = city.plan_for(scale=args.scale, year=args.year, seed=args.seed)
    load = {}
    if Member.objects.exists():
        if not args.reuse:
            sys.exit(
                "The database already holds members: give an empty database, or --reuse to measure again on a "
                "city this benchmark generated."
            )
        facts = city.city_facts(plan.year)
        wanted = {"members": plan.members, "organs": plan.organs, "communities": plan.communities}
        wanted["records_in_year"] = plan.records
        wrong = {key: (facts[key], value) for key, value in wanted.items() if facts[key] != value}
        if wrong:
            sys.exit(f"--reuse: the database's city is not the one of --scale {args.scale:g}: {wrong}")
        _say("reusing the city in the database")
        load = {**_recall_load(plan), "reused": True}
        if not OrganDayTotal.objects.exists():
            _timed(load, "rebuild", lambda: rebuild(progress=_say))
        city.analyze()  # whatever happened to the tables since, measure them vacuumed and analyzed
    else:
        _say(f"generating {plan}")
        load["generated_on"] = time.strftime("%Y-%m-%d")
        _timed(load, "generate", lambda: city.generate(plan, progress=_say))
        _timed(load, "analyze", city.analyze)
        _timed(load, "rebuild", lambda: rebuild(progress=_say))
        city.analyze()
        if not args.no_reconcile:
            outcome = _timed(load, "reconcile", lambda: reconcile(progress=_say))
            load["reconcile_result"] = (
                f"{outcome.rows_checked:,} rows, clean"
                if outcome.clean
                else f"{len(outcome.differences):,} differences in {outcome.rows_checked:,} rows"
            )
        _remember_load(plan, load)
    facts = city.city_facts(plan.year)
    results = measure.run(
        year=plan.year, repeat=args.repeat, warmup=args.warmup, export_repeat=args.export_repeat, progress=_say
    )
    section = measure.report(plan=plan, facts=facts, load=load, results=results, info=measure.machine())
    print(section)
    if args.write:
        write_section(args.write, section)
        _say(f"wrote {args.write}")
    return 0 if results.all_equal else 1


if __name__ == "__main__":
    sys.exit(main())
