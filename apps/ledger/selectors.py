"""Reads on the ledger: scoped record lists, effective figures after amendments, member totals and points, audit."""

from datetime import datetime, time, timedelta
from typing import NamedTuple

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts.scope import scope_for
from apps.core.errors import Invalid
from apps.core.figures import hours_of
from apps.ledger import errors
from apps.ledger.models import AuditEntry, RecordStatus, ServiceRecord, ServiceSource
from apps.ledger.permissions import may_read_audit, record_visible_q
from apps.ledger.points import service_points, service_points_expression
from apps.places.selectors import PLACE_BOUNDARIES


def subject_type_of(obj):
    """How the audit trail names the model of `obj`: "app_label.model_name" (e.g. "ledger.servicerecord")."""
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


# --- periods ----------------------------------------------------------------------------------------------------


def require_aware(*values):
    for value in values:
        if value is not None and timezone.is_naive(value):
            raise Invalid("naive_datetime", errors.NAIVE_DATETIME)


def period_q(start=None, end=None, field="started_at"):
    """Rows whose `field` lies in the half-open period [start, end); either bound may be open (None)."""
    require_aware(start, end)
    q = Q()
    if start is not None:
        q &= Q(**{f"{field}__gte": start})
    if end is not None:
        q &= Q(**{f"{field}__lt": end})
    return q


def day_bounds(first_day=None, last_day=None):
    """Whole local days, both inclusive, as the aware half-open period [first_day 00:00, day after last_day 00:00)."""
    if first_day and last_day and last_day < first_day:
        raise Invalid("period_invalid", errors.PERIOD_INVALID)

    def midnight(day):
        return timezone.make_aware(datetime.combine(day, time.min))

    start = midnight(first_day) if first_day else None
    end = midnight(last_day + timedelta(days=1)) if last_day else None
    return start, end


# --- service records --------------------------------------------------------------------------------------------


class Effective(NamedTuple):
    """An original record's figures with its approved amendments applied."""

    minutes: int
    residents_served: int


