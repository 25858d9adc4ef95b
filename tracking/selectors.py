"""Reads of the tracking app: partner API key lookup (reports come with tracking)."""

from __future__ import annotations

import hmac

from tracking.models import ApiKey
from tracking.services import KEY_PREFIX, api_key_hash


def api_key_from_token(token: str) -> ApiKey | None:
    """The key a bearer token names, whether or not it is still usable; None if none does."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    key = ApiKey.objects.filter(prefix=parts[1]).first()
    if key is None or not hmac.compare_digest(key.hashed_secret, api_key_hash(parts[2])):
        return None
    return key


def api_key_brand_ids(key: ApiKey) -> list[int]:
    cached: list[int] | None = getattr(key, "_brand_ids", None)
    if cached is None:
        cached = list(key.brands.values_list("id", flat=True))
        key._brand_ids = cached  # type: ignore[attr-defined]
    return cached
