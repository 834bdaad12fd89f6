"""What the scheduler finds due in activities: members to remind before a start, waitlists with a free place."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.activities.models import Activity, ActivityStatus, SignUp, SignUpStatus

_RUNNING = (ActivityStatus.OPEN, ActivityStatus.CLOSED)


def start_reminder_window():
    """How long before the start signed-up members are reminded (ACTIVITY_REMIND_BEFORE_MIN, default 120)."""
    return timedelta(minutes=getattr(settings, "ACTIVITY_REMIND_BEFORE_MIN", 120))


def signups_due_for_reminder(*, now):
    """Confirmed sign-ups of open or closed activities starting in (now, now + window]. Waitlisted members have no
    place yet; a member promoted later in the window is picked up by the next run."""
    return (
        SignUp.objects.filter(
            status=SignUpStatus.CONFIRMED,
            checked_in_at__isnull=True,  # already on site: nothing to remind
            activity__status__in=_RUNNING,
            activity__starts_at__gt=now,
            activity__starts_at__lte=now + start_reminder_window(),
        )
        .select_related("activity", "member__user")
        .order_by("activity__starts_at", "pk")
    )


def activity_remind_starts(*, now=None):
    """Remind every member with a confirmed place in an activity starting within the window; returns how many
    reminders were sent. The dedupe key is the sign-up, so a second or late run reminds nobody twice."""
    from apps.notifications import links
    from apps.notifications.services import notify

    now = now or timezone.now()
    sent = 0
    for signup in signups_due_for_reminder(now=now):
        activity = signup.activity
        with translation.override(settings.LANGUAGE_CODE):
            starts = timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M")
            title = _("Activity starting soon: %(title)s") % {"title": activity.title}
            body = _("“%(title)s” starts at %(start)s at %(place)s. Remember to check in on site.") % {
                "title": activity.title,
                "start": starts,
                "place": activity.address,
            }
        created = notify(
            user=signup.member.user,
            kind="activity_starting",
            title=title,
            body=body,
            subject=links.activity(activity.pk),
            dedupe_key=f"activity_starting:{signup.pk}",
        )
        sent += created is not None
    return sent


def waitlists_due(*, now):
    """Open or closed activities not yet ended with a free place and someone on the waitlist: what
    apps.activities.services.waitlist_promote has to fill (normally done at once on cancellation; the scheduler
    catches what a capacity change or a failed promotion left behind)."""
    waiting = SignUp.objects.filter(activity=OuterRef("pk"), status=SignUpStatus.WAITLISTED)
    return (
        Activity.objects.filter(status__in=_RUNNING, ends_at__gt=now, confirmed_count__lt=F("capacity"))
        .filter(Exists(waiting))
        .order_by("starts_at", "pk")
    )
