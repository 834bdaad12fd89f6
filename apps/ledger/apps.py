"""App config for the service-record ledger, points and the audit trail."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "apps.ledger"
    verbose_name = _("Service ledger")

    def ready(self):
        # Registers the certificates' audit scope whether or not the URLconf has been loaded.
        from apps.ledger import certificates  # noqa: F401
