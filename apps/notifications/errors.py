"""Errors of the notification centre: stable codes, the translated messages tests reuse, and their constructors."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import NotFound

NOTIFICATION_NOT_FOUND = _("Notification not found.")


def notification_not_found():
    # Someone else's notification reads exactly as a missing one (the same code as the API's plain 404).
    return NotFound("not_found", NOTIFICATION_NOT_FOUND)
