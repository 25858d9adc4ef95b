"""Stripe webhook events: stored by id, then handled, in one transaction.

The ``StripeEvent`` row is inserted first; a second delivery of the same event finds it
and changes nothing. A handler that raises rolls the row back with its work, so Stripe's
retry handles the event again. Handlers are chosen by event type from ``HANDLERS``; other
types are logged and acknowledged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F

from shop.models import Order, Refund, StripeEvent
from shop.orders.selectors import order_get_for_payment_intent
from shop.orders.services import order_fail, order_mark_paid
from shop.payments.refunds import refund_record

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], str]


def _amount(intent: dict[str, Any]) -> int:
    return int(intent.get("amount_received") or intent.get("amount") or 0)


def payment_intent_succeeded(intent: dict[str, Any]) -> str:
    order = order_get_for_payment_intent(intent=intent)
    if order is None:
        return "no order"
    paid = order_mark_paid(
        order_id=order.pk,
        payment_intent_id=str(intent["id"]),
        amount=_amount(intent),
        currency=str(intent.get("currency") or ""),
    )
    return f"order {order.pk} paid" if paid else f"order {order.pk} unchanged"


def payment_intent_failed(intent: dict[str, Any]) -> str:
    order = order_get_for_payment_intent(intent=intent)
    if order is None:
        return "no order"
    error = intent.get("last_payment_error") or {}
    reason = str(error.get("message") or "The payment failed.")
    failed = order_fail(order_id=order.pk, reason=reason)
    return f"order {order.pk} failed" if failed else f"order {order.pk} unchanged"


def payment_intent_canceled(intent: dict[str, Any]) -> str:
    order = order_get_for_payment_intent(intent=intent)
    if order is None:
        return "no order"
    failed = order_fail(order_id=order.pk, reason="The payment was canceled.")
    return f"order {order.pk} canceled" if failed else f"order {order.pk} unchanged"


def _order_for_refund(refund: dict[str, Any]) -> Order | None:
    intent_id = refund.get("payment_intent")
    if intent_id:
        order = Order.objects.filter(payment_intent_id=str(intent_id)).first()
        if order is not None:
            return order
    known = Refund.objects.filter(stripe_refund_id=str(refund.get("id"))).first()
    return known.order if known else None


def refund_changed(refund: dict[str, Any]) -> str:
    """``refund.created``, ``refund.updated``, ``charge.refund.updated``: a refund object."""
    order = _order_for_refund(refund)
    if order is None:
        return "no order"
    metadata = refund.get("metadata") or {}
    ours = str(metadata.get("refund") or "") if isinstance(metadata, dict) else ""
    refund_record(
        stripe_refund_id=str(refund["id"]),
        status=str(refund.get("status") or "pending"),
        amount=int(refund.get("amount") or 0),
        currency=str(refund.get("currency") or order.currency),
        order=order,
        refund_id=int(ours) if ours.isdigit() else None,
    )
    return f"refund {refund['id']} of order {order.pk}: {refund.get('status')}"


def charge_refunded(charge: dict[str, Any]) -> str:
    """``charge.refunded``: the charge, with its refunds listed (API versions before
    2022-11-15) or only ``amount_refunded``, then pending refunds that add up are confirmed."""
    intent_id = charge.get("payment_intent")
    order = Order.objects.filter(payment_intent_id=str(intent_id)).first() if intent_id else None
    if order is None:
        return "no order"
    listed = (charge.get("refunds") or {}).get("data") or []
    for refund in listed:
        refund_changed({**refund, "payment_intent": intent_id})
    if not listed:
        pending = list(
            order.refunds.filter(status=Refund.Status.PENDING, stripe_refund_id__isnull=False)
        )
        succeeded = sum(r.amount for r in order.refunds.filter(status=Refund.Status.SUCCEEDED))
        if pending and succeeded + sum(r.amount for r in pending) == int(
            charge.get("amount_refunded") or 0
        ):
            for refund_row in pending:
                refund_record(
                    stripe_refund_id=str(refund_row.stripe_refund_id),
                    status=Refund.Status.SUCCEEDED,
                    amount=refund_row.amount,
                    currency=refund_row.currency,
                    order=order,
                )
    return f"order {order.pk} refunds recorded"


HANDLERS: dict[str, Handler] = {
    "payment_intent.succeeded": payment_intent_succeeded,
    "payment_intent.payment_failed": payment_intent_failed,
    "payment_intent.canceled": payment_intent_canceled,
    "charge.refunded": charge_refunded,
    "refund.created": refund_changed,
    "refund.updated": refund_changed,
    "charge.refund.updated": refund_changed,
}


def stripe_event_receive(*, event: dict[str, Any]) -> str:
    """Store a verified event by id and handle it; a replay returns ``"duplicate"``."""
    event_id = str(event.get("id") or "")
    event_type = str(event.get("type") or "")
    if not event_id:
        return "no id"
    with transaction.atomic():
        stored, created = StripeEvent.objects.get_or_create(
            id=event_id, defaults={"type": event_type, "payload": event}
        )
        if not created:
            StripeEvent.objects.filter(pk=event_id).update(deliveries=F("deliveries") + 1)
            logger.info("stripe: event %s (%s) seen before; ignored", event_id, event_type)
            return "duplicate"
        handler = HANDLERS.get(event_type)
        if handler is None:
            logger.info("stripe: event type %s not handled (event %s)", event_type, event_id)
            outcome = "ignored"
        else:
            outcome = handler((event.get("data") or {}).get("object") or {})
            logger.info("stripe: %s %s: %s", event_type, event_id, outcome)
        stored.outcome = outcome[:200]
        stored.save(update_fields=["outcome"])
    return outcome
