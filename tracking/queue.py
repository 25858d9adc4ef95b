"""Background work is queued once the current transaction commits (never for a write that
was rolled back). The one helper every app uses (tracking is the ground floor)."""

from __future__ import annotations

from django.db import transaction
from django_q.tasks import async_task


def task_enqueue(func: str, *args: object) -> None:
    """Queue the django-q task ``func`` (a dotted path) with ``args`` after commit."""
    transaction.on_commit(lambda: async_task(func, *args))
