"""Facebook Conversions API: a Purchase event per paid order, delivered in the background.

On only when ``FACEBOOK_PIXEL_ID`` and ``FACEBOOK_CAPI_TOKEN`` are both set. Marking an
order paid opens a ``CapiDelivery`` in the same transaction (so the event cannot be lost),
a task delivers it; a failed call is logged (``CapiAttempt``) and retried with backoff by
the scheduled ``shop.tasks.capi_deliveries_retry`` until it succeeds or ``MAX_ATTEMPTS``.
``event_id`` is the order id: the browser pixel uses the same one, so Facebook counts the
purchase once. Personal data is SHA-256-hashed after normalising, as Facebook asks.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from promotions.facebook import client as facebook_client
from shop.models import CapiAttempt, CapiDelivery, Order
from shop.money import to_major
from tracking.queue import task_enqueue
from tracking.site import site_url

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)  # a claimed attempt that never reports back is retried after this


def capi_enabled() -> bool:
    return bool(settings.FACEBOOK_PIXEL_ID and settings.FACEBOOK_CAPI_TOKEN)


def sha256_normalized(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()


def purchase_event(order: Order) -> dict[str, Any]:
    """The Purchase event of a paid order (one element of the request's ``data``)."""
    user_data: dict[str, Any] = {
        "em": [sha256_normalized(order.email)],
        "external_id": [sha256_normalized(order.customer_key)],
    }
    if order.client_ip:
        user_data["client_ip_address"] = order.client_ip
    if order.user_agent:
        user_data["client_user_agent"] = order.user_agent
    if order.fbp:
        user_data["fbp"] = order.fbp
    if order.fbc:
        user_data["fbc"] = order.fbc
    lines = list(order.lines.all())
    paid_at = order.paid_at or timezone.now()
    return {
        "event_name": "Purchase",
        "event_time": int(paid_at.timestamp()),
        "event_id": str(order.pk),
        "action_source": "website",
        "event_source_url": site_url() + order.get_absolute_url(),
        "user_data": user_data,
        "custom_data": {
            "currency": order.currency,
            "value": float(to_major(order.total, order.currency)),
            "order_id": str(order.pk),
            "content_type": "product",
            "content_ids": [str(line.variant_id) for line in lines],
            "contents": [
                {
                    "id": str(line.variant_id),
                    "quantity": line.quantity,
                    "item_price": float(to_major(line.unit_price, order.currency)),
                }
                for line in lines
            ],
            "num_items": sum(line.quantity for line in lines),
        },
    }


def capi_delivery_open(*, order: Order) -> CapiDelivery | None:
    """Open the order's delivery (once); None when the Conversions API is off."""
    if not capi_enabled():
        return None
    delivery, _ = CapiDelivery.objects.get_or_create(
        order=order, defaults={"event_id": str(order.pk)}
    )
    return delivery


def _backoff(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes after the first, second, third failure; at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def capi_purchase_deliver(*, delivery_id: int, at: datetime | None = None) -> bool:
    """Try to deliver one Purchase event now; True when Facebook took it.

    The attempt is claimed with a conditional UPDATE, so two workers never send the same
    delivery at once (and Facebook deduplicates by event_id anyway).
    """
    at = at or timezone.now()
    if not capi_enabled():
        return False
    claimed = CapiDelivery.objects.filter(
        pk=delivery_id, status=CapiDelivery.Status.PENDING, next_attempt_at__lte=at
    ).update(attempts=F("attempts") + 1, next_attempt_at=at + LEASE)
    if not claimed:
        return False
    delivery = CapiDelivery.objects.select_related("order__brand").get(pk=delivery_id)
    payload = {
        "data": [purchase_event(delivery.order)],
        "access_token": settings.FACEBOOK_CAPI_TOKEN,
    }
    try:
        answer = facebook_client.graph_post(f"{settings.FACEBOOK_PIXEL_ID}/events", payload)
    except facebook_client.GraphError as exc:
        CapiAttempt.objects.create(
            delivery=delivery,
            attempted_at=at,
            ok=False,
            http_status=exc.status,
            response=(exc.body or str(exc))[:2000],
        )
        gave_up = not exc.retryable or delivery.attempts >= MAX_ATTEMPTS
        CapiDelivery.objects.filter(pk=delivery.pk).update(
            status=CapiDelivery.Status.GAVE_UP if gave_up else CapiDelivery.Status.PENDING,
            next_attempt_at=at + _backoff(delivery.attempts),
            last_error=str(exc)[:2000],
        )
        logger.warning(
            "capi: Purchase %s attempt %d failed%s: %s",
            delivery.event_id,
            delivery.attempts,
            " (giving up)" if gave_up else "",
            exc,
        )
        return False
    CapiAttempt.objects.create(
        delivery=delivery,
        attempted_at=at,
        ok=True,
        http_status=200,
        response=json.dumps(answer)[:2000],
    )
    CapiDelivery.objects.filter(pk=delivery.pk).update(
        status=CapiDelivery.Status.SENT, sent_at=at, last_error=""
    )
    return True


def capi_deliveries_due(*, at: datetime | None = None, limit: int = 200) -> list[int]:
    at = at or timezone.now()
    return list(
        CapiDelivery.objects.filter(status=CapiDelivery.Status.PENDING, next_attempt_at__lte=at)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def capi_delivery_get(*, order_id: int) -> CapiDelivery | None:
    """The order's delivery, if one was opened."""
    return CapiDelivery.objects.filter(order_id=order_id).first()


def capi_deliveries_resend(*, delivery_ids: Iterable[int]) -> int:
    """Send again from admin (after fixing the token, say): a fresh round of attempts for
    each delivery not sent yet, queued for the worker; each attempt lands in the delivery's
    log. Returns how many were queued."""
    with transaction.atomic():
        ids = list(
            CapiDelivery.objects.filter(pk__in=list(delivery_ids))
            .exclude(status=CapiDelivery.Status.SENT)
            .values_list("pk", flat=True)
        )
        CapiDelivery.objects.filter(pk__in=ids).update(
            status=CapiDelivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        for delivery_id in ids:
            task_enqueue("shop.tasks.capi_purchase_send", delivery_id)
    return len(ids)
