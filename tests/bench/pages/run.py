"""The page benchmark (issue #19): every member page, and the staff's and the dashboard's landing pages, each alone
under a closed loop of signed-in virtual users, against gunicorn and PostgreSQL on this machine.

    .venv/bin/python -m tests.bench.pages [--seconds 30] [--clients 8] [--write docs/performance.md]
    .venv/bin/python -m tests.bench.pages --profile home     # a profile of one page, in this process

Starts its own PostgreSQL cluster (scripts/postgres.sh, its own port and directory), creates a fresh database,
migrates it, builds the data (tests/bench/pages/data.py: the load test's, plus the content of the members' own pages),
counts each page's queries in this process (tests/bench/pages/scenarios.py), starts gunicorn as the load test does
(production's deploy/gunicorn.conf.py and server/settings/bench.py), checks that every page shows its content, then
measures each page alone and the signed-in bare endpoint (the floor). Prints a Markdown report on standard output
(progress on standard error); --write replaces the pages section of the given file.
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path

from tests.bench.load.server import (
    ROOT,
    Cluster,
    Gunicorn,
    child_pids,
    process_cpu_seconds,
    recreate_database,
    server_env,
)

START_MARK = "<!-- bench:pages:start -->"
END_MARK = "<!-- bench:pages:end -->"
SECTION_TITLE = "## Member pages (issue #19)"
DATABASE = "pagesbench"
# Issue #19's targets for the member pages.
CPU_TARGET_MS = 15
QUERY_TARGET = 5
P99_TARGET_MS = 100
# The member home's throughput before the work on issue #19 (the measurement, 8 users, this machine): the
# target is twice that.
HOME_BASELINE_RPS = 20.2
HOME_FACTOR = 2


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.bench.pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="measured time of each page (default: 30)")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds before each (default: 3)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default: %(default)s)")
    parser.add_argument("--clients", type=int, default=8, help="virtual users (default: %(default)s)")
    parser.add_argument("--client-processes", type=int, default=2, help="processes they run in (default: 2)")
    parser.add_argument("--members", type=int, default=200, help="members of the load data (default: 200)")
    parser.add_argument(
        "--page-members", type=int, default=8, help="members the virtual users sign in as (default: %(default)s)"
    )
    parser.add_argument("--items", type=int, default=20, help="claims, sign-ups, notifications each (default: 20)")
    parser.add_argument("--certificates", type=int, default=3, help="certificates each (default: %(default)s)")
    parser.add_argument("--pages", help="comma-separated page keys to measure (default: all): " + _keys())
    parser.add_argument("--count-repeats", type=int, default=3, help="requests of the query count (default: 3)")
    parser.add_argument("--no-floor", action="store_true", help="skip the signed-in bare endpoint")
    parser.add_argument("--profile", metavar="PAGE", help="only profile this page in this process (no gunicorn)")
    parser.add_argument("--profile-requests", type=int, default=30, help="requests profiled (default: 30)")
    parser.add_argument("--pg-port", type=int, default=54390, help="first port tried for PostgreSQL (default: 54390)")
    parser.add_argument("--pg-dir", default="/tmp/dual-reporting-pages-pg", help="its directory (default: %(default)s)")
    parser.add_argument("--keep-cluster", action="store_true", help="leave PostgreSQL running at the end")
    parser.add_argument("--write", type=Path, metavar="FILE", help="replace the pages section of FILE")
    args = parser.parse_args(argv)
    from tests.bench.pages.scenarios import BY_KEY

    for key in [*(args.pages.split(",") if args.pages else []), *([args.profile] if args.profile else [])]:
        if key not in BY_KEY:
            parser.error(f"unknown page {key!r}: one of {_keys()}")
    return args


def _keys():
    from tests.bench.pages.scenarios import BY_KEY

    return ", ".join(BY_KEY)


def say(message):
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", file=sys.stderr, flush=True)


# --- CPU accounting (as the load test's: gunicorn's master and workers from /proc, the machine from /proc/stat) -----


def gunicorn_cpu(pid):
    return process_cpu_seconds(pid) + sum(process_cpu_seconds(child) for child in child_pids(pid))


def machine_busy():
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def children_cpu():
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(call, server_pid):
    """Run a loop; return (result, cpu): CPU seconds of gunicorn and of the client processes, the machine's busy
    share and its load average before and after."""
    busy0, total0 = machine_busy()
    server0, client0, load0 = gunicorn_cpu(server_pid), children_cpu(), os.getloadavg()[0]
    result = call()
    busy1, total1 = machine_busy()
    return result, {
        "server_s": gunicorn_cpu(server_pid) - server0,
        "client_s": children_cpu() - client0,
        "machine_busy": (busy1 - busy0) / max(total1 - total0, 1),
        "load_before": load0,
        "load_after": os.getloadavg()[0],
    }


def cpu_per_request_ms(result, cpu, *, seconds, warmup):
    """gunicorn's CPU over the warm-up and the measured window, over the requests (the warm-up's counted at the
    measured rate)."""
    requests = result.count * (1 + warmup / seconds) if seconds else 0
    return cpu["server_s"] / requests * 1000 if requests else None


# --- the report -------------------------------------------------------------------------------------------------


def _ms(value):
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _verdict(met):
    return "✅" if met else "❌"


def report(*, args, info, sizes, build_s, rows, counts, command):
    """`rows`: [(page, path, result, cpu)] in the order measured; `counts`: count_queries()'s answer."""
    from tests.bench.load.scenarios import summarize
    from tests.bench.pages.content import OPEN_CLAIMS_LEFT

    lines = [f"### Run of {time.strftime('%Y-%m-%d')}", ""]
    lines.append("**Machine.** " + "; ".join(f"{k}: {v}" for k, v in info.items()) + ".")
    lines.append("")
    lines.append(
        f"**Server.** gunicorn sync workers: {args.workers}, on 127.0.0.1, production's `deploy/gunicorn.conf.py` and "
        "`server.settings.bench` (production settings, DEBUG off, persistent database connections with health "
        "checks); the clients, gunicorn and PostgreSQL share the machine."
    )
    lines.append("")
    lines.append(
        "**Data.** The load test's: "
        f"{sizes['members']} members of {sizes['organs']} organs, all registered in one community (of "
        f"{sizes['communities']} about 1 km apart), {sizes['load_records']} approved services each, "
        f"{sizes['wishes']} published wishes and {sizes['activities']} open activities in the three. For each of the "
        f"{sizes['page_members']} members the virtual users sign in as (user k as member k, in turn): "
        f"{sizes['claims']} claims ({OPEN_CLAIMS_LEFT} open, the others confirmed, awaiting confirmation or "
        f"released), {sizes['signups']} sign-ups (for {sizes['upcoming']} upcoming activities of the community, "
        f"open to all its members, and {sizes['past']} past ones attended, their hours approved), "
        f"{sizes['certificates']} certificates, {sizes['notifications']} notifications (half read); built in "
        f"{build_s:.0f} s. The staff landing is read as the community's staff, the dashboard as the organs' "
        "reviewers in turn."
    )
    lines.append("")
    lines.append(
        f"**Pages** (each alone: {args.clients} virtual users, each sending its next request when the last is "
        f"answered, over {args.client_processes} client processes; {args.warmup:g} s warm-up, then {args.seconds:g} s "
        "measured; milliseconds. Queries and SQL time: from the same requests sent in the benchmark's process "
        "(median of "
        f"{args.count_repeats}); CPU: gunicorn's, per request):"
    )
    lines.append("")
    lines.append(
        "| page | URL | requests | req/s | p50 | p95 | p99 | max | errors | queries | SQL | CPU / request | HTML (KB) |"
    )
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    figures = {}
    for page, path, result, cpu in rows:
        s = summarize(result)
        count = counts.get(page.key, {})
        per_request = cpu_per_request_ms(result, cpu, seconds=args.seconds, warmup=args.warmup)
        figures[page.key] = (s, count, per_request)
        queries, sql, size = "–", "–", "–"
        if count:
            queries = str(count["queries"])
            if count["queries_max"] != count["queries"]:
                queries += f"–{count['queries_max']}"
            sql, size = _ms(count["sql_ms"]), f"{count['bytes'] / 1024:.1f}"
        label = f"**{page.label}**" if page.key == "home" else page.label
        shown = f"`{re.sub(r'/[0-9]+/', '/<id>/', path)}`"
        lines.append(
            f"| {label} | {shown} | {s['requests']:,} | {s['rps']:,.1f} | {_ms(s['p50'])} | {_ms(s['p95'])} "
            f"| {_ms(s['p99'])} | {_ms(s['max'])} | {s['errors']} | {queries} | {sql} | {_ms(per_request)} | {size} |"
        )
    lines.append("")

    member_rows = [(page, figures[page.key]) for page, *_ in rows if page.member_page]
    if member_rows:
        lines.append(
            f"**Targets** (issue #19): every member page at most {CPU_TARGET_MS} ms of server CPU and {QUERY_TARGET} "
            f"queries a request, p99 under {P99_TARGET_MS} ms at {args.clients} users; the member home at "
            f"{HOME_FACTOR} × its throughput before the work ({HOME_BASELINE_RPS} req/s) or more."
        )
        lines.append("")
        lines.append(
            f"| member page | CPU ≤ {CPU_TARGET_MS} ms | queries ≤ {QUERY_TARGET} | p99 < {P99_TARGET_MS} ms | errors |"
        )
        lines.append("|---|---|---|---|---|")
        for page, (s, count, per_request) in member_rows:
            queries = count.get("queries_max")
            lines.append(
                f"| {page.label} | {_ms(per_request)} ms "
                f"{_verdict(per_request is not None and per_request <= CPU_TARGET_MS)} "
                f"| {queries if queries is not None else '–'} "
                f"{_verdict(queries is not None and queries <= QUERY_TARGET)} "
                f"| {_ms(s['p99'])} ms {_verdict(s['p99'] is not None and s['p99'] < P99_TARGET_MS)} "
                f"| {s['errors']} {_verdict(s['errors'] == 0)} |"
            )
        lines.append("")
        if "home" in figures:
            rps = figures["home"][0]["rps"]
            goal = HOME_BASELINE_RPS * HOME_FACTOR
            lines.append(
                f"Member home throughput: {rps:,.1f} req/s against a target of {goal:.1f} req/s "
                f"({HOME_FACTOR} × {HOME_BASELINE_RPS}): {_verdict(rps >= goal)} "
                f"({rps / HOME_BASELINE_RPS:.2f} × the figure before the work)."
            )
            lines.append("")

    lines.append("**The machine during each page's loop** (warm-up and measured window):")
    lines.append("")
    lines.append("| page | gunicorn CPU | clients' CPU | machine busy | load average (1 min) before → after |")
    lines.append("|---|---:|---:|---:|---|")
    for page, _path, _result, cpu in rows:
        lines.append(
            f"| {page.label} | {cpu['server_s']:.1f} s | {cpu['client_s']:.1f} s | {cpu['machine_busy']:.0%} "
            f"| {cpu['load_before']:.1f} → {cpu['load_after']:.1f} |"
        )
    lines.append("")
    lines.append(f"Command: `{command}`")
    return "\n".join(lines) + "\n"


