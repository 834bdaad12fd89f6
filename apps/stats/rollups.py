"""Keeping the roll-up tables equal to the approved ledger: the per-record update the ledger calls inside its own
transaction, the recomputation from the ledger, and the reconciliation that compares (and optionally repairs) them.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from apps.ledger.models import RecordStatus, ServiceRecord, ServiceSource
from apps.ledger.points import service_points
from apps.ledger.selectors import day_bounds, period_q, record_effective
from apps.stats.models import (
    MEASURES,
    ROLLUP_MODELS,
    CommunityDayTotal,
    MemberDayTotal,
    OrganDayTotal,
    TeamDayTotal,
)

# --- the per-record update --------------------------------------------------------------------------------------


def _keys(*, day, member_id, organ_id, branch_id, community_id, grid_id, team_id):
    """The key of each roll-up table for one service (the team table only for a service done as a team)."""
    keys = {
        MemberDayTotal: (day, member_id, organ_id, branch_id, community_id, grid_id or 0),
        OrganDayTotal: (day, organ_id),
        CommunityDayTotal: (day, community_id),
    }
    if team_id is not None:
        keys[TeamDayTotal] = (day, team_id, member_id)
    return keys


def _add(model, key, figures):
    """Add `figures` to the row of `model` with `key`, creating it if needed: one INSERT ... ON CONFLICT statement
    (PostgreSQL and SQLite both have it), so two transactions adding to the same new row cannot both insert it."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    key_columns = [model._meta.get_field(name).column for name in _key_fields(model)]
    columns = key_columns + list(MEASURES)
    updates = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in MEASURES)
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in key_columns)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*key, *(figures[m] for m in MEASURES)])


def _key_fields(model):
    return [name.removesuffix("_id") for name in model.KEY]


def service_figures(*, minutes, is_wish):
    """What one approved service adds to the roll-ups, from its effective minutes (the original and its approved
    amendments): a service of 0 effective minutes is no service and adds nothing, neither a person-time nor points
    (docs/statistics.md, "Zero minutes")."""
    if minutes <= 0:
        return dict.fromkeys(MEASURES, 0)
    return {
        "person_times": 1,
        "minutes": minutes,
        "wish_services": int(is_wish),
        "points": service_points(minutes=minutes, is_wish=is_wish),
    }


def contribution(record):
    """What writing `record` adds to the roll-ups: nothing unless it is approved; an original adds its service's
    figures; an amendment adds the service's figures after it minus those before it, so that taking a service to 0
    minutes takes back its person-time (and giving it minutes again adds it), and points, which floor per service,
    change by exactly the difference."""
    if record.status != RecordStatus.APPROVED:
        return None
    is_wish = record.source == ServiceSource.WISH
    if record.amends_id is None:
        return service_figures(minutes=record.credited_minutes, is_wish=is_wish)
    after = record_effective(record.amends)  # includes this amendment: it is written and approved
    before_minutes = after.minutes - record.credited_minutes
    now = service_figures(minutes=after.minutes, is_wish=is_wish)
    was = service_figures(minutes=before_minutes, is_wish=is_wish)
    return {measure: now[measure] - was[measure] for measure in MEASURES}


def rollup_record(record):
    """Called by the ledger inside the transaction of every record write, after the row is written. A record
    becomes approved exactly once (approved history is never edited), so adding its contribution then keeps the
    roll-ups equal to the ledger. A write that adds nothing (a service of 0 minutes) touches no row, and a row left
    with no service (its last one corrected to 0 minutes) is removed, as reconcile and rebuild would leave it."""
    figures = contribution(record)
    if figures is None or _is_zero(figures):
        return
    keys = _keys(
        day=timezone.localdate(record.started_at),
        member_id=record.member_id,
        organ_id=record.organ_id,
        branch_id=record.branch_id,
        community_id=record.community_id,
        grid_id=record.grid_id,
        team_id=record.team_id,
    )
    for model, key in keys.items():
        _add(model, key, figures)
        if figures["person_times"] < 0:
            # Only services count toward any measure, so a row without a person-time holds nothing.
            model.objects.filter(**dict(zip(model.KEY, key, strict=True)), person_times=0).delete()


# --- recomputation from the ledger ------------------------------------------------------------------------------


def _service_rows(first_day=None, last_day=None):
    """Each approved service with its effective figures, grouped in the database (an original and its amendments
    share member, organ, branch, place, team, source and start) as tuples of (day, member, organ, branch,
    community, grid, team, source, minutes, originals)."""
    start, end = day_bounds(first_day, last_day)
    records = ServiceRecord.objects.filter(period_q(start, end), status=RecordStatus.APPROVED)
    return (
        records.annotate(service=Coalesce("amends_id", "id"), service_day=TruncDate("started_at"))
        .order_by()
        .values_list(
            "service",
            "service_day",
            "member_id",
            "organ_id",
            "branch_id",
            "community_id",
            "grid_id",
            "team_id",
            "source",
        )
        .annotate(
            minutes=Sum("credited_minutes"),
            originals=Count("id", filter=Q(amends__isnull=True)),
        )
    )


