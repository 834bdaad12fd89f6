"""Property tests of the statistics (docs/statistics.md): on seeded random workloads written through the ledger, for
random periods, every node of both trees has totals equal to the sum over its children, to the sum over its months,
and to a direct count over the approved ledger rows (and the activities' residents), computed here in plain Python
and independent of apps.stats. Residents served are no sum: each node counts a service's residents once.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from apps.activities.models import Activity, SignUp
from apps.ledger.models import RecordStatus, ServiceRecord, ServiceSource
from apps.orgs.models import Member, Organ, PartyOrg, PartyOrgKind
from apps.places.models import Community, District, Grid, Street
from apps.stats.nodes import Level, Node
from apps.stats.periods import period_of, year_period
from apps.stats.rollups import reconcile
from apps.stats.selectors import node_breakdown, node_metrics, ranking
from tests.stats.conftest import FIRST_DAY, LAST_DAY, POINTS_PER_HOUR, POINTS_PER_WISH, hours_half_up, run_workload

pytestmark = pytest.mark.django_db

SEEDS = (1, 7, 2024, 31337)
# The figures of a row of sums; all add up over children and months but residents served (once per service and node).
SUMS = ("person_times", "minutes", "residents_served", "wish_services", "points")
ADDITIVE = tuple(k for k in SUMS if k != "residents_served")
DISTINCT = ("members_served", "services")


# --- the reference: a direct count over the approved ledger rows ---------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One approved ledger row (an original or an amendment) with where and when it counts."""

    pk: int
    service: int  # the original's pk
    is_original: bool
    started_at: datetime
    day: date
    member: int
    organ: int
    branch: int
    district: int
    street: int
    community: int
    grid: int | None
    source: str
    source_id: int | None
    occasion: object  # the original's (a manual entry for several members), amendments included; None otherwise
    minutes: int
    residents: int


def approved_rows():
    street_of = dict(Community.objects.values_list("pk", "street_id"))
    district_of = dict(Street.objects.values_list("pk", "district_id"))
    occasion_of = dict(ServiceRecord.objects.filter(amends__isnull=True).values_list("pk", "occasion"))
    rows = []
    for r in ServiceRecord.objects.filter(status=RecordStatus.APPROVED).values():
        street = street_of[r["community_id"]]
        rows.append(
            Row(
                pk=r["id"],
                service=r["amends_id"] or r["id"],
                is_original=r["amends_id"] is None,
                started_at=r["started_at"],
                day=timezone.localdate(r["started_at"]),
                member=r["member_id"],
                organ=r["organ_id"],
                branch=r["branch_id"],
                district=district_of[street],
                street=street,
                community=r["community_id"],
                grid=r["grid_id"],
                source=r["source"],
                source_id=r["source_id"],
                occasion=occasion_of[r["amends_id"] or r["id"]],
                minutes=r["credited_minutes"],
                residents=r["residents_served"],
            )
        )
    return rows


class Reference:
    def __init__(self):
        self.rows = approved_rows()
        self.activity_of = dict(SignUp.objects.values_list("pk", "activity_id"))
        # The residents of each service, wherever and whenever its rows count (docs/statistics.md, "Residents
        # served"): an activity's are on the activity; a wish's, an occasion's and a manual record's are those on
        # all their approved rows, amendments included, whoever's rows they are.
        self.activity_residents = dict(Activity.objects.values_list("pk", "residents_served"))
        self.residents_of = defaultdict(int)
        for r in self.rows:
            if r.source != ServiceSource.ACTIVITY:
                self.residents_of[self.service_key(r)] += r.residents

    def service_key(self, row):
        """Which service a row belongs to: an activity, a wish, a manual occasion once for all its members' records,
        or a manual record alone."""
        if row.source == ServiceSource.ACTIVITY:
            return ("activity", self.activity_of[row.source_id])
        if row.source == ServiceSource.WISH:
            return ("wish", row.source_id)
        return ("occasion", row.occasion) if row.occasion else ("record", row.service)

    def residents(self, key):
        kind, pk = key
        return self.activity_residents[pk] if kind == "activity" else self.residents_of[key]

    def served_rows(self, period, rule):
        """The rows of `rule` in `period` that belong to services: a service that comes to 0 minutes after its
        amendments is none, and none of its rows count (docs/statistics.md, "Zero minutes")."""
        rows = [r for r in self.rows if period.first_day <= r.day <= period.last_day and rule(r)]
        effective = defaultdict(int)
        for r in rows:  # an amendment shares its original's day and attribution, so both are in or both out
            effective[r.service] += r.minutes
        return [r for r in rows if effective[r.service] > 0], effective

    def figures(self, period, rule):
        """What a node counting the rows of `rule` should show for `period`, from the rows alone."""
        rows, effective = self.served_rows(period, rule)
        originals = [r for r in rows if r.is_original]
        services = {self.service_key(r) for r in originals}
        return {
            "person_times": len(originals),
            "minutes": sum(r.minutes for r in rows),
            # Each service the rows hold once, with all its residents (not only those on the node's rows).
            "residents_served": sum(self.residents(key) for key in services),
            "wish_services": sum(1 for r in originals if r.source == ServiceSource.WISH),
            # Floored per service, the wish bonus once per confirmed wish's record.
            "points": sum(
                effective[r.pk] * POINTS_PER_HOUR // 60 + (POINTS_PER_WISH if r.source == ServiceSource.WISH else 0)
                for r in originals
            ),
            "members_served": len({r.member for r in originals}),
            # Distinct services: an activity once however many attended, a wish once however many served it, a
            # manual occasion once however many members it was entered for.
            "services": len(services),
        }


