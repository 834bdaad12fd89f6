"""Smoke test of the load benchmark with a handful of requests, so its code cannot rot: the data builder, the races
and their checks, the closed-loop reads and the report, against pytest-django's live server on the test database
(SQLite or PostgreSQL); and gunicorn started and stopped by the benchmark's wrapper. Timings are never asserted."""

import re

import pytest
from django.db import connection

from apps.seals.verify import ledger_verify
from apps.wishes.models import ClaimStatus, WishClaim
from tests.bench.load import run, scenarios, sealing
from tests.bench.load.client import Call, send
from tests.bench.load.data import build
from tests.bench.load.server import BARE_PATH, Gunicorn, server_env

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bench_server(parallel_server, settings):
    settings.ROOT_URLCONF = "tests.bench.load.urls"  # the site plus the bare endpoint
    host, port = parallel_server.url.removeprefix("http://").split(":")
    return host, int(port)


def test_races_and_reads_on_a_tiny_load_give_the_benchmark_figures(bench_server, tmp_path):
    data = build(members=6, organs=2, capacity=2, wishes=4, activities=3, records_per_member=1)

    assert scenarios.check_reads(bench_server, data) == []

    claim = scenarios.claim_race(bench_server, data)
    assert claim.passed, claim.checks
    assert claim.statuses == {201: 1, 409: 5}
    signup = scenarios.signup_race(bench_server, data)
    assert signup.passed, signup.checks
    assert signup.statuses == {201: 6}

    # Long enough for a few requests on a busy machine (a first request may wait for a core).
    loop = {"clients": 2, "seconds": 1.5, "warmup": 0.3, "processes": 0}
    floor = scenarios.bare_reads(bench_server, data, **loop)
    signed_in = scenarios.bare_reads(bench_server, data, signed_in=True, **loop)
    mixed = scenarios.mixed_reads(bench_server, data, **loop)
    assert floor.count > 0 and floor.errors() == [] and floor.kinds() == ["bare"]
    assert signed_in.count > 0 and signed_in.errors() == [] and signed_in.kinds() == ["signed_in"]
    assert mixed.count > 0 and mixed.errors() == []
    assert set(mixed.kinds()) <= {kind for kind, _, _ in scenarios.MIXED}

    cpu = {"server_s": 0.0, "client_s": 0.0, "machine_busy": 0.5, "load_before": 1.0, "load_after": 1.0}
    section = run.report(
        args=run.parse_args(["--seconds", "0.5", "--members", "6", "--capacity", "2", "--clients", "2"]),
        info={"CPU": "test"},
        sizes=data.sizes,
        build_s=0.1,
        races=[claim, signup],
        floor=(floor, cpu),
        signed_in=(signed_in, cpu),
        mixed=(mixed, cpu),
        command="python -m tests.bench.load.run --seconds 0.5",
    )
    assert "| (a) claim one wish | 6 | 1 × 201, 5 × 409 |" in section
    assert "| (b) sign up for 2 places | 6 | 6 × 201 |" in section
    assert re.search(r"\| \*\*Mixed reads\*\* \| [\d,]+ \|", section)
    assert "| Signed-in bare endpoint" in section

    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\n## Statistics\n\nkept\n", encoding="utf-8")
    run.write_section(doc, section)
    run.write_section(doc, section)  # replaced, not appended twice
    text = doc.read_text(encoding="utf-8")
    assert text.count(run.SECTION_TITLE) == 1 and text.count(run.START_MARK) == 1 and "kept" in text


def _test_database_url():
    """The test database as a URL, for a process of its own (the sealer)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def test_the_races_keep_their_outcome_while_a_sealer_seals(bench_server):
    data = build(members=6, organs=2, capacity=2, wishes=4, activities=3, records_per_member=1)
    targets = sealing.fresh_targets(data, 2)
    # As the benchmark does: the main races first, then the rounds on their own copies.
    assert scenarios.claim_race(bench_server, data).passed
    assert scenarios.signup_race(bench_server, data).passed

    result = sealing.compare(
        bench_server, data, env=server_env(_test_database_url()), targets=targets, interval=0.05, say=lambda _: None
    )

    assert result.passed, result.failed
    assert {key: len(values) for key, values in result.seconds.items()} == {
        ("claim", "off"): 1,
        ("claim", "on"): 1,
        ("signup", "off"): 1,
        ("signup", "on"): 1,
    }
    # The round with the sealer: one claim and six sign-ups, each with its audit entry, sealed by the sealer.
    assert result.sealed["leaves"] >= 1 + 6
    assert ledger_verify(use_witness_file=False).ok
    # Each round raced for a wish of its own, and gave it back.
    claimed = WishClaim.objects.filter(wish__title__contains="轮")
    assert claimed.values("wish").distinct().count() == 2
    assert not claimed.filter(status=ClaimStatus.ACTIVE).exists()
    text = "\n".join(sealing.report_lines(result))
    assert re.search(r"\| \(a\) claim one wish \| [\d.]+ s \| [\d.]+ s \| [+-]\d+% \| ✅ yes \|", text), text


def test_the_gunicorn_wrapper_serves_the_bare_endpoint_and_stops(tmp_path):
    env = server_env(f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    with Gunicorn(env=env, workers=1, log_path=tmp_path / "gunicorn.log") as server:
        answer = send(server.address, Call("bare", "GET", BARE_PATH), csrf_token="x")
        assert (answer.status, answer.body) == (200, b"ok")
    assert server.process.poll() is not None
