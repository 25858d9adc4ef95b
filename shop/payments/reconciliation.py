"""Reservations that ran out, checked against Stripe before they are released.

A pending order past ``SHOP_RESERVATION_MINUTES`` has its PaymentIntent canceled first; a
payment in flight is left to its webhook, and once ``WEBHOOK_GRACE`` has passed without
one, a succeeded payment marks the order paid from the API (a lost webhook).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.utils import timezone

from shop.models import Order
from shop.orders.services import order_close, order_mark_paid
from shop.payments import stripe_client

logger = logging.getLogger(__name__)

# How long after its reservation a paid-but-unconfirmed order waits for Stripe's webhook
# before the expiry task marks it paid from the API.
WEBHOOK_GRACE = timedelta(minutes=30)


def order_expire(*, order_id: int, at: datetime | None = None) -> str:
    """Expire a pending order past its reservation, unless its payment is going through.
    Returns what happened."""
    at = at or timezone.now()
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.status != Order.Status.PENDING:
        return "not_pending"
    if order.reserved_until > at:
        return "not_due"
    if order.payment_intent_id:
        intent = stripe_client.payment_intent_cancel(order.payment_intent_id)
        if intent.status == "succeeded" and at >= order.reserved_until + WEBHOOK_GRACE:
            # Stripe says paid and its webhook never came: reconcile from the API.
            paid = order_mark_paid(
                order_id=order.pk,
                payment_intent_id=intent.id,
                amount=intent.amount,
                currency=intent.currency,
                at=at,
            )
            logger.warning("shop: order %s paid by reconciliation (no webhook)", order.pk)
            return "paid_by_reconciliation" if paid else "payment_in_flight"
        if intent.status in ("succeeded", "processing", "requires_capture"):
            return "payment_in_flight"
    expired = order_close(
        order_id=order.pk,
        status=Order.Status.EXPIRED,
        reason="The reservation expired before the payment was completed.",
        at=at,
    )
    return "expired" if expired else "not_pending"


def orders_expire_due(*, at: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Expire every pending order whose reservation is over (the scheduled task)."""
    at = at or timezone.now()
    outcomes: dict[str, int] = {}
    due = Order.objects.reservation_over(at).order_by("reserved_until")
    ids = list(due.values_list("pk", flat=True)[:limit])
    for order_id in ids:
        try:
            outcome = order_expire(order_id=order_id, at=at)
        except stripe_client.StripeUnavailable as exc:
            logger.warning("shop: order %s not expired yet, Stripe unavailable: %s", order_id, exc)
            outcome = "stripe_unavailable"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
