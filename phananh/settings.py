"""PhanAnh settings: everything a deployment changes comes from the environment.

The defaults run a single ward on one box (SQLite in WAL mode, media on local
disk, jobs in a SQLite-backed huey queue). Setting DATABASE_URL, REDIS_URL and
the S3 variables scales the same code out to a province (see docs/deploy.md).
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key():
    """Use SECRET_KEY when given; otherwise keep a generated one in var/ so
    sessions survive restarts without anyone committing a key."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "ninja",  # serves the API docs page's Swagger UI files locally (no CDN)
    "phananh.units",
    "phananh.sla",
    "phananh.reports",
    "phananh.intake",
    "phananh.console",
    "phananh.public",
    "phananh.notify",
    "phananh.stats",
    "phananh.nlp",
    "phananh.demo",
    "phananh.open311",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "phananh.middleware.LanguageMiddleware",
    "phananh.request_limits.RequestLimitsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "phananh.urls"
WSGI_APPLICATION = "phananh.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "phananh" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "phananh.context_processors.site",
                "phananh.console.context.console",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'phananh.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3. Each gunicorn thread keeps its own connection for
    # DB_CONN_MAX_AGE seconds, checked before reuse (conn_health_checks), so a
    # restarted database costs one failed check, not a failed request. Not
    # psycopg's pool: with a few threads per process a pool would hold as many
    # connections as the threads do anyway (docs/deploy.md, "PostgreSQL").
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue on a file lock instead of polling (phananh/db/sqlite).
    DATABASES["default"]["ENGINE"] = "phananh.db.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the
        # write lock at BEGIN so two writers queue on busy_timeout instead of
        # failing with "database is locked" when a read lock is upgraded.
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, worker heartbeat) ---------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # One Redis may serve other programs too; huey's keys have their own prefix.
            "KEY_PREFIX": "phananh",
        }
    }
else:
    # File cache: shared by every gunicorn worker and the job worker on one box.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Jobs -------------------------------------------------------------------
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "phananh",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "utc": True,
    }
