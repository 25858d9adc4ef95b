"""Per-key throttling: each partner key has its own budget (429 with Retry-After).

A fixed window counted by ``tracking.counters`` (an atomic ``INCR`` in Redis or ``incr`` in
the cache) rather than DRF's sliding window: DRF keeps a list of timestamps per client and
writes it back with ``get`` + ``set``, which (1) lets concurrent requests on several
workers overwrite each other's counts, so a key can exceed its rate under exactly the load
throttling is for, and (2) pickles up to ``rate`` floats per request. Each key's window is
shifted by its id, so keys do not all refill on the same second.

If the counter does not answer, the request is let through (and logged): an outage of the
counter must not take the partner API down with it. With the local-memory cache (no
``REDIS_URL``) every worker process counts on its own: the embedded default then allows up
to ``workers * rate``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from tracking import counters
from tracking.models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

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
        counted = counters.window_count(
            scope="throttle", key=f"{self.scope}:{key.pk}", window_seconds=duration, offset=key.pk
        )
        if counted is None:  # the counter is unreachable (logged): let the request through
            return True
        self._wait = counted.remaining_seconds
        return counted.count <= num_requests

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)
