"""Refunds: asked of Stripe, recorded as pending, confirmed by its webhook or by the
reconciliation sweep."""

from __future__ import annotations

import json
import time

from shop.checkout.selectors import CartItem
from shop.checkout.services import checkout_start
from shop.models import Order, Refund
from shop.orders.services import order_mark_paid
from shop.payments.refunds import order_refund, refunds_reconcile
from tests.shop.stripe_fixtures import (
    payment_method_create,
    signed_event,
    stripe_api,
    wait_for,
)

WEBHOOK = "/shop/stripe/webhook/"


def deliver(client, payload: dict, **sign):
    body, header = signed_event(payload, **sign)
    return client.post(
        WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def test_a_refund_is_requested_in_admin_and_recorded_when_stripe_confirms(
    client, admin_client, shop, stripe_webhooks, localstripe
):
    # given a paid order (paid through localstripe's webhook)
    pm = payment_method_create(localstripe)
    client.post(
        "/shop/nova/checkout/",
        data=json.dumps(
            {
                "items": [{"variant": shop.variant.pk, "quantity": 1}],
                "email": "ana@example.com",
                "payment_method": pm,
            }
        ),
        content_type="application/json",
    )
    wait_for(lambda: Order.objects.get().status == Order.Status.PAID, what="payment")
    order = Order.objects.get()

    # when a marketer refunds it from the order list
    response = admin_client.post(
        "/admin/shop/order/",
        {"action": "refund_orders", "_selected_action": [order.pk]},
        follow=True,
    )

    # then Stripe refunds it and the refund waits for Stripe's confirmation
    assert response.status_code == 200
    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.order) == (2000, Refund.Status.PENDING, order)
    stripe_refund = stripe_api(localstripe, "GET", f"/v1/refunds/{refund.stripe_refund_id}")
    assert (stripe_refund["amount"], stripe_refund["status"]) == (2000, "succeeded")
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (Order.Status.PAID, 0)

    # and when Stripe's charge.refunded event comes (localstripe sends none for refunds,
    # so the test signs one around the charge as localstripe holds it), it is recorded once
    intent = stripe_api(localstripe, "GET", f"/v1/payment_intents/{order.payment_intent_id}")
    charge = stripe_api(localstripe, "GET", f"/v1/charges/{intent['latest_charge']['id']}")
    event = {
        "id": "evt_refunded",
        "type": "charge.refunded",
        "created": int(time.time()),
        "data": {"object": charge},
    }
    assert deliver(client, event).json()["outcome"] == f"order {order.pk} refunds recorded"
    assert deliver(client, event).json()["outcome"] == "duplicate"
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert (order.status, order.refunded_amount) == (Order.Status.REFUNDED, 2000)

    # a second refund of the same order is refused: nothing is left
    admin_client.post(
        "/admin/shop/order/", {"action": "refund_orders", "_selected_action": [order.pk]}
    )
    assert Refund.objects.count() == 1


def test_a_pending_refund_is_reconciled_with_stripe_when_no_webhook_comes(
    shop, localstripe, stripe_settings
):
    pm = payment_method_create(localstripe)
    result = checkout_start(
        brand=shop.brand,
        items=[CartItem(variant_id=shop.variant.pk, quantity=2)],
        email="ana@example.com",
        payment_method=pm,
    )
    order_mark_paid(
        order_id=result.order.pk,
        payment_intent_id=result.order.payment_intent_id,
        amount=4000,
        currency="eur",
    )
    refund = order_refund(order=result.order, amount=1500)
    assert refund.status == Refund.Status.PENDING

    from datetime import timedelta

    assert refunds_reconcile(older_than=timedelta(0)) == 1

    refund.refresh_from_db()
    order = Order.objects.get()
    assert refund.status == Refund.Status.SUCCEEDED
    assert (order.status, order.refunded_amount) == (Order.Status.PAID, 1500)
