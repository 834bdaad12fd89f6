"""App config for organs, the Party organization tree and members."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "apps.orgs"
    verbose_name = _("Organizations")

    def ready(self):
        # Whoever sees a member may read their audit history (added, moved, updated, deactivated).
        from apps.ledger.selectors import register_audit_scope
        from apps.orgs.selectors import member_list

        register_audit_scope("orgs.member", lambda user: member_list(user=user))
