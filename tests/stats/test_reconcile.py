"""`manage.py reconcile_stats`: clean after a random workload; an injected difference (a changed, a missing, a stray
row) is reported with exit status 1 and repaired by --fix; --since/--until narrow the check; --rebuild recomputes
the tables from nothing; and the ledger is never touched."""

import re
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils.translation import gettext

from apps.ledger.models import AuditEntry, ServiceRecord
from apps.stats.models import MEASURES, ROLLUP_MODELS, CommunityDayTotal, MemberDayTotal, OrganDayTotal

pytestmark = pytest.mark.django_db

NO_DIFFERENCE = "No difference: %(n)d roll-up rows match the ledger."
DIFFERENCES = "%(n)d roll-up rows differ from the ledger (of %(total)d checked)."
RUN_WITH_FIX = "Run again with --fix to rewrite them from the ledger."
FIXED = "Fixed: the differing rows were rewritten from the ledger."
REBUILT = "The roll-up tables were recomputed from the ledger."


def run(*args):
    """Run the command; it must finish normally. Returns what it printed."""
    out = StringIO()
    call_command("reconcile_stats", *args, stdout=out)
    return out.getvalue()


def run_reporting_differences(*args):
    """Run the command; it must exit with status 1. Returns what it printed."""
    out = StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("reconcile_stats", *args, stdout=out)
    assert exc.value.code == 1
    return out.getvalue()


def tables():
    return {model.__name__: sorted(model.objects.values_list(*model.KEY, *MEASURES)) for model in ROLLUP_MODELS}


def row_count():
    return sum(model.objects.count() for model in ROLLUP_MODELS)


def ledger_state():
    """Everything the ledger holds: every record row as stored, and the audit trail."""
    return list(ServiceRecord.objects.order_by("pk").values()), list(AuditEntry.objects.order_by("pk").values())


def key_text(row):
    """How the command names a row: its table and key."""
    key = ", ".join(str(getattr(row, name)) for name in row.KEY)
    return f"{row._meta.db_table} ({key})"


def assert_clean():
    assert gettext(NO_DIFFERENCE) % {"n": row_count()} in run()


@pytest.fixture
def ledger_before(workload):
    return ledger_state()


def test_after_a_random_workload_there_is_no_difference(ledger_before):
    assert row_count() > 0
    out = run()
    assert out.strip() == gettext(NO_DIFFERENCE) % {"n": row_count()}
    assert ledger_state() == ledger_before


def test_a_changed_row_is_reported_and_fix_rewrites_it(ledger_before):
    before = tables()
    row = MemberDayTotal.objects.order_by("day", "pk").first()
    MemberDayTotal.objects.filter(pk=row.pk).update(minutes=F("minutes") + 7, points=F("points") + 1)

    out = run_reporting_differences()
    assert gettext(DIFFERENCES) % {"n": 1, "total": row_count()} in out
    assert key_text(row) in out
    assert f"'minutes': {row.minutes + 7}" in out  # stored
    assert f"'minutes': {row.minutes}" in out  # from the ledger
    assert gettext(RUN_WITH_FIX) in out

    out = run("--fix")
    assert gettext(DIFFERENCES) % {"n": 1, "total": row_count()} in out
    assert gettext(FIXED) in out
    assert tables() == before
    assert_clean()
    assert ledger_state() == ledger_before


def test_a_missing_row_is_reported_and_fix_restores_it(ledger_before):
    before = tables()
    row = OrganDayTotal.objects.order_by("-day", "pk").first()
    row.delete()

    out = run_reporting_differences()
    assert gettext(DIFFERENCES) % {"n": 1, "total": row_count() + 1} in out
    assert key_text(row) in out
    run("--fix")
    assert tables() == before
    assert_clean()
    assert ledger_state() == ledger_before


def test_a_stray_row_is_reported_and_fix_removes_it(ledger_before):
    before = tables()
    community = CommunityDayTotal.objects.order_by("pk").first().community
    stray = CommunityDayTotal.objects.create(
        day=date(2022, 2, 2), community=community, person_times=1, minutes=60, points=10
    )

    out = run_reporting_differences()
    assert key_text(stray) in out
    run("--fix")
    assert not CommunityDayTotal.objects.filter(pk=stray.pk).exists()
    assert tables() == before
    assert_clean()
    assert ledger_state() == ledger_before


