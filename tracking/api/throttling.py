"""Per-key throttling: each partner key has its own budget (429 with Retry-After).

A fixed window counted with the cache's atomic ``incr`` rather than DRF's sliding window:
DRF keeps a list of timestamps per client and writes it back with ``get`` + ``set``, which
(1) lets concurrent requests on several workers overwrite each other's counts, so a key
can exceed its rate under exactly the load throttling is for, and (2) pickles up to
``rate`` floats per request. ``add`` + ``incr`` is one counter per key and window, atomic on
Redis. Each key's window is shifted by its id, so keys do not all refill on the same second.

With ``REDIS_URL`` the counter lives in Redis, counted with one pipelined ``INCR`` +
``EXPIRE NX`` through tracking's lean client (one round trip instead of the cache's two).
If Redis does not answer, the request is let through (and logged): an outage of the
counter must not take the partner API down with it. With the local-memory cache (no
``REDIS_URL``) every worker process counts on its own: the embedded default then allows up
to ``workers * rate``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from tracking import redis_lean
from tracking.conf import setting
from tracking.models import ApiKey

logger = logging.getLogger(__name__)


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"
    cache_format = "throttle:%(scope)s:%(ident)s:%(window)s"

    def get_rate(self) -> str | None:
        # Read the settings at each request, not once at import (DRF binds
        # THROTTLE_RATES at class creation, so override_settings would not reach it).
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return str(rate) if rate is not None else None

    def allow_request(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return True  # unauthenticated calls fail authentication before they cost anything
        num_requests, duration = self.parse_rate(self.get_rate())
        if num_requests is None or duration is None:
            return True
        now = time.time()
        shifted = now + (key.pk % duration)
        window = int(shifted // duration)
        cache_key = self.cache_format % {"scope": self.scope, "ident": key.pk, "window": window}
        # The counter outlives its window by a little, so a late incr never recreates it.
        count = self._count(cache_key, ttl=duration + 5)
        self._wait = (window + 1) * duration - shifted
        return count is None or count <= num_requests

    def _count(self, cache_key: str, *, ttl: int) -> int | None:
        """This window's requests so far, this one included; None if unknowable."""
        url = setting("REDIS_URL")
        if url:
            key = self.cache.make_key(cache_key)  # the cache's own name for it
            try:
                count, _expiry = redis_lean.execute(
                    url, [["INCR", key], ["EXPIRE", key, ttl, "NX"]]
                )
            except (redis_lean.RedisUnavailable, redis_lean.RedisReplyError) as exc:
                logger.warning("api: throttle counter unavailable, not throttling: %s", exc)
                return None
            return int(count)
        self.cache.add(cache_key, 0, timeout=ttl)
        try:
            return int(self.cache.incr(cache_key))
        except ValueError:  # evicted between add and incr: start counting again
            self.cache.add(cache_key, 1, timeout=ttl)
            return 1

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)
