"""Refunds: asked of Stripe, recorded as pending, confirmed by its webhook or by the
reconciliation sweep."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from shop.errors import RefundRefused
from shop.models import Order, Refund
from shop.money import format_money
from shop.payments import stripe_client


def order_refund(
    *, order: Order, amount: int | None = None, reason: str = "", requested_by_id: int | None = None
) -> Refund:
    """Ask Stripe to refund (all that is left by default). The refund is recorded as
    pending; the webhook (or ``refunds_reconcile``) confirms it and updates the order."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if not order.is_paid or not order.payment_intent_id:
            raise RefundRefused("Only orders paid by card can be refunded.")
        claimed = (
            order.refunds.exclude(
                status__in=[Refund.Status.FAILED, Refund.Status.CANCELED]
            ).aggregate(total=Sum("amount"))["total"]
            or 0
        )
        left = order.total - claimed
        amount = left if amount is None else amount
        if amount <= 0 or amount > left:
            raise RefundRefused(
                f"{format_money(left, order.currency)} is left to refund on this order."
            )
        try:
            info = stripe_client.refund_create(
                payment_intent=order.payment_intent_id,
                amount=amount,
                # Same order, same amount already claimed: same key, so a retried click
                # cannot refund twice.
                idempotency_key=f"refund-{order.token}-{claimed}-{amount}",
                metadata={"order": str(order.token)},
            )
        except stripe_client.StripeUnavailable as exc:
            raise RefundRefused(f"Stripe did not take the refund: {exc}") from exc
        refund, _ = Refund.objects.get_or_create(
            stripe_refund_id=info.id,
            defaults={
                "order": order,
                "amount": info.amount,
                "currency": info.currency,
                "reason": reason[:255],
                "requested_by_id": requested_by_id,
            },
        )
    return refund


def refund_record(
    *,
    stripe_refund_id: str,
    status: str,
    amount: int,
    currency: str,
    order: Order,
    at: datetime | None = None,
) -> Refund:
    """Record what Stripe says about a refund (webhook or reconciliation), idempotently,
    and bring the order's refunded amount and status in line."""
    at = at or timezone.now()
    status = status if status in Refund.Status.values else Refund.Status.PENDING
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        refund, _ = Refund.objects.select_for_update().get_or_create(
            stripe_refund_id=stripe_refund_id,
            defaults={"order": order, "amount": amount, "currency": currency.upper()},
        )
        if refund.status != status:
            refund.status = status
            refund.confirmed_at = at if status == Refund.Status.SUCCEEDED else None
            refund.save(update_fields=["status", "confirmed_at", "updated_at"])
        refunded = (
            order.refunds.filter(status=Refund.Status.SUCCEEDED).aggregate(total=Sum("amount"))[
                "total"
            ]
            or 0
        )
        order.refunded_amount = min(refunded, order.total)
        if order.is_paid:
            order.status = (
                Order.Status.REFUNDED if order.refunded_amount >= order.total else Order.Status.PAID
            )
        order.save(update_fields=["refunded_amount", "status", "updated_at"])
    return refund


def refunds_reconcile(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Ask Stripe about refunds still pending (a webhook lost or late); returns updates."""
    changed = 0
    stale = Refund.objects.filter(
        status=Refund.Status.PENDING, created_at__lte=timezone.now() - older_than
    ).select_related("order")
    for refund in stale:
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
