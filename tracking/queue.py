"""Background work is queued once the current transaction commits (never for a write that
was rolled back), and the sweeps that redo what a lost or failed task left undone share one
loop. The helpers every app uses (tracking is the ground floor)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable

from django.db import transaction
from django_q.brokers import Broker, get_broker
from django_q.tasks import async_task


@functools.cache
def broker() -> Broker:
    """One broker per process: ``async_task`` alone builds a new one per call, which on
    Redis is a new connection pool and a new connection (connect, HELLO, CLIENT SETINFO)
    for every task: 3 ms of each entry's CPU. The client is thread-safe and redis-py
    starts a new pool in a forked child."""
    return get_broker()


def task_enqueue(func: str, *args: object) -> None:
    """Queue the django-q task ``func`` (a dotted path) with ``args`` after commit."""
    transaction.on_commit(lambda: async_task(func, *args, broker=broker()))


logger = logging.getLogger(__name__)


def sweep(ids: Iterable[int], do: Callable[[int], int | bool], *, what: str) -> int:
    """``do`` each id that a sweep found waiting, each on its own: one that fails again
    is logged (``what`` names it: "shop: order %s: confirmation email") and left for the
    sweep's next round. Returns how many ``do`` said it did."""
    done = 0
    for pk in ids:
        try:
            done += int(do(pk))
        except Exception:  # the mail server, tracking or the database refuses now
            logger.exception("%s failed again", what % pk)
    return done
