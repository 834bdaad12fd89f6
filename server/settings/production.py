"""Production settings: PostgreSQL by DATABASE_URL, secure cookies, refuses to start without a secret key."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CONTENT_SECURITY_POLICY, env
from .media import media_storage

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("SECRET_KEY must be set to a long random value in production.")

DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the site's host names in production.")

# Uploads on the local disk (MEDIA_ROOT) or, for several app servers, in a private S3-compatible bucket
# (MEDIA_STORAGE=s3; server/settings/media.py), whose signed addresses the pages may then show as images.
# Content-hashed static file names (run collectstatic on every deploy): after an upgrade no browser or proxy keeps a
# stale stylesheet or script.
_media_storage, _media_origins = media_storage(env)
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
if _media_origins:
    _directives = CONTENT_SECURITY_POLICY["DIRECTIVES"]
    CONTENT_SECURITY_POLICY = {
        **CONTENT_SECURITY_POLICY,
        "DIRECTIVES": {**_directives, "img-src": [*_directives["img-src"], *_media_origins]},
    }

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Preloading is a deliberate, hard-to-undo step for the domain's owner (every subdomain must serve HTTPS for
    # good): off by default, so `check --deploy` is told rather than warning about it on every run.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# A node's headline figures are yearly sums read on every dashboard visit: each server process keeps them for a
# minute (STATS_CACHE_SECONDS=0 turns that off). Approvals show up on the dashboard within that minute.
STATS_CACHE_SECONDS = env.int("STATS_CACHE_SECONDS", default=60)
