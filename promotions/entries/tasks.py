"""Background work for entries: plain functions, safe to run twice (config/schedules.py)."""

from __future__ import annotations

import time

from django.conf import settings

from promotions.entries import intake


def entries_consume(seconds: int = 50) -> int:
    """Store the entries accepted into Redis that wait now, for up to ``seconds`` (the
    schedule runs it every minute and it returns once the stream is empty, so that it
    does not hold a worker; ``manage.py entries_consume`` is the long-running consumer,
    with less lag). Safe to run twice at once: consumers share the group, the insert
    skips what is stored."""
    if not settings.ENTRY_INTAKE:
        return 0
    result = intake.intake_consume(until_empty=True, deadline=time.monotonic() + seconds)
    return result.stored
