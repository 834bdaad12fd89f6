"""Services a member registers themself (服务登记): the checks against abuse, and the pending record they make.

"Who organizes, records; who records, certifies": the member records, and the staff of the community where the
service was done certify it, through the decisions every record has (record_approve, record_adjust, record_reject
in apps.ledger.services), never the member. Until then the record is pending and counts nowhere.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from apps.core.errors import Conflict, Invalid
from apps.core.images import clean_image
from apps.core.text import clean_text
from apps.ledger import errors
from apps.ledger.models import RecordStatus, SelfService, ServiceRecord, ServiceSource
from apps.ledger.selectors import day_bounds, require_aware
from apps.ledger.services import _insert

PLACE_MAX = SelfService._meta.get_field("place").max_length
# A member's own figure of the residents they served; the staff who approve it may correct it.
RESIDENTS_MAX = 1000


def registering_member(actor):
    """The member profile of who registers a service: an active in-service member (403 not_a_member otherwise)."""
    member = getattr(actor, "member", None) if actor is not None else None
    if member is None or not member.is_active:
        raise errors.not_a_member()
    return member


def _check_when(started_at, ended_at, now):
    require_aware(started_at, ended_at)
    if ended_at <= started_at:
        raise Invalid("record_times_invalid", errors.SELF_SERVICE_TIMES_INVALID)
    if ended_at > now:
        raise Invalid("service_in_future", errors.SERVICE_IN_FUTURE)
    max_days = settings.SELF_SERVICE_MAX_AGE_DAYS
    if started_at < now - timedelta(days=max_days):
        raise Invalid("service_too_old", errors.SERVICE_TOO_OLD % {"days": max_days})


def _check_overlap(member, started_at, ended_at):
    """No two services of one member at the same time: neither a record that stands (pending or approved) nor an
    activity the member attended whose hours are not written yet."""
    from apps.activities.models import Attendance, SignUp

    overlapping = (
        ServiceRecord.objects.filter(
            member=member, amends__isnull=True, started_at__lt=ended_at, ended_at__gt=started_at
        )
        .exclude(status=RecordStatus.REJECTED)
        .order_by("started_at")
        .first()
    )
    if overlapping is not None:
        raise Conflict(
            "service_overlaps",
            errors.SERVICE_OVERLAPS
            % {"content": overlapping.content, "start": timezone.localtime(overlapping.started_at)},
        )
    attended = (
        SignUp.objects.filter(member=member, starts_at__lt=ended_at, ends_at__gt=started_at)
        .filter(Q(checked_in_at__isnull=False) | Q(attendance__in=[Attendance.PRESENT, Attendance.LATE]))
        .select_related("activity")
        .order_by("starts_at")
        .first()
    )
    if attended is not None:
        raise Conflict(
            "service_overlaps",
            errors.SERVICE_OVERLAPS
            % {"content": attended.activity.title, "start": timezone.localtime(attended.starts_at)},
        )


def _check_daily_limit(member, started_at, minutes):
    """At most SELF_SERVICE_DAILY_MAX_MINUTES of self-registered service a day (the day it started), rejected
    ones aside."""
    limit = settings.SELF_SERVICE_DAILY_MAX_MINUTES
    day = timezone.localdate(started_at)
    start, end = day_bounds(day, day)
    registered = (
        ServiceRecord.objects.filter(
            member=member,
            source=ServiceSource.SELF,
            amends__isnull=True,
            started_at__gte=start,
            started_at__lt=end,
        )
        .exclude(status=RecordStatus.REJECTED)
        .aggregate(n=Sum("credited_minutes"))["n"]
        or 0
    )
    if registered + minutes > limit:
        raise Invalid(
            "daily_limit_exceeded",
            errors.DAILY_LIMIT_EXCEEDED % {"hours": round(limit / 60, 1), "left": max(limit - registered, 0)},
        )


@transaction.atomic
def self_service_register(
    *,
    actor,
    community,
    grid=None,
    place,
    category,
    content,
    started_at,
    ended_at,
    residents_served=0,
    photo=None,
    team=None,
    now=None,
):
    """The member (`actor`) registers a service they did: a pending record at `community`, credited with the whole
    time between start and end until its staff decide. Refused, writing nothing: not a member (403), a time in the
    future, older than SELF_SERVICE_MAX_AGE_DAYS, overlapping another of the member's services or an activity they
    attended (409), over the daily maximum, a photo that is not an image, bad text or figures, a `team` the member
    was not in when the service started (422).
    Returns the SelfService; its record is `record_of(self_service)`."""
    member = registering_member(actor)
    now = now or timezone.now()
    _check_when(started_at, ended_at, now)
    place = clean_text(place)
    if not place or len(place) > PLACE_MAX:
        raise Invalid("place_invalid", errors.PLACE_INVALID % {"max": PLACE_MAX})
    if isinstance(residents_served, bool) or not isinstance(residents_served, int):
        raise Invalid("residents_invalid", errors.SELF_RESIDENTS_INVALID % {"max": RESIDENTS_MAX})
    if not 0 <= residents_served <= RESIDENTS_MAX:
        raise Invalid("residents_invalid", errors.SELF_RESIDENTS_INVALID % {"max": RESIDENTS_MAX})
    image = clean_image(photo)
    # One member's registrations one after the other: the overlap and the daily limit are read and then written, so
    # a second, simultaneous one must see the first (SQLite's write transactions are serial already).
    type(member).objects.select_for_update().filter(pk=member.pk).values_list("pk", flat=True).get()
    minutes = int((ended_at - started_at).total_seconds() // 60)
    _check_overlap(member, started_at, ended_at)
    _check_daily_limit(member, started_at, minutes)
    self_service = SelfService(member=member, place=place, team=team)
    if image is not None:
        self_service.photo.save(image.name, image, save=False)
    self_service.save()
    try:
        _insert(
            member=member,
            community=community,
            grid=grid,
            source=ServiceSource.SELF,
            source_id=self_service.pk,
            category=category,
            content=content,
            started_at=started_at,
            ended_at=ended_at,
            credited_minutes=minutes,
            residents_served=residents_served,
            recorded_by=actor,
            status=RecordStatus.PENDING,
            decided_by=None,
            reason="",
            team=team,
        )
    except Exception:
        # The row goes with the transaction; the file written for it would stay behind.
        if self_service.photo:
            self_service.photo.delete(save=False)
        raise
    return self_service


def record_of(self_service):
    """The original service record of a self-registered service."""
    return ServiceRecord.objects.get(source=ServiceSource.SELF, source_id=self_service.pk, amends__isnull=True)


def self_services_of(records):
    """{record pk: SelfService} for the self-registered records among `records` (one query)."""
    ids = {r.source_id: r.pk for r in records if r.source == ServiceSource.SELF and r.source_id}
    return {ids[s.pk]: s for s in SelfService.objects.filter(pk__in=ids)}
