"""Background work for reports: plain functions that call a service, safe to run twice
(declared in config/schedules.py, or queued by a service)."""

from __future__ import annotations

import logging

from promotions.reports.alerts import alerts_evaluate as _alerts_evaluate
from tracking import pushes

logger = logging.getLogger(__name__)


def alerts_evaluate() -> dict[str, int]:
    """Every minute: open and resolve alert incidents (promotions.reports.alerts)."""
    return _alerts_evaluate()


def report_push_send(push_id: int) -> str:
    """Queued by ``report_push_resend_enqueue``: one attempt at a pending push, logged.
    Returns "delivered", "failed" (retried by the push schedule) or "skipped" (not pending
    or not due: already sent, or another worker holds it)."""
    delivery = pushes.report_push_attempt(push_id=push_id)
    if delivery is None:
        logger.info("report push %s: not pending or not due, nothing sent", push_id)
        return "skipped"
    if delivery.succeeded:
        logger.info(
            "report push %s delivered (attempt %d, HTTP %s, %d ms)",
            push_id,
            delivery.attempt,
            delivery.status_code,
            delivery.latency_ms,
        )
        return "delivered"
    logger.warning(
        "report push %s failed (attempt %d, HTTP %s: %s); the schedule retries it",
        push_id,
        delivery.attempt,
        delivery.status_code,
        delivery.error,
    )
    return "failed"
