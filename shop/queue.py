"""Background work is queued once the current transaction commits (never for a write that
was rolled back); the task functions live in ``shop.tasks``."""

from __future__ import annotations

from django.db import transaction
from django_q.tasks import async_task


def task_enqueue(func: str, *args: object) -> None:
    """Queue ``func`` (a dotted path in ``shop.tasks``) with ``args`` after commit."""
    transaction.on_commit(lambda: async_task(func, *args))
