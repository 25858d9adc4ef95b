"""POST /shop/stripe/webhook/: verified, stored by id, handled once."""

from __future__ import annotations

import json
import logging
import time
import uuid

import pytest

from shop.checkout.selectors import CartItem
from shop.checkout.services import order_create
from shop.models import Order, StripeEvent, Variant
from tests.shop.stripe_fixtures import (
    payment_method_create,
    signed_event,
    wait_for,
)

WEBHOOK = "/shop/stripe/webhook/"


def deliver(client, payload: dict, **sign):
    body, header = signed_event(payload, **sign)
    return client.post(
        WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def pending_order(shop, quantity: int = 2) -> Order:
    order = order_create(
        brand=shop.brand,
        items=[CartItem(variant_id=shop.variant.pk, quantity=quantity)],
        email="ana@example.com",
    )
    Order.objects.filter(pk=order.pk).update(payment_intent_id="pi_test123")
    order.refresh_from_db()
    return order


def intent_event(order: Order, type_: str, *, amount: int | None = None, **extra) -> dict:
    return {
        "id": f"evt_{uuid.uuid4().hex[:14]}",
        "object": "event",
        "type": type_,
        "created": int(time.time()),
        "data": {
            "object": {
                "id": order.payment_intent_id,
                "object": "payment_intent",
                "amount": order.total if amount is None else amount,
                "currency": order.currency.lower(),
                "metadata": {"order": str(order.token)},
                **extra,
            }
        },
    }


def test_paid_through_the_webhook_once_when_it_is_delivered_three_times(
    client, shop, stripe_webhooks_three_times, localstripe, mailoutbox
):
    # given localstripe delivers every event three times to the live server
    pm = payment_method_create(localstripe)

    # when the buyer pays
    assert (
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
        ).status_code
        == 201
    )

    # then the event is stored once, counted three times, and the order paid once
    order = Order.objects.get()
    ours = StripeEvent.objects.filter(payload__data__object__id=order.payment_intent_id)
    event = wait_for(lambda: ours.filter(deliveries=3).first(), what="three deliveries")
    assert (event.type, event.outcome) == ("payment_intent.succeeded", f"order {order.pk} paid")
    assert ours.count() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert len(mailoutbox) == 1
    assert Variant.objects.get().stock == 9


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "body changed", "no header", "ten minutes old", "garbage header"],
)
def test_a_bad_signature_is_a_400_and_changes_nothing(client, shop, settings, tamper):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_right"
    order = pending_order(shop)
    payload = intent_event(order, "payment_intent.succeeded")
    body, header = signed_event(payload, secret="whsec_right")
    if tamper == "wrong secret":
        body, header = signed_event(payload, secret="whsec_wrong")
    elif tamper == "body changed":
        body = body.replace(b'"amount": 4000', b'"amount": 1')
    elif tamper == "no header":
        header = ""
    elif tamper == "ten minutes old":
        body, header = signed_event(payload, secret="whsec_right", at=int(time.time()) - 600)
    elif tamper == "garbage header":
        header = "t=abc,v1=nothex"

    response = client.post(
        WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_signature"
    assert StripeEvent.objects.count() == 0
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


def test_a_payment_for_another_amount_does_not_mark_the_order_paid(client, shop, stripe_settings):
    order = pending_order(shop)

    response = deliver(client, intent_event(order, "payment_intent.succeeded", amount=1))

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert order.failure_reason == "Stripe reported 1 EUR; not marked paid."


def test_a_failed_payment_fails_the_order_and_releases_its_stock_once(
    client, shop, stripe_settings
):
    order = pending_order(shop, quantity=3)
    assert Variant.objects.get().stock == 7
    event = intent_event(
        order,
        "payment_intent.payment_failed",
        last_payment_error={"message": "Your card has insufficient funds."},
    )

    first = deliver(client, event)
    second = deliver(client, event)
    other_delivery_of_same_news = deliver(client, {**event, "id": "evt_other"})

    assert [r.json()["outcome"] for r in (first, second, other_delivery_of_same_news)] == [
        f"order {order.pk} failed",
        "duplicate",
        f"order {order.pk} unchanged",
    ]
    order.refresh_from_db()
    assert (order.status, order.failure_reason) == (
        Order.Status.FAILED,
        "Your card has insufficient funds.",
    )
    assert Variant.objects.get().stock == 10


def test_unknown_event_types_are_logged_and_acknowledged(client, db, stripe_settings, caplog):
    caplog.set_level(logging.INFO, logger="shop.payments.webhooks")
    payload = {"id": "evt_customer", "type": "customer.created", "data": {"object": {}}}

    response = deliver(client, payload)

    assert response.status_code == 200
    assert response.json() == {"received": True, "outcome": "ignored"}
    assert StripeEvent.objects.get(id="evt_customer").type == "customer.created"
    assert "stripe: event type customer.created not handled (event evt_customer)" in caplog.text


def test_an_event_for_an_unknown_order_is_acknowledged(client, db, stripe_settings):
    payload = {
        "id": "evt_stranger",
        "type": "payment_intent.succeeded",
        "data": {"object": {"id": "pi_unknown", "amount": 100, "currency": "eur", "metadata": {}}},
    }

    response = deliver(client, payload)

    assert response.json()["outcome"] == "no order"
