"""App config for residents' requests (居民点单): a resident asks by a community's poster, the grid worker decides."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "apps.residents"
    verbose_name = _("Resident requests")

    def ready(self):
        # Staff and grid workers may read the audit history of the requests they can see.
        from apps.ledger.selectors import register_audit_scope
        from apps.residents.selectors import request_list

        register_audit_scope("residents.residentrequest", lambda user: request_list(user=user))
