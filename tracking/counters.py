"""Rate counters: how many times something happened in a fixed window, for rate limits.

One counter per (scope, key, window): with ``REDIS_URL`` it lives in Redis and is counted
with one pipelined ``INCR`` + ``EXPIRE NX`` (tracking's lean client, one round trip: the
first count sets the expiry, later ones leave it), otherwise in Django's cache (``add`` +
``incr``). Both are atomic, so concurrent requests on several workers never overwrite each
other's counts (with the local-memory cache each worker process counts on its own).

A counter that cannot be reached knows nothing: ``window_count`` answers None and
``rate_limit`` lets the action through (and logs it), because an outage of the counter
must not take down what it protects.

- ``rate_limit(scope=..., key=..., rate="5/min")``: count one action; the seconds to wait
  when it is over the rate, 0 when allowed;
- ``window_count(scope=..., key=..., window_seconds=60)``: count one action in the current
  clock-aligned window and say how far that window has to run;
- ``counter_commands`` / ``cache_count``: the two primitives, for a hot path that sends
  other commands in the same round trip (the click velocity check).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django.core.cache import cache

from tracking import redis_lean
from tracking.conf import setting

logger = logging.getLogger(__name__)

PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
# A counter outlives its window by this much, so a late count never recreates it.
GRACE_SECONDS = 5


def rate_parse(rate: str) -> tuple[int, int]:
    """``"5/min"`` → ``(5, 60)``: how many actions in how many seconds (s, m, h, d or
    their long names, as DRF's rates); ValueError for anything else."""
    count, _sep, period = rate.strip().partition("/")
    if period not in PERIODS or not count.strip().isdigit():
        raise ValueError(f"Not a rate: {rate!r}; write e.g. 5/min, 30/hour.")
    return int(count), PERIODS[period]


def counter_commands(key: str, ttl: int) -> list[redis_lean.Command]:
    """Count one on ``key`` in Redis, which expires ``ttl`` seconds after its first count;
    the first reply is the count."""
    return [["INCR", key], ["EXPIRE", key, ttl, "NX"]]


def cache_count(key: str, ttl: int) -> int:
    """Count one on ``key`` in Django's cache (expiring ``ttl`` seconds after its first
    count) and return the count; raises whatever the cache raises when it is down."""
    if cache.add(key, 1, ttl):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired or evicted between add and incr: start counting again
        cache.set(key, 1, ttl)
        return 1


def _counts(scope: str, keys: list[str], ttl: int) -> list[int] | None:
    """Count one on each key (one round trip to Redis); None when the counter is down."""
    url = setting("REDIS_URL")
    try:
        if url:
            commands = [c for key in keys for c in counter_commands(cache.make_key(key), ttl)]
            replies = redis_lean.execute(url, commands)
            return [int(count) for count in replies[::2]]
        return [cache_count(key, ttl) for key in keys]
    except Exception as exc:  # the counter is down: nothing is known, nothing is refused
        logger.warning("%s counter unavailable, not limiting: %s", scope, exc)
        return None


@dataclass(frozen=True, slots=True)
class WindowCount:
    count: int  # actions in this window so far, this one included
    remaining_seconds: float  # until the window ends (and the count starts again)


def window_count(
    *, scope: str, key: str, window_seconds: int, offset: int = 0
) -> WindowCount | None:
    """Count one action of ``key`` in the current window of ``window_seconds``; None when
    the counter cannot be reached (logged as "<scope> counter unavailable"). Windows are
    aligned on the clock, shifted by ``offset`` seconds (so that, say, API keys do not all
    refill on the same second). ``scope`` names the limit (``"throttle"``,
    ``"promotions:enter"``) and keeps its counters apart from other limits'."""
    counted = _window_counts(scope=scope, keys=[key], window_seconds=window_seconds, offset=offset)
    return None if counted is None else counted[0]


def _window_counts(
    *, scope: str, keys: list[str], window_seconds: int, offset: int = 0
) -> list[WindowCount] | None:
    shifted = time.time() + (offset % window_seconds)
    window = int(shifted // window_seconds)
    counts = _counts(
        scope, [f"rate:{scope}:{key}:{window}" for key in keys], window_seconds + GRACE_SECONDS
    )
    if counts is None:
        return None
    remaining = (window + 1) * window_seconds - shifted
    return [WindowCount(count=count, remaining_seconds=remaining) for count in counts]


def rate_limit(*, scope: str, key: str, rate: str, offset: int = 0) -> int:
    """Count one action of ``key`` against ``rate`` (``"5/min"``): 0 when it is allowed
    (or the counter is unreachable), else the whole seconds to wait before trying again."""
    return rate_limit_many(scope=scope, keys=[key], rate=rate, offset=offset)


def rate_limit_many(*, scope: str, keys: list[str], rate: str, offset: int = 0) -> int:
    """``rate_limit`` for each of the keys one action counts against (its browser and its
    person), in one round trip: the longest wait (0: allowed)."""
    limit, window_seconds = rate_parse(rate)
    counted = _window_counts(scope=scope, keys=keys, window_seconds=window_seconds, offset=offset)
    over = [c for c in counted or () if c.count > limit]
    return max(1, math.ceil(over[0].remaining_seconds)) if over else 0
