"""Settings of the load benchmark (tests/bench/load): the production settings, plus a bare endpoint for the floor.

Everything else (middleware, sessions, database connections, DEBUG off) is production's, so the bare endpoint and
the API are measured on the same server settings. Set SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL as for production.
"""

from .production import *  # noqa: F403

ROOT_URLCONF = "tests.bench.load.urls"
# The benchmark measures the API without a collectstatic step: plain static names, as in development.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
