"""Settings for Zhangye City Lifelines, read from environment variables.

Every value comes from the environment through django-environ; a malformed
value (a bad DATABASE_URL, DEBUG=maybe) stops start-up with an error instead
of silently falling back. With nothing set, the project runs on the embedded
default: SQLite in WAL mode and Celery's ``filesystem://`` transport, so a
fresh machine needs no server.

Variables: SECRET_KEY, DEBUG, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL,
CELERY_BROKER_URL, CSRF_TRUSTED_ORIGINS, DATA_DIR, plus the ZY_* business
settings listed below.
"""

import math
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_env_file = BASE_DIR / ".env"
if _env_file.exists():
    environ.Env.read_env(_env_file)


def _strict_bool(name: str, default: bool) -> bool:
    """Read a boolean variable, refusing anything but the usual spellings."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise environ.ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false)")


DEBUG = _strict_bool("DEBUG", False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG and env.str("DJANGO_ENV", default="dev") == "production":
        raise environ.ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = "insecure-dev-key-change-me-zhangye-lifelines"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A failed CSRF check (page open too long, cookies off) gets a page that says
# what to do, not Django's "403 Forbidden" written for developers.
CSRF_FAILURE_VIEW = "issues.views.errors.csrf_failure"

DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "accounts",
    "issues",
]

MIDDLEWARE = [
    # First: drops a HEAD answer's body once every other middleware has set its headers.
    "zhangye_utilities.middleware.HeadWithoutBodyMiddleware",
    # Outside the session and CSRF middleware: a refused form's page is kept for Back without their Vary: Cookie.
    "zhangye_utilities.middleware.KeptForHistoryMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After the session, language and CSRF middleware: its 400 page gets their language and cookie.
    "zhangye_utilities.middleware.RejectNulBytesMiddleware",
    "issues.proofs.ProofsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Inside the others, so its page gets their headers and the CSRF cookie its language switch needs.
    "zhangye_utilities.middleware.MethodNotAllowedPageMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhangye_utilities.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "zhangye_utilities.wsgi.application"

# --- Database -------------------------------------------------------------
# Embedded default: SQLite in WAL mode. ``transaction_mode: IMMEDIATE`` makes
# every atomic block take SQLite's write lock up front, which is SQLite's
# equivalent of the row lock the workflow takes with SELECT ... FOR UPDATE on
# PostgreSQL: two claims of one issue are serialised, never interleaved.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'zhangye.sqlite3'}"
    )
}
if not DATABASES["default"].get("ENGINE"):
    raise environ.ImproperlyConfigured(
        "DATABASE_URL is not a database URL (use postgres://user:password@host:5432/name or sqlite:///path)"
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # The dashboard's covering index (INCLUDE) is a PostgreSQL refinement; on SQLite it is a plain
    # index, as Django warns on every start (models.W040) — expected on the embedded default.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    SILENCED_SYSTEM_CHECKS = []
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    # A kept connection is checked before its first use in each request, so
    # the first request after PostgreSQL restarted or dropped it reconnects
    # instead of answering 500 (issues.onestatement does the same). Our
    # backend is Django's with a check that costs no round trip when the
    # connection is idle and the server sent nothing (zhangye_utilities/postgresql).
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "zhangye_utilities.postgresql"
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=True))
    # Server-side prepared statements only where the code asks for one
    # (issues.onestatement.fetch_prepared: the filing's two statements). Django
    # sets psycopg's threshold to None, which ignores even an explicit
    # prepare=True; a threshold no query reaches keeps every other query as
    # Django sends it (its cursors bind client-side and never prepare).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 2**31 - 1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "login"

# --- Staff login policy (issue #5) ---------------------------------------------
# django-axes checks every login first. Lockouts are by username only, so
# colleagues behind one NAT address are never locked out together; the IP is
# recorded with each attempt, read like the rate limits read it
# (issues.limits.client_ip, ZY_TRUSTED_PROXY_COUNT).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Also rejects an inactive user on every request (get_user), so a
    # deactivated account loses its sessions at once.
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("ZY_LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_CLIENT_IP_CALLABLE = "issues.limits.client_ip"
AXES_USERNAME_CALLABLE = "accounts.views.attempted_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Deliberate: locking by IP too would lock out every colleague behind the
# city intranet's one NAT address (DESIGN.md, Stack: login).
SILENCED_SYSTEM_CHECKS += ["axes.W006"]
# Idle timeout: the session expires 30 minutes after the last request.
SESSION_COOKIE_AGE = env.int("ZY_SESSION_IDLE_SECONDS", default=1800)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True

# --- Language and time ------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Celery -----------------------------------------------------------------
# With REDIS_URL set the broker is Redis; otherwise kombu's filesystem
# transport under DATA_DIR, which needs no server (the embedded default).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise environ.ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://")
_broker_dir = DATA_DIR / "broker"
# (With a host named: a bare filesystem:// made kombu log "No hostname was supplied" at each connection.)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "data_folder_processed": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A broker gone without closing the TCP connection (a failover, a NAT or firewall timeout) would
    # make a publish wait for ever (kombu's advice for its socket_timeout): a blocking socket
    # operation gives up after ZY_BROKER_SOCKET_TIMEOUT seconds, and the publish fails (it is retried,
    # and its caller logs it; the sender kick's thread is then free for the next kick).
    _broker_timeout = env.float("ZY_BROKER_SOCKET_TIMEOUT", default=10.0)
    # With late acks, a message whose worker died unacknowledged is redelivered after the visibility
    # timeout: Redis's default hour left a killed task waiting an hour. Five minutes outlasts the longest
    # late-acknowledged task (CELERY_TASK_TIME_LIMIT, 180 s; exports are acknowledged on receipt and
    # recovered by the sweep instead), and no task is sent with an ETA or a countdown.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": _broker_timeout, "socket_connect_timeout": _broker_timeout,
                                       "visibility_timeout": 300}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
# Exports go to their own queue and worker (scripts/run.sh, docker-compose's worker-exports), with their own
# time limit: .xlsx is written at about 1,400 rows a second (220,000 rows, 2 cores), and an export must not delay
# the sweep or an SMS.
CELERY_TASK_ROUTES = {"issues.tasks.export_ledger": {"queue": "exports"}}
ZY_EXPORT_SECONDS = env.int("ZY_EXPORT_SECONDS", default=3600)
# Days an export's file is kept (then deleted; the export's row stays for audit).
ZY_EXPORT_KEEP_DAYS = env.int("ZY_EXPORT_KEEP_DAYS", default=7)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# --- Business settings (DESIGN.md) -------------------------------------------
# Office hours on working days, Asia/Shanghai local time: list of "HH:MM-HH:MM".
ZY_OFFICE_HOURS = env.list("ZY_OFFICE_HOURS", default=["08:30-12:00", "14:30-18:00"])
# Heating season, "MM-DD" start and end (inclusive), spanning the new year.
ZY_HEATING_SEASON_START = env.str("ZY_HEATING_SEASON_START", default="10-15")
ZY_HEATING_SEASON_END = env.str("ZY_HEATING_SEASON_END", default="04-15")
# Revisit window: days an awaiting_rating issue waits before close-out.
ZY_REVISIT_WINDOW_DAYS = env.int("ZY_REVISIT_WINDOW_DAYS", default=7)
# Dissatisfied ratings after this many reworks go to the supervisor.
ZY_REWORK_LIMIT = env.int("ZY_REWORK_LIMIT", default=2)
# Days after close-out before personal fields are de-identified.
ZY_RETENTION_DAYS = env.int("ZY_RETENTION_DAYS", default=730)
# Public base URL used in SMS links (scheme and host, no trailing slash). Required in production: the
# default would send every resident a link to 127.0.0.1.
ZY_PUBLIC_BASE_URL = env.str("ZY_PUBLIC_BASE_URL", default="").strip().rstrip("/")
if not ZY_PUBLIC_BASE_URL:
    if not DEBUG and env.str("DJANGO_ENV", default="dev") == "production":
        raise environ.ImproperlyConfigured("ZY_PUBLIC_BASE_URL must be set in production (e.g. https://lifelines.example.cn)")
    ZY_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
_scheme, _sep, _host = ZY_PUBLIC_BASE_URL.partition("://")
if _scheme.lower() not in ("http", "https") or not _sep or not _host:
    raise environ.ImproperlyConfigured(
        f"ZY_PUBLIC_BASE_URL={ZY_PUBLIC_BASE_URL!r} must be an http:// or https:// address (e.g. https://lifelines.example.cn)")
ZY_PUBLIC_BASE_URL = f"{_scheme.lower()}://{_host}"
# Served over HTTPS: cookies only over HTTPS (see SECURE_PROXY_SSL_HEADER below, with the proxies).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _scheme.lower() == "https"
# HSTS (Strict-Transport-Security), seconds; 0 = not sent. Only over HTTPS: once a browser has seen it, it
# will not open the site over plain HTTP for that long, so the operator turns it on when HTTPS is there to stay.
SECURE_HSTS_SECONDS = env.int("ZY_HSTS_SECONDS", default=0) if SESSION_COOKIE_SECURE else 0
if SECURE_HSTS_SECONDS < 0:
    raise environ.ImproperlyConfigured(f"ZY_HSTS_SECONDS={SECURE_HSTS_SECONDS} must be 0 or more seconds")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"no_4xx_traceback": {"()": "zhangye_utilities.log.NoTracebackFor4xx"},
                "redact_secrets": {"()": "zhangye_utilities.log.RedactSecrets"}},
    # "Conflict: /rate/<token>/", "Forbidden (CSRF …): /rate/<token>/": a 4xx's path carries the SMS
    # links' tokens. Every record written to the console is redacted; django.request's at the source too.
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["no_4xx_traceback", "redact_secrets"]}},
    "loggers": {"django.request": {"filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Notifications ------------------------------------------------------------
# SMS gateway: a dotted path to an issues.notifications.SmsBackend. The
# default records every message in the SmsMessage table (no gateway here).
ZY_SMS_BACKEND = env.str("ZY_SMS_BACKEND", default="issues.notifications.OutboxSmsBackend")
ZY_OUTBOX_LEASE_SECONDS = env.int("ZY_OUTBOX_LEASE_SECONDS", default=120)
ZY_OUTBOX_MAX_ATTEMPTS = env.int("ZY_OUTBOX_MAX_ATTEMPTS", default=5)
# Enqueue the sender right after a commit that wrote outbox rows (the beat
# also runs it every minute).
ZY_KICK_SENDER = _strict_bool("ZY_KICK_SENDER", True)
# /healthz fails when the sweep's heartbeat is older than this.
ZY_SWEEP_MAX_AGE_SECONDS = env.int("ZY_SWEEP_MAX_AGE_SECONDS", default=180)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@lifelines.zhangye.gov.cn")

# --- Cache and rate limits ------------------------------------------------------
# Redis when REDIS_URL is set; otherwise the database cache (shared by every
# process on the embedded default; created by `manage.py createcachetable`).
# Its default of 300 entries would cull rate-limit counters (a third of all
# entries, by key, each time it is full): expired entries go first anyway.
DATABASE_CACHE = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "zy_cache",
                  "OPTIONS": {"MAX_ENTRIES": 1_000_000}}
if REDIS_URL:
    # A Redis that hangs (a network partition, a stopped process) would hold every filing and staff action
    # for redis-py's 5 s before the rate limits and form keys let it through unguarded: a cache that answers
    # in under a millisecond when well is given up after ZY_CACHE_SOCKET_TIMEOUT seconds.
    _cache_timeout = env.float("ZY_CACHE_SOCKET_TIMEOUT", default=1.0)
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_timeout": _cache_timeout, "socket_connect_timeout": _cache_timeout}}}
else:
    CACHES = {"default": DATABASE_CACHE}
# The area code a landline given without one is read in (张掖: 0936).
ZY_LOCAL_AREA_CODE = env.str("ZY_LOCAL_AREA_CODE", default="0936")
# Where a filing's location may lie: south, west, north, east in degrees (WGS84). 张掖市 spans about
# 37°28′–39°57′ N and 97°20′–102°12′ E; the default adds about half a degree for border villages and GPS error.
def _service_area(raw: str) -> tuple[float, float, float, float]:
    try:
        south, west, north, east = (float(part) for part in raw.split(","))
    except ValueError:
        south = west = north = east = math.nan
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):  # NaN fails every comparison
        raise environ.ImproperlyConfigured(
            f"ZY_SERVICE_AREA={raw!r} must be four numbers: south, west, north, east in degrees, "
            "south below north and west below east (e.g. 37.0,96.5,40.5,103.0)")
    return south, west, north, east


ZY_SERVICE_AREA = _service_area(env.str("ZY_SERVICE_AREA", default="37.0,96.5,40.5,103.0"))
# (limit, period in seconds) pairs per kind of public action (DESIGN.md).
ZY_RATE_LIMITS = {
    "file_phone": [(env.int("ZY_LIMIT_FILE_PHONE_HOUR", default=5), 3600),
                   (env.int("ZY_LIMIT_FILE_PHONE_DAY", default=20), 86400)],
    "file_ip": [(env.int("ZY_LIMIT_FILE_IP_HOUR", default=60), 3600)],
    "track_ip": [(env.int("ZY_LIMIT_TRACK_IP_MINUTE", default=10), 60)],
    "resend_phone": [(env.int("ZY_LIMIT_RESEND_PHONE_HOUR", default=3), 3600)],
    # Follows of one issue by one signed-in caller who reads its timeline (unit staff, supervisors, a unit's
    # system; not a dispatcher or a hotline system, who follow for many callers), counted per attempt: a
    # stranger's follow leaves an event and the reporter's own number does not, so trying every number the
    # masked phone allows (10^4) would name the reporter without the logged "show number" (breaker).
    "follow_caller": [(env.int("ZY_LIMIT_FOLLOW_CALLER_HOUR", default=20), 3600)],
}
# Reverse proxies of ours in front of gunicorn (nginx = 1); 0 = trust REMOTE_ADDR.
ZY_TRUSTED_PROXY_COUNT = env.int("ZY_TRUSTED_PROXY_COUNT", default=0)
if SESSION_COOKIE_SECURE and ZY_TRUSTED_PROXY_COUNT > 0:
    # Behind the TLS-terminating proxies counted above, a request they mark https is https (Open311's
    # discovery then advertises https URLs). Without a trusted proxy the header could come from anyone.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Resident uploads (photos) ---------------------------------------------------
# Photos are stored under MEDIA_ROOT but never served from it directly: only
# through /attachments/<id>/, which checks who may see them (no MEDIA_URL route).
ZY_PHOTO_MAX_COUNT = env.int("ZY_PHOTO_MAX_COUNT", default=6)
ZY_PHOTO_MAX_BYTES = env.int("ZY_PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
ZY_PHOTO_MAX_PIXELS = env.int("ZY_PHOTO_MAX_PIXELS", default=52_000_000)  # a 48 or 50 MP phone photo (8160 × 6120)
# Uploads above 2.5 MB spill to temporary files instead of memory; form
# fields (not files) stay small. A few more files than photos are allowed so
# that "too many photos" gets the page's own message, not a bare 400.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# --- REST API and Open311 (issues/api) ----------------------------------------
REST_FRAMEWORK = {
    # A registered system's ApiClient token, a staff user's StaffToken (both
    # "Authorization: Token ...", both stored hashed), or the browser session (CSRF enforced).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "issues.api.auth.ApiClientTokenAuthentication",
        "issues.api.auth.StaffTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["issues.api.auth.IsPrincipal"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "issues.api.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer",
                                 "rest_framework.renderers.BrowsableAPIRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "张掖城市生命线 Zhangye City Lifelines API",
    "DESCRIPTION": "Issues of water, power, gas and heating: file, follow and work them through the closed loop. "
                   "Errors: {\"error\": {\"code\", \"message\", \"fields\"}}. Open311 GeoReport v2 lives at /open311/v2/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "issues.choices.Status",
        "PriorityEnum": "issues.choices.Priority",
        "DecisionEnum": "issues.choices.Decision",
        "AppealDecisionEnum": "issues.choices.AppealDecision",
        "SupervisionLevelEnum": "issues.choices.SupervisionLevel",
    },
}
# Open311: the district of requests that name none (a District.code), and the
# jurisdiction_id to insist on ("" = accept any).
ZY_OPEN311_DEFAULT_DISTRICT = env.str("ZY_OPEN311_DEFAULT_DISTRICT", default="ganzhou")
ZY_OPEN311_JURISDICTION = env.str("ZY_OPEN311_JURISDICTION", default="")
