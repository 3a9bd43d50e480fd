"""civicpoints settings: one module, every deployment choice read from the environment.

Variables (all optional for ``make run``):
    DEBUG            1/0, default 0. ``make run`` sets 1.
    SECRET_KEY       required when DEBUG is off; the process refuses to start without it.
    DATABASE_URL     default ``sqlite:///var/civicpoints.sqlite3`` (WAL, IMMEDIATE writers).
    ALLOWED_HOSTS    comma-separated, default ``127.0.0.1,localhost``.
    TIME_ZONE        the town's zone, default Asia/Shanghai; caps and "today" use it.
    LANGUAGE_CODE    default zh-hans; English (en) is available per request.
    SMS_BACKEND      dotted path, default the console backend.
    SETUP_TOKEN      opens /setup/ while no town exists; default derived from SECRET_KEY.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from civicpoints.env import (
    check_console_allowed,
    env_bool,
    env_int,
    env_list,
    env_optional_int,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production refuses to start without one; "
            "for local development set DEBUG=1 (make run does)."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105  # nosec B105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "civicpoints.core",
    "civicpoints.accounts",
    "civicpoints.points",
    "civicpoints.merchants",
    "civicpoints.notifications",
    "civicpoints.integrity",
    "civicpoints.sharing",
    "civicpoints.articles",
    "civicpoints.posts",
    "civicpoints.reports",
    "civicpoints.events",
    "civicpoints.rankings",
    "civicpoints.engagement",
    "civicpoints.disputes",
    "civicpoints.dashboard",
    "csp",
    "axes",
    "civicpoints.audit",
    "civicpoints.console",
    "civicpoints.privacy",
    "civicpoints.portal",
    "civicpoints.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "civicpoints.core.media.MediaHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, fetching the signed-in person by id and town (accounts.backends)
    "civicpoints.accounts.backends.TownAuthenticationMiddleware",
    "civicpoints.accounts.middleware.UserLanguageMiddleware",
    "civicpoints.accounts.middleware.ElderModeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "civicpoints.accounts.middleware.StaffIdleTimeoutMiddleware",
    "civicpoints.accounts.middleware.PasswordChangeRequiredMiddleware",
    "civicpoints.accounts.middleware.DistrictAdminReadOnlyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "civicpoints.core.security.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    "civicpoints.core.throttle.ThrottleMiddleware",
    "civicpoints.audit.middleware.AuditMiddleware",
    "civicpoints.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = env_str("ROOT_URLCONF", "civicpoints.urls")  # the bench adds baseline views
WSGI_APPLICATION = "civicpoints.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "civicpoints" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "civicpoints.notifications.context_processors.unread_notifications",
                "civicpoints.accounts.context_processors.elder_mode",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'civicpoints.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
# Persistent connections (README "Production"): opening a connection per request
# cost the signed-in floor 2-4x (issue 17). PostgreSQL borrows from psycopg's
# pool, per process; Django refuses a pool together with CONN_MAX_AGE, so the pool
# owns the connections' lifetime. Without the pool (DB_POOL=0), and on SQLite, a
# worker keeps its connection (CONN_MAX_AGE seconds; empty/"none" = for ever),
# checked before reuse (CONN_HEALTH_CHECKS).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
_IS_PG = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DB_POOL = _IS_PG and env_bool("DB_POOL", True)
if DB_POOL:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        # A sync gunicorn worker serves one request at a time: one connection is
        # busy, a second covers on_commit work; the job runner's threads may use more.
        "min_size": env_int("DB_POOL_MIN_SIZE", 1),
        "max_size": env_int("DB_POOL_MAX_SIZE", 4),
        "timeout": env_int("DB_POOL_TIMEOUT", 10),  # seconds to wait for a free one
        "max_idle": 300,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_optional_int("CONN_MAX_AGE", None)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: writers queue on the lock instead of failing with "database is
    # locked" half-way through a transaction. WAL + synchronous=NORMAL: measured
    # ~10x faster commits than the rollback journal (see STYLE.md).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out mobile/IP before any password check.
    "axes.backends.AxesStandaloneBackend",
    "civicpoints.accounts.backends.MobileBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Time and language ------------------------------------------------------
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
# 38,000 not 38000 on Chinese pages (with the humanize ``intcomma`` filter)
FORMAT_MODULE_PATH = ["civicpoints.formats"]
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "civicpoints" / "locale"]

# --- Static files: served by the app itself, never from a CDN ---------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "civicpoints" / "static"]
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    # Writes only photo_process output (random name, re-encoded JPEG): core/media.py
    "default": {"BACKEND": "civicpoints.core.media.MediaStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

# --- Security (README "Security"; `check --deploy` passes with DEBUG off) ----
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks, comma
# separated, e.g. "127.0.0.1,10.0.0.0/8"): the client address of the login lockout, the
# rate limits and the audit log (civicpoints.core.clientip). Empty: the header is ignored.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    # Only behind a proxy that sets (and strips client copies of) X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (django-csp): everything from our own origin, no inline
# script or style anywhere; the API docs page alone gets inline styles
# (civicpoints.core.security).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Cache: Redis when REDIS_URL is set (shared by every worker, so rate limits hold
# across gunicorn processes); otherwise this process's memory.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "civicpoints"),
        }
    }
    # Sessions read from Redis, so a signed-in request costs no session query;
    # cached_db still writes each change through to the database, so a Redis
    # restart or eviction signs nobody out. Only with a shared cache: a
    # per-process cache would keep a signed-out session alive in other workers.
    SESSION_ENGINE = env_str("SESSION_ENGINE", "django.contrib.sessions.backends.cached_db")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Per process: with several gunicorn workers each counts rate limits on its
    # own (N workers allow N times the rate); set REDIS_URL in production.

# Leaderboards: a rank deeper than the first few hundred is placed among the
# board's scores counted at most this many seconds ago (points.selectors.rank_for_score);
# household boards are cached as a whole for as long (rankings.selectors).
LEADERBOARD_HISTOGRAM_SECONDS = env_int("LEADERBOARD_HISTOGRAM_SECONDS", 60)

# Login lockout (django-axes): 5 failures for one mobile from one address lock
# that pair for 15 minutes; a success clears the count.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "civicpoints.core.throttle.login_username"
AXES_LOCKOUT_CALLABLE = "civicpoints.core.throttle.lockout_response"
AXES_VERBOSE = False
# The client address behind a trusted proxy (TRUSTED_PROXIES), not the proxy's.
AXES_CLIENT_IP_CALLABLE = "civicpoints.core.clientip.client_ip"

# The personal QR card's life (civicpoints.accounts.card): a printed card is renewed
# yearly; revoking draws a new key at once.
RESIDENT_CARD_MAX_AGE_DAYS = env_int("RESIDENT_CARD_MAX_AGE_DAYS", 365)
# Staff sessions (community staff, grid workers, town admins, merchant staff) end after
# this many minutes without a request; residents keep the long default session.
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 30)

# Password re-checks by a signed-in person (change password, close account): at most
# this many wrong passwords per window, then 429 (civicpoints.accounts.passwords).
PASSWORD_RECHECK_LIMIT = env_int("PASSWORD_RECHECK_LIMIT", 5)
PASSWORD_RECHECK_WINDOW_SECONDS = env_int("PASSWORD_RECHECK_WINDOW_MINUTES", 15) * 60

# Rate limits (django-ratelimit) per signed-in person (or address), per action:
# "<count>/<period>", period s/m/h/d. Table of which requests count:
# civicpoints.core.throttle.THROTTLED.
RATELIMIT_ENABLE = env_bool("RATE_LIMITS_ENABLED", True)
RATELIMIT_IP_META_KEY = "civicpoints.core.clientip.client_ip_or_unknown"
RATE_LIMITS = {
    "post": env_str("RATE_LIMIT_POST", "20/h"),
    "comment": env_str("RATE_LIMIT_COMMENT", "10/m"),
    "like": env_str("RATE_LIMIT_LIKE", "60/m"),
    "report": env_str("RATE_LIMIT_REPORT", "10/h"),
    "exchange": env_str("RATE_LIMIT_EXCHANGE", "20/m"),
    "verify": env_str("RATE_LIMIT_VERIFY", "60/m"),
    "edit": env_str("RATE_LIMIT_EDIT", "20/h"),
    "upload": env_str("RATE_LIMIT_UPLOAD", "60/h"),
}

# Task queue (civicpoints.core.tasks): django-tasks with its database backend;
# `manage.py db_worker` runs the tasks. TASKS_BACKEND=immediate runs each task at
# once in the process that enqueues it (the tests' default).
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS_BACKEND = env_str("TASKS_BACKEND", "database")
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
# dashboard exports of towns with more residents than this go through the queue
EXPORT_INLINE_MAX_RESIDENTS = env_int("EXPORT_INLINE_MAX_RESIDENTS", 5000)
# seconds before the 2nd, 3rd, … attempt of a task that met a transient failure
TASK_RETRY_DELAYS = [int(x) for x in env_list("TASK_RETRY_DELAYS", ["30", "120", "600", "1800"])]

# --- API ---------------------------------------------------------------------
NINJA_PAGINATION_CLASS = "civicpoints.core.pagination.BoundedLimitOffsetPagination"

# --- Domain ----------------------------------------------------------------
SMS_BACKEND = env_str("SMS_BACKEND", "civicpoints.accounts.sms.ConsoleSMSBackend")
# The console backend sends nothing: production refuses it unless told otherwise.
SMS_CONSOLE_IN_PRODUCTION = env_bool("SMS_CONSOLE_IN_PRODUCTION", False)
check_console_allowed(debug=DEBUG, backend=SMS_BACKEND, allowed=SMS_CONSOLE_IN_PRODUCTION)
# Its bounded outbox (and the /dev/sms/ page) exist only for tests and DEBUG.
SMS_CONSOLE_OUTBOX = env_bool("SMS_CONSOLE_OUTBOX", DEBUG)
SMS_SIGN_NAME = env_str("SMS_SIGN_NAME", "")
# our template -> the provider's template id: code=…,password_reset=…,notice=…
SMS_TEMPLATE_IDS = env_list("SMS_TEMPLATE_IDS", [])
SMS_TIMEOUT = env_int("SMS_TIMEOUT", 5)  # seconds, per call
SMS_RETRIES = env_int("SMS_RETRIES", 2)  # extra tries after a timeout or provider error
SMS_RETRY_BACKOFF = float(env_str("SMS_RETRY_BACKOFF", "0.5"))  # seconds, doubled each try
SMS_GATEWAY_SCHEME = env_str("SMS_GATEWAY_SCHEME", "https")  # http only for the tests' fake
TENCENT_SMS_SECRET_ID = env_str("TENCENT_SMS_SECRET_ID", "")
TENCENT_SMS_SECRET_KEY = env_str("TENCENT_SMS_SECRET_KEY", "")
TENCENT_SMS_SDK_APP_ID = env_str("TENCENT_SMS_SDK_APP_ID", "")
TENCENT_SMS_REGION = env_str("TENCENT_SMS_REGION", "ap-guangzhou")
TENCENT_SMS_ENDPOINT = env_str("TENCENT_SMS_ENDPOINT", "sms.tencentcloudapi.com")
ALIYUN_SMS_ACCESS_KEY_ID = env_str("ALIYUN_SMS_ACCESS_KEY_ID", "")
ALIYUN_SMS_ACCESS_KEY_SECRET = env_str("ALIYUN_SMS_ACCESS_KEY_SECRET", "")
ALIYUN_SMS_ENDPOINT = env_str("ALIYUN_SMS_ENDPOINT", "dysmsapi.aliyuncs.com")
# Verification codes (accounts.services.verification_code_send): sends per number
# (one per interval, a daily cap) and per client address (hourly, daily).
SMS_CODE_TTL = env_int("SMS_CODE_TTL", 300)  # seconds
SMS_CODE_INTERVAL = env_int("SMS_CODE_INTERVAL", 60)  # seconds between two sends to a number
SMS_CODE_PER_MOBILE_DAY = env_int("SMS_CODE_PER_MOBILE_DAY", 10)
SMS_CODE_PER_IP_HOUR = env_int("SMS_CODE_PER_IP_HOUR", 20)
SMS_CODE_PER_IP_DAY = env_int("SMS_CODE_PER_IP_DAY", 60)
# Opens the one-time setup page (/setup/, only while no town exists). Empty: derived
# from SECRET_KEY; `manage.py setup_token` prints the one in force.
SETUP_TOKEN = env_str("SETUP_TOKEN", "")
ARTICLE_COVER_MAX_BYTES = env_int("ARTICLE_COVER_MAX_BYTES", 2 * 1024 * 1024)
# Manual points (awards by hand and adjustments, both signs) one staff member may
# give or take per local day, by role; above the town's threshold
# (Town.manual_points_confirm_above) a second staff member confirms.
MANUAL_POINTS_DAILY_LIMITS = {
    "grid_worker": env_int("MANUAL_POINTS_DAILY_LIMIT_GRID_WORKER", 500),
    "community_staff": env_int("MANUAL_POINTS_DAILY_LIMIT_COMMUNITY_STAFF", 3000),
    "town_admin": env_int("MANUAL_POINTS_DAILY_LIMIT_TOWN_ADMIN", 20000),
}
NOTIFICATION_CHANNELS = env_list(
    "NOTIFICATION_CHANNELS", ["civicpoints.notifications.channels.ConsoleChannel"]
)
# Outbound channels (README "Notifications"): links in texts need the public address.
SITE_URL = env_str("SITE_URL", "")
NOTIFICATION_SMS_KINDS = env_list("NOTIFICATION_SMS_KINDS", [])
NOTIFICATION_SMS_MAX_CHARS = env_int("NOTIFICATION_SMS_MAX_CHARS", 70)
NOTIFICATION_HTTP_TRANSPORT = env_str(
    "NOTIFICATION_HTTP_TRANSPORT", "civicpoints.notifications.channels.HttpTransport"
)
WECHAT_APP_ID = env_str("WECHAT_APP_ID", "")
WECHAT_APP_SECRET = env_str("WECHAT_APP_SECRET", "")
WECHAT_TEMPLATE_ID = env_str("WECHAT_TEMPLATE_ID", "")
WECHAT_TEMPLATE_IDS = env_list("WECHAT_TEMPLATE_IDS", [])
WECHAT_TEMPLATE_FIELDS = env_list("WECHAT_TEMPLATE_FIELDS", ["thing1", "thing2", "time3"])
# WeChat sign-in (accounts.wechat): bases may point at a fake on 127.0.0.1 in tests.
WECHAT_API_BASE = env_str("WECHAT_API_BASE", "https://api.weixin.qq.com")
WECHAT_OPEN_BASE = env_str("WECHAT_OPEN_BASE", "https://open.weixin.qq.com")
WECHAT_TIMEOUT = env_int("WECHAT_TIMEOUT", 5)  # seconds
WECHAT_MINI_APP_ID = env_str("WECHAT_MINI_APP_ID", "")
WECHAT_MINI_APP_SECRET = env_str("WECHAT_MINI_APP_SECRET", "")
API_TOKEN_TTL = env_int("API_TOKEN_TTL", 30 * 86400)  # seconds a mini-program token lasts

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "civicpoints": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
        # Server errors with their traceback on stderr in every environment (Django
        # only mails them to ADMINS when DEBUG is off, and we configure no mail).
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # The SMS SDKs and their HTTP library log whole requests (numbers, codes,
        # passwords) at DEBUG: never below WARNING, whatever LOG_LEVEL says.
        **{
            name: {"level": "WARNING"}
            for name in ("urllib3", "tencentcloud_sdk_common", "darabonba-core", "aiohttp")
        },
    },
}
