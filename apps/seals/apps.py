"""App config for the sealed ledger: hash-chained seals over service records and audit entries."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SealsConfig(AppConfig):
    name = "apps.seals"
    verbose_name = _("Ledger seals")
