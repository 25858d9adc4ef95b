"""Reads of orders: the customer's order page, the order a PaymentIntent pays, and the
confirmations still to send."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.http import Http404
from django.utils import timezone

from promotions.models import Brand
from shop.models import Order

CONFIRMATION_RETRY_AFTER = timedelta(minutes=5)
CONFIRMATION_GIVE_UP_AFTER = timedelta(days=3)
# A paid order's entry and report count are queued at payment; the sweep repeats them for
# the orders whose task was lost (the Redis broker does not redeliver a task a killed
# worker had taken), from a while after payment, for a week.
PAID_RECORD_RETRY_AFTER = timedelta(minutes=5)
PAID_RECORD_GIVE_UP_AFTER = timedelta(days=7)


def order_get(*, brand: Brand, token: uuid.UUID | str) -> Order:
    """The order behind ``/shop/<brand>/orders/<token>/``; 404 in another brand's shop."""
    order = (
        Order.objects.filter(brand=brand, token=token)
        .prefetch_related("lines")
        .select_related("redemption__code")
        .first()
    )
    if order is None:
        raise Http404("No such order.")
    order.brand = brand
    return order


def order_get_for_payment_intent(*, intent: dict[str, object]) -> Order | None:
    """The order a PaymentIntent (as a webhook carries it) pays: by our metadata, else by id."""
    metadata = intent.get("metadata") or {}
    token = metadata.get("order") if isinstance(metadata, dict) else None
    if token:
        try:
            return Order.objects.filter(token=uuid.UUID(str(token))).first()
        except ValueError:
            return None
    intent_id = str(intent.get("id") or "")
    return Order.objects.filter(payment_intent_id=intent_id).first() if intent_id else None


def _paid_orders_waiting(
    *,
    at: datetime | None,
    retry_after: timedelta,
    give_up_after: timedelta,
    limit: int,
    **unset: Any,
) -> list[int]:
    """Ids of paid orders (refunded ones too) paid between ``give_up_after`` and
    ``retry_after`` ago that match ``unset`` (what their queued task should have done and
    did not): oldest first, at most ``limit``, for a sweep that repeats it."""
    at = at or timezone.now()
    return list(
        Order.objects.filter(
            status__in=[Order.Status.PAID, Order.Status.REFUNDED],
            paid_at__lte=at - retry_after,
            paid_at__gte=at - give_up_after,
            **unset,
        )
        .order_by("paid_at")
        .values_list("pk", flat=True)[:limit]
    )


def order_confirmations_due(*, at: datetime | None = None) -> list[int]:
    """Paid orders whose confirmation has not gone out although it was queued a while
    ago (the mail server failed, the worker died): oldest first, for a resend."""
    return _paid_orders_waiting(
        at=at,
        retry_after=CONFIRMATION_RETRY_AFTER,
        give_up_after=CONFIRMATION_GIVE_UP_AFTER,
        limit=200,
        confirmation_sent_at__isnull=True,
    )


def orders_paid_record_due(*, at: datetime | None = None) -> list[int]:
    """Paid orders of a promotion whose entry and report count were queued a while ago
    and never recorded: oldest first, for the sweep."""
    return _paid_orders_waiting(
        at=at,
        retry_after=PAID_RECORD_RETRY_AFTER,
        give_up_after=PAID_RECORD_GIVE_UP_AFTER,
        limit=500,
        promotion__isnull=False,
        paid_recorded_at__isnull=True,
    )
