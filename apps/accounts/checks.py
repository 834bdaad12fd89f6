"""System checks of the accounts app, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.utils.module_loading import import_string

from apps.accounts.sms import ConsoleBackend


@register(Tags.security, deploy=True)
def sms_backend_check(app_configs=None, **kwargs):
    """On a server the console backend sends nothing: members waiting for a one-time code never get one, and the
    codes end up in the journal. Warn unless the operator said it is a trial (SMS_CONSOLE_ALLOWED)."""
    if getattr(settings, "SMS_CONSOLE_ALLOWED", False):
        return []
    try:
        backend = import_string(settings.SMS_BACKEND)
    except ImportError:
        return [
            Warning(
                f"SMS_BACKEND names {settings.SMS_BACKEND!r}, which cannot be imported.",
                hint="Give the dotted path of an installed text-message backend class (docs/deployment.md).",
                id="accounts.W002",
            )
        ]
    if isinstance(backend, type) and issubclass(backend, ConsoleBackend):
        return [
            Warning(
                "SMS_BACKEND is the console backend: one-time codes are printed in the server's log, not sent.",
                hint=(
                    'Set SMS_BACKEND to your provider\'s backend (docs/deployment.md, "Text messages (SMS)"), or '
                    "SMS_CONSOLE_ALLOWED=true on a trial server that nobody signs in to with a code."
                ),
                id="accounts.W001",
            )
        ]
    return []
