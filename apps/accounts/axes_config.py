"""django-axes (login lockout, settings.AXES_*) under a translatable name: its own app config calls it "Axes".

A module of its own: apps.py may hold only the accounts app's config, or Django would not know which one to use.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    verbose_name = _("Login lockout")