def expected_totals(first_day=None, last_day=None):
    """What every roll-up table should hold for the days in [first_day, last_day] (open bounds: all), computed
    from the ledger alone: {model: {key: {measure: value}}}."""
    expected = {model: defaultdict(lambda: dict.fromkeys(MEASURES, 0)) for model in ROLLUP_MODELS}
    rows = _service_rows(first_day, last_day).iterator(chunk_size=5000)
    for _service, day, member, organ, branch, community, grid, team, source, minutes, originals in rows:
        # The same rule as the per-record update, applied to the service's effective figures. (An approved
        # amendment of an original that is not approved cannot happen: amendments need an approved original.)
        figures = service_figures(minutes=minutes if originals else 0, is_wish=source == ServiceSource.WISH)
        keys = _keys(
            day=day,
            member_id=member,
            organ_id=organ,
            branch_id=branch,
            community_id=community,
            grid_id=grid,
            team_id=team,
        )
        for model, key in keys.items():
            row = expected[model][key]
            for measure in MEASURES:
                row[measure] += figures[measure]
    return expected


def stored_totals(model, first_day=None, last_day=None):
    queryset = model.objects.all()
    if first_day is not None:
        queryset = queryset.filter(day__gte=first_day)
    if last_day is not None:
        queryset = queryset.filter(day__lte=last_day)
    return {
        tuple(row[: len(model.KEY)]): dict(zip(MEASURES, row[len(model.KEY) :], strict=True))
        for row in queryset.values_list(*model.KEY, *MEASURES).iterator(chunk_size=5000)
    }


# --- reconciliation ---------------------------------------------------------------------------------------------


@dataclass
class Difference:
    table: str
    key: tuple
    stored: dict | None  # None: the row is missing
    expected: dict | None  # None: the row should not exist


@dataclass
class Reconciliation:
    rows_checked: int = 0
    differences: list = field(default_factory=list)
    fixed: bool = False

    @property
    def clean(self):
        return not self.differences


def _is_zero(figures):
    return all(value == 0 for value in figures.values())


def reconcile(*, first_day=None, last_day=None, fix=False, progress=None):
    """Compare the roll-up tables with the ledger for the days in [first_day, last_day] (open bounds: all days).

    Returns a Reconciliation listing every differing row. With fix=True the differing rows are rewritten from the
    ledger in one transaction; the ledger itself is never touched. `progress(message)` is called as work goes on.
    """
    report = Reconciliation()
    say = progress or (lambda message: None)
    with transaction.atomic():
        if fix:
            # Serialise with ledger writes of the period: no approval can slip in between reading and rewriting.
            _lock_rollups()
        say("ledger")
        expected = expected_totals(first_day, last_day)
        for model in ROLLUP_MODELS:
            say(model._meta.db_table)
            stored = stored_totals(model, first_day, last_day)
            wanted = {key: figures for key, figures in expected[model].items() if not _is_zero(figures)}
            report.rows_checked += len(set(stored) | set(wanted))
            for key in sorted(set(stored) | set(wanted), key=_sortable):
                have, want = stored.get(key), wanted.get(key)
                if have is not None and _is_zero(have) and want is None:
                    continue  # a row that adds up to nothing is as good as no row
                if have != want:
                    report.differences.append(Difference(model._meta.db_table, key, have, want))
            if fix:
                _rewrite(model, [d for d in report.differences if d.table == model._meta.db_table])
        report.fixed = fix and bool(report.differences)
    return report


def _sortable(key):
    return tuple(str(part) for part in key)


def _lock_rollups():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in ROLLUP_MODELS)
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


def _rewrite(model, differences):
    for difference in differences:
        lookup = dict(zip(model.KEY, difference.key, strict=True))
        model.objects.filter(**lookup).delete()
        if difference.expected is not None:
            model.objects.create(**lookup, **difference.expected)


def rebuild(*, progress=None):
    """Recompute every roll-up table from the ledger (an empty database, a changed points rule, a benchmark load)."""
    say = progress or (lambda message: None)
    with transaction.atomic():
        _lock_rollups()
        say("ledger")
        expected = expected_totals()
        for model in ROLLUP_MODELS:
            say(model._meta.db_table)
            model.objects.all().delete()
            rows = (
                model(**dict(zip(model.KEY, key, strict=True)), **figures)
                for key, figures in expected[model].items()
                if not _is_zero(figures)
            )
            model.objects.bulk_create(rows, batch_size=5000)
