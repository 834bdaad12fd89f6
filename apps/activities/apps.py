"""App config for volunteer activities, sign-ups, waitlists and attendance."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "apps.activities"
    verbose_name = _("Volunteer activities")
