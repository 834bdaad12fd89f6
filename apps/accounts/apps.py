"""App config for users and roles."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = _("Accounts and roles")

    def ready(self):
        from django.core.signals import request_started

        from apps.accounts import (
            checks,  # noqa: F401  (registers the system checks)
            scope,
        )

        request_started.connect(scope.request_started, dispatch_uid="accounts.scope.request_started")
