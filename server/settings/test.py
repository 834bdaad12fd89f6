"""Settings for the test suite: fast hashing, in-memory e-mail, isolated media."""

import tempfile

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="dr-test-media-")
LANGUAGE_CODE = "zh-hans"
