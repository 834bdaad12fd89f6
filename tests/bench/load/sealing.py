"""The write path with and without sealing (issue #18): the claim and sign-up races run in alternating rounds, once
with no sealer and once while a sealer process seals the ledger over and over (every `interval` seconds, where
production's job seals once a minute: a worst case), and each round must keep its exact outcome.

The races' contested objects are fresh in every round: copies of the race wish and the race activity (each activity
on another day, so that no member's sign-ups overlap), and the round's winning claim is given back afterwards
through the service (a member may hold only a few claims at once).

`python -m tests.bench.load.sealing --interval 0.2` is the sealer process itself: it seals until it is terminated,
then prints what it sealed as one JSON line.
"""

import argparse
import json
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import timedelta

from tests.bench.load.server import ROOT


@dataclass
class Targets:
    wish_ids: list
    activity_ids: list


def fresh_targets(data, count):
    """`count` copies of the race wish and of the race activity (the activities a day apart, after the others).
    Made before any race: a copy of a raced wish or activity would be claimed or full already."""
    from django.db import transaction

    from apps.activities.models import Activity
    from apps.wishes.models import Wish

    wish_ids, activity_ids = [], []
    with transaction.atomic():
        for k in range(count):
            wish = Wish.objects.get(pk=data.race_wish_id)
            wish.pk = wish.id = None
            wish.title = f"{wish.title}（第{k + 1}轮）"
            wish.save(force_insert=True)
            wish_ids.append(wish.pk)
            activity = Activity.objects.get(pk=data.race_activity_id)
            shift = timedelta(days=30 + k)
            activity.pk = activity.id = None
            activity.title = f"{activity.title}（第{k + 1}轮）"
            activity.starts_at += shift
            activity.ends_at += shift
            activity.signup_deadline += shift
            activity.save(force_insert=True)
            activity_ids.append(activity.pk)
    return Targets(wish_ids=wish_ids, activity_ids=activity_ids)


def give_back(wish_id):
    """The round's winner gives the wish back (the service, as a member would)."""
    from apps.wishes.models import ClaimStatus, Wish, WishClaim
    from apps.wishes.services import wish_release

    claim = WishClaim.objects.filter(wish_id=wish_id, status=ClaimStatus.ACTIVE).select_related("member__user").first()
    if claim is not None:
        wish_release(wish=Wish.objects.get(pk=wish_id), actor=claim.member.user, reason="压测：下一轮")


class Sealer:
    """The sealer process (this module run as a program) against the benchmark's database."""

    def __init__(self, env, interval):
        self.env = {**env, "SEAL_WITNESS_FILE": ""}
        self.interval = interval
        self.process = None

    def __enter__(self):
        command = [sys.executable, "-m", "tests.bench.load.sealing", "--interval", str(self.interval)]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()  # "ready" once Django is set up and the backlog is sealed
        if line.strip() != "ready":
            raise RuntimeError(f"the sealer did not start: {line!r}")
        return self

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=120)
        self.made = json.loads(out.strip().splitlines()[-1]) if out.strip() else {"seals": 0, "leaves": 0}
        return False


@dataclass
class Comparison:
    rounds: int
    interval: float
    seconds: dict = field(default_factory=dict)  # (race, mode) → [seconds]
    failed: list = field(default_factory=list)  # (round, race, mode, [checks failed]) of a round that broke a rule
    sealed: dict = field(default_factory=lambda: {"seals": 0, "leaves": 0})

    def median(self, race, mode):
        values = self.seconds.get((race, mode), [])
        return statistics.median(values) if values else None

    @property
    def passed(self):
        return not self.failed


def compare(address, data, *, env, targets, interval, say=print):
    """Run claim races and sign-up races on `targets` (fresh_targets: two per round) without sealing and as many
    with, alternating (off-on, on-off, … so that a drift of the machine's load weighs on both sides)."""
    from django.db import connections

    from apps.seals.services import ledger_seal_all
    from tests.bench.load import scenarios

    rounds = len(targets.wish_ids) // 2
    ledger_seal_all()  # what the data build wrote: no round pays for the backlog
    connections.close_all()
    result = Comparison(rounds=rounds, interval=interval)
    k = 0
    for r in range(rounds):
        for mode in ("off", "on") if r % 2 == 0 else ("on", "off"):
            round_data = replace(data, race_wish_id=targets.wish_ids[k], race_activity_id=targets.activity_ids[k])
            k += 1
            sealer = Sealer(env, interval) if mode == "on" else None
            if sealer is not None:
                sealer.__enter__()
            try:
                for race in (scenarios.claim_race, scenarios.signup_race):
                    outcome = race(address, round_data)
                    result.seconds.setdefault((outcome.name, mode), []).append(outcome.seconds)
                    if not outcome.passed:
                        broken = [what for what, ok, _ in outcome.checks if not ok]
                        result.failed.append((r + 1, outcome.name, mode, broken))
                    connections.close_all()
            finally:
                if sealer is not None:
                    sealer.__exit__(None, None, None)
                    for key in ("seals", "leaves"):
                        result.sealed[key] += sealer.made[key]
            give_back(round_data.race_wish_id)
            connections.close_all()
            say(f"round {r + 1}, sealing {mode}: done")
    return result


def report_lines(result):
    lines = [
        f"**The write path with and without sealing** ({result.rounds} rounds of each race without a sealer and "
        f"{result.rounds} while a sealer process sealed every {result.interval:g} s — production seals once a "
        "minute —, alternating; fresh contested objects every round; medians of the time from the first request "
        "sent to the last answer):",
        "",
        "| race | without sealing | with sealing | difference | every round's outcome exact |",
        "|---|---:|---:|---:|---|",
    ]
    labels = {"claim": "(a) claim one wish", "signup": "(b) sign up for the places"}
    for race in ("claim", "signup"):
        off, on = result.median(race, "off"), result.median(race, "on")
        change = f"{(on - off) / off:+.0%}" if off and on is not None else "–"
        broken = [f"round {r} {mode} ({'; '.join(what)})" for r, name, mode, what in result.failed if name == race]
        verdict = "✅ yes" if not broken else "❌ no: " + ", ".join(broken)
        off_s = f"{off:.2f} s" if off is not None else "–"
        on_s = f"{on:.2f} s" if on is not None else "–"
        lines.append(f"| {labels[race]} | {off_s} | {on_s} | {change} | {verdict} |")
    lines.append("")
    runs = {key: ", ".join(f"{s:.2f}" for s in values) for key, values in sorted(result.seconds.items())}
    lines.append(
        "Every round (seconds): "
        + "; ".join(f"{race} {mode}: {values}" for (race, mode), values in runs.items())
        + f". The sealer made {result.sealed['seals']} seals of {result.sealed['leaves']} entries meanwhile."
    )
    lines.append("")
    return lines


# --- the sealer process ------------------------------------------------------------------------------------------


def _sealer_main(argv=None):
    parser = argparse.ArgumentParser(description="Seal the ledger every INTERVAL seconds until terminated.")
    parser.add_argument("--interval", type=float, default=0.2)
    args = parser.parse_args(argv)
    import django

    django.setup()
    from apps.seals.services import ledger_seal_all

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    made = {"seals": 0, "leaves": 0}

    def seal():
        for seal in ledger_seal_all():
            made["seals"] += 1
            made["leaves"] += seal.leaf_count

    seal()
    print("ready", flush=True)
    while not stop:
        seal()
        time.sleep(args.interval)
    seal()  # what was written up to the end
    print(json.dumps(made), flush=True)


if __name__ == "__main__":
    _sealer_main()
