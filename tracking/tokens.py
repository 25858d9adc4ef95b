"""Signed tracking tokens: verified with an HMAC, never with a database read.

Three kinds, each with its own domain-separation prefix so one can never pass for another:

- a **promotion token** (``p`` of the beacon and the pixel):
  ``<promotion>.<campaign>.<brand>.<sig>``
- a **click token** (``/t/c/<token>``): ``<promotion>.<campaign>.<brand>.<target>.<sig>``
  where ``<target>`` is the base64url of the redirect target; the target is signed, so
  the redirect is never open.
- an **attribution** value (the first-party cookie the click sets), read by the apps that
  record entries and orders: ``<promotion>.<campaign>.<brand>.<click event>.<unix>.<sig>``

``<sig>`` is the first 96 bits of an HMAC-SHA256 (base64url, 16 characters) under a key
derived from ``SECRET_KEY``. Ids are decimal. Tracking never imports the promotions app:
every helper takes plain ids and values.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from tracking.conf import setting

SIG_BYTES = 12
_MAX_ID_DIGITS = 18  # fits a signed 64-bit integer
_MAX_TARGET_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class PromotionRef:
    """What a valid token says: the promotion and the campaign and brand it belongs to."""

    promotion_id: int
    campaign_id: int
    brand_id: int


@dataclass(frozen=True, slots=True)
class ClickRef:
    promotion_id: int
    campaign_id: int
    brand_id: int
    target: str


@dataclass(frozen=True, slots=True)
class Attribution:
    """The click a visitor came from, as the click cookie records it."""

    promotion_id: int
    campaign_id: int
    brand_id: int
    click_event_id: uuid.UUID
    clicked_at: int  # unix seconds


@lru_cache(maxsize=4)
def _key(secret_key: str) -> bytes:
    return hashlib.sha256(b"promohub.tracking.tokens.v1\x00" + secret_key.encode()).digest()


def _sign(kind: bytes, payload: str) -> str:
    mac = hmac.new(_key(setting("SECRET_KEY")), kind + b"\x00" + payload.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:SIG_BYTES]).decode().rstrip("=")


def _verify(kind: bytes, token: str) -> list[str] | None:
    """The payload fields if ``token``'s signature is right, else None."""
    if not token.isascii():
        return None
    payload, sep, sig = token.rpartition(".")
    if not sep or len(sig) != 16:
        return None
    if not hmac.compare_digest(_sign(kind, payload).encode(), sig.encode()):
        return None
    return payload.split(".")


def _ids(fields: list[str]) -> tuple[int, int, int] | None:
    if any(not f.isascii() or not f.isdigit() or len(f) > _MAX_ID_DIGITS for f in fields):
        return None
    return int(fields[0]), int(fields[1]), int(fields[2])


def _id_part(promotion_id: int, campaign_id: int, brand_id: int) -> str:
    for value in (promotion_id, campaign_id, brand_id):
        if not isinstance(value, int) or value < 0 or len(str(value)) > _MAX_ID_DIGITS:
            raise ValueError(f"Ids must be non-negative integers, not {value!r}.")
    return f"{promotion_id}.{campaign_id}.{brand_id}"


