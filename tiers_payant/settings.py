"""Settings for every environment; production differences come from the environment.

Environment variables: DJANGO_SECRET_KEY, DJANGO_DEBUG, DJANGO_ALLOWED_HOSTS,
DATABASE_URL (else embedded PostgreSQL), CELERY_BROKER_URL (else tasks run
inline), EMAIL_URL-like settings via DJANGO_EMAIL_BACKEND, MEDIA_ROOT.
"""

import os
from pathlib import Path
from typing import Any

import pghistory
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from tiers_payant.database import database_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


# Fail closed: DEBUG only when asked (the Makefile asks for the demo and the tests,
# tests/environment.py for a bare pytest), and outside DEBUG no process starts
# without its own secret key.
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY manquant : hors mode développement (DJANGO_DEBUG=1), "
            "l'application refuse de démarrer sans sa propre clé secrète."
        )
    SECRET_KEY = "dev-only-insecure-key-change-me-" + "x" * 20
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "tiers_payant.apps.AxesConfig",  # French names in the administration (tiers_payant/apps.py)
    "django_otp",
    "tiers_payant.apps.TOTPConfig",
    "tiers_payant.apps.StaticConfig",
    "django_htmx",
    # The audit trail: PostgreSQL triggers write an event per change (docs/decisions.md, "Audit trail").
    "pgtrigger",
    "pghistory",
    "pharmacies",
    "claims",
    "rejections",
    "payments",
    "reports",
    "backoffice",
    # The project package: the night's orchestration, its Celery tasks, `run_matching`,
    # and the backup and restore commands (tiers_payant/backup.py).
    "tiers_payant",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before CSRF's check reads a body: an oversized or anonymous upload is refused unread.
    "pharmacies.middleware.RequestBodyLimitMiddleware",
    # Health data never stays in a shared counter PC's browser cache.
    "pharmacies.middleware.PrivateNoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "pharmacies.two_factor.RequireTwoFactorMiddleware",
    # The second wall: PostgreSQL row-level security set to the user's pharmacies.
    "pharmacies.row_security.RowSecurityMiddleware",
    # Inside the scope: each log record names the request, its user and its pharmacies.
    "tiers_payant.logs.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Audit trail: the logged-in user and the URL go with every change of the request.
    "pghistory.middleware.HistoryMiddleware",
]
# Audit trail (audit/tracking.py): the foreign keys copied into event tables get no
# index of their own (each event table has one index, starting with pharmacy_id).
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)
# When each statement ran, not when its transaction began: the events of one
# transaction (a link, then its slip's new total) keep their order on the page.
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"

ROOT_URLCONF = "tiers_payant.urls"
WSGI_APPLICATION = "tiers_payant.wsgi.application"

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
                "django.template.context_processors.csp",
                "pharmacies.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": database_settings(BASE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "pharmacies.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lockout after repeated failures (django-axes): the (username, IP) pair is
# locked, so a colleague mistyping at a shared counter PC does not lock the
# whole pharmacy (one IP), and nobody elsewhere can lock a user out.
AUTHENTICATION_BACKENDS = [
    "pharmacies.auth_backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
# Across usernames, from one address (pharmacies/auth_backends.py): a team shares one.
LOGIN_ADDRESS_FAILURE_LIMIT = 20
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Tiers-payant"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Health data on shared counter computers: a session ends after 30 minutes
# without a request (the expiry moves with every request).
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_IDLE_SECONDS", 30 * 60))
SESSION_SAVE_EVERY_REQUEST = True

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# Off on purpose: with it, `{{ object.pk }}` renders "2 390" inside URLs, form
# values and data attributes once ids pass 999. Figures are grouped explicitly
# by the `integer` / `euros` filters of backoffice/templatetags/formatting.py (core/money.py).
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / ".data" / "media"))
# Uploaded files (attachments, reports) are never served as /media/: only
# through views that apply the access rule.
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
# Patient identity (name, NIR) is kept this long after the date of care, then
# purged by `manage.py purge_patient_data` (the accounting figures stay).
PATIENT_DATA_RETENTION_DAYS = int(os.environ.get("PATIENT_DATA_RETENTION_DAYS", 3 * 365))

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Bodies are cut at the door (pharmacies/middleware.py, from Content-Length, before
# anything is read): an imported file's limit plus the multipart envelope for a
# signed-in person, a login form's worth for anyone else. The proxy in front
# (tiers_payant/deploy/nginx.conf, client_max_body_size) says the same.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 50 * 1024 * 1024))
REQUEST_BODY_MAX_BYTES = IMPORT_MAX_BYTES + 1024 * 1024
ANONYMOUS_BODY_MAX_BYTES = 64 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

MAILERS: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": os.environ.get(
            "DJANGO_EMAIL_BACKEND",
            "django.core.mail.backends.console.EmailBackend"
            if DEBUG
            else "django.core.mail.backends.smtp.EmailBackend",
        )
    }
}
if os.environ.get("EMAIL_FILE_PATH"):  # file-based backend: mails as files (worker tests)
    MAILERS["default"]["OPTIONS"] = {"file_path": os.environ["EMAIL_FILE_PATH"]}
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "backoffice@localhost")
# The site as the people know it: the links of the e-mails sent by the workers (no request there).
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://localhost:8000")

