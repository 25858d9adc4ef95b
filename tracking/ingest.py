"""The capture endpoints, independent of Django's request cycle.

``handle(environ, read_body)`` answers ``/t/i`` (beacon), ``/t/i.gif`` (pixel) and
``/t/c/<token>`` (click) from a WSGI environ. ``tracking.wsgi_fastpath`` calls it before
Django (no middleware, no URL resolution, no session), and ``tracking.views`` calls it from
Django's URLconf for runserver and the test client: one implementation, two doors.

- ``POST /t/i`` with ``{"p": "<promotion token>", "e": "<uuid>"}`` (optional ``"s"``
  utm_source, ``"r"`` the page's referrer and ``"l"`` its language) → 204; a bad token or
  body → 400 JSON error; the event not stored → 503 (the page may retry with the same ``e``).
- ``GET /t/i.gif?p=&e=[&l=]`` → always the 1x1 GIF; an invalid one is not counted.
- ``GET /t/c/<token>[?e=<uuid>&lang=<code>]`` → 302 to the signed target with the
  attribution cookie; a tampered or forged token → 404, never a redirect.
A language that is not one of ``settings.LANGUAGES`` is stored as unknown (''), never
refused: it only labels the event.
Every answer forbids caching.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from django.utils.encoding import iri_to_uri

from tracking import classify, services, tokens
from tracking.api.errors import error_body
from tracking.ids import uuid7

logger = logging.getLogger(__name__)

Response = tuple[int, list[tuple[str, str]], bytes]
ReadBody = Callable[[int], bytes | None]  # read at most n bytes; None when longer

MAX_BEACON_BYTES = 4096
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
NO_CACHE = [
    ("Cache-Control", "no-store, no-cache, must-revalidate, max-age=0, private"),
    ("Pragma", "no-cache"),
    ("Expires", "Thu, 01 Jan 1970 00:00:00 GMT"),
    ("X-Content-Type-Options", "nosniff"),
]
CORS = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", "POST, OPTIONS"),
    ("Access-Control-Allow-Headers", "Content-Type"),
    ("Access-Control-Max-Age", "86400"),
]
_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)


def _json(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> Response:
    body = json.dumps(error_body(code, message, fields))
    headers = [("Content-Type", "application/json"), *NO_CACHE, *CORS]
    return status, headers, body.encode()


def _event_id(value: object) -> uuid.UUID | None:
    if not isinstance(value, str) or not _UUID.match(value):
        return None
    return uuid.UUID(value)


def _query(environ: Mapping[str, Any]) -> dict[str, list[str]]:
    """The query's fields, at most 10 read; a longer query is read as empty (never a 5xx:
    parse_qs raises on field 11)."""
    try:
        return parse_qs(str(environ.get("QUERY_STRING", "")), max_num_fields=10)
    except ValueError:
        return {}


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _text(value: object, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def beacon(environ: Mapping[str, Any], read_body: ReadBody) -> Response:
    method = environ.get("REQUEST_METHOD", "GET")
    if method == "OPTIONS":
        return 204, [*NO_CACHE, *CORS], b""
    if method != "POST":
        status, headers, body = _json(405, "method_not_allowed", "Send the beacon with POST.")
        return status, [*headers, ("Allow", "POST, OPTIONS")], body
    raw = read_body(MAX_BEACON_BYTES)
    if raw is None:  # a bad body, as the contract answers it (400), with its own code
        return _json(400, "too_large", f"A beacon body is at most {MAX_BEACON_BYTES} bytes.")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _json(400, "invalid", 'The body must be JSON: {"p": "<token>", "e": "<uuid>"}.')
    if not isinstance(data, dict):
        return _json(400, "invalid", 'The body must be a JSON object {"p": ..., "e": ...}.')
    errors: dict[str, str] = {}
    ref = tokens.promotion_token_verify(data["p"]) if isinstance(data.get("p"), str) else None
    if ref is None:
        errors["p"] = "Not a valid promotion token."
    event_id = _event_id(data.get("e"))
    if event_id is None:
        errors["e"] = "The event id must be a UUID."
    if errors or ref is None or event_id is None:
        code = "bad_token" if "p" in errors else "invalid"
        return _json(400, code, "The beacon is not valid: " + ", ".join(errors) + ".", errors)
    visit = classify.visit_from_environ(
        environ,
        utm_source=_text(data.get("s"), 100),
        referrer=_text(data.get("r"), 2000),
        page_language=_text(data.get("l"), 40),
    )
    try:
        services.impression_record(ref=ref, event_id=event_id, visit=visit)
    except services.NotStored:
        status, headers, body = _json(503, "unavailable", "Not stored; retry with the same e.")
        return status, [*headers, ("Retry-After", "1")], body
    return 204, [*NO_CACHE, *CORS], b""


def pixel(environ: Mapping[str, Any]) -> Response:
    headers = [("Content-Type", "image/gif"), ("Content-Length", str(len(GIF))), *NO_CACHE]
    if environ.get("REQUEST_METHOD") != "GET":
        return 200, headers, GIF if environ.get("REQUEST_METHOD") != "HEAD" else b""
    query = _query(environ)
    ref = tokens.promotion_token_verify(_first(query, "p") or "")
    event_id = _event_id(_first(query, "e"))
    if ref is None or event_id is None:
        return 200, headers, GIF  # not counted, and nothing for the page to handle
    visit = classify.visit_from_environ(
        environ,
        utm_source=_first(query, "s"),
        referrer=_first(query, "r"),
        page_language=_first(query, "l"),
    )
    try:
        services.impression_record(ref=ref, event_id=event_id, visit=visit)
    except services.NotStored:
        return 503, [*headers, ("Retry-After", "1")], GIF
    return 200, headers, GIF


_INVALID_LINK = (
    b"<!doctype html><meta charset=utf-8><title>Link not valid</title>"
    b"<p>This link is not valid. Please go back and try again.</p>"
)


def click(environ: Mapping[str, Any], token: str) -> Response:
    html = [("Content-Type", "text/html; charset=utf-8"), *NO_CACHE]
    method = environ.get("REQUEST_METHOD")
    if method not in ("GET", "HEAD"):
        return 405, [*html, ("Allow", "GET, HEAD")], b""
    ref = tokens.click_token_verify(token)
    if ref is None:
        return 404, html, _INVALID_LINK
    query = _query(environ)
    event_id = _event_id(_first(query, "e")) or uuid7()
    visit = classify.visit_from_environ(
        environ,
        utm_source=_first(query, "s"),
        referrer=_first(query, "r"),
        page_language=_first(query, "lang"),
    )
    try:
        event = services.click_record(
            ref=ref, event_id=event_id, visit=visit, preview=method == "HEAD"
        )
    except services.NotStored:
        body = (
            "<!doctype html><meta charset=utf-8><title>One moment</title>"
            '<p>We could not record this visit. <a href="">Try again</a>.</p>'
        )
        return 503, [*html, ("Retry-After", "1")], body.encode()
    cookie = tokens.attribution_value(ref=ref, click_event_id=event.event_id)
    attributes = "SameSite=None; Secure" if classify.is_secure(environ) else "SameSite=Lax"
    headers = [
        ("Location", iri_to_uri(ref.target)),  # headers are latin-1: escape the rest
        *NO_CACHE,
        (
            "Set-Cookie",
            f"{tokens.ATTRIBUTION_COOKIE}={cookie}; Max-Age={tokens.ATTRIBUTION_MAX_AGE}; "
            f"Path=/; HttpOnly; {attributes}",
        ),
        ("Content-Length", "0"),
    ]
    return 302, headers, b""


def handle(environ: Mapping[str, Any], read_body: ReadBody) -> Response:
    """Dispatch a ``/t/...`` request; anything else under /t/ is a 404 JSON error."""
    path = str(environ.get("PATH_INFO", ""))
    if path == "/t/i":
        return beacon(environ, read_body)
    if path == "/t/i.gif":
        return pixel(environ)
    if path.startswith("/t/c/"):
        return click(environ, path[len("/t/c/") :])
    return _json(404, "not_found", "Nothing lives at this address.")