def target_is_safe(target: str) -> bool:
    """An absolute http(s) address, or a path on this site (never ``//host`` or ``\\``)."""
    if not target or len(target) > _MAX_TARGET_LENGTH or any(ord(c) < 33 for c in target):
        return False
    if "\\" in target:
        return False
    if target.startswith("/"):
        return not target.startswith("//")
    parts = urlsplit(target)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(text: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (binascii.Error, ValueError):
        return None


# --- Promotion tokens (impressions) -------------------------------------------------


def promotion_token(*, promotion_id: int, campaign_id: int, brand_id: int) -> str:
    """The signed ``p`` of the beacon and the pixel, e.g. ``12.3.1.Xb0…`` (about 26 chars).

    ``promotion_token(promotion_id=p.id, campaign_id=p.campaign_id,
    brand_id=p.campaign.brand_id) -> str``
    """
    payload = _id_part(promotion_id, campaign_id, brand_id)
    return f"{payload}.{_sign(b'p', payload)}"


def promotion_token_verify(token: str) -> PromotionRef | None:
    """The promotion a token names, or None when it is malformed, tampered or forged."""
    if not token or len(token) > 100:
        return None
    fields = _verify(b"p", token)
    if fields is None or len(fields) != 3:
        return None
    ids = _ids(fields)
    return PromotionRef(*ids) if ids else None


# --- Click tokens ---------------------------------------------------------------------


def click_token(*, promotion_id: int, campaign_id: int, brand_id: int, target: str) -> str:
    """The signed ``<token>`` of ``/t/c/<token>``: the promotion and the redirect target.

    ``click_token(promotion_id=..., campaign_id=..., brand_id=..., target="https://…") -> str``
    ``target`` is an absolute http(s) address or a path on this site starting with ``/``;
    anything else (``javascript:``, ``//host``) raises ``ValueError``.
    """
    if not target_is_safe(target):
        raise ValueError(f"Not a safe click target: {target!r}.")
    payload = f"{_id_part(promotion_id, campaign_id, brand_id)}.{_b64(target)}"
    return f"{payload}.{_sign(b'c', payload)}"


def click_token_verify(token: str) -> ClickRef | None:
    """The promotion and target a click token names, or None if it is not ours as it stands."""
    if not token or len(token) > 4 * _MAX_TARGET_LENGTH:
        return None
    fields = _verify(b"c", token)
    if fields is None or len(fields) != 4:
        return None
    ids = _ids(fields[:3])
    target = _unb64(fields[3])
    if ids is None or target is None or not target_is_safe(target):
        return None
    return ClickRef(*ids, target=target)


# --- URLs the pages and the partner API hand out -----------------------------------------


def _base(base_url: str | None) -> str:
    from tracking.site import site_url  # classify (which site reads) imports models

    return (site_url() if base_url is None else base_url).rstrip("/")


def impression_pixel_url(
    *, promotion_id: int, campaign_id: int, brand_id: int, base_url: str | None = None
) -> str:
    """``<site>/t/i.gif?p=<promotion token>``; the page or partner appends ``&e=<uuid>``.

    ``impression_pixel_url(promotion_id=..., campaign_id=..., brand_id=...,
    base_url=None) -> str``. ``base_url=None`` is ``tracking.site.site_url()`` (pass
    ``site_url(request)`` when answering a request); ``""`` gives a path on this site.
    """
    token = promotion_token(promotion_id=promotion_id, campaign_id=campaign_id, brand_id=brand_id)
    return f"{_base(base_url)}/t/i.gif?p={token}"


def click_url(
    *,
    promotion_id: int,
    campaign_id: int,
    brand_id: int,
    target: str,
    base_url: str | None = None,
) -> str:
    """``<site>/t/c/<click token>``: counts the click, then redirects (302) to ``target``.

    ``click_url(promotion_id=..., campaign_id=..., brand_id=..., target="https://…",
    base_url=None) -> str``. A page may append ``?e=<uuid>`` (one per click) so that a
    retried navigation is counted once. ``base_url=""`` gives a path on this site.
    """
    token = click_token(
        promotion_id=promotion_id, campaign_id=campaign_id, brand_id=brand_id, target=target
    )
    return f"{_base(base_url)}/t/c/{token}"


# --- Attribution (the click cookie) ------------------------------------------------------

ATTRIBUTION_COOKIE = "ph_click"
ATTRIBUTION_MAX_AGE = 30 * 24 * 3600


def attribution_value(
    *, ref: PromotionRef | ClickRef, click_event_id: uuid.UUID, at: int | None = None
) -> str:
    at = int(time.time()) if at is None else at
    payload = (
        f"{_id_part(ref.promotion_id, ref.campaign_id, ref.brand_id)}.{click_event_id.hex}.{at}"
    )
    return f"{payload}.{_sign(b'a', payload)}"


def attribution_parse(
    value: str | None, *, max_age: int = ATTRIBUTION_MAX_AGE
) -> Attribution | None:
    """The click a request's ``ph_click`` cookie names, if it is ours and not older than max_age.

    Promotions and shop call this with ``request.COOKIES.get(ATTRIBUTION_COOKIE)`` to
    attribute an entry or an order to the promotion click that led to it.
    """
    if not value or len(value) > 200:
        return None
    fields = _verify(b"a", value)
    if fields is None or len(fields) != 5:
        return None
    ids = _ids(fields[:3])
    if ids is None or not fields[4].isdigit():
        return None
    try:
        click_event_id = uuid.UUID(hex=fields[3])
    except ValueError:
        return None
    at = int(fields[4])
    if at + max_age < time.time():
        return None
    return Attribution(*ids, click_event_id=click_event_id, clicked_at=at)
