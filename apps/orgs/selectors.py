"""Reads on organs, Party organizations and members, scoped by apps.accounts.scope."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q

from apps.accounts.scope import scope_for
from apps.orgs.models import Member, MemberAffiliation, Organ, PartyOrg


def organ_list(*, user):
    """Organs are reference data: every signed-in user may list them."""
    return Organ.objects.all()


def party_org_list(*, user):
    return PartyOrg.objects.select_related("organ", "parent")


def member_visibility_q(scope):
    """Members a scope may see: itself; its organs/branches; members registered (active) in its geography."""
    if scope.is_superuser:
        return Q()
    from apps.registrations.models import ACTIVE_REGISTRATION_STATUSES, Registration

    parts = Q(pk__in=[])
    if scope.member_id:
        parts |= Q(pk=scope.member_id)
    if scope.is_org_side:
        parts |= scope.org_q(organ="organ", branch="branch")
    if scope.is_community_side or scope.is_geo_admin:
        registered_here = Registration.objects.filter(
            scope.geo_q(), member=OuterRef("pk"), status__in=ACTIVE_REGISTRATION_STATUSES
        )
        parts |= Q(Exists(registered_here))
    return parts


def member_list(*, user):
    scope = scope_for(user)
    return (
        Member.objects.filter(member_visibility_q(scope))
        .select_related("user", "organ", "branch")
        .order_by("organ_id", "branch_id", "id")
    )


def member_get(*, user, pk):
    return member_list(user=user).filter(pk=pk).first()


def member_affiliations(*, member):
    return (
        MemberAffiliation.objects.filter(member=member).select_related("organ", "branch").order_by("started_on", "id")
    )


@dataclass(frozen=True)
class AffiliationSpan:
    """Days a member belonged to an organ and branch: from `first_day` to `last_day`, both included (None: without
    an end on that side)."""

    organ_id: int
    branch_id: int
    branch_path: str
    first_day: date | None
    last_day: date | None

    def overlaps(self, first, last):
        """Whether the span holds a day of [first, last]."""
        return (self.first_day is None or self.first_day <= last) and (self.last_day is None or self.last_day >= first)


def affiliation_spans(member_ids):
    """{member id: [AffiliationSpan, ...]}: the organ and branch each member belonged to day by day, by the rule the
    ledger attributes a service with (apps.ledger.services._affiliation_at): on a day, the affiliation that started
    last on or before it; before the first one, the first. So each affiliation runs from its start to the day before
    the next one starts, the first one also covers the days before it and the last one every day after. A member
    without history belongs to their current organ and branch on every day. Two queries."""
    member_ids = set(member_ids)
    rows = defaultdict(list)
    for row in (
        MemberAffiliation.objects.filter(member_id__in=member_ids)
        .order_by("member_id", "started_on", "id")
        .values_list("member_id", "organ_id", "branch_id", "branch__path", "started_on")
    ):
        rows[row[0]].append(row[1:])
    spans = {}
    for member_id, history in rows.items():
        member_spans = []
        for index, (organ_id, branch_id, path, started_on) in enumerate(history):
            first_day = started_on if index else None
            last_day = history[index + 1][3] - timedelta(days=1) if index + 1 < len(history) else None
            if first_day is not None and last_day is not None and last_day < first_day:
                continue  # replaced on the day it started: it holds no day
            member_spans.append(AffiliationSpan(organ_id, branch_id, path, first_day, last_day))
        spans[member_id] = member_spans
    without_history = member_ids - set(rows)
    for member_id, organ_id, branch_id, path in Member.objects.filter(pk__in=without_history).values_list(
        "pk", "organ_id", "branch_id", "branch__path"
    ):
        spans[member_id] = [AffiliationSpan(organ_id, branch_id, path, None, None)]
    return spans
