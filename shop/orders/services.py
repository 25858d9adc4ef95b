"""Writes of orders: a payment outcome moves an order out of ``pending`` once.

Marking paid confirms the code's redemption, tells the promotion its coupon was used and
queues the follow-ups (confirmation email, conversion, Conversions API); failing or
expiring gives back exactly what the order held, once: only the transaction that moves it
out of ``pending`` releases. Called by webhooks, checkout and the expiry task.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from promotions.entries.services import entry_create_for_purchase
from shop.checkout.reservations import Retake, holds_release, holds_retake
from shop.models import Order, Redemption
from shop.offers.services import coupon_redeem
from shop.payments import capi
from tracking.models import WebhookEventType
from tracking.partner_webhooks import event_publish
from tracking.queue import task_enqueue

logger = logging.getLogger(__name__)


def order_mark_paid(
    *, order_id: int, payment_intent_id: str, amount: int, currency: str, at: datetime | None = None
) -> bool:
    """Mark an order paid, once; False when it already was or the amount does not match.

    A payment that succeeds after the order's reservation was released (it expired or
    failed meanwhile) takes its stock and its code's use back, each apart; what is gone
    (a line's units, the code's last use) leaves the order paid all the same (the customer
    was charged), its ``failure_reason`` saying what is missing.
    """
    at = at or timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.is_paid:
            return False
        if amount != order.total or currency.upper() != order.currency:
            logger.error(
                "shop: payment %s of %s %s does not match order %s (%s %s)",
                payment_intent_id,
                amount,
                currency,
                order.pk,
                order.total,
                order.currency,
            )
            order.failure_reason = f"Stripe reported {amount} {currency.upper()}; not marked paid."
            order.save(update_fields=["failure_reason", "updated_at"])
            return False
        order.failure_reason = ""
        if order.stock_released:
            order.failure_reason = _late_payment_reason(holds_retake(order=order))
            if order.failure_reason:
                logger.error("shop: order %s paid late: %s", order.pk, order.failure_reason)
        order.status = Order.Status.PAID
        order.paid_at = at
        order.closed_at = None
        if payment_intent_id:
            order.payment_intent_id = payment_intent_id
        order.save(
            update_fields=[
                "status",
                "paid_at",
                "closed_at",
                "payment_intent_id",
                "failure_reason",
                "updated_at",
            ]
        )
        Redemption.objects.filter(order=order, status=Redemption.Status.HELD).update(
            status=Redemption.Status.CONFIRMED
        )
        coupon_redeem(order=order, at=at)
        task_enqueue("shop.tasks.order_confirmation_send", order.pk)
        if order.promotion_id:
            task_enqueue("shop.tasks.order_paid_record", order.pk)
        delivery = capi.capi_delivery_open(order=order)
        if delivery is not None:
            task_enqueue("shop.tasks.capi_purchase_send", delivery.pk)
        _order_event_publish(order)
    return True


def _late_payment_reason(retake: Retake) -> str:
    """What the admin is told of a payment that came after the order's reservation was
    released and could not take all of it back ('' when it could)."""
    if retake.complete:
        return ""
    problems = []
    if retake.sold_out:
        names = ", ".join(
            f"{line.product_title} · {line.variant_name}"
            if line.variant_name
            else line.product_title
            for line in retake.sold_out
        )
        problems.append(f"the stock of {names} is gone: refund or fulfil by hand")
    if retake.code_refused:
        problems.append(
            f"its code was refused meanwhile ({retake.code_refused}): its use is not counted"
        )
    return f"Paid after its reservation was released; {'; '.join(problems)}."[:255]


def _order_event_publish(order: Order) -> None:
    """``order.paid`` for the brand's partner webhooks (the email only as personal data)."""
    assert order.paid_at is not None
    event_publish(
        brand_id=order.brand_id,
        event_type=WebhookEventType.ORDER_PAID,
        data={
            "order": order.pk,
            "total": {"amount": order.total, "currency": order.currency},
            "subtotal": order.subtotal,
            "discount": order.discount,
            "promotion": order.promotion_id,
            "attribution": order.attribution_source,
            "created_at": order.created_at.isoformat().replace("+00:00", "Z"),
            "paid_at": order.paid_at.isoformat().replace("+00:00", "Z"),
        },
        pii={"email": order.email},
        at=order.paid_at,
    )


def order_close(*, order_id: int, status: str, reason: str, at: datetime) -> bool:
    """Move a pending order to ``status`` (failed, expired) and release what it held, once."""
    with transaction.atomic():
        closed = Order.objects.filter(pk=order_id, status=Order.Status.PENDING).update(
            status=status, failure_reason=reason[:255], closed_at=at, updated_at=at
        )
        if closed:
            holds_release(order=Order.objects.get(pk=order_id))
    return bool(closed)


def order_fail(*, order_id: int, reason: str, at: datetime | None = None) -> bool:
    """A pending order whose payment failed: failed, its stock and code use given back."""
    return order_close(
        order_id=order_id, status=Order.Status.FAILED, reason=reason, at=at or timezone.now()
    )


def order_conversion_record(*, order_id: int) -> bool:
    """Count a paid, attributed order in the promotion's reports (once: a stable event id)."""
    from tracking.models import EventType
    from tracking.services import conversion_event_id, conversion_record

    order = Order.objects.select_related("promotion__campaign").filter(pk=order_id).first()
    if order is None or order.promotion is None or order.paid_at is None:
        return False
    conversion_record(
        event_id=conversion_event_id(kind="order", object_id=order.pk),
        type=EventType.ORDER,
        promotion_id=order.promotion.pk,
        campaign_id=order.promotion.campaign_id,
        brand_id=order.brand_id,
        ts=order.paid_at,
        value=order.total,
        currency=order.currency,
        source="shop",
    )
    return True


def order_paid_record(*, order_id: int, at: datetime | None = None) -> bool:
    """What a paid order attributed to a promotion leaves in it: its entry where the
    promotion lets purchases earn one, and its count in the reports (each once, however
    often this runs); then the order is marked recorded, so that the sweep
    (``orders_paid_record_due``) repeats only what a lost task never did. True when this
    call marked it."""
    order_purchase_entry(order_id=order_id)
    order_conversion_record(order_id=order_id)
    return bool(
        Order.objects.filter(
            pk=order_id, paid_at__isnull=False, paid_recorded_at__isnull=True
        ).update(paid_recorded_at=at or timezone.now())
    )


def order_purchase_entry(*, order_id: int) -> bool:
    """A paid order attributed to a sweepstakes that lets purchases earn entries gives the
    buyer one entry (promotions' ``entry_create_for_purchase``: once per order)."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.promotion_id is None or order.paid_at is None:
        return False
    entry = entry_create_for_purchase(
        promotion_id=order.promotion_id,
        email=order.email,
        reference=order.pk,
        at=order.paid_at,
        country=order.country,
    )
    return entry is not None
