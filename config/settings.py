"""One settings module, driven by the environment (see README's configuration table)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.logging import configure_structlog, init_sentry, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DEBUG", default=False)
TESTING = "pytest" in sys.modules or env_bool("TESTING")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for development).")
    SECRET_KEY = "dev-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Importing the settings starts nothing: the quick start (`manage.py demo`), `EMBEDDED=1` and the
# test suite start the embedded servers (workspace/embedded.py) and export their URLs before this runs.
for _name in ("DATABASE_URL", "REDIS_URL"):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(
            f"Set {_name} (for example postgres://user@host:5432/db or redis://host:6379/0), "
            "or run the quick start (`make demo`) or set EMBEDDED=1 to use the embedded servers."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "django_structlog",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "collab",
    "delivery",
    "productops",
    "rituals",
    "metrics",
    "integrations",
    "workspace",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "collab.input_guard.InputGuardMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "collab.middleware.OrganisationMiddleware",
    "workspace.signin_policy.SignInPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "collab.context_processors.organisation",
            ],
        },
    }
]

# Persistent connections pay off under gunicorn's few long-lived workers; the development server
# starts a thread a request, and each would keep its own connection open (dozens during a fuzz).
CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE", "0" if DEBUG else "60"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ["DATABASE_URL"], conn_max_age=CONN_MAX_AGE, conn_health_checks=True
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ["REDIS_URL"]


def _next_redis_db(url: str) -> str:
    """The same Redis server, the next database: the cache never shares the broker's (a cache clear
    flushes its database, and must not drop queued jobs)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    path = parts.path.strip("/")
    db = int(path) if path.isdigit() else 0
    return urlunsplit(parts._replace(path=f"/{(db + 1) % 16}"))


CACHE_URL = os.environ.get("CACHE_URL") or _next_redis_db(REDIS_URL)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "collab"),
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Rate limits (django-ratelimit, counted in the cache above; collab/ratelimits.py): "<n>/<s|m|h|d>",
# empty to switch one off. Over a limit the caller gets 429 with Retry-After.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_SIGNUP = os.environ.get("RATELIMIT_SIGNUP", "5/h")
RATELIMIT_PASSWORD_RESET = os.environ.get("RATELIMIT_PASSWORD_RESET", "5/h")
RATELIMIT_INVITATION_ACCEPT = os.environ.get("RATELIMIT_INVITATION_ACCEPT", "30/h")
RATELIMIT_ICS_FEED = os.environ.get("RATELIMIT_ICS_FEED", "120/h")
RATELIMIT_API = os.environ.get("RATELIMIT_API", "600/m")
RATELIMIT_TWO_FACTOR = os.environ.get("RATELIMIT_TWO_FACTOR", "5/5m")  # codes tried, per person
RATELIMIT_SSO = os.environ.get("RATELIMIT_SSO", "30/h")  # "Sign in with SSO" look-ups, per address
RATELIMIT_FEEDBACK_FORM = os.environ.get("RATELIMIT_FEEDBACK_FORM", "20/h")

