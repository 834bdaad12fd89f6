"""Settings shared by every environment; every value can be set by an environment variable (see .env.example)."""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "apps.accounts.axes_config.AxesConfig",  # django-axes, named in the admin in the user's language
    "csp",
    "apps.core",
    "apps.accounts",
    "apps.orgs",
    "apps.places",
    "apps.registrations",
    "apps.ledger",
    "apps.wishes",
    "apps.residents",
    "apps.activities",
    "apps.stats",
    "apps.notifications",
    "apps.jobs",
    "apps.imports",
    "apps.teams",
    "apps.households",
    "apps.seals",
    "apps.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login attempt into its 429 response.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp): the pages load scripts, styles, images and fonts from the site itself only, and
# no page has inline scripts, event-handler attributes, style attributes or <style> blocks (tests/web/test_csp.py
# scans every template). data: images are for the admin's and the API docs' small inline icons. The API docs keep a
# looser policy of their own (apps/web/api_docs.py says why); nothing else does.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

ROOT_URLCONF = "server.urls"
WSGI_APPLICATION = "server.wsgi.application"
ASGI_APPLICATION = "server.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "apps.web.context.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let parallel requests queue for the write lock instead of failing at once;
    # BEGIN IMMEDIATE takes the write lock when a transaction starts, so a read-then-write cannot interleave.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env.int("SQLITE_TIMEOUT_S", default=30),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Failed logins are throttled by django-axes (apps/accounts/lockout.py): after LOGIN_FAILURE_LIMIT failures for one
# mobile number from one address, that pair is locked for LOGIN_LOCKOUT_MINUTES. Its backend must come first. The
# second is Django's ModelBackend taking the user the session was read with (apps/accounts/sessions.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "apps.accounts.sessions.SessionUserBackend"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.lockout_username"
AXES_LOCKOUT_CALLABLE = "apps.web.error_pages.login_locked"
AXES_RESET_ON_SUCCESS = True
AXES_SENSITIVE_PARAMETERS = ["password"]
AXES_CLIENT_IP_CALLABLE = "apps.accounts.lockout.client_address"
# How many reverse proxies of ours stand in front of the app (each appends to X-Forwarded-For); 0: none, trust only
# the socket's address. Set it to 1 behind one nginx (docs/deployment.md), never more than there really are.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)

# Text messages (apps/accounts/sms.py): the backend class that sends them; the default prints them on the console.
SMS_BACKEND = env("SMS_BACKEND", default="apps.accounts.sms.ConsoleBackend")
# `check --deploy` warns about the console backend on a server unless this says the server is a trial.
SMS_CONSOLE_ALLOWED = env.bool("SMS_CONSOLE_ALLOWED", default=False)
# One-time codes sent by text message (first sign-in, forgotten password): lifetime, wrong tries per code, and the
# limits that keep the platform from being used to flood a number or to run up the text-message bill.
OTP_TTL_MINUTES = env.int("OTP_TTL_MINUTES", default=10)
OTP_MAX_ATTEMPTS = env.int("OTP_MAX_ATTEMPTS", default=5)
OTP_RESEND_SECONDS = env.int("OTP_RESEND_SECONDS", default=60)
OTP_MAX_PER_NUMBER_PER_HOUR = env.int("OTP_MAX_PER_NUMBER_PER_HOUR", default=5)
OTP_MAX_PER_ADDRESS_PER_HOUR = env.int("OTP_MAX_PER_ADDRESS_PER_HOUR", default=20)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@example.org")
# SMTP, when EMAIL_BACKEND is django.core.mail.backends.smtp.EmailBackend
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Public address of the site (e.g. https://sbd.example.gov.cn): makes links in notification e-mails absolute.
SITE_URL = env("SITE_URL", default="")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["apps.core.api.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler.domain_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Dual Reporting Volunteer Platform API",
    "DESCRIPTION": "双报到 community volunteer platform: registrations, wishes, activities, hours and statistics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation also documents the error statuses it may answer with, in the one error shape.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api.schema.add_error_responses",
    ],
    # Several apps have a "status" or "kind" field; name each enum after its model's choices class.
    "ENUM_NAME_OVERRIDES": {
        "RecordStatusEnum": "apps.ledger.models.RecordStatus",
        "ServiceCategoryEnum": "apps.ledger.models.ServiceCategory",
        "RegistrationStatusEnum": "apps.registrations.models.RegistrationStatus",
        "PostKindEnum": "apps.registrations.models.PostKind",
        "WishStatusEnum": "apps.wishes.models.WishStatus",
        "WishCategoryEnum": "apps.wishes.models.WishCategory",
        "OrganCategoryEnum": "apps.orgs.models.OrganCategory",
        "ActivityStatusEnum": "apps.activities.models.ActivityStatus",
        "ActivityCategoryEnum": "apps.activities.models.ActivityCategory",
        "SignUpStatusEnum": "apps.activities.models.SignUpStatus",
        "ClaimStatusEnum": "apps.wishes.models.ClaimStatus",
        "PartyOrgKindEnum": "apps.orgs.models.PartyOrgKind",
        "GazetteerKindEnum": "apps.places.models.GazetteerKind",
        "CommunityKindEnum": "apps.places.models.CommunityKind",
        "EvaluationGradeEnum": "apps.registrations.models.EvaluationGrade",
        "StatsLevelEnum": "apps.stats.nodes.Level",
        "NotificationKindEnum": "apps.notifications.models.NotificationKind",
        "JobOutcomeEnum": "apps.jobs.models.JobOutcome",
        "TeamStatusEnum": "apps.teams.models.TeamStatus",
        "TeamSpecialtyEnum": "apps.teams.models.TeamSpecialty",
        "MembershipStatusEnum": "apps.teams.models.MembershipStatus",
        "HouseholdStatusEnum": "apps.households.models.HouseholdStatus",
        "HouseholdSituationEnum": "apps.households.models.HouseholdSituation",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # No mobile number (members' log-in names, residents' phones) reaches a log line or an error e-mail.
        "mask_phones": {"()": "apps.core.masking.MaskPhonesFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_phones"]},
        "mail_admins": {
            "level": "ERROR",
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false", "mask_phones"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Django's own loggers go through the masked handlers above instead of Django's default (unfiltered) ones.
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": env("LOG_LEVEL", default="INFO"), "propagate": True},
        "django.server": {"level": "INFO", "propagate": True},
    },
}
# Error reports: passwords hidden and phones masked in POST data, headers and local variables, on every view; the
# reporter masks what the filter does not see (query parameters, the URL, the user, the exception's message).
DEFAULT_EXCEPTION_REPORTER_FILTER = "apps.core.masking.PersonalDataExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "apps.core.masking.PersonalDataExceptionReporter"

