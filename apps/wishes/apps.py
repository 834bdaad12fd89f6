"""App config for residents' micro-wishes (微心愿)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WishesConfig(AppConfig):
    name = "apps.wishes"
    verbose_name = _("Micro-wishes")
