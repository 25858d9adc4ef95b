"""What a consumer request says about its sender, for rate limits and abuse flags.

The viewer is the first-party device cookie when the browser keeps it, else IP + user
agent; never the IP alone (a mobile carrier puts thousands of people behind one address).
``X-Forwarded-For`` is believed only from the proxies named in ``TRUSTED_PROXIES``
(tracking.classify, shared with the tracking endpoints).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from tracking.classify import client_ip, device_id, is_bot
from tracking.tokens import ATTRIBUTION_COOKIE, Attribution, attribution_parse

DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600


@functools.lru_cache(maxsize=4)
def _pseudonym_key(secret: str) -> bytes:
    return hashlib.sha256(b"promohub.promotions.viewer\x00" + secret.encode()).digest()


def keyed_hash(*parts: str) -> str:
    """A pseudonym: HMAC-SHA256 under a key derived from SECRET_KEY (never reversible)."""
    key = _pseudonym_key(settings.SECRET_KEY)
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def new_device_id() -> str:
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class Sender:
    ip: str
    user_agent: str
    device_id: str
    attribution: Attribution | None

    @functools.cached_property
    def viewer_hash(self) -> str:
        if self.device_id:
            return self.device_hash
        return keyed_hash("ip+ua", self.ip, self.user_agent)

    @functools.cached_property
    def device_hash(self) -> str:
        return keyed_hash("device", self.device_id) if self.device_id else ""

    @property
    def looks_like_bot(self) -> bool:
        return is_bot(self.user_agent)


def sender_from_request(request: HttpRequest) -> Sender:
    return Sender(
        ip=client_ip(request.META) or "",
        user_agent=str(request.META.get("HTTP_USER_AGENT", ""))[:512],
        device_id=device_id(request.META),
        attribution=attribution_parse(request.COOKIES.get(ATTRIBUTION_COOKIE)),
    )
