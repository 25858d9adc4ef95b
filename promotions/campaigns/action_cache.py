"""What a consumer action (an entry, a vote, a sign-in) reads of its promotion, kept by
each web process for ``PROMOTIONS_ACTION_CACHE_SECONDS``.

An entry reads its promotion with the campaign and brand (a wide row: every translated
field) and the rule of the entrant's country; at a few hundred entries a second that was a
quarter of the web's time. Each process now reads them at most once in that many seconds
(2 by default), so a marketer's pause or edit reaches entries within that time. The checks
that depend on the moment (opening and closing times) still run on every request; pages
(the hub and tabs) always read afresh. 0 turns the cache off (the tests do).

The values are shared by the threads of a process and must be read, never changed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

T = TypeVar("T")

_MAX_KEYS = 10_000  # a process that saw this many keys starts again (old promotions)
_values: dict[tuple[object, ...], tuple[float, object]] = {}
_lock = threading.Lock()


def action_cached(key: tuple[object, ...], load: Callable[[], T]) -> T:
    """``load()``, or what it gave for ``key`` less than the cache's seconds ago."""
    seconds = float(settings.PROMOTIONS_ACTION_CACHE_SECONDS)
    if seconds <= 0:
        return load()
    now = time.monotonic()
    found = _values.get(key)
    if found is not None and found[0] > now:
        return found[1]  # type: ignore[return-value]
    value = load()
    with _lock:
        if len(_values) >= _MAX_KEYS:
            _values.clear()
        _values[key] = (now + seconds, value)
    return value


def action_cache_clear() -> None:
    """Forget everything (tests; a process that must see an edit at once)."""
    with _lock:
        _values.clear()
