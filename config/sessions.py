"""The session engine with Redis: Django's ``cached_db``, whose read of the cache takes
tracking's lean client (``tracking.redis_lean``).

Every consumer action (an entry, a vote, a sign-in) reads its session first. Through
Django's cache that read cost 50 µs of Python here (redis-py's command machinery), through
the lean client 25 µs: the same key (the cache's ``make_key``), the same value (Django's
``RedisSerializer``, as the cache writes it). Writes, deletes and a session missing from the
cache (read from the database and cached again) stay Django's. When the lean client cannot
be used (a ``rediss://`` address, Redis down) the read is Django's, as before.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisSerializer

from tracking import redis_lean

_serializer = RedisSerializer()


def _cache() -> BaseCache:
    return caches[settings.SESSION_CACHE_ALIAS]  # the sessions' cache, as cached_db's


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict[str, Any]:
        data = self._cached() if self.session_key is not None else None
        return data if data is not None else super().load()

    def _cached(self) -> dict[str, Any] | None:
        """The session as the cache holds it; None when it is not there (or not readable
        this way, and Django's read decides)."""
        try:
            (value,) = redis_lean.execute(
                settings.REDIS_URL, [["GET", _cache().make_key(self.cache_key)]]
            )
        except (redis_lean.RedisUnavailable, redis_lean.RedisReplyError):
            return None
        if not isinstance(value, bytes):
            return None
        data = _serializer.loads(value)
        return data if isinstance(data, dict) else None
