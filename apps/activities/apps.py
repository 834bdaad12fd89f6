"""App config for volunteer activities, sign-ups, waitlists and attendance."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "apps.activities"
    verbose_name = _("Volunteer activities")

    def ready(self):
        # Whoever sees an activity or a sign-up may read its audit history.
        from apps.activities.selectors import activity_list, signup_list
        from apps.ledger.selectors import register_audit_scope

        register_audit_scope("activities.activity", lambda user: activity_list(user=user))
        register_audit_scope("activities.signup", lambda user: signup_list(user=user))