def write_section(path, section):
    """Put `section` between the pages marks of `path` (appending the section with its title if missing)."""
    text = path.read_text(encoding="utf-8")
    block = f"{START_MARK}\n{section.rstrip()}\n{END_MARK}"
    pattern = re.compile(re.escape(START_MARK) + r".*?" + re.escape(END_MARK), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _match: block, text)
    else:
        text = f"{text.rstrip()}\n\n{SECTION_TITLE}\n\n{block}\n"
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


# --- the run ----------------------------------------------------------------------------------------------------


def main(argv=None):
    args = parse_args(argv)
    command = "python -m tests.bench.pages " + " ".join(argv if argv is not None else sys.argv[1:])
    cluster = Cluster(directory=args.pg_dir, port=args.pg_port)
    say(f"starting PostgreSQL in {args.pg_dir}")
    admin_url = cluster.start()
    database_url = cluster.database_url(DATABASE)
    recreate_database(admin_url, DATABASE)
    env = server_env(database_url)
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"):
        os.environ[name] = env[name]
    os.environ.update({k: env[k] for k in ("DEBUG", "LOG_LEVEL")})
    server = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from tests.bench.measure import machine
        from tests.bench.pages import scenarios
        from tests.bench.pages.data import build

        say("migrating")
        call_command("migrate", verbosity=0)
        say("building the data")
        started = time.perf_counter()
        data = build(
            members=args.members, page_members=args.page_members, items=args.items, certificates=args.certificates
        )
        build_s = time.perf_counter() - started

        if args.profile:
            scenarios.profile_page(data, scenarios.BY_KEY[args.profile], requests=args.profile_requests)
            return

        pages = [scenarios.BY_KEY[key] for key in args.pages.split(",")] if args.pages else list(scenarios.PAGES)
        say(f"counting the queries of {len(pages)} pages in this process")
        counts = scenarios.count_queries(data, pages, repeats=args.count_repeats)
        problems = [c["problem"] for c in counts.values() if c["problem"]]
        if problems:
            sys.exit("the pages do not show what they should (in this process):\n" + "\n".join(problems))
        info = machine()
        connections.close_all()  # the client processes are forked: no connection to share

        log_path = ROOT / "var" / "bench_pages_gunicorn.log"
        log_path.parent.mkdir(exist_ok=True)
        server = Gunicorn(env=env, workers=args.workers, log_path=log_path).start()
        address = server.address
        say(f"gunicorn on {address[0]}:{address[1]} ({args.workers} sync workers); log: {log_path}")
        measured_pages = pages if args.no_floor else [*pages, scenarios.FLOOR]
        problems = scenarios.check_pages(address, data, measured_pages, users=args.clients)
        if problems:
            sys.exit("the pages do not answer as they should:\n" + "\n".join(problems))

        rows = []
        for page in measured_pages:
            say(f"{page.label}: {args.warmup:g} + {args.seconds:g} s")
            result, cpu = measured(
                lambda page=page: scenarios.page_reads(
                    address,
                    data,
                    page,
                    clients=args.clients,
                    seconds=args.seconds,
                    warmup=args.warmup,
                    processes=args.client_processes,
                ),
                server.process.pid,
            )
            path, _, _ = scenarios.target(data, page, 0)
            rows.append((page, path, result, cpu))
            say(f"{page.label}: {result.throughput:.1f} req/s, {len(result.errors())} errors")
        section = report(
            args=args, info=info, sizes=data.sizes, build_s=build_s, rows=rows, counts=counts, command=command
        )
        print(section)
        if args.write:
            write_section(args.write, section)
            say(f"wrote the pages section of {args.write}")
    finally:
        if server is not None:
            server.stop()
        if not args.keep_cluster:
            cluster.stop()


if __name__ == "__main__":
    main()
