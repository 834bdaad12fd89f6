"""Reminders about household pairings, sent by the scheduler: a pairing without a visit for
HOUSEHOLD_VISIT_REMIND_DAYS reminds its member (a team: its leader); after HOUSEHOLD_VISIT_ESCALATE_DAYS the staff of
the household's community are told.

An "overdue spell" runs from the pairing's latest standing visit (pending or approved; a rejected visit does not
count), or from its start when it has none. Each reminder's dedupe key names the pairing and the start of the spell,
so a second run sends nothing new, and a visit registered later starts a new spell that may remind again.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import Role, RoleAssignment
from apps.households.models import HouseholdPairing, HouseholdStatus
from apps.households.selectors import with_last_visit


def remind_after():
    return timedelta(days=getattr(settings, "HOUSEHOLD_VISIT_REMIND_DAYS", 30))


def escalate_after():
    return timedelta(days=getattr(settings, "HOUSEHOLD_VISIT_ESCALATE_DAYS", 45))


def _spell_start(pairing):
    """When the pairing's current spell without a visit began: its latest standing visit, or its first day."""
    if pairing.last_visit_at is not None:
        return pairing.last_visit_at
    return timezone.make_aware(datetime.combine(pairing.started_on, time.min))


def pairings_due(*, now):
    """Open pairings of active households whose spell without a visit is at least the reminder's length, each with
    `spell_start` set, oldest spell first."""
    pairings = with_last_visit(
        HouseholdPairing.objects.filter(ended_on__isnull=True, household__status=HouseholdStatus.ACTIVE)
    ).select_related("household__community", "member__user", "team__leader__user")
    due = []
    for pairing in pairings:
        pairing.spell_start = _spell_start(pairing)
        if now - pairing.spell_start >= remind_after():
            due.append(pairing)
    return sorted(due, key=lambda p: (p.spell_start, p.pk))


def _member_recipient(pairing):
    """The paired member, or the paired team's leader (None while the team has none: the staff still hear of it)."""
    if pairing.member_id is not None:
        return pairing.member.user
    return pairing.team.leader.user if pairing.team.leader_id is not None else None


def _staff_of(community_id):
    return [
        assignment.user
        for assignment in RoleAssignment.objects.filter(
            role=Role.COMMUNITY_STAFF, community_id=community_id, user__is_active=True
        ).select_related("user")
    ]


def _partner_name(pairing):
    return pairing.member.user.name if pairing.member_id is not None else pairing.team.name


def households_remind_unvisited(*, now=None):
    """Remind the paired member (a team: its leader) of every open pairing without a visit for
    HOUSEHOLD_VISIT_REMIND_DAYS, and tell the community's staff of those without one for
    HOUSEHOLD_VISIT_ESCALATE_DAYS; returns how many notifications were created. Idempotent (see the module)."""
    from apps.notifications import links
    from apps.notifications.models import NotificationKind
    from apps.notifications.services import notify, notify_many

    now = now or timezone.now()
    sent = 0
    for pairing in pairings_due(now=now):
        household = pairing.household
        spell = pairing.spell_start.isoformat()
        days = (now - pairing.spell_start).days
        with translation.override(settings.LANGUAGE_CODE):
            since = formats.date_format(timezone.localdate(pairing.spell_start), "DATE_FORMAT")
            title = _("A paired household is waiting for your visit")
            body = _(
                "No visit to the household you are paired with in %(community)s has been registered since %(since)s "
                "(%(days)d days). Please visit them and register the visit."
            ) % {"community": household.community.name, "since": since, "days": days}
        recipient = _member_recipient(pairing)
        if recipient is not None:
            created = notify(
                user=recipient,
                kind=NotificationKind.HOUSEHOLD_VISIT_DUE,
                title=title,
                body=body,
                subject=links.household_pairing(pairing),
                dedupe_key=f"household_visit_due:{pairing.pk}:{spell}",
            )
            sent += created is not None
        if now - pairing.spell_start < escalate_after():
            continue
        with translation.override(settings.LANGUAGE_CODE):
            title = _("A paired household has not been visited for %(days)d days") % {"days": days}
            body = _(
                "%(partner)s, paired with the household at %(address)s, has registered no visit since %(since)s."
            ) % {"partner": _partner_name(pairing), "address": household.address, "since": since}
        sent += notify_many(
            users=_staff_of(household.community_id),
            kind=NotificationKind.HOUSEHOLD_VISIT_OVERDUE,
            title=title,
            body=body,
            subject=links.household_pairing(pairing),
            dedupe_key=f"household_visit_overdue:{pairing.pk}:{spell}",
        )
    return sent
