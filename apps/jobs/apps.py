"""App config for the scheduler: the job list, the elected scheduler process and the job history."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "apps.jobs"
    verbose_name = _("Scheduled jobs")
