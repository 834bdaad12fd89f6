"""Smoke test of the page benchmark with a handful of requests, so its code cannot rot: the data builder, the checks
of what each page shows, the query count, the closed loop of every page, the report and its section in the docs, and
the profile, against pytest-django's live server on the test database (SQLite or PostgreSQL). Timings are never
asserted; the query counts are those pinned in tests/web/test_member_page_queries.py."""

import io
import re

import pytest

from tests.bench.pages import run, scenarios
from tests.bench.pages.data import build
from tests.web.test_member_page_queries import PINNED

pytestmark = pytest.mark.django_db(transaction=True)

# The benchmark's pages and the pinned pages they are.
PINNED_AS = {
    "home": "home",
    "wish": "wish (open)",
    "activity": "activity (signed up)",
    "claims": "my claims",
    "activities": "my activities",
    "hours": "my hours",
    "certificates": "my certificates",
    "notifications": "notifications",
}


@pytest.fixture
def bench_server(parallel_server, settings):
    settings.ROOT_URLCONF = "tests.bench.load.urls"  # the site plus the bare endpoints
    host, port = parallel_server.url.removeprefix("http://").split(":")
    return host, int(port)


def test_every_page_shows_its_content_and_the_report_gives_its_figures(bench_server, tmp_path):
    data = build(
        members=4, organs=2, wishes=4, activities=2, records_per_member=1, page_members=2, items=3, certificates=1
    )
    pages = [*scenarios.PAGES, scenarios.FLOOR]
    assert [page.key for page in pages if page.member_page] == list(PINNED_AS)

    assert scenarios.check_pages(bench_server, data, pages, users=1) == []

    counts = scenarios.count_queries(data, scenarios.PAGES, repeats=1)
    assert [key for key, found in counts.items() if found["problem"]] == []
    assert {key: counts[key]["queries"] for key in PINNED_AS} == {key: PINNED[name] for key, name in PINNED_AS.items()}
    assert all(found["bytes"] > 0 for found in counts.values())

    # The loop, for a page of each kind of user (two users: members and reviewers in turn) and the floor.
    rows = []
    cpu = {"server_s": 0.5, "client_s": 0.1, "machine_busy": 0.5, "load_before": 1.0, "load_after": 1.0}
    for page in [scenarios.BY_KEY[key] for key in ("home", "wish", "staff", "dashboard", "floor")]:
        result = scenarios.page_reads(bench_server, data, page, clients=2, seconds=0.3, warmup=0, processes=0)
        assert result.count > 0 and result.errors() == [] and result.kinds() == [page.key], page.key
        rows.append((page, scenarios.target(data, page, 0)[0], result, cpu))

    args = run.parse_args(["--seconds", "0.3", "--warmup", "0", "--clients", "2", "--count-repeats", "1"])
    section = run.report(
        args=args, info={"CPU": "test"}, sizes=data.sizes, build_s=1.0, rows=rows, counts=counts, command="test"
    )
    assert re.search(r"\| \*\*Member home\*\* \| `/m/` \| [\d,]+ \| [\d.,]+ \|", section)
    assert "| Wish detail (an open wish near home) | `/m/wishes/<id>/` |" in section
    assert f"| {scenarios.FLOOR.label} | `/bench/ok-signed-in/` |" in section
    assert re.search(rf"\| Member home \| [\d.]+ ms [✅❌] \| {PINNED['home']} [✅❌] \|", section)
    assert "Member home throughput:" in section and "| Staff landing (community staff) | 0.5 s |" in section

    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\n## Load test\n\nkept\n", encoding="utf-8")
    run.write_section(doc, section)
    run.write_section(doc, section)  # replaced, not appended twice
    text = doc.read_text(encoding="utf-8")
    assert text.count(run.SECTION_TITLE) == 1 and text.count(run.START_MARK) == 1 and "kept" in text

    out = io.StringIO()
    found = scenarios.profile_page(data, scenarios.BY_KEY["home"], requests=2, top=5, out=out)
    assert found["queries"] == PINNED["home"]
    profile = out.getvalue()
    assert "## The queries of the last request" in profile and "### Own CPU by area" in profile
    assert "template rendering" in profile and "apps/web/member/views.py" in profile
    assert "warning" not in profile


def test_unknown_pages_are_refused_with_the_list_of_pages(capsys):
    with pytest.raises(SystemExit):
        run.parse_args(["--pages", "home,nowhere"])
    assert "unknown page 'nowhere'" in capsys.readouterr().err
