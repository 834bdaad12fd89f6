"""What a member's own pages show, built through the services: claims in every state, sign-ups (upcoming ones, and
past ones attended with their hours approved), certificates and notifications; and the open wishes and activities
near a home. Shared by the page benchmark (tests/bench/pages/data.py, on the load test's data) and by the pinned
query counts of the member pages (tests/web/test_member_page_queries.py, on the factories' world), so the counts
pinned there are those of the pages the benchmark measures.
"""

import secrets
from datetime import datetime, time, timedelta

from django.utils import timezone

from apps.activities import hours as activity_hours
from apps.activities import services as activity_services
from apps.activities.models import Activity, ActivityCategory, ActivityStatus, Audience
from apps.ledger.certificates import certificate_issue
from apps.ledger.models import RecordStatus, ServiceCategory, ServiceSource
from apps.ledger.services import record_create
from apps.notifications import links
from apps.notifications import services as notification_services
from apps.notifications.models import NotificationKind
from apps.wishes import services as wish_services
from apps.wishes.models import Wish, WishCategory, WishStatus

OPEN_CLAIMS_LEFT = 2  # below WISH_MAX_OPEN_CLAIMS (3): the newest claims stay open, the others move on


def published_wish(*, grid, staff, title, now=None):
    """A published wish in `grid`, written directly (as the load test's data and the factories write theirs)."""
    now = now or timezone.now()
    return Wish.objects.create(
        community_id=grid.community_id,
        grid=grid,
        title=title,
        story="老人行动不便，需要一袋米和一桶油。",
        category=WishCategory.ELDERLY,
        resident_name="张三丰",
        resident_phone="13912345678",
        resident_address="幸福小区3栋2单元101",
        estimated_value=120,
        deadline=now + timedelta(days=20),
        status=WishStatus.PUBLISHED,
        published_at=now,
        created_by=staff,
    )


def open_activity(*, community, staff, title, starts_at, point, capacity=20):
    """An open activity of `community` at `point` (latitude, longitude), two hours from `starts_at`."""
    return Activity.objects.create(
        community=community,
        grid=None,
        created_by=staff,
        title=title,
        category=ActivityCategory.CLEAN_UP,
        address=f"{community.name}广场",
        latitude=point[0],
        longitude=point[1],
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        signup_deadline=starts_at,
        capacity=capacity,
        audience=Audience.RESIDENTS,
        status=ActivityStatus.OPEN,
        checkin_secret=secrets.token_hex(32),
    )


def _afternoon(day):
    return datetime.combine(day, time(14), tzinfo=timezone.get_current_timezone())


def nearby(*, grid, staff, count, tag="页面"):
    """`count` published wishes and `count` open activities at `grid`'s point (what "near my home" lists)."""
    point = (grid.latitude, grid.longitude)
    today = timezone.localdate()
    wishes = [published_wish(grid=grid, staff=staff, title=f"{tag}附近的微心愿{k + 1}") for k in range(count)]
    activities = [
        open_activity(
            community=grid.community,
            staff=staff,
            title=f"{tag}附近的活动{k + 1}",
            starts_at=_afternoon(today + timedelta(days=3 + k)) + timedelta(hours=2),  # 16:00, after the sign-ups'
            point=point,
        )
        for k in range(count)
    ]
    return wishes, activities


def claims(*, member, staff, grid, count, tag="页面"):
    """`count` claims by `member` of wishes in `grid`, newest last, in every state the claims page shows: the newest
    OPEN_CLAIMS_LEFT still open; of the others, in turn, confirmed by the staff (a wish service record), reported
    fulfilled and awaiting the staff, released, confirmed. Returns the claimed wishes."""
    wishes = []
    for k in range(count):
        wish = published_wish(grid=grid, staff=staff, title=f"{tag}认领的微心愿{k + 1}")
        wish_services.wish_claim(wish=wish, actor=member.user)
        wishes.append(wish)
        if k >= count - OPEN_CLAIMS_LEFT:
            continue
        if k % 4 == 2:
            wish_services.wish_release(wish=wish, actor=member.user, reason="临时有事")
            continue
        wish_services.wish_fulfil(wish=wish, actor=member.user, note="已送到老人家中")
        if k % 4 != 1:
            wish_services.wish_confirm(wish=wish, actor=staff, rating=5)
    return wishes


