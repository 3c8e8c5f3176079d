"""Settings shared by every environment.

Every value comes from the environment (or a `.env` file beside `manage.py`) through one reader,
django-environ. Django's own variables carry the `DJANGO_` prefix; services are given as URLs
(`DATABASE_URL`, `REDIS_URL`, `CELERY_BROKER_URL`). `.env.example` documents each variable.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from apps.core.queues import QUEUE_PROFILES, Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Django core -------------------------------------------------------------------------------
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_celery_results",
    "apps.core",
    "apps.accounts",
    "apps.datasets",
    "apps.jobs",
    "apps.charts",
    "apps.ai",
    "apps.realtime",
    "apps.web",
    "apps.ops",
    "apps.library",
    "apps.reports",
    "apps.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.ops.tracing.TraceMiddleware",  # one trace id per request, into its tasks and logs
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------------
# SQLite on a laptop, PostgreSQL on a server. SQLite is tuned so that several worker processes
# can write at once: WAL lets readers run beside the writer, IMMEDIATE transactions take the
# write lock when they begin (no deadlocking lock upgrade half-way through), and the busy timeout
# makes a writer wait for the lock instead of failing with "database is locked".
SQLITE_BUSY_TIMEOUT_S = 30
# An empty DATABASE_URL (`DATABASE_URL= make test`, a compose file's `${DATABASE_URL:-}`) is unset.
DATABASES = {
    "default": env.db_url_config(env("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
}
if "ENGINE" not in DATABASES["default"]:
    raise ImproperlyConfigured(
        "DATABASE_URL is not a database URL Django can use: give postgres://user:password@host:port/name "
        "or sqlite:////absolute/path.sqlite3, or leave it unset for var/db.sqlite3."
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": SQLITE_BUSY_TIMEOUT_S,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
# Persistent connections, SQLite's too: a worker that reconnected for each chart paid ~0.7 ms of
# connecting and PRAGMAs every time (bench/orchestration.py).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth --------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# --- I18n --------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# The web UI's bundle (frontend/dist, built by `make run`) is served from the site root by
# WhiteNoise; hashed files under /assets/ are cached for a year. apps.web serves index.html.
WHITENOISE_ROOT = BASE_DIR / "frontend" / "dist"
WHITENOISE_IMMUTABLE_FILE_TEST = r"^/assets/"  # Vite puts a content hash in every name there
# Media holds uploads, canonical data and chart artifacts. It is never served publicly: every
# download goes through an authenticated view that checks the owner.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Artifacts have deterministic names: a chart rendered twice replaces its files instead of
        # leaving "chart_x8Yz.png" duplicates behind.
        "OPTIONS": {"allow_overwrite": True},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Uploads -----------------------------------------------------------------------------------
INTELLI_MAX_UPLOAD_BYTES = env.int("INTELLI_MAX_UPLOAD_MB", default=50) * 1024 * 1024
# An XLSX is a zip: a small file can inflate to gigabytes (a "zip bomb"). Parsers refuse archives
# whose members would inflate beyond this.
INTELLI_MAX_UNCOMPRESSED_BYTES = env.int("INTELLI_MAX_UNCOMPRESSED_MB", default=400) * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "apps.datasets.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- REST API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "apps.core.schema.AutoSchema",  # documents the error responses too
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.Pagination",  # limit/offset, limit capped
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "apps.core.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": env("INTELLI_LOGIN_RATE", default="10/min")},
    # Behind nginx, the client's address is the last one the proxies added to X-Forwarded-For.
    "NUM_PROXIES": env.int("INTELLI_NUM_PROXIES", default=None),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Intelli API",
    "DESCRIPTION": "Patent search exports in, patent-landscape charts out.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "apps.jobs.models.JobStatus",
        "ItemStatusEnum": "apps.jobs.models.ItemStatus",
        "DatasetStatusEnum": "apps.datasets.models.DatasetStatus",
        "DescriptionStatusEnum": "apps.ai.models.DescriptionStatus",
        "AiProviderEnum": "apps.ai.models.Provider",
        "RecordColumnEnum": "apps.datasets.selectors.PREVIEW_COLUMNS",
    },
}

# --- Redis, Celery and Channels ----------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

# URL imports refuse private and special addresses (apps/core/fetch.py). Networks listed here are
# let through anyway, e.g. an office file server: "10.20.0.0/16". Each one widens what any
# signed-in user can make this server reach; leave it empty unless you need it.
INTELLI_FETCH_ALLOW_NETWORKS = env.list("INTELLI_FETCH_ALLOW_NETWORKS", default=[])

# Django's cache lives in Redis so that every web process shares it: the login rate limit counts
# attempts across all daphne processes and machines, not per process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL", default=REDIS_URL),
        "KEY_PREFIX": "intelli:cache",
        "TIMEOUT": 300,
    }
}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_RESULT_EXPIRES = 3600  # results are kept for an hour; job state never depends on them
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = Queue.INGESTION_IO.value
CELERY_TASK_CREATE_MISSING_QUEUES = False
CELERY_TASK_TRACK_STARTED = True
# Task events let Flower (and `celery events`) follow every task. They are not free: a chart's
# task events added ~5 ms end to end on the 2-core VM (bench/orchestration.py), so `make run`
# (config.settings.dev) leaves them off; CELERY_TASK_EVENTS=true|false decides either way.
CELERY_WORKER_SEND_TASK_EVENTS = env.bool("CELERY_TASK_EVENTS", default=True)
CELERY_TASK_SEND_SENT_EVENT = CELERY_WORKER_SEND_TASK_EVENTS
# Recycle worker processes so leaks (matplotlib, fonts, caches) cannot grow without bound: past
# 1 GB of resident memory, and after 2,000 tasks for leaks that are not memory. A chart process
# stays at 256 MB over 500 charts (bench/orchestration.py, README), and a new one costs ~170 ms
# before its first chart: recycling every 200 tasks was ~0.8 ms of every chart.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=2000)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD_KB", default=1_000_000)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# An unacknowledged message is redelivered after the visibility timeout: it must exceed the
# longest hard time limit, or a long task would run twice.
# It is also how long a message waits to come back when Redis went away while a worker held it
# prefetched (the worker drops what it had not started; the broker still counts it unacked).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int(
        "CELERY_VISIBILITY_TIMEOUT_S", default=max(p.hard_time_limit for p in QUEUE_PROFILES.values()) * 2
    ),
    # Look for such messages every 10 s (kombu's default scans every ~100 s): one cheap sorted-set
    # range query, so a message comes back at most ~10 s after its visibility timeout.
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
# An item still RUNNING this long after it started has lost its worker and was not redelivered:
# the reaper (celery beat, every minute) fails it with a reason the user can act on.
INTELLI_STALE_ITEM_S = CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] + 120
CELERY_BEAT_SCHEDULE = {
    "reap-stale-items": {"task": "jobs.reap_stale_items", "schedule": 60.0},
    # Retention (events, unpublished chart files) and the orphaned-file sweep: hourly and daily.
    "expire-retention": {"task": "jobs.expire_retention", "schedule": 3600.0},
    "sweep-orphan-files": {"task": "jobs.sweep_orphan_files", "schedule": 24 * 3600.0},
}

# The channel layer carries events from workers to every ASGI server. redis-py's default 5 s
# socket timeout equals channels_redis' 5 s blocking read and made idle consumers crash with
# TimeoutError after a burst; the socket timeout must stay above that read.
CHANNEL_LAYER_SOCKET_TIMEOUT_S = 15
# What one browser may send on a socket: a resume after each reconnect and a ping now and then.
# Past this rate the socket gets an error and is closed (code 4429).
INTELLI_WS_MESSAGES_PER_SECOND = env.float("INTELLI_WS_MESSAGES_PER_SECOND", default=5.0)
INTELLI_WS_MESSAGE_BURST = env.int("INTELLI_WS_MESSAGE_BURST", default=30)

# Which channels_redis layer: "pubsub" (the default) sends a group message as one Redis PUBLISH,
# received once by each ASGI process, which hands it to its own sockets; "core" (the original
# layer) keeps a list per socket and writes every group message into each. Measured on the 2-core
# VM (bench/orchestration.py, bench/ws_fanout.py): a group send costs a worker 0.10 ms of CPU on
# pub/sub against 0.47 ms, and 500 sockets watching a job cost daphne one Redis read per event
# instead of 500. What pub/sub gives up — messages kept while nobody listens, and a per-socket
# capacity — Intelli does not rely on: a browser resumes from the persisted event log, and a
# socket catches up from it after a quiet spell (INTELLI_WS_CATCH_UP_S). channels_redis still calls
# the pub/sub layer beta; CHANNEL_LAYER_BACKEND=core switches back.
CHANNEL_LAYER_BACKENDS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}
CHANNEL_LAYER_BACKEND = env.str("CHANNEL_LAYER_BACKEND", default="pubsub")
if CHANNEL_LAYER_BACKEND not in CHANNEL_LAYER_BACKENDS:
    choices = ", ".join(CHANNEL_LAYER_BACKENDS)
    raise ImproperlyConfigured(
        f"CHANNEL_LAYER_BACKEND must be one of {choices}, not {CHANNEL_LAYER_BACKEND!r}."
    )
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": CHANNEL_LAYER_BACKENDS[CHANNEL_LAYER_BACKEND],
        "CONFIG": {
            "hosts": [
                {
                    "address": env("CHANNEL_LAYER_URL", default=REDIS_URL),
                    "socket_timeout": CHANNEL_LAYER_SOCKET_TIMEOUT_S,
                    "socket_connect_timeout": 5,
                    "health_check_interval": 10,
                    "retry_on_timeout": True,
                }
            ],
        },
    },
}
if CHANNEL_LAYER_BACKEND == "core":
    # Messages a slow socket may have queued before the layer drops more (default 100).
    # Dropped events are not lost: browsers resume from the persisted event log.
    CHANNEL_LAYERS["default"]["CONFIG"].update(capacity=1500, expiry=60)

# --- Intelli -----------------------------------------------------------------------------------
# Progress events are transient and coalesced: at most this many per second per job.
INTELLI_PROGRESS_EVENTS_PER_SECOND = 5
# A reconnecting browser gets at most this many missed events replayed; past that it gets a fresh
# snapshot instead (cheaper than streaming a long history).
INTELLI_MAX_REPLAY_EVENTS = 2000
# A job socket that has forwarded nothing for this long, on a job still running, reads the job's
# last sequence number and sends what the channel layer dropped (e.g. a lost `job.finished`).
INTELLI_WS_CATCH_UP_S = env.float("INTELLI_WS_CATCH_UP_S", default=5.0)
# An event that reaches a job socket ahead of an earlier one waits this long for it before the socket
# reads the missing ones from the event log: two chart processes publish independently, a few
# milliseconds apart (bench/orchestration.py: 15 % of charts had one arrive out of order, each a
# database read on every socket watching the job).
INTELLI_WS_REORDER_WAIT_S = env.float("INTELLI_WS_REORDER_WAIT_S", default=0.05)
# Sockets of one ASGI process opening the same job within this many seconds share one snapshot
# read (500 browsers opening a job read it a handful of times, not 500); a socket given a shared
# snapshot then sends the events logged since it was read. 0 reads one per socket.
INTELLI_WS_SNAPSHOT_SHARE_S = env.float("INTELLI_WS_SNAPSHOT_SHARE_S", default=1.0)
# A chart checks for a cancel (and sends a progress hint) between its stages once it has been
# drawing this long; quicker charts skip the Redis round trips (bench/orchestration.py).
INTELLI_CHECKPOINT_AFTER_MS = env.int("INTELLI_CHECKPOINT_AFTER_MS", default=100)
# How many times an item may be started (worker crashes, redeliveries) before it is failed.
INTELLI_MAX_ITEM_ATTEMPTS = 3

# --- Library and reports (apps.library, apps.reports, apps.notifications) ------------------------
# Unpublished charts ("drafts") are kept this many days after they were drawn; 0 keeps them
# forever (the default). Published charts and reports are never deleted by retention: whatever
# deletes chart files selects them through apps.library.selectors.drafts_expired().
INTELLI_DRAFT_RETENTION_DAYS = env.int("INTELLI_DRAFT_RETENTION_DAYS", default=0)
# Notifications when a job or a report ends: always in the app (and live on /ws/jobs/); by email
# too when this is on and the user has an address. EMAIL_URL configures Django's email backend
# (smtp+tls://user:password@host:587; consolemail:// prints them), DJANGO_DEFAULT_FROM_EMAIL the sender.
INTELLI_EMAIL_NOTIFICATIONS = env.bool("INTELLI_EMAIL_NOTIFICATIONS", default=False)
vars().update(env.email_url("EMAIL_URL", default="smtp://localhost:25"))
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Intelli <intelli@localhost>")
# Where users reach this server, for links in emails (blank: emails carry no link).
INTELLI_PUBLIC_URL = env("INTELLI_PUBLIC_URL", default="")

# --- AI descriptions (apps.ai) -----------------------------------------------------------------
# Two providers: "openai" speaks the OpenAI-compatible chat-completions protocol (OpenAI, Azure
# OpenAI's v1 endpoint, the OpenAI-compatible endpoints of Gemini and Anthropic, Ollama, vLLM, a
# LiteLLM proxy); "local" is the offline describer that writes from the chart's own numbers. The
# default is "openai" when an API key is set, else "local". The key is never logged or stored.
OPENAI_API_KEY = env("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env("OPENAI_BASE_URL", default="https://api.openai.com/v1")
# The header that carries the key: "Authorization" sends "Bearer <key>"; Azure OpenAI wants "api-key".
OPENAI_AUTH_HEADER = env("OPENAI_AUTH_HEADER", default="Authorization")
AI_PROVIDER = env("AI_PROVIDER", default="openai" if OPENAI_API_KEY else "local")
AI_MODEL = env("AI_MODEL", default="gpt-4o-mini")
# Tried in order, after AI_MODEL (or the model a job or request chose), when a model keeps failing.
AI_FALLBACK_MODELS = env.list("AI_FALLBACK_MODELS", default=[])
# One HTTP call may take this long; everything for one description (waiting for the shared rate
# limit, retries, backoff, fallback models) must end within the deadline, which stays below the
# ai queue's 60 s limit (the threads pool does not enforce Celery time limits; this does).
AI_CALL_TIMEOUT_S = env.float("AI_CALL_TIMEOUT_S", default=25.0)
AI_DEADLINE_S = env.float("AI_DEADLINE_S", default=50.0)
# Retries per model on 429, 5xx, timeouts and unreadable answers (exponential backoff with full
# jitter from 1 s, capped at 20 s; Retry-After is honoured). 401/403 are never retried.
AI_MAX_RETRIES = env.int("AI_MAX_RETRIES", default=3)
AI_RETRY_BACKOFF_S = env.float("AI_RETRY_BACKOFF_S", default=1.0)
# Requests per minute to the provider, shared by every worker through Redis (0: no limit).
AI_REQUESTS_PER_MINUTE = env.int("AI_REQUESTS_PER_MINUTE", default=60)
# Estimated spend per user per UTC day, in US dollars (0: no limit). Local descriptions cost 0.
AI_DAILY_BUDGET_USD = env.float("AI_DAILY_BUDGET_USD", default=2.0)
# Prices for the cost estimate, USD per million tokens: {"model": [input, output]}. A model
# missing here is priced at AI_PRICE_UNKNOWN (set it to [0, 0] for a self-hosted model).
AI_PRICES = env.json(
    "AI_PRICES",
    default={
        "gpt-4o-mini": [0.15, 0.60],
        "gpt-4o": [2.50, 10.00],
        "gpt-4.1-nano": [0.10, 0.40],
        "gpt-4.1-mini": [0.40, 1.60],
        "gpt-4.1": [2.00, 8.00],
        "gemini-2.0-flash": [0.10, 0.40],
        "claude-3-5-haiku-latest": [0.80, 4.00],
    },
)
AI_PRICE_UNKNOWN = env.list("AI_PRICE_UNKNOWN", cast=float, default=[2.50, 10.00])
# Longest answer asked of the model, and how creative it may be.
AI_MAX_OUTPUT_TOKENS = env.int("AI_MAX_OUTPUT_TOKENS", default=600)
AI_TEMPERATURE = env.float("AI_TEMPERATURE", default=0.2)
# Streamed text reaches browsers as coalesced `description.delta` events: at most this many per
# second per item (each carries the whole text so far, so a dropped one loses nothing).
INTELLI_DESCRIPTION_DELTAS_PER_SECOND = 10

# --- Operations (apps.ops) ------------------------------------------------------------------------
# /metrics answers a staff session, or `Authorization: Bearer <METRICS_TOKEN>` when this is set.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Job events (the replay log) and the files of unpublished charts of finished jobs are deleted this
# many days after the job ended; 0 keeps them forever (the default). Published charts are never
# deleted (see apps.library.selectors.drafts_expired and INTELLI_DRAFT_RETENTION_DAYS).
INTELLI_EVENT_RETENTION_DAYS = env.int("INTELLI_EVENT_RETENTION_DAYS", default=0)
# Files in MEDIA_ROOT that no row points at are deleted once they are this old (a file being
# written right now is younger; 0 turns the sweep off).
INTELLI_ORPHAN_MIN_AGE_HOURS = env.int("INTELLI_ORPHAN_MIN_AGE_HOURS", default=24)

# --- Logging -----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # One JSON object per line with trace_id, job_id and item_id (see apps.ops.tracing).
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(trace_id)s %(job_id)s %(item_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    # Adds trace_id, job_id and item_id to every record.
    "filters": {"context": {"()": "apps.ops.tracing.ContextFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("DJANGO_LOG_FORMAT", default="plain"),
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # httpx logs every request at INFO; only its warnings are worth a line per model call.
    # Celery's own "Task … succeeded in …" line repeats, per task, what apps.core.instrumentation
    # logs with more figures (state, duration, SQL, CPU); its failures and retries still come through.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
    },
}
