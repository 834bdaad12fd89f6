"""App config for household pairing (结对帮扶)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HouseholdsConfig(AppConfig):
    name = "apps.households"
    verbose_name = _("Household pairing")

    def ready(self):
        # Whoever sees a household may read its audit history (recorded, paired, visited, closed...).
        from apps.households.selectors import household_list
        from apps.ledger.selectors import register_audit_scope

        register_audit_scope("households.household", lambda user: household_list(user=user))