def activities(*, community, staff, point, upcoming, past, capacity=20, tag="页面"):
    """`upcoming` open activities (one a day from the day after tomorrow, 14:00–16:00) and `past` ones (one a day
    back from yesterday, same hours, still open: take_part() finishes them), of `capacity` places each. Returns
    (upcoming, past)."""
    today = timezone.localdate()
    ahead = [
        open_activity(
            community=community,
            staff=staff,
            title=f"{tag}报名的活动{k + 1}",
            starts_at=_afternoon(today + timedelta(days=2 + k)),
            point=point,
            capacity=capacity,
        )
        for k in range(upcoming)
    ]
    behind = [
        open_activity(
            community=community,
            staff=staff,
            title=f"{tag}参加过的活动{k + 1}",
            starts_at=_afternoon(today - timedelta(days=1 + k)),
            point=point,
            capacity=capacity,
        )
        for k in range(past)
    ]
    return ahead, behind


def take_part(*, members, staff, upcoming, past):
    """Every member signs up for every activity; at the past ones each checked in on site five minutes after the
    start and out at the end, then the activity was finished and the staff approved the hours (an activity service
    record each). Capacities must hold every member."""
    for activity in upcoming:
        for member in members:
            activity_services.signup_create(activity=activity, member=member)
    for activity in past:
        signups = [
            activity_services.signup_create(
                activity=activity, member=member, now=activity.starts_at - timedelta(days=1)
            )
            for member in members
        ]
        for signup in signups:
            activity_services.checkin_by_position(
                signup=signup,
                actor=signup.member.user,
                latitude=activity.latitude,
                longitude=activity.longitude,
                now=activity.starts_at + timedelta(minutes=5),
            )
            activity_services.checkout(signup=signup, actor=signup.member.user, now=activity.ends_at)
        activity_hours.activity_finish(activity=activity, now=activity.ends_at + timedelta(minutes=1))
        for signup in signups:
            signup.refresh_from_db()
            activity_hours.hours_approve(signup=signup, actor=staff)


def service_records(*, member, staff, grid, count):
    """`count` approved services the staff recorded for `member` this year (one a day back from yesterday, or from
    January 1st in the first days of the year), as the load test's data holds five of for every member."""
    now, today = timezone.now(), timezone.localdate()
    first = today.replace(month=1, day=1)
    made = []
    for k in range(count):
        started = min(
            _afternoon(max(today - timedelta(days=1 + k), first)) - timedelta(hours=5), now - timedelta(hours=2)
        )
        made.append(
            record_create(
                member=member,
                community=grid.community,
                grid=grid,
                source=ServiceSource.MANUAL,
                source_id=None,
                category=ServiceCategory.CARE_VISIT,
                content="入户走访困难群众",
                started_at=started,
                ended_at=started + timedelta(minutes=90),
                credited_minutes=90,
                residents_served=2,
                recorded_by=staff,
                status=RecordStatus.APPROVED,
                decided_by=staff,
            )
        )
    return made


def certificates(*, member, count):
    """`count` certificates of this year's service, issued by the member (the ledger must hold approved service)."""
    today = timezone.localdate()
    return [
        certificate_issue(
            member=member, actor=member.user, period_start=today.replace(month=1, day=1), period_end=today
        )
        for _ in range(count)
    ]


def notifications(*, user, count, wishes=(), activities=(), tag="页面"):
    """`count` notifications to `user`, about the given wishes and activities and their registration in turn, the
    older half read."""
    made = []
    for k in range(count):
        if k % 3 == 0 and wishes:
            kind, subject = NotificationKind.WISH_CLAIM_DUE, links.wish(wishes[k % len(wishes)].pk)
        elif k % 3 == 1 and activities:
            kind, subject = NotificationKind.ACTIVITY_STARTING, links.activity(activities[k % len(activities)].pk)
        else:
            kind, subject = NotificationKind.REGISTRATION_CONFIRMED, links.registration()
        made.append(
            notification_services.notify(
                user=user, kind=kind, title=f"{tag}通知{k + 1}", body="请按时参加。", subject=subject, email=False
            )
        )
    for notification in made[: count // 2]:
        notification_services.notification_mark_read(user=user, notification=notification)
    return made
