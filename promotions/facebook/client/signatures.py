"""What Facebook signs: webhook bodies (``X-Hub-Signature-256``), the subscription
handshake's verify token, and ``signed_request``.

``signed_request_parse`` is the verification wrapper around facebook-sdk's
``parse_signed_request`` (which compares signatures in variable time, raises on some
malformed input and never looks at ``issued_at``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from typing import Any

import facebook
from django.conf import settings


def webhook_signature_valid(raw_body: bytes, header: str, *, app_secret: str | None = None) -> bool:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app
    secret>``, compared in constant time. No secret configured: nothing is valid."""
    secret = settings.FACEBOOK_APP_SECRET if app_secret is None else app_secret
    prefix, _, given = (header or "").partition("=")
    if not secret or prefix != "sha256" or len(given) != 64:
        return False
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode("ascii", "replace"))


def webhook_verify_token_valid(given: str) -> bool:
    """The subscription handshake's ``hub.verify_token`` against the setting, in constant
    time; no token configured: refused."""
    expected = settings.FACEBOOK_WEBHOOK_VERIFY_TOKEN
    if not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


# --- signed_request ---------------------------------------------------------------------

SIGNED_REQUEST_MAX_LENGTH = 8192
SIGNED_REQUEST_MAX_AGE = 24 * 3600
SIGNED_REQUEST_CLOCK_SKEW = 300
_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def _b64url_decode(part: str) -> bytes | None:
    if not _B64URL.match(part):
        return None
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None
    # One encoding per value: a part whose unused low bits were changed decodes to the same
    # bytes, and would let a changed string pass as the signed one.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != part.rstrip("="):
        return None
    return raw


def signed_request_parse(
    value: object, *, app_secret: str | None = None, now: float | None = None
) -> dict[str, Any] | None:
    """The payload of a valid ``signed_request``, or None; never raises.

    Valid means: ``base64url(signature).base64url(payload)`` within 8 KiB; a JSON object
    payload whose ``algorithm`` is exactly ``HMAC-SHA256``; a signature equal, in constant
    time, to HMAC-SHA256 of the encoded payload under the app secret; an integer
    ``issued_at`` at most 24 hours old (and not more than 5 minutes ahead). Only then is
    facebook-sdk's ``parse_signed_request`` asked as well, and must agree.
    """
    secret = settings.FACEBOOK_APP_SECRET if app_secret is None else app_secret
    if not secret or not isinstance(value, str) or len(value) > SIGNED_REQUEST_MAX_LENGTH:
        return None
    encoded_sig, dot, encoded_payload = value.partition(".")
    if not dot or not encoded_sig or not encoded_payload:
        return None
    signature = _b64url_decode(encoded_sig)
    raw = _b64url_decode(encoded_payload)
    if signature is None or raw is None:
        return None
    expected = hmac.new(secret.encode(), encoded_payload.encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        return None
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(payload, dict) or payload.get("algorithm") != "HMAC-SHA256":
        return None
    issued_at = payload.get("issued_at")
    if not isinstance(issued_at, int) or isinstance(issued_at, bool):
        return None
    current = time.time() if now is None else now
    if (
        issued_at < current - SIGNED_REQUEST_MAX_AGE
        or issued_at > current + SIGNED_REQUEST_CLOCK_SKEW
    ):
        return None
    try:
        agreed = facebook.parse_signed_request(value, secret)
    except Exception:  # the SDK raises on input it cannot decode; we already checked it
        return None
    if agreed != payload:
        return None
    return payload


def signed_request_make(payload: dict[str, Any], *, app_secret: str | None = None) -> str:
    """Build a ``signed_request`` the way Facebook does (tests and local tools)."""
    secret = settings.FACEBOOK_APP_SECRET if app_secret is None else app_secret
    body = {"algorithm": "HMAC-SHA256", **payload}
    encoded = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    sig = hmac.new(secret.encode(), encoded.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(sig).rstrip(b"=").decode() + "." + encoded
