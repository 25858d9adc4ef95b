"""Brands' time zones: the one lookup tracking makes of a brand (by string model reference,
since tracking imports no Brand). A brand that does not exist, or names a zone this
machine does not know, is read in UTC.

The event store asks for zones on every batch and may use an answer up to five minutes
old (``max_age``); reports and pushes ask for a fresh one.
"""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Iterable

from django.apps import apps

STORE_MAX_AGE_SECONDS = 300.0
_cache: dict[int, tuple[zoneinfo.ZoneInfo, float]] = {}


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def brand_zones(brand_ids: Iterable[int], *, max_age: float = 0) -> dict[int, zoneinfo.ZoneInfo]:
    """``{brand id: ZoneInfo}`` for every id asked, read again when older than ``max_age``
    seconds (0: always read)."""
    now = time.monotonic()
    wanted = set(brand_ids)
    missing = [b for b in wanted if b not in _cache or _cache[b][1] < now]
    if missing:
        brand_model = apps.get_model("promotions", "Brand")
        found = dict(brand_model.objects.filter(pk__in=missing).values_list("pk", "timezone"))
        for brand_id in missing:
            _cache[brand_id] = (_zone(found.get(brand_id)), now + max_age)
    return {b: _cache[b][0] for b in wanted}


def brand_zone(brand_id: int) -> zoneinfo.ZoneInfo:
    """One brand's zone, read now."""
    return brand_zones([brand_id])[brand_id]