# No inline script anywhere: htmx and our own script are static files.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    # The orchestrator's health check talks plain http to gunicorn, inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^sante/$"]
    # Secure cookies stay the production default; only a plain-http run on 127.0.0.1
    # (the load test, bench/load_test.py) turns them off, by environment.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Behind the reverse proxy (docker-compose.yml), and only then, its headers say the
# scheme and the client's address; otherwise any client could forge them.
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER: tuple[str, ...] = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

# Celery: with no broker configured, tasks run inline so the demo works alone.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# Above the longest task (a large pharmacy's night): a task unacked for this
# long is redelivered, so it must stay well above any normal run.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", 4 * 3600))
}
# Tests only: the nightly job sleeps this long between its steps so a test can kill it.
NIGHTLY_STEP_PAUSE_SECONDS = float(os.environ.get("NIGHTLY_STEP_PAUSE_SECONDS", 0))
# A monthly report's claim is a lease: left in `rendering` longer than this (its worker
# died), it is claimed again. One render takes seconds (docs/benchmarks.md): 5 minutes
# leaves a wide margin, and a slow render that loses its lease does not send.
REPORT_RENDER_LEASE_SECONDS = int(os.environ.get("REPORT_RENDER_LEASE_SECONDS", 300))
# Tests only: a report's render sleeps this long after its claim so a test can kill it.
REPORT_RENDER_PAUSE_SECONDS = float(os.environ.get("REPORT_RENDER_PAUSE_SECONDS", 0))
CELERY_TASK_ROUTES = {
    "reports.tasks.render_*": {"queue": "pdf"},
    "backoffice.tasks.render_*": {"queue": "pdf"},  # big reminder letters
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "nightly-matching": {
        "task": "tiers_payant.tasks.nightly_matching_all",
        "schedule": crontab(hour=2, minute=30),
    },
    # Each morning, after the night (02:30): one digest task per person who wants it.
    "daily-digests": {
        "task": "reports.tasks.daily_digests_all",
        "schedule": crontab(hour=7, minute=0),
    },
    "monthly-reports": {
        "task": "reports.tasks.monthly_reports_all",
        "schedule": crontab(day_of_month=1, hour=5, minute=0),
    },
}

# JSON lines with the request id, user and pharmacies (tiers_payant/logs.py), unless
# LOG_FORMAT=text asks for plain lines (the default in development).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "tiers_payant.logs.ContextFilter"}},
    "formatters": {"json": {"()": "tiers_payant.logs.JsonFormatter"}},
    "handlers": {"console": {
        "class": "logging.StreamHandler", "filters": ["context"],
        **({} if os.environ.get("LOG_FORMAT", "text" if DEBUG else "json") == "text" else {"formatter": "json"}),
    }},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