def _amendments_total(field):
    rows = (
        ServiceRecord.objects.filter(amends=OuterRef("pk"), status=RecordStatus.APPROVED)
        .order_by()
        .values("amends")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def with_effective(queryset):
    """Annotate original records with `effective_minutes` and `effective_residents_served` (one query)."""
    return queryset.annotate(
        effective_minutes=F("credited_minutes") + _amendments_total("credited_minutes"),
        effective_residents_served=F("residents_served") + _amendments_total("residents_served"),
    )


def record_effective(record):
    """The figures of an original record as they count now: its own plus the deltas of its approved amendments."""
    totals = ServiceRecord.objects.filter(amends=record, status=RecordStatus.APPROVED).aggregate(
        minutes=Sum("credited_minutes"), residents=Sum("residents_served")
    )
    return Effective(
        minutes=record.credited_minutes + (totals["minutes"] or 0),
        residents_served=record.residents_served + (totals["residents"] or 0),
    )


def attach_effective(records):
    """Set `effective_minutes` and `effective_residents_served` on original records read with effective=False: the
    figures with_effective annotates, from one plain read of their approved amendments (for a page of a list, cheaper
    than two correlated subqueries per row to build and run)."""
    deltas = {}
    if records:
        amendments = ServiceRecord.objects.filter(
            amends_id__in=[record.pk for record in records], status=RecordStatus.APPROVED
        ).values_list("amends_id", "credited_minutes", "residents_served")
        for original_id, minutes, residents in amendments:
            before = deltas.get(original_id, (0, 0))
            deltas[original_id] = (before[0] + minutes, before[1] + residents)
    for record in records:
        minutes, residents = deltas.get(record.pk, (0, 0))
        record.effective_minutes = record.credited_minutes + minutes
        record.effective_residents_served = record.residents_served + residents
    return records


def record_list(*, user, effective=True):
    """Original records (services) the user may see, with effective figures (effective=False: left to
    attach_effective, for a page); amendments appear in the detail."""
    queryset = (
        ServiceRecord.objects.filter(record_visible_q(user), amends__isnull=True)
        .select_related("member__user", "organ", "branch", "community", "grid", "recorded_by", "decided_by")
        .defer(*PLACE_BOUNDARIES)
    )
    return with_effective(queryset) if effective else queryset


def record_detail_list(*, user):
    """record_list with each record's amendments (oldest first) prefetched."""
    amendments = ServiceRecord.objects.select_related("decided_by").order_by("decided_at", "id")
    return record_list(user=user).prefetch_related(Prefetch("amendments", queryset=amendments))


def record_get(*, user, pk):
    """One original record the user may see, or None."""
    return record_detail_list(user=user).filter(pk=pk).first()


# --- totals and points ------------------------------------------------------------------------------------------


def annotate_member_totals(members, start=None, end=None):
    """Annotate a Member queryset with minutes, services, wish_services and points for [start, end), straight from
    the ledger (the statistics app reads its roll-ups instead, and checks them against this).

    minutes: approved minutes including amendments; services: approved original records with more than 0 minutes
    after amendments (docs/statistics.md, "Zero minutes"); wish_services: those of them written by confirmed wishes;
    points: apps.ledger.points per service. Periods filter on the service's start.
    """
    originals = ServiceRecord.objects.filter(
        period_q(start, end), member=OuterRef("pk"), status=RecordStatus.APPROVED, amends__isnull=True
    )
    originals = with_effective(originals).order_by().values("member")
    served = originals.filter(effective_minutes__gt=0)

    def total(rows, aggregate):
        return Coalesce(Subquery(rows.annotate(total=aggregate).values("total"), output_field=IntegerField()), 0)

    return members.annotate(
        minutes=total(originals, Sum("effective_minutes")),
        services=total(served, Count("pk")),
        wish_services=total(served.filter(source=ServiceSource.WISH), Count("pk")),
        points=total(originals, Sum(service_points_expression())),
    )


def member_totals(members, start=None, end=None):
    """Rows of member_id, minutes, services, wish_services and points for every member of `members`."""
    return annotate_member_totals(members.order_by(), start, end).values(
        "minutes", "services", "wish_services", "points", member_id=F("pk")
    )


def member_summary(*, member, start=None, end=None):
    """One member's totals for [start, end) (the figures of member_totals), with hours for display. `member` is a
    Member or its id.

    One plain read, the member's approved originals each with the sum of its approved amendments (a join and a
    GROUP BY), summed here with the Python form of the points rule: "my hours" shows these on every visit, and the
    subqueries member_totals needs for a table of many members cost several times more to build than to run.
    """
    member_id = getattr(member, "pk", member)
    originals = (
        ServiceRecord.objects.filter(
            period_q(start, end), member_id=member_id, status=RecordStatus.APPROVED, amends__isnull=True
        )
        .annotate(amended=Sum("amendments__credited_minutes", filter=Q(amendments__status=RecordStatus.APPROVED)))
        .values_list("source", "credited_minutes", "amended")
    )
    totals = {"member_id": member_id, "minutes": 0, "services": 0, "wish_services": 0, "points": 0}
    for source, minutes, amended in originals:
        effective = minutes + (amended or 0)
        if effective <= 0:
            continue  # no service (docs/statistics.md, "Zero minutes")
        is_wish = source == ServiceSource.WISH
        totals["minutes"] += effective
        totals["services"] += 1
        totals["wish_services"] += is_wish
        totals["points"] += service_points(minutes=effective, is_wish=is_wish)
    return {**totals, "hours": hours_of(totals["minutes"])}


def points_for_member(*, member, start=None, end=None):
    return member_summary(member=member, start=start, end=end)["points"]


# --- audit trail ------------------------------------------------------------------------------------------------

# subject_type -> callable(user) returning a queryset of the subjects of that type the user may see. Each app
# registers its own (from its AppConfig.ready) so audit entries are visible exactly where their subjects are.
_AUDIT_SCOPES = {}


def register_audit_scope(subject_type, visible_subjects):
    _AUDIT_SCOPES[subject_type] = visible_subjects


register_audit_scope("ledger.servicerecord", lambda user: ServiceRecord.objects.filter(record_visible_q(user)))


def audit_for(*, subject):
    """The history of one object, oldest first."""
    return AuditEntry.objects.filter(subject_type=subject_type_of(subject), subject_id=subject.pk).select_related(
        "actor"
    )


_AUDIT_FILTERS = ("subject_type", "subject_id", "action", "actor")


def audit_list(*, user, filters=None):
    """Audit entries the user may read: all for superusers; for users holding a role, the entries of subjects
    (of a registered type) they can see; none for anyone else."""
    queryset = AuditEntry.objects.select_related("actor")
    scope = scope_for(user)
    if not scope.is_superuser:
        if not may_read_audit(user):
            return queryset.none()
        visible = Q(pk__in=[])
        for subject_type, visible_subjects in _AUDIT_SCOPES.items():
            visible |= Q(subject_type=subject_type, subject_id__in=visible_subjects(user).values("pk"))
        queryset = queryset.filter(visible)
    given = {key: value for key, value in (filters or {}).items() if key in _AUDIT_FILTERS and value not in (None, "")}
    return queryset.filter(**given)
