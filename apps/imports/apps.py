from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "apps.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self):
        # Whoever sees an import in the history may read its audit entries (applied, cancelled).
        from apps.imports.selectors import import_list
        from apps.ledger.selectors import register_audit_scope

        register_audit_scope("imports.importbatch", lambda user: import_list(user=user))
