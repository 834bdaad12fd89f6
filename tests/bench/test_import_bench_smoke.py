"""Smoke test of the roster import benchmark at 30 rows, on the test database: the world it builds resolves its home
addresses, the roster it writes imports through the services into members of the right branches with a plan of one
create per row, the baseline inserts the same people, a second import of the same file changes nothing, and the
report says so. Correctness only: the timings are printed by the benchmark, never asserted."""

import pytest

from apps.accounts.models import User
from apps.imports.importers.members import MembersImporter
from apps.imports.models import ImportBatch, RowAction
from apps.orgs.models import Member, MemberAffiliation
from apps.places.geocoding import resolve_address
from tests.bench import import_roster as bench

pytestmark = pytest.mark.django_db

ROWS = 30


@pytest.fixture
def world():
    return bench.build_world(entries=6, addresses=12, branches=3)


def test_the_world_resolves_every_address_to_the_community_of_its_gazetteer_entry(world):
    assert world.facts == {"communities": 4, "grids": 12, "entries": 6, "addresses": 12, "branches": 3}
    for address in world.addresses:
        found = resolve_address(address)
        assert found.matched_name and found.matched_name in address
        assert found.grid is not None and found.grid.community == found.community


def test_a_tiny_roster_imports_into_the_right_branches_and_the_baseline_inserts_the_same_rows(world, tmp_path):
    rows = bench.roster_rows(world, ROWS, run=0)
    assert len({row[1] for row in rows}) == ROWS
    assert any(row[5] for row in rows) and not all(row[5] for row in rows)
    path = bench.write_roster(tmp_path / "roster.xlsx", rows)
    with path.open("rb") as handle:
        table = MembersImporter.open_file(handle, path.name)
        assert table.total == ROWS and len(table.columns) == len(MembersImporter.columns)
        table.close()

    done = bench.run_import(world, path)

    assert done.status == "applied" and done.rows == ROWS and done.steps >= 1
    assert done.counts[RowAction.CREATE] == ROWS
    assert sum(done.counts.values()) == ROWS
    assert bench.check_members(world, rows) == {"members": True, "branches and fields": True}
    member = Member.objects.select_related("user", "branch").get(user__phone=rows[4][1])
    assert member.branch == world.branches[4 % len(world.branches)]
    assert not member.user.has_usable_password()
    assert MemberAffiliation.objects.filter(organ=world.organ, ended_on__isnull=True).count() == ROWS
    assert done.start.queries > 0 and done.check.seconds > 0 and done.apply.seconds > 0

    again = bench.run_import(world, path)
    assert again.status == "applied" and again.counts[RowAction.UNCHANGED] == ROWS
    assert Member.objects.filter(organ=world.organ).count() == ROWS

    bench.clear(world)
    assert not Member.objects.filter(organ=world.organ).exists()
    assert not ImportBatch.objects.exists()
    assert not User.objects.filter(phone__in=[row[1] for row in rows]).exists()

    phase, inserted = bench.baseline_insert(world, rows)
    assert inserted == ROWS and phase.seconds > 0
    checks = bench.check_members(world, rows, organ=world.baseline_organ, branches=world.baseline_branches)
    assert checks == {"members": True, "branches and fields": True}
    assert MemberAffiliation.objects.filter(organ=world.baseline_organ).count() == ROWS
    bench.clear(world)
    assert User.objects.count() == 1  # the reviewer


def test_the_benchmark_measures_each_size_and_reports_it(world, tmp_path):
    results = bench.run(world, sizes=(ROWS,), directory=tmp_path, progress=lambda message: None)

    assert len(results) == 1 and bench.all_passed(results), results[0].checks
    result = results[0]
    assert len(result.runs) == 1 and result.again is not None
    assert set(result.memory) == {"start", "check", "apply", "baseline"}
    assert all(peak > 0 for peak in result.memory.values())
    assert not Member.objects.exists() and not ImportBatch.objects.exists()
    text = bench.report(world=world, results=results, info={"CPU": "test"}, repeat=1)
    assert f"| {ROWS} | " in text and "passed" in text and "imported again" in text


def test_write_section_appends_the_section_once_then_replaces_only_it(tmp_path):
    path = tmp_path / "performance.md"
    path.write_text("# Performance\n\n## Statistics\n\nkept\n", encoding="utf-8")
    bench.write_section(path, "first run")
    text = path.read_text(encoding="utf-8")
    assert bench.SECTION_TITLE in text and "**How to reproduce**" in text and "first run" in text

    bench.write_section(path, "second run")

    text = path.read_text(encoding="utf-8")
    assert "second run" in text and "first run" not in text and "kept" in text
    assert text.count(bench.SECTION_TITLE) == text.count(bench.START_MARK) == text.count(bench.END_MARK) == 1