def sums(figures):
    return {k: figures[k] for k in SUMS}


def additive(figures):
    return {k: figures[k] for k in ADDITIVE}


def add_up(rows):
    return {k: sum(row[k] for row in rows) for k in ADDITIVE}


def subtree(party_org, children_of):
    ids, todo = set(), [party_org.pk]
    while todo:
        pk = todo.pop()
        ids.add(pk)
        todo += children_of[pk]
    return ids


def where(field, *values):
    """The rule of a node: the rows whose `field` is one of `values`."""
    allowed = frozenset(values)
    return lambda row: getattr(row, field) in allowed


def both(first, second):
    return lambda row: first(row) and second(row)


def every_node():
    """(Node, the rule of which rows it counts) for every node of both trees; the rules are written out here."""
    nodes = [(Node(Level.CITY), lambda row: True)]
    nodes += [(Node(Level.ORGAN, o), where("organ", o.pk)) for o in Organ.objects.all()]
    party_orgs = list(PartyOrg.objects.all())
    children_of = defaultdict(list)
    for org in party_orgs:
        if org.parent_id:
            children_of[org.parent_id].append(org.pk)
    nodes += [(Node(Level.PARTY_ORG, o), where("branch", *subtree(o, children_of))) for o in party_orgs]
    members = Member.objects.select_related("user", "organ", "branch")
    nodes += [(Node(Level.MEMBER, m), where("member", m.pk)) for m in members]
    nodes += [(Node(Level.DISTRICT, d), where("district", d.pk)) for d in District.objects.all()]
    nodes += [(Node(Level.STREET, s), where("street", s.pk)) for s in Street.objects.all()]
    nodes += [(Node(Level.COMMUNITY, c), where("community", c.pk)) for c in Community.objects.all()]
    nodes += [(Node(Level.GRID, g), where("grid", g.pk)) for g in Grid.objects.all()]
    return nodes


def child_rules(nodes):
    """{(level, id): rule} to read the rows of a children breakdown; ("grid", None) is a community's "no grid"."""
    rules = {(node.level, node.pk): rule for node, rule in nodes}
    rules[(Level.GRID, None)] = where("grid", None)
    return rules


# --- the workload and its periods -------------------------------------------------------------------------------


def random_periods(rng, reference, moves):
    """Six periods of each kind, drawn by the seed: a whole year, a quarter, a month, a single day (one with a
    late-evening service, or a move day), a range around a move, and a random range (often across the new year)."""
    late = [r.day for r in reference.rows if timezone.localtime(r.started_at).hour == 23] or [FIRST_DAY]
    move_day = rng.choice(moves).on
    start = FIRST_DAY + timedelta(days=rng.randrange(450))
    month = FIRST_DAY + timedelta(days=rng.randrange(540))
    return [
        year_period(rng.choice((2023, 2024))),
        period_of(year=2024, quarter=rng.randint(1, 4)) if rng.random() < 0.6 else period_of(year=2023, quarter=4),
        period_of(year=month.year, month=month.month),
        period_of(day=rng.choice((rng.choice(late), move_day))),
        period_of(start=move_day - timedelta(days=rng.randrange(1, 60)), end=move_day + timedelta(rng.randrange(60))),
        period_of(start=start, end=min(LAST_DAY, start + timedelta(days=rng.randrange(30, 250)))),
    ]


