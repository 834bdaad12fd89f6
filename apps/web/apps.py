"""App config for the server-rendered web pages."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "apps.web"
