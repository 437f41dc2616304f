"""Django settings, read from the environment.

Settings fail closed: unless CASEWAY_ENV says "development" or "test", Caseway runs as
production and refuses to start with a default or short secret key, with DEBUG on, or
without an encryption key.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from caseway.core.conf import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BASE_DIR.parent.parent

ENVIRONMENT = env_str("CASEWAY_ENV", "production")
if ENVIRONMENT not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"CASEWAY_ENV must be development, test or production, not {ENVIRONMENT!r}."
    )
IS_PRODUCTION = ENVIRONMENT == "production"

DATA_DIR = Path(env_str("CASEWAY_DATA_DIR", str(PROJECT_ROOT / "var"))).resolve()

_DEVELOPMENT_SECRET = "caseway-development-only-secret-key-never-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = env_str("CASEWAY_SECRET_KEY", "" if IS_PRODUCTION else _DEVELOPMENT_SECRET)
DEBUG = env_bool("CASEWAY_DEBUG", ENVIRONMENT == "development")
#: The portal keeps its rendered pages in the shared cache and a query's results a minute per
#: worker (``caseway.portal.pagecache``); off by default while developing (a template being
#: edited shows at once), and benchmarks switch it off to measure every page rendered.
CASEWAY_PORTAL_CACHE = env_bool("CASEWAY_PORTAL_CACHE", not DEBUG)
#: The portal's public address (scheme and host, e.g. https://portal.example.org): its canonical
#: and alternate links, sitemap and partners' JSON name it whatever Host a request came with, and
#: its pages can be rendered ahead of visitors (``caseway portal warm``). Unset: the request's.
CASEWAY_PUBLIC_URL = env_str("CASEWAY_PUBLIC_URL", "").rstrip("/")
if CASEWAY_PUBLIC_URL and (
    not CASEWAY_PUBLIC_URL.startswith(("https://", "http://"))
    or "/" in CASEWAY_PUBLIC_URL.split("://", 1)[1]
    or "?" in CASEWAY_PUBLIC_URL
):
    raise ImproperlyConfigured(
        f"CASEWAY_PUBLIC_URL must be a scheme and a host, e.g. https://portal.example.org, "
        f"not {CASEWAY_PUBLIC_URL!r}."
    )

if IS_PRODUCTION:
    if not SECRET_KEY or SECRET_KEY == _DEVELOPMENT_SECRET or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "CASEWAY_SECRET_KEY must be set to a unique value of at least 50 characters in "
            "production."
        )
    if DEBUG:
        raise ImproperlyConfigured("CASEWAY_DEBUG must not be on in production.")

# Key for field-level encryption (TOTP secrets now; sensitive identifiers later). A Fernet key;
# outside production one is derived from the secret key so that development needs no set-up.
FIELD_ENCRYPTION_KEY = env_str("CASEWAY_FIELD_ENCRYPTION_KEY", "")
if IS_PRODUCTION and not FIELD_ENCRYPTION_KEY:
    raise ImproperlyConfigured(
        "CASEWAY_FIELD_ENCRYPTION_KEY must be set in production (generate one with "
        "`caseway generatekey`)."
    )

ALLOWED_HOSTS = env_list("CASEWAY_ALLOWED_HOSTS", [] if IS_PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env_list("CASEWAY_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "caseway.core",
    "caseway.audit",
    "caseway.accounts",
    "caseway.organizations",
    "caseway.records",
    "caseway.registry",
    "caseway.tumorboard",
    "caseway.portal",
    "caseway.dashboard",
    "caseway.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "caseway.accounts.middleware.SlidingSessionMiddleware",
    "caseway.accounts.middleware.UserPreferencesMiddleware",
    "caseway.accounts.middleware.RequireSecondFactorMiddleware",
]

ROOT_URLCONF = "caseway.urls"
WSGI_APPLICATION = "caseway.wsgi.application"

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
                "caseway.core.context_processors.caseway",
            ],
        },
    }
]

# --- Database ------------------------------------------------------------------------------------
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'caseway.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "") or DEFAULT_DATABASE_URL,
        conn_max_age=env_int("CASEWAY_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialise writers up front, so the audit chain head is never read
    # by two writers at once; WAL lets readers continue while one writes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON;",
    }
    # One test database file per test run (worker processes inherit the name through the
    # environment), so two runs on one checkout never share, and corrupt, one file.
    test_name = os.environ.setdefault(
        "CASEWAY_TEST_DATABASE", str(DATA_DIR / f"test-caseway-{os.getpid()}.sqlite3")
    )
    DATABASES["default"]["TEST"] = {"NAME": test_name}
    # The embedded database lives in the data directory; a fresh clone has none yet.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Throttling and one-time-code replay protection must be shared by every worker: the database
# cache needs nothing beyond the database the workers already share.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "caseway_cache",
        # The portal's rendered pages live here too (about 10 KB each, 2 per center and
        # language): room for them, then the oldest third goes.
        "OPTIONS": {"MAX_ENTRIES": 50_000, "CULL_FREQUENCY": 3},
    },
    # Per-process memory for display values that may be a minute old (caseway.core.cache).
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}

# --- Identity ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "caseway.accounts.adapters.AccountAdapter"
MFA_ADAPTER = "caseway.accounts.adapters.MFAAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {
    # Per client address and per account: failed sign-ins are throttled by both.
    "login_failed": env_str("CASEWAY_LOGIN_FAILED_RATE", "10/m/ip,5/5m/key"),
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Caseway"
MFA_PASSKEY_LOGIN_ENABLED = False

# Idle sessions expire: SlidingSessionMiddleware renews the lifetime at most once a minute.
SESSION_COOKIE_AGE = env_int("CASEWAY_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Seoul"  # shown by default; stored in UTC
USE_THOUSAND_SEPARATOR = True

# --- Static files --------------------------------------------------------------------------------
# Uploaded files: never served directly, only through gated views (no MEDIA_URL route).
MEDIA_ROOT = Path(env_str("CASEWAY_MEDIA_ROOT", str(DATA_DIR / "media")))
CASEWAY_MAX_DOCUMENT_BYTES = env_int("CASEWAY_MAX_DOCUMENT_BYTES", 100 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("CASEWAY_STATIC_ROOT", str(DATA_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security headers ----------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie
if IS_PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("CASEWAY_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("CASEWAY_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- E-mail --------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "CASEWAY_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if IS_PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("CASEWAY_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("CASEWAY_EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("CASEWAY_FROM_EMAIL", "Caseway <noreply@caseway.invalid>")

# --- Logging -------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("CASEWAY_LOG_LEVEL", "WARNING")},
}

# --- Background jobs ------------------------------------------------------------------------------
# A database queue: `caseway db_worker` processes run on this or other machines sharing the
# database. Tests run tasks immediately.
TASKS = {
    "default": {
        "BACKEND": env_str(
            "CASEWAY_TASK_BACKEND",
            "django_tasks_db.DatabaseBackend"
            if ENVIRONMENT != "test"
            else "django_tasks.backends.immediate.ImmediateBackend",
        )
    }
}

# --- Caseway -------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
CASEWAY_JOURNAL_WRITER = "caseway.audit.services.write_event"
CASEWAY_FHIR_MAX_BYTES = env_int("CASEWAY_FHIR_MAX_BYTES", 256 * 1024 * 1024)
CASEWAY_EXPORT_DIR = Path(env_str("CASEWAY_EXPORT_DIR", str(DATA_DIR / "exports")))