@pytest.fixture(params=SEEDS, ids=[f"seed{seed}" for seed in SEEDS])
def played(request, city):
    rng = random.Random(request.param)
    workload = run_workload(city, rng)
    return rng, workload, Reference()


# --- the properties ---------------------------------------------------------------------------------------------


def assert_workload_is_varied(workload, reference):
    """The properties are only as strong as the data: each seed must write every kind of record they concern."""
    records = ServiceRecord.objects.all()
    assert records.filter(status=RecordStatus.PENDING).exists()
    assert records.filter(status=RecordStatus.REJECTED).exists()
    assert records.filter(amends__isnull=False).exists()
    assert records.filter(status=RecordStatus.APPROVED, grid__isnull=True).exists()
    for source in ServiceSource.values:
        assert records.filter(status=RecordStatus.APPROVED, source=source, amends__isnull=True).exists(), source
    # Distinct services differ from person-times: some wish was served by two members, some activity by several.
    originals = [r for r in reference.rows if r.is_original]
    wishes = [r.source_id for r in originals if r.source == ServiceSource.WISH]
    assert len(set(wishes)) < len(wishes)
    activities = [reference.activity_of[r.source_id] for r in originals if r.source == ServiceSource.ACTIVITY]
    assert len(set(activities)) < len(activities)
    # Some services of each kind were shared by two organs and served residents: both organs count them, once each.
    whole = period_of(start=FIRST_DAY, end=LAST_DAY)
    served, _effective = reference.served_rows(whole, lambda row: True)
    organs_of = defaultdict(set)
    for r in served:
        if r.is_original:
            organs_of[reference.service_key(r)].add(r.organ)
    shared = {key[0] for key, organs in organs_of.items() if len(organs) > 1 and reference.residents(key) > 0}
    assert shared == {"activity", "wish", "occasion"}, shared
    # An activity's records carry no residents: they are the activity's.
    assert not records.filter(source=ServiceSource.ACTIVITY).exclude(residents_served=0).exists()
    # Each member who changed organ served on both sides of the move.
    for move in workload.moves[:2]:
        days = [r.day for r in originals if r.member == move.member.pk]
        assert min(days) < move.on <= max(days), move


def test_every_node_equals_its_children_its_months_and_the_ledger(played):
    rng, workload, reference = played
    assert_workload_is_varied(workload, reference)
    nodes = every_node()
    rules = child_rules(nodes)
    for period in random_periods(rng, reference, workload.moves):
        for node, rule in nodes:
            context = (node.level, node.pk, period.label)
            expected = reference.figures(period, rule)
            metrics = node_metrics(node=node, period=period)
            assert {k: metrics[k] for k in SUMS + DISTINCT} == expected, context
            assert metrics["hours"] == hours_half_up(expected["minutes"]), context

            children = node_breakdown(node=node, period=period, by="children")
            if node.level in (Level.MEMBER, Level.GRID):
                assert children == [], context
            else:
                assert add_up(children) == additive(metrics), context
                for row in children:
                    child = rules[(row["level"], row["id"])]
                    figures = reference.figures(period, both(rule, child))
                    assert sums(row) == sums(figures), (*context, row["level"], row["id"])

            for by in ("category", "source"):
                kinds = node_breakdown(node=node, period=period, by=by)
                for measure in ("person_times", "minutes"):
                    assert sum(row[measure] for row in kinds) == metrics[measure], (*context, by, measure)

            months = node_breakdown(node=node, period=period, by="month")
            assert [row["key"] for row in months] == [m.strftime("%Y-%m") for m in period.months()], context
            assert add_up(months) == additive(metrics), context
            for row, month in zip(months, period.months(), strict=True):
                month_end = period_of(year=month.year, month=month.month).last_day
                within = period_of(start=max(period.first_day, month), end=min(period.last_day, month_end))
                assert sums(row) == sums(reference.figures(within, rule)), (*context, row["key"])
    assert reconcile().clean


def zeros():
    return dict.fromkeys(SUMS, 0)


def member_row(node, period, member_pk):
    rows = ranking(node=node, period=period, of="members", metric="hours")
    return sums(next((row for row in rows if row["id"] == member_pk), zeros()))


