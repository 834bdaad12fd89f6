"""Jobs that need more than one call: fetch what is due from an app, then call that app's service for each."""

import os
from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.activities.reminders import waitlists_due
from apps.activities.services import waitlist_promote
from apps.jobs.alerts import alert_superusers
from apps.notifications import links
from apps.notifications.models import NotificationKind
from apps.notifications.services import notify_many
from apps.seals.selectors import seal_latest, seal_recipients, seal_witness_line
from apps.seals.services import ledger_check_record, ledger_seal_all
from apps.seals.verify import ledger_verify
from apps.stats.rollups import reconcile


def promote_waitlists(*, now):
    """Fill the free places of every activity with a waitlist; returns how many sign-ups were promoted. One
    transaction per activity (inside waitlist_promote), so one activity cannot hold back the others."""
    promoted = 0
    for activity in list(waitlists_due(now=now)):
        promoted += len(waitlist_promote(activity=activity, now=now))
    return promoted


def reconcile_statistics(*, now):
    """Compare the statistics roll-ups of the last STATS_RECONCILE_DAYS days (default 400: this year and last
    year's year-end review) with the ledger and rewrite the rows that differ; returns the number of differences.

    Differences mean a write path bypassed the roll-ups (a bug, or a manual database edit): the superusers are told,
    once a day, even though the rows are already repaired.
    """
    first_day = timezone.localdate(now) - timedelta(days=getattr(settings, "STATS_RECONCILE_DAYS", 400))
    # A first pass without locks: the repairing pass locks the roll-up tables against ledger writes (minutes at
    # city scale, see docs/performance.md), so it runs only when there is something to repair. It compares again
    # under the lock, so a difference the first pass saw only because a write committed mid-read is not "fixed".
    if reconcile(first_day=first_day).clean:
        return 0
    report = reconcile(first_day=first_day, fix=True)
    differences = len(report.differences)
    if differences:
        with translation.override(settings.LANGUAGE_CODE):
            title = _("Statistics reconciliation repaired %(n)d roll-up rows") % {"n": differences}
            body = _(
                "The nightly reconciliation found %(n)d roll-up rows (of %(total)d checked since %(first)s) that "
                "differed from the ledger and rewrote them from the ledger. Some write path bypassed the roll-ups: "
                "check recent manual changes and the application log."
            ) % {"n": differences, "total": report.rows_checked, "first": first_day.isoformat()}
        alert_superusers(
            title=title,
            body=body,
            subject=links.job_runs("stats_reconcile"),
            dedupe_key=f"stats_reconcile:{timezone.localdate(now).isoformat()}",
        )
    return differences


def seal_ledger(*, now):
    """Seal every audit entry and decided service record not sealed yet; returns the number of seals made."""
    return len(ledger_seal_all(now=now))


def verify_ledger(*, now):
    """Seal what is left, then verify the whole ledger against its seals and keep the outcome; when anything
    changed, the superusers are told (once a day) what it was. Returns the number of problems."""
    ledger_seal_all(now=now)
    report = ledger_verify(workers=os.cpu_count() or 1)  # at night: every CPU
    ledger_check_record(report=report, started_at=now)
    if report.ok:
        return 0
    shown = report.problems[:20]
    with translation.override(settings.LANGUAGE_CODE):
        title = _("The ledger does not verify: %(n)d problems") % {"n": len(report.problems)}
        body = _(
            "The nightly verification recomputed the seals and found rows or seals that changed after they were "
            "sealed: %(problems)s. See docs/ledger-seals.md for what each problem means and what to do."
        ) % {"problems": "; ".join(str(problem) for problem in shown)}
    alert_superusers(
        title=title,
        body=body,
        subject=links.job_runs("ledger_verify"),
        dedupe_key=f"ledger_verify:{timezone.localdate(now).isoformat()}",
    )
    return len(report.problems)


def send_ledger_seal(*, now):
    """Send the latest seal to the district administrators and the superusers (in the notification centre, and by
    e-mail to those with an address), once a day: a copy of it outside the database, with what to do with it.
    Returns how many were told; nothing before the first seal."""
    seal = seal_latest()
    if seal is None:
        return 0
    day = timezone.localdate(now).isoformat()
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Ledger seal of %(day)s") % {"day": day}
        body = _(
            "%(line)s\n\nKeep this message: it is a copy of the ledger's seal outside the platform's database. "
            "Anyone can verify the ledger against it with `python manage.py verify_ledger --seal %(witness)s`: if the "
            "seal is missing there or differs, the service records or the audit trail were changed after this "
            "message was sent."
        ) % {"line": seal_witness_line(seal), "witness": seal.witness}
    return notify_many(
        users=seal_recipients(),
        kind=NotificationKind.LEDGER_SEAL,
        title=title,
        body=body,
        dedupe_key=f"ledger_seal_send:{day}",
    )
