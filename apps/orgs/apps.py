"""App config for organs, the Party organization tree and members."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "apps.orgs"
    verbose_name = _("Organizations")
