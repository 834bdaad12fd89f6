"""The weekly reminder, sent by the scheduler, to members who have not registered with their residential community."""

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.orgs.models import Member
from apps.registrations.models import ACTIVE_REGISTRATION_STATUSES, Registration


def members_unregistered():
    """Active members holding no pending or confirmed registration: a member waiting for confirmation has done
    their part and is not nagged."""
    active = Registration.objects.filter(member=OuterRef("pk"), status__in=ACTIVE_REGISTRATION_STATUSES)
    return (
        Member.objects.filter(is_active=True, user__is_active=True)
        .exclude(Exists(active))
        .select_related("user")
        .order_by("pk")
    )


def reminder_week(now):
    """The ISO week the reminder belongs to ("2025-W07"): at most one reminder per member and week, however many
    times (or however late in the week) the job runs."""
    year, week, _weekday = timezone.localdate(now).isocalendar()
    return f"{year}-W{week:02d}"


def members_remind_unregistered(*, now=None):
    """Remind every unregistered member once in the ISO week of `now`; returns how many reminders were sent."""
    from apps.notifications import links
    from apps.notifications.services import notify_many

    now = now or timezone.now()
    week = reminder_week(now)
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Please register with your residential community")
        body = _(
            "In-service Party members register with the community where they live and serve there. "
            "Submit your registration with your home address; the community staff will confirm it."
        )
    users = [member.user for member in members_unregistered()]
    if not users:
        return 0
    # One multi-row insert for everyone: the message is the same, the dedupe key is per user.
    return notify_many(
        users=users,
        kind="unregistered",
        title=title,
        body=body,
        subject=links.registration(),
        dedupe_key=f"unregistered:{week}",
    )
