"""
Settings for the annotated edition.

One module, driven by the environment. With no variable set this is a working
development site on an SQLite file next to manage.py. Production differs only
by environment variables:

    DEBUG=0  SECRET_KEY=…  ALLOWED_HOSTS=edition.example.org
    DATABASE_URL=postgres://user:pass@host:5432/edition
    REDIS_URL=redis://127.0.0.1:6379/0      (optional shared cache)
    EMAIL_HOST=smtp.example.org …            (optional SMTP; console otherwise)
"""

import ipaddress
import os
import tempfile
from pathlib import Path

import csp.constants
import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

# Only used when DEBUG is on; production must set its own key.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif not DEBUG and (SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use at least 50 random characters."
    )

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.syndication",
    "django.contrib.sitemaps",
    "markdownx",
    "reversion",
    "axes",
    "annotations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the request: a malformed one is a clean 400 (annotations/middleware.py).
    "annotations.middleware.RequestGuardMiddleware",
    # Anonymous readers of the edition page, answered from what the whole stack served them before.
    "annotations.middleware.AnonymousEditionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "annotations.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a log-in refused by django-axes into the locked-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "essay_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "essay_site" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "essay_site.wsgi.application"

# SQLite next to manage.py unless DATABASE_URL says otherwise
# (postgres://… selects the psycopg 3 backend).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes writing at once (gunicorn workers): readers never wait
    # for the writer (WAL), a transaction takes the write lock when it begins
    # rather than failing when it first writes after reading (IMMEDIATE), and a
    # writer waits up to 20 s for another to finish instead of failing at once.
    # This is the embedded default; production means PostgreSQL.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # The test database is a file too (not shared-cache memory), so tests see
    # the locking that the site sees; one per test run.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"essay-test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The rendered edition is cached under a key that carries the revision number
# kept in the database, so an invalidation made by one worker process holds in
# all of them even with a per-process cache. REDIS_URL shares one cache. The
# edition's pages and passages have a cache of their own ("edition"), so that
# they never crowd out what else is kept (annotations/edition.py).
#
# Rate-limit counters have a cache of their own ("ratelimit"), shared by every
# process and never evicted by pages: the database cache table by default
# (created by ``migrate``, annotations/apps.py), the same Redis with REDIS_URL.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        },
        "edition": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "edition",
            "TIMEOUT": 60 * 60 * 24,
        },
        # A Redis of their own (RATELIMIT_REDIS_URL) if the shared one may evict keys under memory pressure.
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("RATELIMIT_REDIS_URL") or os.environ["REDIS_URL"],
            "KEY_PREFIX": "ratelimit",
        },
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "edition",
        },
        "edition": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "edition-pages",
            "TIMEOUT": 60 * 60 * 24,
            # An entry per note or correction and a passage per paragraph in each mode, a few
            # pages: room for 1,000 notes in three modes across several revisions.
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
        "ratelimit": {
            "BACKEND": "annotations.ratelimits.CounterCache",
            "LOCATION": "ratelimit_counters",
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        },
    }
# How long a reader's browser (max-age) and a shared cache such as nginx or a CDN
# (s-maxage) may keep an anonymous edition page before asking again; the answer
# to that question is a 304 unless the revision has moved.
EDITION_MAX_AGE = int(os.environ.get("EDITION_MAX_AGE", "60"))
EDITION_SHARED_MAX_AGE = int(os.environ.get("EDITION_SHARED_MAX_AGE", "60"))
# A release (/v/<N>/) never changes: browsers and shared caches may keep it this long (a day by
# default, so a deployment's new templates reach its readers by the next day).
RELEASE_MAX_AGE = int(os.environ.get("RELEASE_MAX_AGE", str(60 * 60 * 24)))
# Who publishes the edition, as its citations name it (citation_publisher, BibTeX, RIS, CSL, TEI).
EDITION_PUBLISHER = os.environ.get("EDITION_PUBLISHER", "The editors")

RATELIMIT_USE_CACHE = "ratelimit"

# django-axes refuses a log-in to an account after too many failures, before
# the password is checked (annotations/ratelimits.py has the rules).
AUTHENTICATION_BACKENDS = [
    "annotations.ratelimits.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "annotations:edition"
LOGOUT_REDIRECT_URL = "annotations:edition"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic puts the files nginx serves under /static/.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
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
# In development (and tests) WhiteNoise serves straight from the apps' static
# folders; in production from STATIC_ROOT after collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Served at the site's root by WhiteNoise: /favicon.ico, which browsers ask for whatever a page links.
WHITENOISE_ROOT = BASE_DIR / "essay_site" / "root"
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "media/"

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Email: the console by default, SMTP when EMAIL_HOST is set.
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "edition@localhost")
# Where links in emails point (no request to build them from).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# django-markdownx renders its live preview through our sanitising helper, so
# the preview shows exactly what the public page will show.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "annotations.markdown.render_markdown"
MARKDOWNX_MEDIA_PATH = "markdownx/"
MARKDOWNX_IMAGE_MAX_SIZE = {"size": (1200, 0), "quality": 85}

