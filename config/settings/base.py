"""Settings shared by every run mode, read from the environment with django-environ.

Run modes: ``local`` (make run: SQLite + django-q ORM broker), ``test`` (the suite) and
``production`` (make serve / deployments). ``DATABASE_URL`` and ``REDIS_URL`` switch any of
them to PostgreSQL and Redis. Every variable is listed in ``.env.example``.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "modeltranslation",  # before admin: content per language (promotions/translation.py)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, not a CDN
    "django_q",
    "tracking",
    "promotions",
    "shop",
]

# GZip sits under WhiteNoise (static files come pre-compressed from collectstatic and never
# reach it) and above everything that reads or writes the body. It compresses pages and
# API JSON of 200 bytes or more. BREACH: pages hold a CSRF token that Django masks anew on
# every response, and GZipMiddleware pads each response with up to 100 random bytes ("Heal
# the BREACH", Django 4.2+); the API authenticates with a Bearer header, which a
# cross-site attacker cannot make a browser send. /t/ (tracking) never passes here
# (tracking/wsgi_fastpath.py answers it in front of Django).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "promotions.pages.cookies.partitioned_cookies",  # above every middleware that sets one
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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

# --- Database -----------------------------------------------------------------------
# SQLite is the embedded default. Several granian workers and the django-q cluster write
# at once, so SQLite runs in WAL mode with a busy timeout and IMMEDIATE transactions:
# writers queue instead of failing with "database is locked" (django-q2 issue 144).
SQLITE_PATH = env("SQLITE_PATH", default=str(BASE_DIR / "var" / "db.sqlite3"))
Path(SQLITE_PATH).parent.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;"
        ),
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if USING_POSTGRES:
    # Django's backend, whose health check polls an idle connection's socket before it
    # sends a query (config/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "config.postgresql"
    # Parameters bound by the server, and a statement run 5 times on a connection
    # prepared there (psycopg): the same few statements of every entry are parsed once,
    # and psycopg stops writing the values into the SQL (per entry: web CPU 11.1-11.7 ms
    # → 7.8-8.4 ms, PostgreSQL 4.0-4.2 → 2.7-2.9 ms; docs/operations.md). Behind
    # PgBouncer in transaction mode before 1.21, set DATABASE_PREPARE_THRESHOLD=0.
    _prepare = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    # A prepared statement runs on its generic plan once that is no worse (PostgreSQL's
    # default); the batch statements, whose best plan depends on their size, are never
    # prepared (``config.postgresql.PLANNED_EACH_TIME``).
    _options.update(
        server_side_binding=env.bool("DATABASE_SERVER_SIDE_BINDING", default=True),
        prepare_threshold=_prepare or None,
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Every address marketers and partners type is https: "example.com" means https://, as it
# will by default in Django 6.0 (this transitional setting opts in now).
FORMS_URLFIELD_ASSUME_HTTPS = True

# --- Cache, queue -------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",  # Django's, one client per pool
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="promohub"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "promohub",
        }
    }

# Sessions: with Redis, read from the cache and written to both (a signed-in entrant's
# entry reads no session row): Django's cached_db, read by the lean client (config/sessions.py);
# without it, from the database.
SESSION_ENGINE = "config.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"

Q_WORKERS = env.int("Q_WORKERS", default=2)
Q_CLUSTER: dict[str, object] = {
    "name": env("Q_CLUSTER_NAME", default="promohub"),
    "workers": Q_WORKERS,
    "timeout": 60,
    "retry": 90,  # timeout < retry, as django-q2 requires
    "max_attempts": 5,
    # On stop the pusher first hands over every task it has fetched and the workers run all
    # the queued ones before their stop pill; with 50 queued (and bulks of 10) a stop with a
    # backlog waited for all of them. One queued task per worker and one task per fetch keep
    # the stop to the tasks running (bin/supervise's grace; docs/operations.md). A task
    # abandoned by a kill is fetched again after `retry` on the ORM broker.
    "queue_limit": Q_WORKERS,
    "bulk": 1,
    "catch_up": False,
    "label": "Background tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Auth ---------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# --- I18n ---------------------------------------------------------------------------
LANGUAGE_CODE = "en"
# Consumer pages, emails and content are offered in these (docs/architecture.md, "Languages").
# Each has a catalog in locale/<code>/LC_MESSAGES/ (pt-br → pt_BR), compiled by
# `manage.py compile_catalogs`; Arabic and Hebrew are right-to-left.
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("it", "Italiano"),
    ("pt-br", "Português (Brasil)"),
    ("fi", "Suomi"),
    ("ar", "العربية"),
    ("he", "עברית"),
    ("ja", "日本語"),
]
# django-modeltranslation: one column per language on the same row (no join on the hub).
# A missing translation falls back to the brand's language, then English
# (promotions/translation.py).
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = tuple(code for code, _name in LANGUAGES)
MODELTRANSLATION_AUTO_POPULATE = False
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and media ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Winners' identity documents: outside MEDIA_ROOT, no base URL, never served.
    "claim_documents": {
        "BACKEND": "promotions.claims.storage.PrivateFileSystemStorage",
        "OPTIONS": {
            "location": env("CLAIM_DOCUMENTS_ROOT", default=str(BASE_DIR / "var" / "private")),
        },
    },
}

# --- Django REST framework and the OpenAPI schema ----------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tracking.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tracking.api.permissions.HasApiKey"],
    "DEFAULT_THROTTLE_CLASSES": ["tracking.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env("API_THROTTLE_RATE", default="1200/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "tracking.api.pagination.IdCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "tracking.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "tracking.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Promotion hub partner API",
    "DESCRIPTION": (
        "Read campaigns, promotions and reports of the brands your key is scoped to, "
        "and post events in batches.\n\n"
        "**Authentication**: `Authorization: Bearer phk_<prefix>_<secret>`. A key sees only "
        "its brands' objects: another brand's object is a 404, as if it did not exist.\n\n"
        "**Errors** are JSON with a 4xx status: "
        '`{"error": {"code": "...", "message": "...", "fields": {...}}}`; `fields` names each '
        "offending query parameter or body field. Unknown query parameters and unknown body "
        "fields are refused (400), never ignored.\n\n"
        "**Brands** are named by their slug (`demo`) everywhere: in answers, insights rows, "
        "pushes and filters. A report subscription's `brand` also accepts the brand's "
        "integer id, deprecated: it keeps working until 2027-06-30.\n\n"
        "**Links** (`url`, `impression_pixel_url`, `click_url`, `next`) are absolute, on the "
        "address you called (or the service's configured public address).\n\n"
        "**Lists** are cursor-paginated: follow `next` and `previous` as given; `page_size` "
        "is 1 to 500 (default 50).\n\n"
        "**Throttling** is per key: 429 with `Retry-After` (seconds)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # /api/docs/ works offline: Swagger UI comes from drf-spectacular-sidecar's static files.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Entries' status (valid/excluded) is not that of campaigns and promotions.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "promotions.models.Status",
        "EntryStatusEnum": "promotions.models.Entry.Status",
        "WebhookEventTypeEnum": "tracking.models.WebhookEventType",
        "DeliveryStateEnum": "tracking.models.OutboundState",
    },
}

# --- Promotion service --------------------------------------------------------------
# The public address (https://promos.example.com). Unset, every absolute URL the service
# hands out is on the address each request came to (tracking/site.py), and what has no
# request (emails, the Conversions API) names the local server on PORT.
SITE_URL = env("SITE_URL", default="")
PORT = env.int("PORT", default=8000)
# Proxies whose X-Forwarded-For is believed (IPs or CIDRs); nobody's by default.
TRUSTED_PROXIES: list[str] = env.list("TRUSTED_PROXIES", default=[])
API_KEY_LAST_USED_RESOLUTION_SECONDS = 60

FACEBOOK_APP_ID = env("FACEBOOK_APP_ID", default="")
FACEBOOK_APP_SECRET = env("FACEBOOK_APP_SECRET", default="")
FACEBOOK_GRAPH_VERSION = env("FACEBOOK_GRAPH_VERSION", default="v25.0")
# The Graph API's base address; tests and staging point it at a fake Graph server.
FACEBOOK_GRAPH_URL = env("FACEBOOK_GRAPH_URL", default="https://graph.facebook.com").rstrip("/")
# The token Facebook echoes when it verifies the webhook subscription (/facebook/webhooks/).
FACEBOOK_WEBHOOK_VERIFY_TOKEN = env("FACEBOOK_WEBHOOK_VERIFY_TOKEN", default="")
# Keys for fields encrypted at rest (connected Pages' tokens; django-fernet-encrypted-fields
# derives each Fernet key from SECRET_KEY and one of these). Newest first: rotating means
# putting a new key in front, then `manage.py social_tokens_reencrypt`, then dropping the old.
SALT_KEY: list[str] = env.list("FIELD_ENCRYPTION_KEYS", default=["local-development-only"])
# Where the Facebook Login dialog is (tests point it at the fake Graph server).
FACEBOOK_WWW_URL = env("FACEBOOK_WWW_URL", default="https://www.facebook.com").rstrip("/")
# A Facebook Login for Business configuration for connecting Pages (its permissions replace
# the scopes the service asks for); empty: classic Facebook Login with those scopes.
FACEBOOK_LOGIN_CONFIG_ID = env("FACEBOOK_LOGIN_CONFIG_ID", default="")
FACEBOOK_PIXEL_ID = env("FACEBOOK_PIXEL_ID", default="")
FACEBOOK_CAPI_TOKEN = env("FACEBOOK_CAPI_TOKEN", default="")

STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_JS_URL = env("STRIPE_JS_URL", default="https://js.stripe.com/v3/")
# How long checkout holds stock and codes for an unpaid order.
SHOP_RESERVATION_MINUTES = env.int("SHOP_RESERVATION_MINUTES", default=15)
# How long the sweep keeps sending a refund Stripe could not be reached for, before failing it.
SHOP_REFUND_RETRY_DAYS = env.int("SHOP_REFUND_RETRY_DAYS", default=3)
# Checkout attempts per shopper (DRF rate syntax; the shopper is the browser's device
# cookie, else its IP + user agent, as for entries): slows card testing down. The IP rate
# is a ceiling for one address, never the only limit: a mobile carrier puts thousands of
# people behind one.
SHOP_CHECKOUT_RATE = env("SHOP_CHECKOUT_RATE", default="30/hour")
SHOP_CHECKOUT_IP_RATE = env("SHOP_CHECKOUT_IP_RATE", default="200/hour")
# Quotes per shopper and per address: a quote says whether a coupon code exists, so
# guessing codes through it is slowed down too.
SHOP_QUOTE_RATE = env("SHOP_QUOTE_RATE", default="60/min")
SHOP_QUOTE_IP_RATE = env("SHOP_QUOTE_IP_RATE", default="300/min")

# Consumer entries (promotions): rate limits per viewer and per person (DRF rate syntax),
# the life of an email sign-in link, upload size, and the velocity flag.
PROMOTIONS_RATES = {
    "enter": env("PROMOTIONS_ENTER_RATE", default="20/min"),
    "vote": env("PROMOTIONS_VOTE_RATE", default="30/min"),
    "email": env("PROMOTIONS_EMAIL_RATE", default="10/hour"),
}
# A ceiling per client address on top (sign-in links are email we pay for and our sender's
# reputation): high, as a mobile carrier puts many people behind one address.
PROMOTIONS_IP_RATES = {"email": env("PROMOTIONS_EMAIL_IP_RATE", default="300/hour")}
PROMOTIONS_EMAIL_LINK_MAX_AGE = env.int("PROMOTIONS_EMAIL_LINK_MAX_AGE", default=24 * 3600)
PROMOTIONS_UPLOAD_MAX_MB = env.int("PROMOTIONS_UPLOAD_MAX_MB", default=50)
PROMOTIONS_VELOCITY_LIMIT = env.int("PROMOTIONS_VELOCITY_LIMIT", default=10)
PROMOTIONS_VELOCITY_WINDOW_SECONDS = env.int("PROMOTIONS_VELOCITY_WINDOW_SECONDS", default=600)
PROMOTIONS_EXTRA_DISPOSABLE_DOMAINS: list[str] = env.list(
    "PROMOTIONS_EXTRA_DISPOSABLE_DOMAINS", default=[]
)
# A web process reads the promotion an entry (vote, sign-in) names, with its campaign,
# brand and country rules, at most once in this many seconds (0: on every request). A
# marketer's pause or edit reaches entries within that time; pages always read afresh.
PROMOTIONS_ACTION_CACHE_SECONDS = env.float("PROMOTIONS_ACTION_CACHE_SECONDS", default=2.0)
# Sweepstakes entries accepted into a Redis stream and stored in batches by the entries
# consumer (promotions/entries/intake.py; docs/architecture.md, "Entry intake"): on when
# REDIS_URL is set, unless ENTRY_INTAKE=false. That Redis must keep what it acknowledged
# (appendonly yes; docs/operations.md). Slot keys hold a frequency slot this long.
ENTRY_INTAKE = env.bool("ENTRY_INTAKE", default=True) and bool(REDIS_URL)
ENTRY_INTAKE_STREAM = env("ENTRY_INTAKE_STREAM", default="promohub:entries")
ENTRY_INTAKE_GROUP = env("ENTRY_INTAKE_GROUP", default="entries-store")
ENTRY_INTAKE_SLOT_SECONDS = env.int("ENTRY_INTAKE_SLOT_SECONDS", default=2 * 24 * 3600)
ENTRY_INTAKE_BATCH = env.int("ENTRY_INTAKE_BATCH", default=500)
# A consumer that read fewer than a batch waits this long for more (stored within ~0.2 s).
ENTRY_INTAKE_LINGER_MS = env.int("ENTRY_INTAKE_LINGER_MS", default=200)
# Claims (promotions/claims/): a winner's address, phone and documents are deleted this many
# days after the prize is delivered (or the claim closed).
CLAIM_DATA_RETENTION_DAYS = env.int("CLAIM_DATA_RETENTION_DAYS", default=30)
CLAIM_DOCUMENT_MAX_MB = env.int("CLAIM_DOCUMENT_MAX_MB", default=10)

# Signed POSTs (report pushes, alert webhooks): https and public addresses only, unless
# WEBHOOK_ALLOW_PRIVATE (local receivers and tests; never in production).
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
# Report pushes retry after base x 2^(n-1) seconds, capped, at most this many attempts.
REPORT_PUSH_RETRY_BASE_SECONDS = env.int("REPORT_PUSH_RETRY_BASE_SECONDS", default=60)
REPORT_PUSH_RETRY_MAX_SECONDS = env.int("REPORT_PUSH_RETRY_MAX_SECONDS", default=3600)
REPORT_PUSH_MAX_ATTEMPTS = env.int("REPORT_PUSH_MAX_ATTEMPTS", default=8)
# Partner webhooks retry as report pushes do (the settings above); their events' personal
# data is dropped after this many days.
WEBHOOK_PII_DAYS = env.int("WEBHOOK_PII_DAYS", default=7)
# The live wall's snapshot is computed at most once per this many seconds per campaign.
LIVE_WALL_CACHE_SECONDS = env.int("LIVE_WALL_CACHE_SECONDS", default=1)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="promotions@localhost")
# django-anymail's settings, when EMAIL_BACKEND names one of its backends (.env.example):
# "POSTMARK_SERVER_TOKEN=...,..." becomes {"POSTMARK_SERVER_TOKEN": "...", ...}.
ANYMAIL = env.dict("ANYMAIL", default={})

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Comment and reaction giveaways (promotions.social) ---------------------------------
# Graph retries: base * 2^(n-1) seconds (* 4 when throttled), at most MAX seconds, n ≤ RETRIES.
SOCIAL_IMPORT_MAX_RETRIES = env.int("SOCIAL_IMPORT_MAX_RETRIES", default=6)
SOCIAL_IMPORT_RETRY_BASE_SECONDS = env.float("SOCIAL_IMPORT_RETRY_BASE_SECONDS", default=2.0)
SOCIAL_IMPORT_RETRY_MAX_SECONDS = env.float("SOCIAL_IMPORT_RETRY_MAX_SECONDS", default=120.0)
# Above this share of the Business Use Case limit, the import pauses between pages.
SOCIAL_USAGE_SLOWDOWN_PERCENT = env.int("SOCIAL_USAGE_SLOWDOWN_PERCENT", default=75)
SOCIAL_IMPORT_LEASE_SECONDS = env.int("SOCIAL_IMPORT_LEASE_SECONDS", default=600)
SOCIAL_REPLY_MAX_ATTEMPTS = env.int("SOCIAL_REPLY_MAX_ATTEMPTS", default=6)
SOCIAL_REPLY_RETRY_BASE_SECONDS = env.int("SOCIAL_REPLY_RETRY_BASE_SECONDS", default=60)
