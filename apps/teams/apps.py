"""App config for volunteer teams (志愿服务队)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "apps.teams"
    verbose_name = _("Volunteer teams")

    def ready(self):
        # Whoever sees a team may read its audit history (created, members accepted, dissolved...).
        from apps.ledger.selectors import register_audit_scope
        from apps.teams.selectors import team_list

        register_audit_scope("teams.team", lambda user: team_list(user=user))