# Security headers; production values follow from DEBUG being off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Only behind a proxy that terminates TLS and sets X-Forwarded-Proto (and
# strips the header from clients) may that header say a request was secure:
# anywhere else a client could send it itself.
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- Serving: logging, sessions, health check, error pages ---------------------
# One line per event, on standard error (journald or the terminal keeps it),
# unhandled errors with their traceback (django.request). Django's own loggers
# print nothing themselves: everything reaches the one root handler once.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"}},
    "filters": {"without_traceback": {"()": "essay_site.log.WithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.security.DisallowedHost": {"filters": ["without_traceback"]},
    },
}
# With Redis, sessions are read from it (one round trip) and written through to
# the database, so a restarted or emptied Redis logs no one out.
if os.environ.get("REDIS_URL"):
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# A stale form comes back with what was typed (essay_site/views.py).
CSRF_FAILURE_VIEW = "essay_site.views.csrf_failure"
# Load balancers check /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy (django-csp): scripts, styles and everything else
# only from this site's own files; no inline script or style, no eval.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.constants.SELF],
        "script-src": [csp.constants.SELF],
        "style-src": [csp.constants.SELF],
        "img-src": [csp.constants.SELF],
        "connect-src": [csp.constants.SELF],
        "object-src": [csp.constants.NONE],
        "base-uri": [csp.constants.NONE],
        "form-action": [csp.constants.SELF],
        "frame-ancestors": [csp.constants.NONE],
    }
}

# Rate limits (annotations/ratelimits.py): per account first, per IP high
# enough for a class of 60 behind one address, counted in the "ratelimit"
# cache. Rates look like "30/h". TRUSTED_NETWORKS (comma-separated addresses or
# networks, e.g. a school's) are exempt from the per-IP limits only. Behind a
# proxy, RATELIMIT_IP_META_KEY names the request header (as in request.META,
# e.g. HTTP_X_REAL_IP) holding the client's address. Over a limit: a 429 page.
CONTRIBUTION_RATE_PER_ACCOUNT = os.environ.get("CONTRIBUTION_RATE_PER_ACCOUNT", "30/h")
CONTRIBUTION_RATE_PER_IP = os.environ.get("CONTRIBUTION_RATE_PER_IP", "1800/h")
PREVIEW_RATE_PER_ACCOUNT = os.environ.get("PREVIEW_RATE_PER_ACCOUNT", "120/10m")
PREVIEW_RATE_PER_IP = os.environ.get("PREVIEW_RATE_PER_IP", "7200/h")
SIGNUP_RATE_PER_IP = os.environ.get("SIGNUP_RATE_PER_IP", "5/h")
LOGIN_RATE_PER_IP = os.environ.get("LOGIN_RATE_PER_IP", "300/h")
PASSWORD_RESET_RATE_PER_IP = os.environ.get("PASSWORD_RESET_RATE_PER_IP", "5/h")
TRUSTED_NETWORKS = env_list("TRUSTED_NETWORKS", [])
for _network in TRUSTED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"TRUSTED_NETWORKS: {_error}") from _error
CLIENT_IP_META_KEY = os.environ.get("RATELIMIT_IP_META_KEY", "REMOTE_ADDR")
RATELIMIT_IP_META_KEY = "annotations.ratelimits.client_ip"

# Log-in failures per account (django-axes, kept in the database): after
# LOGIN_FAILURES_PER_ACCOUNT wrong passwords the account refuses log-ins for
# LOGIN_COOL_OFF_MINUTES, doubled for each further round within a day;
# refused attempts are not checked and do not prolong the wait.
LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5"))
LOGIN_COOL_OFF_MINUTES = int(os.environ.get("LOGIN_COOL_OFF_MINUTES", "5"))
AXES_FAILURE_LIMIT = "annotations.ratelimits.login_failure_limit"
AXES_COOLOFF_TIME = "annotations.ratelimits.login_cool_off"
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "annotations.ratelimits.login_username"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Each account's failures expire on their own (its wait may be longer than another's).
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "annotations.ratelimits.client_ip"
AXES_LOCKOUT_CALLABLE = "annotations.views.accounts.login_locked_out"
AXES_VERBOSE = False
# axes.W006 asks for per-IP lockouts too: here an account's failures count
# whatever the address or browser they come from, and addresses are limited
# by LOGIN_RATE_PER_IP, at a rate a class behind one address can live with.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# The moderation desk at community scale (annotations/moderation.py; README "Moderation").
# Trust: after this many accepted notes and corrections, and none marked spam, a contributor's
# new notes (and corrections outside the factual, date and name categories) are published at once.
TRUST_AFTER_ACCEPTED = int(os.environ.get("TRUST_AFTER_ACCEPTED", "5"))
# Flags: a published item with this many open flags from distinct established accounts
# (joined at least FLAG_ESTABLISHED_AFTER_DAYS ago, active, not suspended) is hidden pending review.
FLAGS_TO_HIDE = int(os.environ.get("FLAGS_TO_HIDE", "3"))
FLAG_ESTABLISHED_AFTER_DAYS = int(os.environ.get("FLAG_ESTABLISHED_AFTER_DAYS", "7"))
# Flags are rate-limited like contributions: per account, then per IP (a class of 60 behind one address).
FLAG_RATE_PER_ACCOUNT = os.environ.get("FLAG_RATE_PER_ACCOUNT", "20/h")
FLAG_RATE_PER_IP = os.environ.get("FLAG_RATE_PER_IP", "1200/h")
# Claims: opening an item on the desk claims it for this long.
CLAIM_MINUTES = int(os.environ.get("CLAIM_MINUTES", "10"))
