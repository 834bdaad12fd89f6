"""Smoke test of the statistics benchmark at a tiny scale, on the test database: the generated city has the planned
sizes and a consistent ledger, the roll-ups rebuilt from it reconcile, and every read the benchmark times gives the
ledger's own figures. Correctness only: the timings are printed by the benchmark, never asserted."""

import pytest

from apps.activities.models import SignUp
from apps.ledger.models import RecordStatus, ServiceRecord, ServiceSource
from apps.stats.rollups import rebuild, reconcile
from apps.wishes.models import Wish, WishStatus
from tests import factories as f
from tests.bench import city, measure, stats_city

pytestmark = pytest.mark.django_db

YEAR = 2025


def test_tiny_city_has_the_planned_sizes_and_its_rollups_equal_the_ledger():
    plan = city.plan_for(scale=0.0005, year=YEAR)
    written = city.generate(plan)
    facts = city.city_facts(YEAR)

    assert written["orgs.Member"] == facts["members"] == plan.members
    assert (facts["districts"], facts["streets"], facts["communities"]) == (4, 4, plan.communities)
    assert facts["grids"] == plan.communities * city.GRIDS_PER_COMMUNITY
    assert facts["organs"] == plan.organs
    assert facts["export_organ_members"] == plan.big_organ_members
    assert facts["records_in_year"] == plan.records
    assert facts["records_total"] == plan.records + plan.previous_year_records
    assert facts["amendments_in_year"] == round(plan.records * city.AMENDMENT_SHARE)
    assert 0 < facts["pending_in_year"] < facts["approved_in_year"]
    # Every activity service is a sign-up pointing back at it, every wish service a confirmed wish.
    originals = ServiceRecord.objects.filter(amends__isnull=True)
    activity_records = dict(originals.filter(source=ServiceSource.ACTIVITY).values_list("source_id", "pk"))
    assert activity_records and dict(SignUp.objects.values_list("pk", "record_id")) == activity_records
    wish_ids = set(originals.filter(source=ServiceSource.WISH).values_list("source_id", flat=True))
    assert wish_ids and wish_ids == set(Wish.objects.filter(status=WishStatus.CONFIRMED).values_list("pk", flat=True))
    # Amendments share their original's member, place, source and start, as the ledger writes them.
    for amendment in ServiceRecord.objects.filter(amends__isnull=False).select_related("amends"):
        original = amendment.amends
        assert original.status == RecordStatus.APPROVED
        same = ("member_id", "organ_id", "branch_id", "community_id", "grid_id", "source", "started_at")
        assert all(getattr(amendment, name) == getattr(original, name) for name in same)

    rebuild()
    assert reconcile().clean

    results = measure.run(year=YEAR, repeat=1, warmup=0, export_repeat=1)
    assert results.checks and results.all_equal, results.checks
    assert {"dashboard", "ranking", "export", "direct_organ", "direct_ranking"} <= set(results.timings)
    assert results.export_bytes > 0
    report = measure.report(plan=plan, facts=facts, load={}, results=results, info=measure.machine())
    assert "| One organ's year dashboard (`node_metrics`) | 1 |" in report
    assert "gave exactly the ledger's figures" in report


def test_generation_refuses_a_database_that_already_holds_members():
    f.MemberFactory()
    with pytest.raises(RuntimeError):
        city.generate(city.plan_for(scale=0.0005, year=YEAR))


def test_write_section_creates_the_document_then_replaces_only_its_section(tmp_path):
    path = tmp_path / "performance.md"
    stats_city.write_section(path, "first run")
    created = path.read_text(encoding="utf-8")
    assert created.startswith("# Performance") and "first run" in created
    path.write_text(created + "\n## Other benchmark\n\nkept\n", encoding="utf-8")

    stats_city.write_section(path, "second run")

    text = path.read_text(encoding="utf-8")
    assert "second run" in text and "first run" not in text and "kept" in text
    assert text.count(stats_city.START_MARK) == text.count(stats_city.END_MARK) == 1
