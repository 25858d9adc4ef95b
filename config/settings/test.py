"""The test suite: fast hashing, in-memory mail, the same database switch as every mode."""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .base import *
from .base import CACHES, DATABASES, REDIS_URL, SQLITE_PATH, env

DEBUG = False
SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
FACEBOOK_APP_ID = "1234567890"
FACEBOOK_APP_SECRET = "test-facebook-app-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "claim_documents": {"BACKEND": "promotions.claims.storage.PrivateInMemoryStorage"},
}
# pytest-django adds a suffix per xdist worker. TEST_DB_NAME lets two suites share one
# PostgreSQL server (or one var/ folder) without dropping each other's databases.
if USING_POSTGRES:
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DB_NAME", default="") or None}
else:
    # A file, as the embedded default runs, not Django's in-memory database: the browser
    # tests' live server would share one in-memory connection between its request threads
    # and the test ("cannot start a transaction within a transaction" when the page's
    # requests overlap). With a file each thread has its own connection (WAL, IMMEDIATE).
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(SQLITE_PATH).with_name(env("TEST_DB_NAME", default="test.sqlite3")))
    }

# Each xdist worker gets its own Redis database (db + 8 x worker number), because tests
# flush the cache and the tracking stream between tests.
if REDIS_URL:
    _worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    _parts = urlsplit(REDIS_URL)
    _db = int(_parts.path.strip("/") or 0) + 8 * _worker
    REDIS_URL = urlunsplit(_parts._replace(path=f"/{_db}"))
    CACHES["default"]["LOCATION"] = REDIS_URL
    Q_CLUSTER = {**Q_CLUSTER, "redis": REDIS_URL}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_key": "100000/min"}}
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
FACEBOOK_WEBHOOK_VERIFY_TOKEN = "test-webhook-verify-token"  # noqa: S105
# Tests change a promotion and enter at once; the cache and the intake have their own tests.
PROMOTIONS_ACTION_CACHE_SECONDS = 0.0
ENTRY_INTAKE = False
SOCIAL_IMPORT_RETRY_BASE_SECONDS = 0.01
SOCIAL_IMPORT_RETRY_MAX_SECONDS = 0.05
