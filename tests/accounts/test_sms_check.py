"""`check --deploy` warns when a server would print one-time codes instead of sending them."""

from django.core import checks

from apps.accounts.checks import sms_backend_check


def ids(messages):
    return [m.id for m in messages]


def test_the_console_backend_is_a_deploy_warning(settings):
    settings.SMS_BACKEND = "apps.accounts.sms.ConsoleBackend"
    settings.SMS_CONSOLE_ALLOWED = False
    assert ids(sms_backend_check()) == ["accounts.W001"]
    # Registered with Django's deploy checks, so `check --deploy --fail-level WARNING` fails on it.
    assert "accounts.W001" in ids(checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security]))
    assert "accounts.W001" not in ids(checks.run_checks(tags=[checks.Tags.security]))


def test_a_trial_server_may_allow_the_console_backend(settings):
    settings.SMS_BACKEND = "apps.accounts.sms.ConsoleBackend"
    settings.SMS_CONSOLE_ALLOWED = True
    assert sms_backend_check() == []


def test_a_provider_backend_passes_and_a_wrong_path_is_named(settings):
    settings.SMS_CONSOLE_ALLOWED = False
    settings.SMS_BACKEND = "apps.accounts.sms.LocmemBackend"
    assert sms_backend_check() == []
    settings.SMS_BACKEND = "nowhere.sms.Backend"
    assert ids(sms_backend_check()) == ["accounts.W002"]
