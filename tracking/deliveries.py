"""Signed deliveries to partners' endpoints, retried with backoff: the one implementation
that report pushes (``tracking.report_pushes``) and partner webhooks
(``tracking.partner_webhooks``) share.

An ``Outbound`` row (a ``ReportPush``, a ``WebhookDelivery``) is pending until delivered or
given up. Each attempt is claimed by a conditional UPDATE that moves its
``next_attempt_at`` a lease ahead (two workers never send the same attempt; a worker
killed mid-POST leaves it to be tried again after the lease), POSTed signed by
``tracking.webhooks.webhook_post`` with no transaction open, and logged as an
``OutboundAttempt`` row (status, latency, the start of the answer). A failure waits
``REPORT_PUSH_RETRY_BASE_SECONDS * 2**(n-1)`` seconds (capped at
``REPORT_PUSH_RETRY_MAX_SECONDS``) before attempt n+1; after ``REPORT_PUSH_MAX_ATTEMPTS``
the row is marked failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tracking.models import Outbound, OutboundAttempt, OutboundState
from tracking.webhooks import DeliveryResult

logger = logging.getLogger(__name__)

# How far a push or a delivery has got (admin, the API), in this order.
OUTBOUND_FIELDS = (
    "state",
    "attempts",
    "next_attempt_at",
    "created_at",
    "delivered_at",
    "resend_of",
)
# What an attempt's log shows (admin, the API), in this order.
ATTEMPT_FIELDS = (
    "attempt",
    "started_at",
    "succeeded",
    "status_code",
    "latency_ms",
    "response_excerpt",
    "error",
)
# Why an attempt was not sent (its log says so; the row is given up at once).
NOT_ALLOWED = (
    "not sent: the partner's API key was revoked, expired or no longer holds the brand or the scope"
)
# A claimed attempt that never finished (worker killed) is tried again after this.
LEASE = timedelta(minutes=2)

OutboundT = TypeVar("OutboundT", bound=Outbound)


def _conf(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


STALE_SWEEP = timedelta(seconds=5)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after ``attempts`` failed attempts: doubling, capped."""
    base = _conf("REPORT_PUSH_RETRY_BASE_SECONDS", 60)
    cap = _conf("REPORT_PUSH_RETRY_MAX_SECONDS", 3600)
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def max_attempts() -> int:
    return _conf("REPORT_PUSH_MAX_ATTEMPTS", 8)


def outbound_attempt(
    *,
    model: type[OutboundT],
    pk: int,
    send: Callable[[OutboundT], DeliveryResult],
    log_model: type[OutboundAttempt],
    log_field: str,
    related: tuple[str, ...] = (),
    refusal: Callable[[OutboundT], str] = lambda _outbound: "",
    now: datetime | None = None,
) -> OutboundAttempt | None:
    """Claim and send one attempt of the pending ``model`` row ``pk`` if it is due, and log
    it as a ``log_model`` row (pointing at it through ``log_field``); None when it was not
    ours to send (delivered, given up, not due, or claimed by another worker). When
    ``refusal`` names a reason not to send ('' when there is none: the partner's key was
    revoked, expired or lost the brand since, its subscription was paused...), nothing is
    sent: the attempt is logged with that reason and the row is given up."""
    due_at = now or timezone.now()
    # ``now`` chose what is due; a claim made later than that (a sweep that began minutes
    # ago, its endpoints slow to answer) is timed by the clock, or its lease would be over
    # already and another worker would send the same attempt again.
    clock = timezone.now()
    now = clock if clock - due_at > STALE_SWEEP else due_at
    manager: Any = model._default_manager
    claimed = manager.filter(
        pk=pk, state=OutboundState.PENDING, next_attempt_at__lte=due_at
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return None
    outbound = manager.select_related(*related).get(pk=pk)
    refused = refusal(outbound)
    # no transaction is open while the endpoint answers
    result = DeliveryResult(False, None, 0, "", refused) if refused else send(outbound)
    attempt = outbound.attempts + 1
    with transaction.atomic():
        logged = log_model._default_manager.create(
            **{log_field: outbound},
            attempt=attempt,
            started_at=now,
            succeeded=result.succeeded,
            status_code=result.status_code,
            latency_ms=result.latency_ms,
            response_excerpt=result.response_excerpt,
            error=result.error,
        )
        outbound.attempts = attempt
        if result.succeeded:
            outbound.state = OutboundState.DELIVERED
            outbound.delivered_at = timezone.now()
            outbound.next_attempt_at = None
        elif refused or attempt >= max_attempts():
            outbound.state = OutboundState.FAILED
            outbound.next_attempt_at = None
            if refused:
                logger.info("%s %s %s", model.__name__, pk, refused)
            else:
                logger.warning("%s %s gave up after %d attempts", model.__name__, pk, attempt)
        else:
            outbound.next_attempt_at = now + retry_delay(attempt)
        outbound.save(update_fields=["attempts", "state", "delivered_at", "next_attempt_at"])
    return logged


def outbound_due(*, model: type[Outbound], now: datetime, limit: int) -> list[int]:
    """Ids of pending ``model`` rows whose next attempt has come, oldest due first."""
    manager: Any = model._default_manager
    due = manager.filter(state=OutboundState.PENDING, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "pk"
    )
    return list(due.values_list("pk", flat=True)[:limit])


def outbound_log(*, name: str, pk: int, logged: OutboundAttempt | None) -> bool:
    """Log how a queued send went (the tasks' words); True if an attempt was made."""
    if logged is None:
        logger.info("%s %s: not pending or not due, nothing sent", name, pk)
        return False
    if logged.succeeded:
        logger.info(
            "%s %s delivered (attempt %d, HTTP %s, %d ms)",
            name,
            pk,
            logged.attempt,
            logged.status_code,
            logged.latency_ms,
        )
    else:
        logger.warning(
            "%s %s failed (attempt %d, HTTP %s: %s); the schedule retries it",
            name,
            pk,
            logged.attempt,
            logged.status_code,
            logged.error,
        )
    return True
