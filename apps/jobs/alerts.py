"""Telling the superusers about the scheduler's trouble (a failed job, repaired statistics) in the notification
centre and by e-mail."""

import logging

from apps.accounts.models import User

logger = logging.getLogger("apps.jobs")


def alert_superusers(*, title, body, subject=None, dedupe_key):
    """Notify every active superuser (kind job_failed); returns how many were notified. `dedupe_key` bounds the
    alerts (e.g. one per job and day), so a job failing every minute does not flood anyone's inbox."""
    from apps.notifications.services import notify_many

    users = list(User.objects.filter(is_superuser=True, is_active=True).order_by("pk"))
    if not users:
        logger.warning("no active superuser to alert: %s", title)
        return 0
    return notify_many(users=users, kind="job_failed", title=title, body=body, subject=subject, dedupe_key=dedupe_key)
