"""server.settings.production, imported with a production environment (in a fresh process, as gunicorn would):
debug off, secure cookies, HSTS, the login-throttling backend first, health-checked database connections, static
files ready for the proxy; and it refuses to start without a real secret key or the allowed host names."""

import json
import os
import subprocess
import sys

import pytest

from tests.ops.conftest import ROOT

PROBE = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": settings.CSRF_TRUSTED_ORIGINS,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "SESSION_COOKIE_HTTPONLY": settings.SESSION_COOKIE_HTTPONLY,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_PROXY_SSL_HEADER": settings.SECURE_PROXY_SSL_HEADER,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "SECURE_CONTENT_TYPE_NOSNIFF": settings.SECURE_CONTENT_TYPE_NOSNIFF,
    "X_FRAME_OPTIONS": settings.X_FRAME_OPTIONS,
    "AUTHENTICATION_BACKENDS": settings.AUTHENTICATION_BACKENDS,
    "PROXY_COUNT": settings.PROXY_COUNT,
    "ENGINE": db["ENGINE"],
    "CONN_MAX_AGE": db.get("CONN_MAX_AGE"),
    "CONN_HEALTH_CHECKS": db.get("CONN_HEALTH_CHECKS"),
    "STATIC_URL": settings.STATIC_URL,
    "STATIC_ROOT": str(settings.STATIC_ROOT),
    "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    "STATICFILES_BACKEND": settings.STORAGES["staticfiles"]["BACKEND"],
}))
"""

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "server.settings.production",
    "SECRET_KEY": "k3Jx9-production-test-key-7Qm2vW8pLr4Tz6Yc1Nb5Hs0Gd3Fa",
    "ALLOWED_HOSTS": "sbd.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://sbd.example.org",
    "DATABASE_URL": "postgres://sbd:secret@db.internal:5432/sbd",
    "PROXY_COUNT": "1",
    "STATIC_ROOT": "/srv/dual-reporting/staticfiles",
    "MEDIA_ROOT": "/var/lib/dual-reporting/media",
}


def load_production(**overrides):
    """Import the production settings in a new process with PRODUCTION_ENV and the overrides.

    Every variable the test relies on is set explicitly (an empty value where it must be missing), so a developer's
    .env, which the settings also read, cannot change the outcome."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "DEBUG"))}
    env.update(PRODUCTION_ENV)
    for name, value in overrides.items():
        env[name] = value
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    return done


def production(**overrides):
    done = load_production(**overrides)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def prod():
    return production()


def test_debug_is_off_whatever_the_environment_says():
    assert production(DEBUG="true")["DEBUG"] is False


def test_cookies_are_secure_and_https_is_enforced(prod):
    assert prod["SESSION_COOKIE_SECURE"] is True
    assert prod["SESSION_COOKIE_HTTPONLY"] is True
    assert prod["CSRF_COOKIE_SECURE"] is True
    assert prod["SECURE_SSL_REDIRECT"] is True
    assert prod["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert prod["SECURE_HSTS_SECONDS"] == 31536000
    assert prod["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert prod["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert prod["X_FRAME_OPTIONS"] == "DENY"


def test_the_loopback_trial_may_turn_the_redirect_off(prod):
    # scripts/deploy-try's plain-HTTP mode (test only): everything else stays as in production.
    trial = production(SECURE_SSL_REDIRECT="false")
    assert trial["SECURE_SSL_REDIRECT"] is False
    assert trial["SESSION_COOKIE_SECURE"] is True


def test_login_throttling_backend_comes_first(prod):
    assert prod["AUTHENTICATION_BACKENDS"][0] == "axes.backends.AxesStandaloneBackend"


def test_the_environment_sets_hosts_origins_proxies_and_paths(prod):
    assert prod["ALLOWED_HOSTS"] == ["sbd.example.org"]
    assert prod["CSRF_TRUSTED_ORIGINS"] == ["https://sbd.example.org"]
    assert prod["PROXY_COUNT"] == 1
    assert prod["STATIC_ROOT"] == "/srv/dual-reporting/staticfiles"
    assert prod["MEDIA_ROOT"] == "/var/lib/dual-reporting/media"
    assert prod["STATIC_URL"] == "/static/"  # the location nginx serves from STATIC_ROOT (deploy/nginx)


def test_postgresql_connections_are_reused_and_health_checked(prod):
    # After a database restart, a reused connection that died is replaced at the next request instead of failing it.
    assert prod["ENGINE"] == "django.db.backends.postgresql"
    assert prod["CONN_MAX_AGE"] == 60
    assert prod["CONN_HEALTH_CHECKS"] is True


def test_static_files_get_content_hashed_names(prod):
    # collectstatic writes name.<hash>.css: after an upgrade no browser or proxy keeps a stale stylesheet.
    assert prod["STATICFILES_BACKEND"] == "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


@pytest.mark.parametrize("secret", ["", "dev-only-insecure-key-change-me"])
def test_refuses_to_start_without_a_real_secret_key(secret):
    done = load_production(SECRET_KEY=secret)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and "SECRET_KEY" in done.stderr


def test_refuses_to_start_without_allowed_hosts():
    done = load_production(ALLOWED_HOSTS="")
    # An empty ALLOWED_HOSTS with DEBUG off answers every request with 400: better not to start.
    assert done.returncode != 0
    assert "ALLOWED_HOSTS" in done.stderr
