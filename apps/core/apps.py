"""App config for the shared core."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