# --- Domain settings (documented in README) ---
# Geocoder: "gazetteer" (offline, resolves against the places tables), "nominatim" or "baidu".
GEOCODER = env("GEOCODER", default="gazetteer")
GEOCODER_USER_AGENT = env("GEOCODER_USER_AGENT", default="dual-reporting-platform")
NOMINATIM_DOMAIN = env("NOMINATIM_DOMAIN", default="nominatim.openstreetmap.org")
BAIDU_API_KEY = env("BAIDU_API_KEY", default="")
# A point farther than this from every grid centre (and inside no polygon) is outside the service area.
PLACES_MATCH_RADIUS_M = env.int("PLACES_MATCH_RADIUS_M", default=1500)
GEOCODER_TIMEOUT_S = env.int("GEOCODER_TIMEOUT_S", default=5)  # network geocoders only

SESSION_COOKIE_AGE = int(timedelta(days=14).total_seconds())
# Sessions in the database with their user as a column: a page reads both in one query (apps/accounts/sessions.py).
SESSION_ENGINE = "apps.accounts.sessions"

# Registrations: receipts (回执) are numbered PREFIX-YEAR-NNNNNN
REGISTRATION_RECEIPT_PREFIX = env("REGISTRATION_RECEIPT_PREFIX", default="SBD")

# Micro-wishes
WISH_MAX_OPEN_CLAIMS = env.int("WISH_MAX_OPEN_CLAIMS", default=3)
WISH_MAX_VALUE = env.int("WISH_MAX_VALUE", default=500)  # yuan; a micro-wish is small by definition
WISH_CLAIM_DAYS = env.int("WISH_CLAIM_DAYS", default=14)  # a claim must be fulfilled within this many days
# Who may claim: "community" (registered in the wish's community or organ paired with it) or "city" (anyone).
WISH_CLAIM_SCOPE = env("WISH_CLAIM_SCOPE", default="community")
WISH_SERVICE_MINUTES = env.int("WISH_SERVICE_MINUTES", default=60)  # minutes credited for a confirmed wish
# Residents' requests (居民点单) in 24 hours: from one mobile number, and for one address (0: no limit)
RESIDENT_REQUESTS_PER_NUMBER_PER_DAY = env.int("RESIDENT_REQUESTS_PER_NUMBER_PER_DAY", default=3)
RESIDENT_REQUESTS_PER_ADDRESS_PER_DAY = env.int("RESIDENT_REQUESTS_PER_ADDRESS_PER_DAY", default=5)
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
# Services members register themself (服务登记): how far back, and how many minutes a day at most
SELF_SERVICE_MAX_AGE_DAYS = env.int("SELF_SERVICE_MAX_AGE_DAYS", default=30)
SELF_SERVICE_DAILY_MAX_MINUTES = env.int("SELF_SERVICE_DAILY_MAX_MINUTES", default=480)
# Points derived from approved records
POINTS_PER_HOUR = env.int("POINTS_PER_HOUR", default=10)
POINTS_PER_CONFIRMED_WISH = env.int("POINTS_PER_CONFIRMED_WISH", default=5)

