"""Background tasks for connected Pages' tokens (django-q2): load by id, call a service,
safe to run twice. The schedule ``promotions.social.tokens.check`` is in config/schedules.py."""

from __future__ import annotations

from promotions.social import connections
from tracking.queue import task_enqueue


def connected_pages_token_check() -> dict[str, int]:
    """Every connected Page's token, asked of Facebook (the schedule)."""
    return connections.connected_pages_token_check()


def connected_page_token_check(connected_page_id: int) -> str:
    """One Page's token (the admin's "Check now")."""
    return connections.connected_page_token_check(connected_page_id=connected_page_id)


def connected_page_token_check_enqueue(*, connected_page_id: int) -> None:
    """Queue ``connected_page_token_check`` once the current transaction commits."""
    task_enqueue("promotions.social.tasks_tokens.connected_page_token_check", connected_page_id)
