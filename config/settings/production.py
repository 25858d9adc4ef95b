"""Deployments and `make serve`: DEBUG off, secrets required, hardened HTTP."""

from django.core.exceptions import ImproperlyConfigured

from .base import *
from .base import SECRET_KEY, env

DEBUG = False
if not SECRET_KEY or len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random string of at least 50 characters in production."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")  # required: no default in production
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the host(s) the service answers for.")
if "DATABASE_URL" not in env.ENVIRON:
    raise ImproperlyConfigured(
        "DATABASE_URL must be set in production (postgres://..., or sqlite:////path explicitly)."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^t/"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
# A tab embedded in an iframe on the brand's own site is a cross-site frame: browsers send
# it the session and CSRF cookies (sign-in, entering) only with SameSite=None, which needs
# Secure. The CSRF token and Origin checks still guard every POST. COOKIE_SAMESITE=Lax
# keeps cookies first-party only (embedded tabs can then show, not sign in).
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = env(
    "COOKIE_SAMESITE",
    default="None" if SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE else "Lax",
)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"

if SALT_KEY == ["local-development-only"]:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS must be set in production (the keys Page tokens are encrypted with)."
    )
