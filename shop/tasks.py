"""Background tasks of the shop: plain functions that load by id and call a service, safe to
run twice. Schedules are declared in ``config/schedules.py``; django-q stores these dotted
paths in its schedules and queued tasks, so a task keeps its name here."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from shop.orders import emails, selectors
from shop.orders import services as orders
from shop.payments import capi, reconciliation, refunds
from tracking.queue import sweep

logger = logging.getLogger(__name__)


def reservations_expire() -> dict[str, int]:
    """Every minute: release the stock of pending orders whose reservation is over."""
    outcomes = reconciliation.orders_expire_due()
    if outcomes:
        logger.info("shop: reservations: %s", outcomes)
    return outcomes


def order_confirmation_send(order_id: int) -> bool:
    return emails.order_confirmation_send(order_id=order_id)


def order_confirmations_resend(at: datetime | None = None) -> int:
    """Every 10 minutes: send the confirmations that failed (a failed task is not run
    again); each is sent once however often this runs. Returns how many went."""
    return sweep(
        selectors.order_confirmations_due(at=at),
        lambda pk: emails.order_confirmation_send(order_id=pk),
        what="shop: order %s: confirmation email",
    )


def order_paid_record(order_id: int) -> bool:
    return orders.order_paid_record(order_id=order_id)


def orders_paid_record_due(at: datetime | None = None) -> int:
    """Every 10 minutes: the entries and report counts of paid orders whose queued task was
    lost (each is recorded once however often this runs). Returns how many it recorded."""
    return sweep(
        selectors.orders_paid_record_due(at=at),
        lambda pk: orders.order_paid_record(order_id=pk),
        what="shop: order %s: entry or report count",
    )


# Tasks queued before order_paid_record did both (django-q stores the dotted path).
def order_conversion_record(order_id: int) -> bool:
    return orders.order_conversion_record(order_id=order_id)


def order_purchase_entry(order_id: int) -> bool:
    return orders.order_purchase_entry(order_id=order_id)


def capi_purchase_send(delivery_id: int) -> bool:
    return capi.capi_purchase_deliver(delivery_id=delivery_id)


def capi_deliveries_retry(at: datetime | None = None) -> int:
    """Every minute: retry Purchase events whose backoff is over; returns how many went."""
    at = at or timezone.now()
    due = capi.capi_deliveries_due(at=at)
    return sum(capi.capi_purchase_deliver(delivery_id=pk, at=at) for pk in due)


def refund_send(refund_id: int) -> bool:
    """Queued by a refund request: ask Stripe for it (outside any transaction)."""
    return refunds.refund_send(refund_id=refund_id)


def refunds_reconcile() -> int:
    """Every 15 minutes: send refunds whose queued request was lost, and ask Stripe about
    those whose webhook has not come."""
    return refunds.refunds_reconcile()
