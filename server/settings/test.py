"""Settings for the test suite: fast hashing, in-memory e-mail and text messages, isolated media."""

import atexit
import os
import shutil
import tempfile

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Text messages land in apps.accounts.sms.outbox, where tests read the one-time codes.
SMS_BACKEND = "apps.accounts.sms.LocmemBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="dr-test-media-")
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)  # uploads made by tests do not pile up
LANGUAGE_CODE = "zh-hans"
SEAL_WITNESS_FILE = ""  # tests that need one set their own

# A file-backed SQLite test database (not shared-cache memory), so that threads in concurrency tests get real,
# separate connections and the IMMEDIATE transaction mode is exercised as in production.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per process: parallel runs (xdist workers, two developers' runs) never share a test database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-db-{os.getpid()}.sqlite3")}  # noqa: F405
    (BASE_DIR / "var").mkdir(exist_ok=True)  # noqa: F405

# Login throttling stays on in tests (tests/security tries it); only its log lines are left out of test output.
AXES_VERBOSE = False