# Statistics
ANNUAL_HOUR_TARGET = env.int("ANNUAL_HOUR_TARGET", default=50)  # hours a member should serve in a year
# Points needed for one to five stars in a year (a year's StarRule in the admin overrides these): a member's own
# points; a branch's average points per member.
STAR_POINTS_MEMBER = env("STAR_POINTS_MEMBER", default="100,200,300,400,500")
STAR_POINTS_BRANCH = env("STAR_POINTS_BRANCH", default="50,100,150,200,300")
STATS_RECONCILE_DAYS = env.int("STATS_RECONCILE_DAYS", default=400)  # days the nightly reconciliation checks
# Seconds a node's headline figures (stats/summary, the dashboard's first table) are kept in each server process's
# cache: 0 (the default here) computes them on every request; production keeps them a minute.
STATS_CACHE_SECONDS = env.int("STATS_CACHE_SECONDS", default=0)

# The sealed ledger (docs/ledger-seals.md): the scheduler seals new audit entries and decided records every minute, at
# most SEAL_BATCH_MAX of each kind a seal; a write must commit within SEAL_SETTLE_MINUTES of its time, or the verifier
# calls it inserted. Every seal is appended to SEAL_WITNESS_FILE (empty: none), a copy outside the database.
SEAL_BATCH_MAX = env.int("SEAL_BATCH_MAX", default=20000)
SEAL_SETTLE_MINUTES = env.int("SEAL_SETTLE_MINUTES", default=60)
SEAL_WITNESS_FILE = env("SEAL_WITNESS_FILE", default="var/seal-witness.txt")  # relative: to the project's folder
if SEAL_WITNESS_FILE and not Path(SEAL_WITNESS_FILE).is_absolute():
    SEAL_WITNESS_FILE = str(BASE_DIR / SEAL_WITNESS_FILE)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dual-reporting"}}

# Scheduler (manage.py runscheduler) and reminders
SCHEDULER_LEASE_S = env.int("SCHEDULER_LEASE_S", default=30)  # SQLite lock row: a dead leader is replaced after this
SCHEDULER_STANDBY_POLL_S = env.int("SCHEDULER_STANDBY_POLL_S", default=5)  # how often a standby tries to take over
SCHEDULER_LOCK_KEY = env.int("SCHEDULER_LOCK_KEY", default=0x534244520001)  # PostgreSQL advisory lock key
JOB_HISTORY_DAYS = env.int("JOB_HISTORY_DAYS", default=90)  # job runs kept (0: keep all)
WISH_REMIND_BEFORE_H = env.int("WISH_REMIND_BEFORE_H", default=24)  # remind claimants this long before the deadline
ACTIVITY_REMIND_BEFORE_MIN = env.int("ACTIVITY_REMIND_BEFORE_MIN", default=120)  # remind members before the start
# Household pairing (结对帮扶): days without a visit after which the paired member (a team: its leader) is reminded,
# and after which the community's staff are told
HOUSEHOLD_VISIT_REMIND_DAYS = env.int("HOUSEHOLD_VISIT_REMIND_DAYS", default=30)
HOUSEHOLD_VISIT_ESCALATE_DAYS = env.int("HOUSEHOLD_VISIT_ESCALATE_DAYS", default=45)

# Activities
ACTIVITY_CANCEL_BEFORE_MIN = env.int("ACTIVITY_CANCEL_BEFORE_MIN", default=120)  # members cancel until 2 h before
CHECKIN_OPEN_BEFORE_MIN = env.int("CHECKIN_OPEN_BEFORE_MIN", default=30)  # check-in opens 30 min before start
CHECKIN_RADIUS_M = env.int("CHECKIN_RADIUS_M", default=500)
CHECKIN_CODE_WINDOW_S = env.int("CHECKIN_CODE_WINDOW_S", default=60)  # the on-site code rotates this often
# Minimum share of the activity attended for any minutes to count (0 = off; e.g. 0.6 for 60 %).
MIN_ATTENDANCE_SHARE = env.float("MIN_ATTENDANCE_SHARE", default=0.0)
CERTIFICATE_ISSUER_CONTACT = env("CERTIFICATE_ISSUER_CONTACT", default="")
# Public address used in certificates' verification links and QR codes; empty: the address the request came to.
CERTIFICATE_VERIFY_BASE_URL = env("CERTIFICATE_VERIFY_BASE_URL", default="")
# A TrueType Chinese font embedded in the printed registration certificates (Debian: fonts-wqy-microhei); when the
# file is missing they fall back to STSong-Light, not embedded (system check core.W001).
PDF_CJK_FONT_PATH = env("PDF_CJK_FONT_PATH", default="/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

# Imports (places, organizations, rosters from Excel/CSV)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)  # largest import file accepted
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=50000)  # data rows one import file may hold
# Rows checked per request: each step of a long file's check stays short and the page shows the progress.
IMPORT_CHECK_CHUNK_ROWS = env.int("IMPORT_CHECK_CHUNK_ROWS", default=2000)
