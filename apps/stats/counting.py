"""Which records count as a node's services in a period, and the residents those services served.

Sums such as minutes and person-times add up over records and come from the roll-up tables. Residents served do not:
they belong to the service, not to the member (an activity's residents are entered on the activity by its staff; a
wish's are those the wish was for; a manual entry for several members carries them once for all), so a node counts
the residents of each service it took part in once, however many of its members were there, and two nodes that
shared a service both count them (docs/statistics.md, "Residents served"). They are read from the ledger here.
"""

from collections import defaultdict

from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from apps.activities.models import Activity, SignUp
from apps.ledger.models import LONE_SOURCES, RecordStatus, ServiceRecord, ServiceSource
from apps.ledger.selectors import with_effective


def with_minutes_q(start, end):
    """Of approved originals starting in [start, end), those that count as services: more than 0 minutes after their
    approved amendments (docs/statistics.md, "Zero minutes"). Amended records are few, so only they get their
    amendments summed (two uncorrelated subqueries, computed once); the others are judged by their own minutes."""
    amended = (
        ServiceRecord.objects.filter(
            status=RecordStatus.APPROVED, amends__isnull=False, started_at__gte=start, started_at__lt=end
        )
        .order_by()
        .values("amends_id")
    )
    amended_with_minutes = with_effective(ServiceRecord.objects.filter(pk__in=amended)).filter(effective_minutes__gt=0)
    return (Q(credited_minutes__gt=0) & ~Q(pk__in=amended)) | Q(pk__in=amended_with_minutes.values("pk"))


def service_records(node, period):
    """The records that count as services of the node in the period: approved originals attributed to it, starting
    in the period, whose records do not all come to 0 minutes. One place for every distinct count."""
    start, end = period.bounds
    return ServiceRecord.objects.filter(
        node.service_q(),
        with_minutes_q(start, end),
        status=RecordStatus.APPROVED,
        amends__isnull=True,
        started_at__gte=start,
        started_at__lt=end,
    ).order_by()


def _approved_sum_by(key, queryset):
    """{key: residents} summed over the approved records (originals and amendments) of `queryset`, non-zero only."""
    rows = (
        queryset.filter(status=RecordStatus.APPROVED)
        .annotate(_key=key)
        .order_by()
        .values("_key")
        .annotate(n=Sum("residents_served"))
        .values_list("_key", "n")
    )
    return {service: n for service, n in rows if n}


def residents_by(node, period, group=None):
    """{group: residents served} of the node's services in the period, each service counted once per group.

    `group` is an expression (or field name) on the node's records: "member_id", "branch_id", "organ_id",
    "community_id", "community__street_id", "grid_id", TruncMonth("started_at")...; None gives {0: total}. A
    group holds a service when one of its records counts as a service of the node (more than 0 minutes). A service's
    residents are: for an activity, the figure its staff entered on the activity; for a wish, the residents on all
    the wish's approved records; for a manual entry, those on its records (all the occasion's, for several members),
    amendments included; for a self-registered service, those on its record as approved.
    """
    expression = Value(0) if group is None else (F(group) if isinstance(group, str) else group)
    records = service_records(node, period).annotate(_group=expression)
    totals = defaultdict(int)

    # Activities: the residents entered on the activity, once per activity and group.
    with_residents = SignUp.objects.filter(activity__residents_served__gt=0).values("pk")
    activity_of = Subquery(SignUp.objects.filter(pk=OuterRef("source_id")).values("activity_id")[:1])
    pairs = set(
        records.filter(source=ServiceSource.ACTIVITY, source_id__in=with_residents)
        .annotate(_activity=activity_of)
        .values_list("_group", "_activity")
        .distinct()
    )
    if pairs:
        residents = dict(
            Activity.objects.filter(pk__in={activity for _g, activity in pairs}).values_list("pk", "residents_served")
        )
        for key, activity in pairs:
            totals[key] += residents[activity]

    # Wishes: the residents on the wish's records (one member's, or spread over a branch's), once per wish and group.
    wishes = records.filter(source=ServiceSource.WISH)
    wish_records = ServiceRecord.objects.filter(source=ServiceSource.WISH, source_id__in=wishes.values("source_id"))
    per_wish = _approved_sum_by(F("source_id"), wish_records)
    if per_wish:
        for key, wish in set(wishes.values_list("_group", "source_id").distinct()):
            totals[key] += per_wish.get(wish, 0)

    # A manual entry for one member, a self-registered service: its own residents with its amendments.
    alone = with_effective(records.filter(source__in=LONE_SOURCES, occasion__isnull=True))
    for key, residents in (
        alone.values("_group").annotate(n=Sum("effective_residents_served")).values_list("_group", "n")
    ):
        totals[key] += residents or 0

    # A manual entry for several members: the occasion's residents (on all its records and their amendments), once.
    occasions = records.filter(source=ServiceSource.MANUAL, occasion__isnull=False)
    held = occasions.values("occasion")
    per_occasion = _approved_sum_by(
        Coalesce("occasion", "amends__occasion"),
        ServiceRecord.objects.filter(Q(occasion__in=held) | Q(amends__occasion__in=held)),
    )
    if per_occasion:
        for key, occasion in set(occasions.values_list("_group", "occasion").distinct()):
            totals[key] += per_occasion.get(occasion, 0)
    return dict(totals)


def residents_of(node, period):
    """The residents served by the node's services in the period (each service once)."""
    return residents_by(node, period).get(0, 0)
