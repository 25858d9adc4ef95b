"""Refunds: claimed in the database, asked of Stripe outside any transaction, confirmed by
Stripe's webhook or by the reconciliation sweep.

1. ``refund_request`` claims the amount in one short transaction: one conditional UPDATE
   on the order (``refund_claimed + amount <= total``, backed by a CHECK constraint), so
   concurrent requests can never claim more than was paid, and a pending ``Refund`` row.
   It queues ``shop.tasks.refund_send`` for after the commit.
2. ``refund_send`` calls Stripe with no transaction open (and so no lock held while Stripe
   takes up to three 20-second attempts), with the refund's own idempotency key: sending
   twice refunds once. It records Stripe's refund id; a refund Stripe refuses fails and
   gives its claim back; when Stripe cannot be reached the refund stays pending and the
   sweep sends it again, for ``SHOP_REFUND_RETRY_DAYS`` (3); after that it fails
   (``given_up_at``: failed by us, not by Stripe) and gives its claim back, so that a
   marketer sees it and can ask again (the same idempotency key is never reused). A late
   answer from Stripe is still recorded by its webhook and replaces the give-up: a refund
   Stripe made after all is succeeded, its amount refunded and claimed.
3. ``refund_record`` (webhooks, the sweep) records what Stripe says and brings the order's
   refunded amount, claim and status in line.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from shop.errors import RefundRefused
from shop.models import Order, Refund
from shop.money import charge_step_check, format_money
from shop.payments import stripe_client
from tracking.queue import task_enqueue

logger = logging.getLogger(__name__)

CLAIMING = [Refund.Status.PENDING, Refund.Status.SUCCEEDED]  # failed and canceled give back


def refund_request(
    *,
    order_id: int,
    amount: int | None = None,
    reason: str = "",
    requested_by_id: int | None = None,
) -> Refund:
    """Claim a refund of ``amount`` (all that is left by default) and queue it for Stripe.
    ``RefundRefused`` when the order was not paid by card or that much is not left."""
    with transaction.atomic():
        order = Order.objects.filter(pk=order_id).first()
        if order is None or not order.is_paid or not order.payment_intent_id:
            raise RefundRefused("Only orders paid by card can be refunded.")
        wanted = order.total - order.refund_claimed if amount is None else amount
        if refused := charge_step_check(wanted, order.currency):
            raise RefundRefused(refused)
        claimed = wanted > 0 and Order.objects.filter(
            pk=order.pk,
            status__in=[Order.Status.PAID, Order.Status.REFUNDED],
            refund_claimed__lte=F("total") - wanted,
        ).update(refund_claimed=F("refund_claimed") + wanted, updated_at=timezone.now())
        if not claimed:
            order.refresh_from_db(fields=["total", "refund_claimed"])
            left = order.total - order.refund_claimed
            raise RefundRefused(
                f"{format_money(left, order.currency)} is left to refund on this order."
            )
        refund = Refund.objects.create(
            order=order,
            amount=wanted,
            currency=order.currency,
            reason=reason[:255],
            requested_by_id=requested_by_id,
        )
        task_enqueue("shop.tasks.refund_send", refund.pk)
    return refund


def refund_send(*, refund_id: int) -> bool:
    """Ask Stripe for a claimed refund not sent yet; True when Stripe took it. Safe to run
    twice: a refund already sent is left alone, and Stripe answers a repeated key with the
    refund it made the first time."""
    refund = Refund.objects.select_related("order").filter(pk=refund_id).first()
    if refund is None or refund.stripe_refund_id or refund.status != Refund.Status.PENDING:
        return False
    order = refund.order
    try:
        info = stripe_client.refund_create(
            payment_intent=order.payment_intent_id,
            amount=refund.amount,
            idempotency_key=f"refund-{order.token}-{refund.pk}",
            metadata={"order": str(order.token), "refund": str(refund.pk)},
        )
    except stripe_client.StripeRefused as exc:
        logger.error("shop: Stripe refused refund %s of order %s: %s", refund.pk, order.pk, exc)
        _refund_fail(refund_id=refund.pk)
        return False
    except stripe_client.StripeUnavailable as exc:
        logger.warning("shop: refund %s not sent yet (the sweep retries): %s", refund.pk, exc)
        return False
    # A webhook may have recorded the id already (it finds our row by its metadata).
    Refund.objects.filter(pk=refund.pk, stripe_refund_id__isnull=True).update(
        stripe_refund_id=info.id, updated_at=timezone.now()
    )
    return True


def _order_refunds_recount(order: Order) -> None:
    """The order's refunded amount, claim and status from its refunds (order row locked)."""
    refunded = (
        order.refunds.filter(status=Refund.Status.SUCCEEDED).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    claimed = order.refunds.filter(status__in=CLAIMING).aggregate(total=Sum("amount"))["total"] or 0
    order.refunded_amount = min(refunded, order.total)
    order.refund_claimed = min(claimed, order.total)
    if order.is_paid:
        order.status = (
            Order.Status.REFUNDED if order.refunded_amount >= order.total else Order.Status.PAID
        )
    order.save(update_fields=["refunded_amount", "refund_claimed", "status", "updated_at"])


def _refund_fail(*, refund_id: int, at: datetime | None = None, given_up: bool = False) -> None:
    """A refund Stripe refused, or the sweep gave up on (``given_up``), fails and gives its
    claim back, unless Stripe's own answer came first: it is read again under the order's
    lock (the lock ``refund_record`` takes too), so a webhook's "succeeded" is never
    overwritten."""
    at = at or timezone.now()
    order_id = Refund.objects.values_list("order_id", flat=True).get(pk=refund_id)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status != Refund.Status.PENDING:
            return
        _refund_apply(refund, Refund.Status.FAILED, at)
        if given_up:
            refund.given_up_at = at
            refund.save(update_fields=["given_up_at", "updated_at"])
        _order_refunds_recount(order)


# A refund's statuses only move forward: pending, then succeeded, then (rarely, Stripe
# says) failed; failed and canceled are final. Stripe does not send events in order, so
# a late "pending" (refund.created) never undoes a "succeeded" that came first. Only our
# own failure (the sweep gave up, ``given_up_at``) is not final: what Stripe says replaces it.
_STAGE = {
    Refund.Status.PENDING: 0,
    Refund.Status.SUCCEEDED: 1,
    Refund.Status.FAILED: 2,
    Refund.Status.CANCELED: 2,
}


def _refund_apply(refund: Refund, status: str, at: datetime) -> None:
    given_up = refund.given_up_at is not None
    if not given_up and _STAGE[Refund.Status(status)] < _STAGE[Refund.Status(refund.status)]:
        logger.info("shop: refund %s: %s after %s, kept", refund.pk, status, refund.status)
        return
    if given_up:
        logger.warning("shop: refund %s, given up on, is %s at Stripe", refund.pk, status)
    if refund.status != status or given_up:
        refund.status = status
        refund.confirmed_at = at if status == Refund.Status.SUCCEEDED else None
        refund.given_up_at = None
        refund.save(update_fields=["status", "confirmed_at", "given_up_at", "updated_at"])


def refund_record(
    *,
    stripe_refund_id: str,
    status: str,
    amount: int,
    currency: str,
    order: Order,
    refund_id: int | None = None,
    at: datetime | None = None,
) -> Refund:
    """Record what Stripe says about a refund (webhook or reconciliation), idempotently,
    and bring the order's refunded amount, claim and status in line. ``refund_id`` is ours
    from the refund's metadata: it finds a refund whose id Stripe has not told us yet; a
    refund made elsewhere (Stripe's dashboard) gets a row of its own."""
    at = at or timezone.now()
    status = status if status in Refund.Status.values else Refund.Status.PENDING
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        refund = (
            Refund.objects.select_for_update().filter(stripe_refund_id=stripe_refund_id).first()
        )
        if refund is None and refund_id is not None:
            refund = (
                Refund.objects.select_for_update()
                .filter(pk=refund_id, order=order, stripe_refund_id__isnull=True)
                .first()
            )
            if refund is not None:
                refund.stripe_refund_id = stripe_refund_id
                refund.save(update_fields=["stripe_refund_id", "updated_at"])
        if refund is None:
            refund = Refund.objects.create(
                stripe_refund_id=stripe_refund_id,
                order=order,
                amount=amount,
                currency=currency.upper(),
            )
        _refund_apply(refund, status, at)
        _order_refunds_recount(order)
    return refund


def refunds_reconcile(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Refunds still pending after ``older_than``: send those whose queued request was lost
    (same idempotency key), and ask Stripe about the others (a webhook lost or late).
    Returns how many changed status."""
    changed = 0
    stale = Refund.objects.filter(
        status=Refund.Status.PENDING, created_at__lte=timezone.now() - older_than
    ).select_related("order")
    give_up_before = timezone.now() - timedelta(days=settings.SHOP_REFUND_RETRY_DAYS)
    for refund in stale:
        if not refund.stripe_refund_id:
            if refund.created_at <= give_up_before:
                logger.error(
                    "shop: refund %s of order %s could not be sent to Stripe in %s days: failed",
                    refund.pk,
                    refund.order_id,
                    settings.SHOP_REFUND_RETRY_DAYS,
                )
                _refund_fail(refund_id=refund.pk, given_up=True)
                changed += 1
            else:
                refund_send(refund_id=refund.pk)
            continue
        try:
            info = stripe_client.refund_retrieve(refund.stripe_refund_id)
        except stripe_client.StripeUnavailable:
            continue
        if info.status != refund.status:
            refund_record(
                stripe_refund_id=info.id,
                status=info.status,
                amount=info.amount,
                currency=info.currency,
                order=refund.order,
            )
            changed += 1
    return changed