AUTH_USER_MODEL = "collab.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "workspace.sso.OrganisationOIDCBackend",  # per-organisation OpenID Connect (workspace/sso.py)
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: lock an account + address after repeated failures, with a clear page.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
# Lockout counts every case variant of an e-mail address as one account.
AXES_USERNAME_CALLABLE = "collab.forms.axes_username"
AXES_VERBOSE = False

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("fr", _("Français"))]
# The project's shell has its catalogue in locale/; each app keeps one catalogue next to its code
# (<app>/locale/), found through INSTALLED_APPS. A msgid has one translation across them all (a test).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True
# Dates with the month spelled out, by the reader's language (config/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG or TESTING
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = int(
    os.environ.get("EMAIL_TIMEOUT", "10")
)  # seconds; an SMTP server that hangs never holds a worker
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Rituals <rituals@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis broker, JSON only, late acks so a killed worker's job runs again.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Every task has time limits (the longest below; metrics/tasks.py and rituals/tasks.py set shorter
# ones). A message whose worker was killed is redelivered once the visibility timeout has passed:
# a little more than the longest task may take, and more than any countdown (at most a minute).
CELERY_TASK_SOFT_TIME_LIMIT = 10 * 60
CELERY_TASK_TIME_LIMIT = 11 * 60
CELERY_WORKER_MAX_TASKS_PER_CHILD = 100  # pandas' memory comes back to the system with the child
# A Redis that refuses connections or does not answer fails a publish within about two seconds
# (the request path then falls back: metrics/services.py): socket timeouts (the 2 s read timeout
# stays above the workers' 1 s BRPOP), and no connection retries for a publish sent with
# retry=False (those with a retry policy keep theirs; a worker reconnects by its own settings).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 4 * 60,
    "socket_timeout": 2,
    "socket_connect_timeout": 1,
    "max_retries": 0,
}
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER")
# Interactive refreshes stay on the default queue ("celery"); the nightly recompute and its
# per-organisation jobs go to "batch" (compose runs a worker for each; the quick start's takes both).
CELERY_TASK_ROUTES = {"metrics.tasks.recompute_all_organisations": {"queue": "batch"}}

# Content-Security-Policy: no inline script, no eval.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Plotly positions its tooltips with style attributes; scripts stay strict.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    # Opt-in: covering every subdomain, or asking browsers to preload the host, cannot be undone
    # quickly; the operator who owns the domain decides.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    SILENCED_SYSTEM_CHECKS = [
        *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
        *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
    ]

LOG_FORMAT = os.environ.get("LOG_FORMAT", "console").strip().lower()
LOGGING = logging_config(level=os.environ.get("LOG_LEVEL", "INFO"), json=LOG_FORMAT == "json")
configure_structlog()
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# Binding the user id would load the session and the user on every request, the presenter's
# unchanged poll included (one query by design); the request id is what ties a request's lines.
DJANGO_STRUCTLOG_USER_ID_FIELD = None
SENTRY_ENABLED = init_sentry()

# Fernet key (urlsafe base64 of 32 bytes) of connection secrets; derived from SECRET_KEY when unset.
INTEGRATIONS_ENCRYPTION_KEY = os.environ.get("INTEGRATIONS_ENCRYPTION_KEY", "")

# Single sign-on (workspace/sso.py): each organisation sets its OpenID Connect issuer, client and
# secret in Settings › Single sign-on; mozilla-django-oidc runs the code flow with PKCE, state and nonce.
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_RP_SCOPES = "openid email profile"
OIDC_AUTHENTICATION_CALLBACK_URL = "sso_callback"
OIDC_TIMEOUT = int(os.environ.get("OIDC_TIMEOUT", "10"))  # seconds, each call to a provider
OIDC_VERIFY_SSL = env_bool("OIDC_VERIFY_SSL", default=True)
OIDC_DISCOVERY_CACHE_SECONDS = int(os.environ.get("OIDC_DISCOVERY_CACHE_SECONDS", "3600"))
# Two-factor authentication (workspace/twofactor.py): the name authenticator apps show.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Rituals")
if TESTING:
    from importlib.util import find_spec

    # The single sign-on tests sign in against a real OpenID provider served by the test server
    # (tests/workspace/oidc_urls.py); it is never installed outside the tests.
    if find_spec("oidc_provider"):
        INSTALLED_APPS.append("oidc_provider")

# The public origin used in invitation e-mails and .ics feeds when no request is at hand.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Slack and Teams notices: incoming-webhook URLs must be https on the provider's host; tests (and a
# local trial) may allow http://127.0.0.1 and localhost. A failed send is tried again after
# NOTICES_RETRY_SECONDS × 2^attempt, NOTICES_MAX_RETRIES times.
NOTICES_ALLOW_LOCAL_URLS = env_bool("NOTICES_ALLOW_LOCAL_URLS", default=False)
NOTICES_RETRY_SECONDS = int(os.environ.get("NOTICES_RETRY_SECONDS", "30"))
NOTICES_MAX_RETRIES = int(os.environ.get("NOTICES_MAX_RETRIES", "5"))
