"""The load benchmark (issue #8): gunicorn + PostgreSQL on this machine, driven over loopback.

    .venv/bin/python -m tests.bench.load.run [--seconds 60] [--workers 4] [--clients 8] [--write docs/performance.md]

Starts its own PostgreSQL cluster (scripts/postgres.sh, its own port and directory), creates a fresh database there,
migrates it, builds the data (tests/bench/load/data.py), starts gunicorn with production settings plus a bare
endpoint (server/settings/bench.py), runs the claim race, the sign-up race and the mixed reads beside the bare
endpoint (tests/bench/load/scenarios.py), prints a Markdown report on standard output (progress on standard error)
and with --write replaces the load section of the given file. Every loop is bounded in time and in requests.
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

START_MARK = "<!-- bench:load:start -->"
END_MARK = "<!-- bench:load:end -->"
SECTION_TITLE = "## Load test (gunicorn + PostgreSQL)"
DATABASE = "loadbench"
RATIO_TARGET = 1 / 3
P99_TARGET_MS = 250


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.bench.load.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="measured time of each read workload (default: 60)")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds before each (default: 3)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default: %(default)s)")
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"), help="(default: sync)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker (default: 1)")
    parser.add_argument("--clients", type=int, default=8, help="virtual users of the read loads (default: 8)")
    parser.add_argument("--client-processes", type=int, default=2, help="processes they run in (default: 2)")
    parser.add_argument("--members", type=int, default=200, help="racing members (default: %(default)s)")
    parser.add_argument("--capacity", type=int, default=30, help="places of the raced activity (default: 30)")
    parser.add_argument("--pg-port", type=int, default=54380, help="first port tried for PostgreSQL (default: 54380)")
    parser.add_argument("--pg-dir", default="/tmp/dual-reporting-load-pg", help="its directory (default: %(default)s)")
    parser.add_argument("--no-signed-in", action="store_true", help="skip the signed-in bare endpoint (a second floor)")
    parser.add_argument(
        "--sealing-rounds",
        type=int,
        default=5,
        help="rounds of both races without and with a sealer running (default: %(default)s; 0: none)",
    )
    parser.add_argument(
        "--sealing-interval", type=float, default=0.2, help="seconds between the sealer's seals (default: 0.2)"
    )
    parser.add_argument("--keep-cluster", action="store_true", help="leave PostgreSQL running at the end")
    parser.add_argument("--write", type=Path, metavar="FILE", help="replace the load section of FILE")
    return parser.parse_args(argv)


def say(message):
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", file=sys.stderr, flush=True)


# --- CPU accounting (the client, the server and the database share the machine's cores) -------------------------


def gunicorn_cpu(pid):
    return process_cpu_seconds(pid) + sum(process_cpu_seconds(child) for child in child_pids(pid))


def machine_busy():
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def children_cpu():
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(call, server_pid):
    """Run a read workload; return (result, cpu) with the CPU seconds of the server, the client and the machine."""
    busy0, total0 = machine_busy()
    server0, client0 = gunicorn_cpu(server_pid), children_cpu()
    load0 = os.getloadavg()[0]
    result = call()
    busy1, total1 = machine_busy()
    cpu = {
        "server_s": gunicorn_cpu(server_pid) - server0,
        "client_s": children_cpu() - client0,
        "machine_busy": (busy1 - busy0) / max(total1 - total0, 1),
        "load_before": load0,
        "load_after": os.getloadavg()[0],
    }
    return result, cpu


# --- the report -------------------------------------------------------------------------------------------------


def _ms(value):
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _check_rows(race):
    return "\n".join(
        f"- {'✅' if ok else '❌'} {what}{f' ({detail})' if detail and not ok else ''}"
        for what, ok, detail in race.checks
    )


def report(*, args, info, sizes, build_s, races, floor, mixed, command, signed_in=None, sealing=None):
    from tests.bench.load.scenarios import KIND_LABELS, MIXED, summarize
    from tests.bench.load.sealing import report_lines as sealing_lines

    lines = [f"### Run of {time.strftime('%Y-%m-%d')}", ""]
    lines.append("**Machine.** " + "; ".join(f"{k}: {v}" for k, v in info.items()) + ".")
    lines.append("")
    lines.append(
        f"**Server.** gunicorn {args.worker_class} workers: {args.workers}"
        + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
        + ", on 127.0.0.1, `server.settings.bench` (production settings, DEBUG off, persistent database connections"
        " with health checks, plus the bare endpoints); the clients, gunicorn and PostgreSQL share the machine."
    )
    lines.append("")
    lines.append(
        "**Data.** "
        + f"{sizes['members']} members of {sizes['organs']} organs ({sizes['branches']} branches), all registered in "
        + f"one community (of {sizes['communities']} about 1 km apart); {sizes['wishes']} published wishes; "
        + f"{sizes['activities']} open activities; {sizes['records']:,} approved service records "
        + f"(built in {build_s:.1f} s); a signed-in session per member and per organ reviewer."
    )
    lines.append("")
    lines.append(f"**Races** ({args.members} requests released together, one thread and one session each):")
    lines.append("")
    lines.append("| race | requests | answers | all answered in | median | slowest | checks |")
    lines.append("|---|---:|---|---:|---:|---:|---|")
    labels = {"claim": "(a) claim one wish", "signup": f"(b) sign up for {sizes['capacity']} places"}
    for race in races:
        answers = ", ".join(f"{count} × {status}" for status, count in race.statuses.items())
        verdict = "✅ all passed" if race.passed else "❌ failed"
        lines.append(
            f"| {labels[race.name]} | {race.requests} | {answers} | {race.seconds:.2f} s | {_ms(race.p50_ms)} ms "
            f"| {_ms(race.max_ms)} ms | {verdict} |"
        )
    lines.append("")
    for race in races:
        lines.append(f"{labels[race.name]}:")
        lines.append("")
        lines.append(_check_rows(race))
        lines.append("")
    if sealing is not None:
        lines.extend(sealing_lines(sealing))
    (floor_result, floor_cpu), (mixed_result, mixed_cpu) = floor, mixed
    lines.append(
        f"**Reads** ({args.clients} virtual users, each sending its next request when the last is answered, over "
        f"{args.client_processes} client processes; {args.warmup:g} s warm-up, then {args.seconds:g} s measured; "
        "milliseconds):"
    )
    lines.append("")
    lines.append("| workload | requests | req/s | p50 | p95 | p99 | max | errors |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")

    def row(label, s):
        return (
            f"| {label} | {s['requests']:,} | {s['rps']:,.1f} | {_ms(s['p50'])} | {_ms(s['p95'])} | {_ms(s['p99'])} "
            f"| {_ms(s['max'])} | {s['errors']} |"
        )

    floor_s, mixed_s = summarize(floor_result), summarize(mixed_result)
    lines.append(row("Bare endpoint (`/bench/ok/`, the floor)", floor_s))
    if signed_in is not None:
        lines.append(
            row("Signed-in bare endpoint (`/bench/ok-signed-in/`: + session and user)", summarize(signed_in[0]))
        )
    lines.append(row("**Mixed reads**", mixed_s))
    for kind, _, weight in MIXED:
        lines.append(row(f"… {KIND_LABELS[kind]} ({weight} %)", summarize(mixed_result, kind)))
    lines.append("")
    ratio = mixed_s["rps"] / floor_s["rps"] if floor_s["rps"] else 0.0
    met_ratio = ratio >= RATIO_TARGET
    met_p99 = mixed_s["p99"] is not None and mixed_s["p99"] < P99_TARGET_MS
    met_errors = mixed_s["errors"] == 0 and floor_s["errors"] == 0

    def verdict(met):
        return "✅ met" if met else "❌ missed"

    lines.append("| target | result | |")
    lines.append("|---|---|---|")
    lines.append(f"| mixed ≥ 1/3 of the floor's throughput | {ratio:.2f} of the floor | {verdict(met_ratio)} |")
    lines.append(f"| mixed p99 < {P99_TARGET_MS} ms | {_ms(mixed_s['p99'])} ms | {verdict(met_p99)} |")
    lines.append(f"| zero errors | {mixed_s['errors'] + floor_s['errors']} | {verdict(met_errors)} |")
    lines.append("")
    lines.append(
        "**CPU during each read workload** (CPU seconds over the warm-up and the measured window; per request: "
        "gunicorn's CPU over the requests, the warm-up's counted at the measured rate):"
    )
    lines.append("")
    lines.append("| workload | gunicorn | per request | clients | machine busy | load average (1 min) before → after |")
    lines.append("|---|---:|---:|---:|---:|---|")
    workloads = [("bare endpoint", floor_result, floor_cpu), ("mixed reads", mixed_result, mixed_cpu)]
    if signed_in is not None:
        workloads.insert(1, ("signed-in bare endpoint", *signed_in))
    for label, result, cpu in workloads:
        requests = result.count * (1 + args.warmup / args.seconds)
        per_request = cpu["server_s"] / requests * 1000 if requests else None
        lines.append(
            f"| {label} | {cpu['server_s']:.1f} s | {_ms(per_request)} ms | {cpu['client_s']:.1f} s "
            f"| {cpu['machine_busy']:.0%} | {cpu['load_before']:.1f} → {cpu['load_after']:.1f} |"
        )
    lines.append("")
    lines.append(f"Command: `{command}`")
    return "\n".join(lines) + "\n"


def write_section(path, section):
    """Put `section` between the load marks of `path` (appending the section with its title if missing)."""
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
    command = "python -m tests.bench.load.run " + " ".join(argv if argv is not None else sys.argv[1:])
    cluster = Cluster(directory=args.pg_dir, port=args.pg_port)
    say(f"starting PostgreSQL in {args.pg_dir}")
    admin_url = cluster.start()
    database_url = cluster.database_url(DATABASE)
    recreate_database(admin_url, DATABASE)
    env = server_env(database_url)
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS")})
    os.environ.update({k: env[k] for k in ("SECURE_SSL_REDIRECT", "DEBUG", "LOG_LEVEL")})
    server = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from tests.bench.load import scenarios
        from tests.bench.load.data import build
        from tests.bench.measure import machine

        say("migrating")
        call_command("migrate", verbosity=0)
        say("building the data")
        started = time.perf_counter()
        data = build(members=args.members, capacity=args.capacity)
        build_s = time.perf_counter() - started
        targets = None
        if args.sealing_rounds > 0:
            from tests.bench.load.sealing import fresh_targets

            targets = fresh_targets(data, 2 * args.sealing_rounds)
        connections.close_all()  # the client processes are forked: no connection to share

        log_path = ROOT / "var" / "bench_load_gunicorn.log"
        log_path.parent.mkdir(exist_ok=True)
        server = Gunicorn(
            env=env, workers=args.workers, worker_class=args.worker_class, threads=args.threads, log_path=log_path
        ).start()
        address = server.address
        say(f"gunicorn on {address[0]}:{address[1]} ({args.workers} {args.worker_class} workers); log: {log_path}")
        problems = scenarios.check_reads(address, data)
        if problems:
            sys.exit("the reads of the mix do not answer as they should:\n" + "\n".join(problems))

        races = []
        for name, race in (("claim race", scenarios.claim_race), ("sign-up race", scenarios.signup_race)):
            say(f"{name}: {args.members} requests at once")
            result = race(address, data)
            races.append(result)
            connections.close_all()
            say(f"{name}: {result.statuses}, {'passed' if result.passed else 'FAILED'}")

        sealing = None
        if args.sealing_rounds > 0:
            from tests.bench.load.sealing import compare

            say(f"the races with and without sealing: {args.sealing_rounds} rounds of each")
            sealing = compare(address, data, env=env, targets=targets, interval=args.sealing_interval, say=say)

        loop = {
            "clients": args.clients,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "processes": args.client_processes,
        }
        say(f"bare endpoint: {args.warmup:g} + {args.seconds:g} s")
        floor = measured(lambda: scenarios.bare_reads(address, data, **loop), server.process.pid)
        signed_in = None
        if not args.no_signed_in:
            say(f"signed-in bare endpoint: {args.warmup:g} + {args.seconds:g} s")
            signed_in = measured(
                lambda: scenarios.bare_reads(address, data, signed_in=True, **loop), server.process.pid
            )
        say(f"mixed reads: {args.warmup:g} + {args.seconds:g} s")
        mixed = measured(lambda: scenarios.mixed_reads(address, data, **loop), server.process.pid)
        info = machine()
        section = report(
            args=args,
            info=info,
            sizes=data.sizes,
            build_s=build_s,
            races=races,
            floor=floor,
            signed_in=signed_in,
            mixed=mixed,
            command=command,
            sealing=sealing,
        )
        print(section)
        if args.write:
            write_section(args.write, section)
            say(f"wrote the load section of {args.write}")
        if not all(race.passed for race in races) or (sealing is not None and not sealing.passed):
            sys.exit(1)
    finally:
        if server is not None:
            server.stop()
        if not args.keep_cluster:
            cluster.stop()


if __name__ == "__main__":
    main()
