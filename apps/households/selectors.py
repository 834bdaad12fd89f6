"""Reads on household pairing: households and pairings scoped to the user, a member's paired households, the last
visit of each pairing, and the two figures the statistics count (households paired, households visited)."""

from datetime import datetime, time

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from apps.accounts.scope import scope_for
from apps.households.models import Household, HouseholdPairing, HouseholdStatus, HouseholdVisit
from apps.households.permissions import household_visible_q, paired_with_q, pairing_visible_q
from apps.ledger.models import RecordStatus, ServiceRecord, ServiceSource

# A visit that stands: waiting for the staff's decision or approved (a rejected one is as if it never happened).
STANDING_VISIT_STATUSES = (RecordStatus.PENDING, RecordStatus.APPROVED)


def household_list(*, user):
    """The households `user` may see (apps.households.permissions.household_visible_q), active first."""
    return (
        Household.objects.filter(household_visible_q(user))
        .select_related("community", "grid", "consent_by")
        .order_by("status", "community__code", "head_name", "id")
    )


def household_get(*, user, pk):
    """One household as `user` sees it, or None outside their scope."""
    return household_list(user=user).filter(pk=pk).first()


def household_list_managed(*, user):
    """The households of the communities whose staff `user` is (a superuser: all)."""
    scope = scope_for(user)
    households = household_list(user=user)
    return households if scope.is_superuser else households.filter(community_id__in=scope.staff_community_ids)


def with_last_visit(pairings):
    """Annotate `last_visit_at`: when the pairing's latest standing visit (pending or approved) started, or None."""
    visits = HouseholdVisit.objects.filter(pairing=OuterRef(OuterRef("pk"))).values("self_service_id")
    latest = (
        ServiceRecord.objects.filter(
            source=ServiceSource.SELF,
            amends__isnull=True,
            status__in=STANDING_VISIT_STATUSES,
            source_id__in=Subquery(visits),
        )
        .order_by("-started_at")
        .values("started_at")[:1]
    )
    return pairings.annotate(last_visit_at=Subquery(latest))


def pairing_list(*, user):
    """The pairings `user` may see: every pairing of the households their community's staff manage; a member's open
    pairings and those of their teams."""
    return with_last_visit(
        HouseholdPairing.objects.filter(pairing_visible_q(user)).select_related(
            "household__community", "household__grid", "member__user", "member__branch", "team__leader__user"
        )
    ).order_by("household_id", "ended_on", "-started_on", "id")


def pairing_get(*, user, pk):
    return pairing_list(user=user).filter(pk=pk).first()


def pairings_of_household(household):
    """A household's pairings (open first), with their last visit, whoever asks (the caller has scoped the
    household)."""
    return with_last_visit(
        HouseholdPairing.objects.filter(household=household).select_related(
            "member__user", "member__branch", "team__leader__user", "created_by"
        )
    ).order_by("-ended_on", "-started_on", "id")


def my_pairings(*, user):
    """The user's open pairings with active households: their own and their teams' (none for a non-member)."""
    scope = scope_for(user)
    if scope.member_id is None:
        return HouseholdPairing.objects.none()
    return (
        with_last_visit(
            HouseholdPairing.objects.filter(paired_with_q(scope.member_id), household__status=HouseholdStatus.ACTIVE)
        )
        .select_related("household__community", "team")
        .order_by("household__community__code", "household__head_name", "id")
    )


def team_pairings(team):
    """The open pairings of a team with active households (for the team's page)."""
    return (
        HouseholdPairing.objects.filter(team=team, ended_on__isnull=True, household__status=HouseholdStatus.ACTIVE)
        .select_related("household__community")
        .order_by("household__head_name", "id")
    )


def visits_of_pairing(pairing):
    """The service records of a pairing's visits, newest first."""
    ids = HouseholdVisit.objects.filter(pairing=pairing).values("self_service_id")
    return ServiceRecord.objects.filter(
        source=ServiceSource.SELF, amends__isnull=True, source_id__in=Subquery(ids)
    ).order_by("-started_at", "-id")


# --- statistics -----------------------------------------------------------------------------------------------------


def _as_date(value):
    return timezone.localdate(value) if isinstance(value, datetime) else value


def _as_moment(value):
    if isinstance(value, datetime):
        return value
    return timezone.make_aware(datetime.combine(value, time.min))


def households_paired(
    pairings_q=None, *, start, end, community_ids=None, member_ids=None, organ_ids=None, team_ids=None
):
    """households_paired (结对户数): the number of distinct households with at least one pairing open at any time in
    [start, end) — started before `end` and not ended before `start` (a pairing ended on the first day counts: it
    was open that day). `start` and `end` are dates (local days) or aware datetimes (their local day).

    Narrowed by `pairings_q` (a Q on HouseholdPairing) and by: `community_ids` (the household's community),
    `member_ids` (the paired member), `organ_ids` (the paired member's organ now, or the paired team's organ) and
    `team_ids` (the paired team). Closed households count for the time they were paired."""
    start, end = _as_date(start), _as_date(end)
    pairings = HouseholdPairing.objects.filter(started_on__lt=end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=start)
    )
    if pairings_q is not None:
        pairings = pairings.filter(pairings_q)
    if community_ids is not None:
        pairings = pairings.filter(household__community_id__in=community_ids)
    if member_ids is not None:
        pairings = pairings.filter(member_id__in=member_ids)
    if organ_ids is not None:
        pairings = pairings.filter(Q(member__organ_id__in=organ_ids) | Q(team__organ_id__in=organ_ids))
    if team_ids is not None:
        pairings = pairings.filter(team_id__in=team_ids)
    return pairings.values("household_id").distinct().count()


def households_visited(
    records_q=None, *, start, end, community_ids=None, member_ids=None, organ_ids=None, team_ids=None
):
    """households_visited (走访户数): the number of distinct households with at least one APPROVED visit whose
    service record (the original, not an amendment) started in [start, end). `start` and `end` are dates (local
    days) or aware datetimes. Pending and rejected visits do not count.

    Narrowed by `records_q` (a Q on ServiceRecord) and by: `community_ids` (the household's community, which is the
    record's), `member_ids` (the member who visited: record.member), `organ_ids` (that member's organ at the time of
    the visit: record.organ) and `team_ids` (the team the visit was made as: record.team)."""
    records = ServiceRecord.objects.filter(
        source=ServiceSource.SELF,
        amends__isnull=True,
        status=RecordStatus.APPROVED,
        started_at__gte=_as_moment(start),
        started_at__lt=_as_moment(end),
        source_id=OuterRef("self_service_id"),
    )
    if records_q is not None:
        records = records.filter(records_q)
    if community_ids is not None:
        records = records.filter(community_id__in=community_ids)
    if member_ids is not None:
        records = records.filter(member_id__in=member_ids)
    if organ_ids is not None:
        records = records.filter(organ_id__in=organ_ids)
    if team_ids is not None:
        records = records.filter(team_id__in=team_ids)
    visits = HouseholdVisit.objects.filter(Exists(records))
    return visits.values("pairing__household_id").distinct().count()