else:
    HUEY = {
        "huey_class": "phananh.db.sqlite.jobs.SqliteHuey",
        "name": "phananh",
        "filename": str(VAR_DIR / "jobs.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "utc": True,
    }
HUEY["consumer"] = {"workers": env_int("WORKER_THREADS", 2), "worker_type": "thread"}

# --- Auth -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "public:home"

# --- Language and time --------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "phananh" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
FORMAT_MODULE_PATH = ["phananh.formats"]

# --- Static and media ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "phananh" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Uploads wait here, unpublished, until the worker has stripped their metadata.
INCOMING_ROOT = Path(os.environ.get("INCOMING_ROOT", VAR_DIR / "incoming"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "incoming": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(INCOMING_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Object storage (S3 or compatible) when S3_BUCKET is set, so that any app
# server and any worker reach the same photos. Processed photos go under
# media/ and are public: their metadata is gone, their names are random, and
# plain URLs can be cached by browsers and a CDN. Parked originals (with GPS
# tags) go under incoming/, private, on the same bucket or S3_INCOMING_BUCKET.
S3_BUCKET = os.environ.get("S3_BUCKET", "")
if S3_BUCKET:
    _s3 = {
        name: value
        for name, value in {
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL"),
            "access_key": os.environ.get("S3_ACCESS_KEY_ID"),
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY"),
            "region_name": os.environ.get("S3_REGION"),
            "addressing_style": os.environ.get("S3_ADDRESSING_STYLE"),  # "path" for some S3-compatible stores
        }.items()
        if value  # left out: boto3's own lookup (AWS_* variables, an instance role) applies
    }
    # Every stored name is a fresh random one: no existence check before a write.
    _s3["file_overwrite"] = True
    # Signature v4: the only one newer regions and most S3-compatible stores accept.
    _s3["signature_version"] = "s3v4"
    _media = {**_s3, "bucket_name": S3_BUCKET, "location": "media",
              "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"}}
    if env_bool("S3_SIGNED_URLS", False):
        # A bucket that must stay private: pages carry URLs signed for an hour.
        _media.update(default_acl=None, querystring_auth=True,
                      querystring_expire=env_int("S3_SIGNED_URL_SECONDS", 3600))
    else:
        # Empty S3_MEDIA_ACL for buckets with ACLs disabled, made public by a bucket policy instead.
        _media.update(default_acl=os.environ.get("S3_MEDIA_ACL", "public-read") or None, querystring_auth=False)
    if os.environ.get("S3_PUBLIC_URL"):
        # A CDN or custom domain in front of the bucket, e.g. https://anh.example.vn
        _public = urlsplit(os.environ["S3_PUBLIC_URL"])
        _media.update(url_protocol=f"{_public.scheme or 'https'}:",
                      custom_domain=(_public.netloc + _public.path).rstrip("/"))
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _media}
    # No ACL (the bucket's private default) and no signed URLs: nothing ever links to an original.
    STORAGES["incoming"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        **_s3, "bucket_name": os.environ.get("S3_INCOMING_BUCKET") or S3_BUCKET, "location": "incoming",
        "default_acl": None, "querystring_auth": False,
    }}
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_MB", 10) * 1024 * 1024
MAX_PHOTOS = env_int("MAX_PHOTOS", 5)
# Whole request bodies above this are refused with 413 before they are read
# (phananh/request_limits.py): every photo at its largest plus the form.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_MB", MAX_PHOTOS * MAX_UPLOAD_BYTES // (1024 * 1024) + 2) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Email --------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "PhanAnh <no-reply@localhost>")
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")

# --- Security -------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", False):
    # The proxy terminates TLS and says so in X-Forwarded-Proto (haproxy:
    # `http-request set-header X-Forwarded-Proto https if { ssl_fc }`).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies append to X-Forwarded-For in front of the app (haproxy:
# 1); lib/ratelimit.client_ip reads the client's address that many entries
# from the end. 0: the header is ignored, as any client can write it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# --- PhanAnh ----------------------------------------------------------------------
MAP_TILES_URL = os.environ.get("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILES_ATTRIBUTION = os.environ.get(
    "MAP_TILES_ATTRIBUTION", "&copy; OpenStreetMap contributors"
)
MAP_CENTER = [float(x) for x in env_list("MAP_CENTER", ["10.7769", "106.7009"])]
MAP_ZOOM = env_int("MAP_ZOOM", 14)
# Days after a resolution during which the citizen may rate or reopen.
RATING_WINDOW_DAYS = env_int("RATING_WINDOW_DAYS", 7)
CLASSIFIER_PATH = Path(os.environ.get("CLASSIFIER_PATH", VAR_DIR / "classifier.joblib"))
# Below this confidence a suggestion is only a hint and the report waits for a coordinator.
CLASSIFIER_MIN_CONFIDENCE = float(os.environ.get("CLASSIFIER_MIN_CONFIDENCE", "0.5"))
# Deadline jobs (phananh/sla/config.py explains each); all in working hours.
SLA_REMIND_BEFORE_ACK_HOURS = float(os.environ.get("SLA_REMIND_BEFORE_ACK_HOURS", "1"))
SLA_REMIND_BEFORE_RESOLVE_HOURS = float(os.environ.get("SLA_REMIND_BEFORE_RESOLVE_HOURS", "4"))
SLA_ESCALATION_HOURS = [float(h) for h in env_list("SLA_ESCALATION_HOURS", ["0", "8", "16"])]
# Units with fewer reports than this in a period are shown but not ranked.
STATS_MIN_SAMPLE = env_int("STATS_MIN_SAMPLE", 20)
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 180)
CATEGORIES_FILE = os.environ.get(
    "CATEGORIES_FILE", str(BASE_DIR / "phananh" / "reports" / "data" / "categories.json")
)
# Inbound SMS and email (docs/channels.md). An empty secret turns the webhook off.
SMS_INBOUND_SECRET = os.environ.get("SMS_INBOUND_SECRET", "")
SMS_INBOUND_PER_HOUR = env_int("SMS_INBOUND_PER_HOUR", 20)
EMAIL_INBOUND_SECRET = os.environ.get("EMAIL_INBOUND_SECRET", "")
EMAIL_INBOUND_MAX_BYTES = env_int("EMAIL_INBOUND_MAX_MB", 25) * 1024 * 1024

# --- Notification channels (phananh/notify; docs/notifications.md explains each) ---
SMS_BACKEND = os.environ.get("SMS_BACKEND", "file")  # file, console, http, locmem or a dotted path
SMS_FILE_PATH = Path(os.environ.get("SMS_FILE_PATH", VAR_DIR / "sms"))
SMS_ASCII = env_bool("SMS_ASCII", False)  # fold accents: 160 characters per SMS instead of 70
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_METHOD = os.environ.get("SMS_GATEWAY_METHOD", "POST")
SMS_GATEWAY_FORMAT = os.environ.get("SMS_GATEWAY_FORMAT", "json")  # json or form
SMS_GATEWAY_BODY = os.environ.get("SMS_GATEWAY_BODY", "")  # template with {to} {text}; empty: a default
SMS_GATEWAY_AUTH_HEADER = os.environ.get("SMS_GATEWAY_AUTH_HEADER", "Authorization")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")  # the header's whole value, e.g. "Bearer abc"
SMS_GATEWAY_SUCCESS_STATUSES = [int(x) for x in env_list("SMS_GATEWAY_SUCCESS_STATUSES", ["200", "201", "202"])]
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 15)
VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "")   # both empty: a key pair is made and kept in the DB
VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "")
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "")  # mailto: or https: contact for push services
WEBPUSH_ALLOWED_HOSTS = env_list("WEBPUSH_ALLOWED_HOSTS", [
    "fcm.googleapis.com", "updates.push.services.mozilla.com", "push.apple.com", "notify.windows.com",
])
WEBPUSH_TIMEOUT = env_int("WEBPUSH_TIMEOUT", 15)
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 15)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
