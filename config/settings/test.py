"""The test suite: fast hashing, in-memory mail, the same database switch as every mode."""

from .base import *
from .base import DATABASES, env

DEBUG = False
SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
FACEBOOK_APP_ID = "1234567890"
FACEBOOK_APP_SECRET = "test-facebook-app-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# pytest-django adds a suffix per xdist worker. TEST_DB_NAME lets two suites share one
# PostgreSQL server without dropping each other's databases (SQLite tests run in memory).
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DB_NAME", default="") or None}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_key": "100000/min"}}
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
