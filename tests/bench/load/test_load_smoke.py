"""Smoke test of the load benchmark with a handful of requests, so its code cannot rot: the data builder, the races
and their checks, the closed-loop reads and the report, against pytest-django's live server on the test database
(SQLite or PostgreSQL); and gunicorn started and stopped by the benchmark's wrapper. Timings are never asserted."""

import re

import pytest

from tests.bench.load import run, scenarios
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

    loop = {"clients": 2, "seconds": 0.5, "warmup": 0.1, "processes": 0}
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


def test_the_gunicorn_wrapper_serves_the_bare_endpoint_and_stops(tmp_path):
    env = server_env(f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    with Gunicorn(env=env, workers=1, log_path=tmp_path / "gunicorn.log") as server:
        answer = send(server.address, Call("bare", "GET", BARE_PATH), csrf_token="x")
        assert (answer.status, answer.body) == (200, b"ok")
    assert server.process.poll() is not None
