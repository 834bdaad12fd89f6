"""App config for dual registration (个人报到), standing posts (设岗认岗) and pairings (结对共建)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "apps.registrations"
    verbose_name = _("Registrations")

    def ready(self):
        # Registers the evaluations' audit scope whether or not the admin or the URLconf has been loaded.
        from apps.registrations import selectors  # noqa: F401
