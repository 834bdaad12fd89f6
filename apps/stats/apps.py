"""App config for statistics: roll-up tables, dashboards, rankings, star levels and exports."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "apps.stats"
    verbose_name = _("Statistics")
