"""Background tasks of the tracking app: plain functions, safe to run twice."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from tracking import deliveries, partner_webhooks, report_pushes, services, stream
from tracking.models import ApiKey

logger = logging.getLogger(__name__)


def api_keys_log_expiring(days: int = 7) -> int:
    """Warn (in the worker log) about usable keys that expire within ``days``."""
    now = timezone.now()
    expiring = ApiKey.objects.usable(now).filter(expires_at__lte=now + timedelta(days=days))
    for key in expiring:
        logger.warning("API key %s (%s) expires at %s", key.prefix, key.name, key.expires_at)
    return len(expiring)


def events_consume(seconds: int = 50) -> int:
    """Store what waits in the tracking stream for up to ``seconds`` (the schedule runs it
    every minute; ``manage.py tracking_consume`` is the long-running alternative). Safe to
    run twice at once: consumers share the group, the insert is idempotent."""
    if not settings.REDIS_URL:
        return 0
    result = stream.stream_consume(deadline=time.monotonic() + seconds, block_ms=1000)
    return result.stored


def tracking_housekeep() -> dict[str, int]:
    """Daily: forget old event ids, salts and per-viewer rows; create next partitions."""
    return services.tracking_housekeep()


def report_push_send(push_id: int) -> bool:
    """Send one pending push now (a re-send) and log how it went; True if an attempt was
    made. Safe to run twice: the attempt is claimed by a conditional UPDATE, so a push
    already delivered, being sent, or waiting for its next retry is left alone (a failed
    attempt is retried by the minute schedule like any pending push)."""
    delivery = report_pushes.report_push_attempt(push_id=push_id)
    return deliveries.outbound_log(name="report push", pk=push_id, logged=delivery)


def report_pushes_run() -> dict[str, int]:
    """Every minute: build the reports that are due, then send (or retry) pending pushes."""
    prepared = report_pushes.report_pushes_prepare()
    return {"prepared": prepared, "attempts": report_pushes.report_pushes_deliver()}


def webhook_event_send(event_id: int) -> int:
    """Send a fresh event's deliveries (queued by ``event_publish`` on commit). Safe to run
    twice: each attempt is claimed by a conditional UPDATE; failures wait for the sweep."""
    return partner_webhooks.webhook_event_send(event_id=event_id)


def webhook_delivery_send(delivery_id: int) -> bool:
    """Send one pending webhook delivery now (a re-send); True if an attempt was made."""
    attempt = partner_webhooks.webhook_delivery_attempt(delivery_id=delivery_id)
    return deliveries.outbound_log(name="webhook delivery", pk=delivery_id, logged=attempt)


def webhooks_run() -> int:
    """Every minute: send (or retry) every pending webhook delivery that is due."""
    return partner_webhooks.webhook_deliveries_deliver()
