"""Settings for the procurement inspection tracker.

Everything that differs between a laptop and production comes from environment variables.
The embedded defaults run the app with nothing else installed: SQLite under var/, Celery tasks
in-process, e-mail written as files under var/mail/. DEBUG is on only when asked for, and with it
off a missing SECRET_KEY or ALLOWED_HOSTS stops start-up with a message saying what to set.
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def _required_when_not_debug(name: str, debug_default: str) -> str:
    """Return the variable, or a development default when DEBUG is on; refuse to start otherwise."""
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return debug_default
    raise ImproperlyConfigured(
        f"{name} is not set. Set {name} in the environment (or in .env), "
        "or set DEBUG=true for local development only."
    )


SECRET_KEY = _required_when_not_debug("SECRET_KEY", "insecure-development-key-do-not-deploy")
ALLOWED_HOSTS = [
    h.strip()
    for h in _required_when_not_debug("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_ratelimit",
    # Field-level history of the objects people edit (the admin's History page); domain events
    # stay the record of status changes, written by the services.
    "simple_history",
    # Content-Security-Policy header (CONTENT_SECURITY_POLICY below) and its nonces.
    "csp",
    "core",
    "procurement",
    "inspections",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.UserLanguageMiddleware",
    # Lets simple_history record who made a change during a request (after authentication).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a rate-limited sign-in (django-ratelimit) into RATELIMIT_VIEW's 429 page.
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "config.urls"

# The language a signed-in user's pages are in (core.middleware.UserLanguageMiddleware asks it):
# their own choice, else their hospital's.
USER_LANGUAGE_RESOLVER = "procurement.selectors.user_language"

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
                "csp.context_processors.nonce",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tracker.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)  # the embedded default must work on a fresh clone
    # Wait for a competing writer instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("nl", "Nederlands")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded files (lab reports, photos) live outside the static root and are never served as
# static files; later issues serve them through permission-checked views.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"

# E-mail: files under var/mail/ unless EMAIL_URL (smtp://user:pass@host:port) is given.
EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=VAR_DIR / "mail")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="recalls@ministry.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: with no broker configured, tasks run in-process at once (eagerly), so a fresh machine
# needs no Redis. With CELERY_BROKER_URL set they go through the broker to a worker.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE

# Recall reminders (inspections.services.notices.notices_remind, beat entry "notices-remind"):
# once a recall's response deadline has passed, a hospital that has not acknowledged its notice
# gets a reminder e-mail, then another one every RECALL_REMINDER_INTERVAL_HOURS_<class> hours
# until it answers or the recall is closed; with the second reminder the recall's coordinator
# is alerted. Hours per recall class (decimals allowed): I 24, II 72, III 168 by default. Beat
# looks for due reminders every RECALL_REMINDER_CHECK_SECONDS (900 by default).
RECALL_REMINDER_INTERVAL_HOURS = {
    "I": env.float("RECALL_REMINDER_INTERVAL_HOURS_I", default=24),
    "II": env.float("RECALL_REMINDER_INTERVAL_HOURS_II", default=72),
    "III": env.float("RECALL_REMINDER_INTERVAL_HOURS_III", default=168),
}
for _class, _hours in RECALL_REMINDER_INTERVAL_HOURS.items():
    if not _hours > 0:
        raise ImproperlyConfigured(
            f"RECALL_REMINDER_INTERVAL_HOURS_{_class} must be a number of hours above 0."
        )
RECALL_REMINDER_CHECK_SECONDS = env.float("RECALL_REMINDER_CHECK_SECONDS", default=900)

# A claimed outbox row (an e-mail, a notice delivery) whose worker has not reported back after
# this many seconds counts as abandoned (the worker died): the sweepers send it again. Keep it
# well above the longest send (SMTP and webhook timeouts).
OUTBOX_CLAIM_EXPIRES_SECONDS = env.float("OUTBOX_CLAIM_EXPIRES_SECONDS", default=600)

CELERY_BEAT_SCHEDULE = {
    # Re-queue recall notices whose task never ran (broker down) or whose worker died.
    "notices-sweep": {
        "task": "inspections.tasks.notices_sweep_task",
        "schedule": env.float("NOTICE_SWEEP_INTERVAL_SECONDS", default=60),
    },
    # Re-queue e-mails whose task never ran (broker down) or whose worker died mid-send.
    "outbox-sweep": {
        "task": "core.tasks.outbox_sweep_task",
        "schedule": env.float("OUTBOX_SWEEP_INTERVAL_SECONDS", default=120),
    },
    # Remind hospitals that have not answered a recall notice; alert the coordinator.
    "notices-remind": {
        "task": "inspections.tasks.notices_remind_task",
        "schedule": RECALL_REMINDER_CHECK_SECONDS,
    },
    # Re-queue webhook deliveries whose task never ran (broker down) or whose worker died.
    "webhooks-sweep": {
        "task": "core.tasks.webhooks_sweep_task",
        "schedule": env.float("WEBHOOK_SWEEP_INTERVAL_SECONDS", default=60),
    },
    "idempotency-keys-purge": {
        "task": "core.tasks.idempotency_keys_purge_task",
        "schedule": 60 * 60,
    },
    # Re-queue CSV import jobs whose task never ran (broker down) or whose worker died.
    "import-jobs-sweep": {
        "task": "procurement.tasks.import_jobs_sweep_task",
        "schedule": env.float("IMPORT_SWEEP_INTERVAL_SECONDS", default=300),
    },
    "ledger-check-nightly": {
        "task": "procurement.tasks.ledger_check_task",
        "schedule": env.float("LEDGER_CHECK_INTERVAL_SECONDS", default=24 * 60 * 60),
    },
}

# A mail server that stops answering must not hold a worker (and its claimed notice) forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Where the site is reached from outside: links in e-mails (a notice's link to the portal).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# The right-hand side of outgoing Message-IDs (stable per message, so receivers drop duplicates).
EMAIL_MESSAGE_ID_DOMAIN = env("EMAIL_MESSAGE_ID_DOMAIN", default="tracker.ministry.example")

# Who hears about ledger violations found by the nightly check.
MINISTRY_ALERT_EMAILS = env.list("MINISTRY_ALERT_EMAILS", default=["quality@ministry.example"])

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "procurement.api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PagePagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
    },
    "PAGE_SIZE": 50,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Procurement inspection tracker API",
    "DESCRIPTION": (
        "Orders, shipment lots, inspections, distribution to hospitals, recalls and returns. "
        "Sign in with `Authorization: Bearer <API token>`. Errors always have the shape "
        '`{"error": {"status", "code", "message", "fields"}}`. '
        "POST accepts an `Idempotency-Key` header."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per status vocabulary, however many fields use it.
    "ENUM_NAME_OVERRIDES": {
        "LotStatusEnum": "procurement.models.LotStatus",
        "WebhookEventEnum": "core.models.WebhookEvent",
        # The quality side's vocabularies (several are all named `status` or `state`).
        "ComplaintStatusEnum": "inspections.models.ComplaintStatus",
        "ComplaintCategoryEnum": "inspections.models.ComplaintCategory",
        "RecallStatusEnum": "inspections.models.RecallStatus",
        "ReturnStatusEnum": "inspections.models.ReturnStatus",
        "DeliveryStatusEnum": "inspections.models.DeliveryStatus",
        "VerificationStatusEnum": "inspections.models.VerificationStatus",
        "LevelStateEnum": "inspections.models.LevelState",
        "OrderStatusEnum": "procurement.models.OrderStatus",
        "DistributionStatusEnum": "procurement.api.serializers.DistributionStatus",
        "CreditClaimStatusEnum": "procurement.models.CreditClaimStatus",
        "ReleaseBasisEnum": "procurement.models.ReleaseBasis",
        "LocationKindEnum": "procurement.models.LocationKind",
        "MovementKindEnum": "procurement.models.MovementKind",
        "ProductCategoryEnum": "procurement.models.ProductCategory",
    },
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.add_error_responses",
    ],
}

# How long a POST's Idempotency-Key is remembered.
IDEMPOTENCY_KEY_TTL_HOURS = env.float("IDEMPOTENCY_KEY_TTL_HOURS", default=24)

# Rate limits (django-ratelimit) on sign-in and on wrong API tokens, per client address. They
# count in the cache: set CACHE_URL (e.g. redis://127.0.0.1:6379/1) when several processes serve.
LOGIN_RATE_LIMIT = env.str("LOGIN_RATE_LIMIT", default="10/m")
API_TOKEN_FAILURE_RATE_LIMIT = env.str("API_TOKEN_FAILURE_RATE_LIMIT", default="20/m")
RATELIMIT_VIEW = "core.pages.rate_limited"
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# django-ratelimit knows only memcached and django-redis by name; Django's own Redis backend
# (CACHE_URL=redis://...) increments atomically too, so its "not officially supported" is noise.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    # The embedded default is one process (runserver): a per-process cache is shared by all of
    # its requests. Serving with several processes needs CACHE_URL, as the README says.
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

# --- Security -------------------------------------------------------------------------------
# HTTPS=true says the site is reached over HTTPS only (TLS at a proxy in front of gunicorn, or at
# gunicorn itself): plain HTTP is then redirected and browsers are told (HSTS) never to use it
# again. It is off by default because the embedded default (`make demo`), the Compose stack and
# the test suite speak plain HTTP; a production deployment sets it (README, "Configuration").
HTTPS = env.bool("HTTPS", default=False)
SESSION_COOKIE_HTTPONLY = True
# Cookies go only over HTTPS whenever DEBUG is off, even without HTTPS=true: a forgotten switch
# then breaks sign-in over plain HTTP (visible at once) instead of leaking the session.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS or not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS or not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
# A year, as `check --deploy` expects; 0 turns HSTS off. Subdomains and preload only take effect
# with a max-age above 0; submitting the domain to the preload list is a separate manual step.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# Behind a TLS-terminating proxy the request reaching gunicorn is plain HTTP; the proxy says
# what the client used in X-Forwarded-Proto. Trusting that header without such a proxy would let
# any client claim HTTPS, so it is trusted only when the proxy is declared (by default: HTTPS).
if env.bool("BEHIND_TLS_PROXY", default=HTTPS):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env.str("SECURE_REFERRER_POLICY", default="same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): everything the pages load comes from this site. No
# inline script, no inline style attribute; the few <style>/<script> elements a page needs
# carry the request's nonce (`request.csp_nonce`). Pages that need more (the API docs' Swagger
# UI) widen it for themselves with django-csp's decorators.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# CSV imports in the ministry panel (hospitals, products, distribution plans), run as Celery jobs:
# the largest file accepted and the most data rows one file may hold. The uploaded file is kept
# under MEDIA_ROOT, which web and worker must share (docker-compose mounts one volume on both).
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
# A job whose worker has shown no sign of life for this long is queued again by the sweeper
# (every step may run twice: the dry run writes nothing, the write claims the job first).
IMPORT_STALLED_AFTER_SECONDS = env.float("IMPORT_STALLED_AFTER_SECONDS", default=900)