def test_a_member_who_moved_keeps_past_services_with_the_old_organization(played):
    _, workload, reference = played
    for move in workload.moves:
        member = move.member.pk
        for record in ServiceRecord.objects.filter(member_id=member):
            before = timezone.localdate(record.started_at) < move.on
            branch = move.old_branch if before else move.new_branch
            assert (record.organ_id, record.branch_id) == (branch.organ_id, branch.pk), (record.pk, move.on)

        before = period_of(start=FIRST_DAY, end=move.on - timedelta(days=1))
        after = period_of(start=move.on, end=LAST_DAY)
        for period, here, there in (
            (before, move.old_branch, move.new_branch),
            (after, move.new_branch, move.old_branch),
        ):
            mine = sums(reference.figures(period, where("member", member)))
            # Where the member served in the period, all their figures are there, and none where they did not.
            assert member_row(Node(Level.PARTY_ORG, here), period, member) == mine, period.label
            assert member_row(Node(Level.ORGAN, here.organ), period, member) == mine, period.label
            assert member_row(Node(Level.PARTY_ORG, there), period, member) == zeros(), period.label
            if here.organ_id != there.organ_id:
                assert member_row(Node(Level.ORGAN, there.organ), period, member) == zeros(), period.label
        # The member's own figures follow them, wherever they served.
        whole = period_of(start=FIRST_DAY, end=LAST_DAY)
        metrics = node_metrics(node=Node(Level.MEMBER, Member.objects.get(pk=member)), period=whole)
        assert sums(metrics) == sums(reference.figures(whole, where("member", member)))


def assert_competition_ranking(rows, metric):
    """Highest first, ties share the rank of the first of them (1, 2, 2, 4), tied rows listed by name, then id."""
    key = "minutes" if metric == "hours" else metric
    expected_order = sorted(rows, key=lambda row: (-row[key], row["name"], row["id"]))
    assert [row["id"] for row in rows] == [row["id"] for row in expected_order], metric
    for row in rows:
        assert row["rank"] == 1 + sum(1 for other in rows if other[key] > row[key]), (row, metric)


def test_rankings_equal_the_node_figures_and_rank_competition_style(played):
    rng, workload, reference = played
    nodes = {(node.level, node.pk): rule for node, rule in every_node()}
    organs = list(Organ.objects.all())
    party_orgs = list(PartyOrg.objects.exclude(kind=PartyOrgKind.BRANCH))
    branches = list(PartyOrg.objects.filter(kind=PartyOrgKind.BRANCH))
    members_now = defaultdict(set)  # the active members of each organization node now
    for member in Member.objects.filter(is_active=True).select_related("branch"):
        members_now[(Level.ORGAN, member.organ_id)].add(member.pk)
        for org in party_orgs:
            if member.branch.path.startswith(org.path):
                members_now[(Level.PARTY_ORG, org.pk)].add(member.pk)
    ties = 0
    for period in random_periods(rng, reference, workload.moves)[::2]:
        for metric in ("hours", "points", "person_times"):
            key = "minutes" if metric == "hours" else metric
            rows = ranking(node=Node(Level.CITY), period=period, of="organs", metric=metric)
            assert {row["id"] for row in rows} == {o.pk for o in organs}
            for row in rows:
                assert sums(row) == sums(reference.figures(period, nodes[(Level.ORGAN, row["id"])]))
            assert_competition_ranking(rows, metric)

            for organ in organs:
                rows = ranking(node=Node(Level.ORGAN, organ), period=period, of="branches", metric=metric)
                assert {row["id"] for row in rows} == {b.pk for b in branches if b.organ_id == organ.pk}
                for row in rows:
                    assert sums(row) == sums(reference.figures(period, nodes[(Level.PARTY_ORG, row["id"])]))
                assert add_up(rows) == additive(reference.figures(period, nodes[(Level.ORGAN, organ.pk)]))
                assert_competition_ranking(rows, metric)

            for level, obj in [(Level.ORGAN, o) for o in organs] + [(Level.PARTY_ORG, o) for o in party_orgs]:
                rule = nodes[(level, obj.pk)]
                rows = ranking(node=Node(level, obj), period=period, of="members", metric=metric)
                in_period, _effective = reference.served_rows(period, rule)
                # Everyone in the node now (zeros included), and whoever served for it in the period and left since.
                expected_ids = members_now[(level, obj.pk)] | {r.member for r in in_period}
                assert {row["id"] for row in rows} == expected_ids, (level, obj.pk)
                for row in rows:
                    figures = reference.figures(period, both(rule, where("member", row["id"])))
                    assert sums(row) == sums(figures), (level, obj.pk, row["id"])
                assert add_up(rows) == additive(reference.figures(period, rule))
                assert_competition_ranking(rows, metric)
                ties += len(rows) - len({row[key] for row in rows})
    assert ties  # some rows tied, so the tie order was put to the test
