"""Tracking's settings, with their defaults (override any of them in Django settings)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Redis stream the web processes append to and the consumers read (production path).
    "TRACKING_STREAM": "promohub:tracking:events",
    "TRACKING_STREAM_GROUP": "tracking",
    # At most this many stream entries per read (a beacon is one entry, a partner batch of
    # up to 1,000 events is one entry), and about this many events per stored batch.
    "TRACKING_CONSUMER_COUNT": 2000,
    "TRACKING_CONSUMER_EVENTS": 20_000,
    # A partner batch of at least this many events is written straight to the database
    # (it is a batch already; the stream is its fallback when the database fails). Smaller
    # ones go through the stream, to be merged with other entries by the consumers.
    "TRACKING_BATCH_DIRECT_MIN_EVENTS": 100,
    # A consumer that has not acknowledged its entries for this long is presumed dead,
    # and its entries are claimed (XAUTOCLAIM) by another.
    "TRACKING_CLAIM_IDLE_MS": 30_000,
    # More clicks than this on one promotion by one viewer within the window: invalid.
    "TRACKING_CLICK_VELOCITY_LIMIT": 5,
    "TRACKING_CLICK_VELOCITY_WINDOW": 60,
    # More impressions than this of one promotion by one viewer within the window (a page
    # reloaded by a script, beacons sent with fresh ids): invalid. Counted by the consumer
    # with Redis (off the request's path), in the request without.
    "TRACKING_IMPRESSION_VELOCITY_LIMIT": 30,
    "TRACKING_IMPRESSION_VELOCITY_WINDOW": 60,
    # A click of a viewer with no impression of the promotion in this many seconds is
    # invalid, when that is knowable: with a shared cache (Redis), not per-process memory.
    "TRACKING_IMPRESSION_MEMORY_SECONDS": 3600,
    "TRACKING_CLICK_NEEDS_IMPRESSION": None,  # None: on when REDIS_URL is set
    # Event ids are remembered this long: a retry within it is counted once. Batches older
    # than 7 days are refused and beacons are retried within minutes, so 10 days is ample.
    "TRACKING_DEDUPE_DAYS": 10,
    # Partner webhook events keep their personal data (``pii``) this many days, then drop it.
    "WEBHOOK_PII_DAYS": 7,
    # Country header set by the CDN / load balancer, believed only from TRUSTED_PROXIES.
    "TRACKING_COUNTRY_HEADER": "HTTP_CF_IPCOUNTRY",
    # After Redis fails, write straight to the database for this many seconds before
    # trying Redis again.
    "TRACKING_REDIS_RETRY_SECONDS": 2.0,
}


_owner: object = None
_values: dict[str, Any] = {}
# LazySettings keeps the settings object in its instance dict; override_settings replaces it
# there (the dict itself stays), so one dict lookup says whether the settings changed.
_lazy_dict: dict[str, Any] = object.__getattribute__(settings, "__dict__")


def setting(name: str) -> Any:
    """A setting (or its default above), remembered until the settings object changes:
    the capture path reads a dozen per request, and Django's lazy settings and missing
    attributes cost microseconds each. ``override_settings`` swaps the settings object, so
    tests that change a setting see it at once."""
    global _owner, _values
    owner = _lazy_dict.get("_wrapped")
    if owner is not _owner:
        _owner, _values = owner, {}
    try:
        return _values[name]
    except KeyError:
        value = getattr(settings, name, DEFAULTS.get(name))
        _values[name] = value
        return value


def click_needs_impression() -> bool:
    value = setting("TRACKING_CLICK_NEEDS_IMPRESSION")
    return bool(setting("REDIS_URL")) if value is None else bool(value)
