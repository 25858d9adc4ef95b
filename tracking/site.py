"""The service's own address, for the absolute URLs it hands out (partner API links,
tracking URLs, emails).

``SITE_URL`` wins when it is set. Otherwise a request answers with the address it was sent
to: its own scheme and host, or, when the peer is one of ``TRUSTED_PROXIES``, the
``X-Forwarded-Host`` and ``X-Forwarded-Proto`` that proxy sends (a forwarded host must be
one of ``ALLOWED_HOSTS``; from anyone else these headers are ignored). Without a request
(an email, a background task) it is the local server, ``http://127.0.0.1:<PORT>``.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.http.request import split_domain_port, validate_host

from tracking import classify


def _allowed_hosts() -> list[str]:
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:  # Django's own default under DEBUG
        hosts = [".localhost", "127.0.0.1", "[::1]"]
    return hosts


def _forwarded_host(request: HttpRequest) -> str:
    """The host a trusted proxy says the client asked for; '' when there is none to believe."""
    if not classify.is_trusted_proxy(str(request.META.get("REMOTE_ADDR") or "")):
        return ""
    # A chain of proxies appends: the first value is the one the client sent.
    host = str(request.META.get("HTTP_X_FORWARDED_HOST", "")).split(",")[0].strip()
    domain, _port = split_domain_port(host)
    return host if domain and validate_host(domain, _allowed_hosts()) else ""


def site_url(request: HttpRequest | None = None) -> str:
    """``scheme://host[:port]`` (or ``SITE_URL``), without a trailing slash."""
    configured = str(getattr(settings, "SITE_URL", "") or "")
    if configured:
        return configured.rstrip("/")
    if request is None:
        return f"http://127.0.0.1:{getattr(settings, 'PORT', 8000)}"
    forwarded = _forwarded_host(request)
    if forwarded:
        scheme = "https" if classify.is_secure(request.META) else "http"
        return f"{scheme}://{forwarded}"
    scheme = "https" if request.is_secure() or classify.is_secure(request.META) else "http"
    return f"{scheme}://{request.get_host()}"


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    """A site path (``/p/demo/launch/``, with any query) as an absolute URL on ``site_url``."""
    return site_url(request) + path
