"""A WSGI dispatcher in front of Django: ``/t/*`` is answered here, everything else by Django.

The tracking endpoints need no session, CSRF, locale, messages, authentication or URL
resolution: they verify an HMAC, classify the request and append to the stream. Skipping
Django's request cycle for them is what lets the beacon outrun a trivial Django view
(docs/operations.md has the numbers). They still share Django's settings, signing key,
database connections and cache, because this runs in the same process after
``django.setup()``; ``config/wsgi.py`` wraps its application with ``tracking_fastpath``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from tracking import ingest, stream
from tracking.store import connections_tidy

logger = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_REASONS = {
    200: "OK",
    204: "No Content",
    302: "Found",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _body_reader(environ: dict[str, Any]) -> ingest.ReadBody:
    def read(limit: int) -> bytes | None:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            return None
        stream_in = environ["wsgi.input"]
        if length:
            return bytes(stream_in.read(length))
        data = stream_in.read(limit + 1)  # no Content-Length (chunked): read with a cap
        return None if len(data) > limit else bytes(data)

    return read


def serve(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    """Answer one /t/ request in WSGI terms."""
    uses_database = not stream.enabled()
    try:
        status, headers, body = ingest.handle(environ, _body_reader(environ))
    except Exception:  # a bug, not bad input: bad input is answered inside ingest
        logger.exception("tracking fast path failed for %s", environ.get("PATH_INFO"))
        status, headers, body = ingest._json(500, "server_error", "Something broke on our side.")
    finally:
        if uses_database:
            connections_tidy()  # what Django's request_finished signal would do
    if not any(name == "Content-Length" for name, _ in headers):
        headers = [*headers, ("Content-Length", str(len(body)))]
    start_response(f"{status} {_REASONS.get(status, 'Unknown')}", headers)
    return [body] if environ.get("REQUEST_METHOD") != "HEAD" else [b""]


def tracking_fastpath(django_application: WSGIApp) -> WSGIApp:
    """Wrap Django's WSGI application: ``/t/…`` goes to ``serve``, the rest to Django."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith("/t/"):
            return serve(environ, start_response)
        return django_application(environ, start_response)

    application.django_application = django_application  # type: ignore[attr-defined]
    return application
