"""The monthly reminder, sent by the scheduler, to members with no service this quarter, and the summary of them
that each branch secretary receives (零服务提醒)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.accounts.models import Role, RoleAssignment
from apps.stats.nodes import Level, Node
from apps.stats.periods import Period
from apps.stats.selectors import zero_service_members

_NAMES_SHOWN = 100  # a summary lists at most this many names, then "and N more"


@dataclass(frozen=True)
class ReminderRound:
    """Which quarter a monthly round looks at, and the month that names the round (its dedupe key)."""

    period: Period
    quarter: str  # "2025Q1"
    month: str  # "2025-04": the month the round belongs to

    @property
    def quarter_name(self):
        """The parts of the quarter's name in messages: {"year": 2025, "quarter": 1}."""
        return {"year": self.period.first_day.year, "quarter": (self.period.first_day.month - 1) // 3 + 1}

    @property
    def key(self):
        return f"{self.quarter}@{self.month}"


def reminder_round(now):
    """The round of the month of `now`: the quarter containing the last day of the previous month, from its first
    day to that last day. On 1 May that is 1-30 April (Q2 so far); on 1 April the whole of Q1. Counting whole
    months only means a round looks the same whenever in its month it runs (a late run after downtime reminds the
    same members), and the first day of a quarter never reminds everyone of a quarter that has just begun."""
    today = timezone.localdate(now)
    last = today.replace(day=1) - timedelta(days=1)
    quarter = (last.month - 1) // 3 + 1
    first = date(last.year, 3 * quarter - 2, 1)
    kind = "quarter" if last.month == 3 * quarter else "range"
    return ReminderRound(Period(first, last, kind), f"{last.year}Q{quarter}", today.strftime("%Y-%m"))


def _names(members):
    names = [m.user.name for m in members[:_NAMES_SHOWN]]
    text = pgettext("list separator", ", ").join(names)
    if len(members) > _NAMES_SHOWN:
        text = _("%(names)s and %(n)d more") % {"names": text, "n": len(members) - _NAMES_SHOWN}
    return text


def _secretaries():
    return (
        RoleAssignment.objects.filter(role=Role.BRANCH_SECRETARY, user__is_active=True)
        .select_related("user", "party_org")
        .order_by("party_org__path", "user_id")
    )


def members_remind_no_service(*, now=None):
    """Remind each member with no service in the round's period, and send each branch secretary the list of their
    Party organization's members without service (only if there are any). Returns how many notifications were
    sent. Dedupe keys are per member (per secretary and Party organization) and round, so a second or late run in
    the same month sends nothing again."""
    from apps.notifications import links
    from apps.notifications.services import notify, notify_many

    now = now or timezone.now()
    rnd = reminder_round(now)
    period = rnd.period
    zero = list(zero_service_members(node=Node(Level.CITY), period=period))
    first, last = period.first_day.isoformat(), period.last_day.isoformat()
    sent = 0

    with translation.override(settings.LANGUAGE_CODE):
        title = _("No service recorded in Q%(quarter)d %(year)d") % rnd.quarter_name
        body = _(
            "You have no volunteer service recorded from %(first)s to %(last)s. Find a micro-wish or an activity "
            "near your home and take part."
        ) % {"first": first, "last": last}
    if zero:
        # One multi-row insert for everyone: the message is the same, the dedupe key is per user.
        sent += notify_many(
            users=[member.user for member in zero],
            kind="no_service_quarter",
            title=title,
            body=body,
            dedupe_key=f"no_service_quarter:{rnd.key}",
        )

    for role in _secretaries():
        org = role.party_org
        members = [m for m in zero if m.branch.path.startswith(org.path)]
        if not members:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            title = _("%(org)s: %(n)d members without service in Q%(quarter)d %(year)d") % {
                "org": org.name,
                "n": len(members),
                **rnd.quarter_name,
            }
            body = _("Members of %(org)s with no service recorded from %(first)s to %(last)s: %(names)s.") % {
                "org": org.name,
                "first": first,
                "last": last,
                "names": _names(members),
            }
        created = notify(
            user=role.user,
            kind="branch_no_service_summary",
            title=title,
            body=body,
            subject=links.zero_service(party_org_id=org.pk, start=period.first_day, end=period.last_day),
            dedupe_key=f"branch_no_service_summary:{org.pk}:{rnd.key}",
        )
        sent += created is not None
    return sent