def test_every_difference_is_counted_and_the_first_twenty_are_listed(ledger_before):
    rows = list(MemberDayTotal.objects.order_by("day", "pk"))
    assert len(rows) > 25
    MemberDayTotal.objects.all().delete()
    changed = OrganDayTotal.objects.order_by("pk").first()
    OrganDayTotal.objects.filter(pk=changed.pk).update(person_times=F("person_times") + 1)

    out = run_reporting_differences()
    differences = len(rows) + 1
    assert gettext(DIFFERENCES) % {"n": differences, "total": row_count() + len(rows)} in out
    assert gettext("  ... and %(n)d more.") % {"n": differences - 20} in out
    listed = [line for line in out.splitlines() if line.startswith("  stats_")]
    assert len(listed) == 20
    run("--fix")
    assert_clean()
    assert ledger_state() == ledger_before


def test_since_and_until_restrict_the_check_and_the_fix(ledger_before):
    row = MemberDayTotal.objects.order_by("day", "pk")[5]
    MemberDayTotal.objects.filter(pk=row.pk).update(wish_services=F("wish_services") + 3)
    day, next_day, day_before = row.day.isoformat(), (row.day + timedelta(days=1)), (row.day - timedelta(days=1))

    # Outside the days asked for, the difference is neither seen nor fixed.
    assert _no_difference_prefix() in run("--since", next_day.isoformat())
    assert _no_difference_prefix() in run("--until", day_before.isoformat(), "--fix")
    assert MemberDayTotal.objects.get(pk=row.pk).wish_services == row.wish_services + 3

    out = run_reporting_differences("--since", day, "--until", day)
    assert key_text(row) in out
    checked_that_day = sum(model.objects.filter(day=row.day).count() for model in ROLLUP_MODELS)
    assert gettext(DIFFERENCES) % {"n": 1, "total": checked_that_day} in out
    run("--since", day, "--until", day, "--fix")
    rewritten = MemberDayTotal.objects.get(**{name: getattr(row, name) for name in MemberDayTotal.KEY})
    assert rewritten.wish_services == row.wish_services
    assert_clean()
    assert ledger_state() == ledger_before


@pytest.mark.parametrize(
    "args, message",
    [
        (("--since", "2024-03-02", "--until", "2024-03-01"), "--until cannot be before --since."),
        (("--since", "2024-02-30"), "Give days as YYYY-MM-DD, not %(text)s."),
        (("--until", "yesterday"), "Give days as YYYY-MM-DD, not %(text)s."),
    ],
)
def test_bad_days_are_refused(db, args, message):
    with pytest.raises(CommandError) as exc:
        call_command("reconcile_stats", *args, stdout=StringIO())
    assert str(exc.value) == gettext(message) % {"text": args[-1]}


def test_rebuild_recomputes_every_table_from_the_ledger(ledger_before):
    before = tables()
    for model in ROLLUP_MODELS:
        model.objects.all().delete()
    assert gettext(REBUILT) in run("--rebuild")
    assert tables() == before
    assert_clean()

    # Rebuilding also throws away whatever was wrong in the tables.
    MemberDayTotal.objects.filter(pk=MemberDayTotal.objects.order_by("pk").first().pk).update(points=F("points") + 9)
    OrganDayTotal.objects.create(day=date(2022, 2, 2), organ=OrganDayTotal.objects.first().organ, minutes=5)
    run("--rebuild")
    assert tables() == before
    assert ledger_state() == ledger_before


def test_an_empty_ledger_and_empty_tables_have_no_difference(db):
    assert gettext(NO_DIFFERENCE) % {"n": 0} in run()


def _no_difference_prefix():
    """The translated "No difference" message up to its figure (the colon may be full-width in Chinese)."""
    return re.split("[:：]", gettext(NO_DIFFERENCE))[0]
