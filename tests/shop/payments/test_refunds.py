"""Refunds: asked of Stripe, recorded as pending, confirmed by its webhook or by the
reconciliation sweep."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from shop.checkout.selectors import CartItem
from shop.checkout.services import checkout_start
from shop.errors import RefundRefused
from shop.models import Order, Refund
from shop.orders.services import order_mark_paid
from shop.payments import stripe_client
from shop.payments.refunds import refund_request, refund_send, refunds_reconcile
from tests.factories import OrderFactory
from tests.shop.conftest import make_shop
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
    refund = refund_request(order_id=result.order.pk, amount=1500)
    assert refund_send(refund_id=refund.pk) is True  # what the queued task does
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING

    from datetime import timedelta

    assert refunds_reconcile(older_than=timedelta(0)) == 1

    refund.refresh_from_db()
    order = Order.objects.get()
    assert refund.status == Refund.Status.SUCCEEDED
    assert (order.status, order.refunded_amount) == (Order.Status.PAID, 1500)


def paid_by_card(shop, localstripe, quantity: int = 1) -> Order:
    result = checkout_start(
        brand=shop.brand,
        items=[CartItem(variant_id=shop.variant.pk, quantity=quantity)],
        email="ana@example.com",
        payment_method=payment_method_create(localstripe),
    )
    order = result.order
    order_mark_paid(
        order_id=order.pk,
        payment_intent_id=order.payment_intent_id,
        amount=order.total,
        currency=order.currency,
    )
    order.refresh_from_db()
    return order


def test_stripe_is_asked_for_a_refund_outside_any_transaction(
    transactional_db, admin_client, localstripe, stripe_settings, monkeypatch
):
    # given a paid order, and the shop's Stripe client observed while it calls localstripe
    order = paid_by_card(make_shop(), localstripe)
    in_transaction: list[bool] = []
    refund_create = stripe_client.refund_create

    def observed(**kwargs):
        in_transaction.append(connection.in_atomic_block)
        return refund_create(**kwargs)

    monkeypatch.setattr(stripe_client, "refund_create", observed)

    # when a marketer refunds it (the queued task runs in process in tests)
    admin_client.post(
        "/admin/shop/order/", {"action": "refund_orders", "_selected_action": [order.pk]}
    )

    # then Stripe was called once, with no transaction (and no row lock) open
    assert in_transaction == [False]
    refund = Refund.objects.get()
    assert (
        stripe_api(localstripe, "GET", f"/v1/refunds/{refund.stripe_refund_id}")["amount"] == 2000
    )


def test_a_refund_from_admin_is_queued_and_sent_by_the_task(
    admin_client, shop, localstripe, stripe_settings, django_capture_on_commit_callbacks
):
    order = paid_by_card(shop, localstripe)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = admin_client.post(
            "/admin/shop/order/",
            {"action": "refund_orders", "_selected_action": [order.pk]},
            follow=True,
        )

    # the marketer is told it is queued; Stripe has not been asked yet
    assert "Refund queued for 1 order" in response.content.decode()
    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.stripe_refund_id) == (2000, "pending", None)
    order.refresh_from_db()
    assert order.refund_claimed == 2000
    assert len(queued) == 1

    queued[0]()  # the worker runs the task
    queued[0]()  # and runs it again: nothing more is refunded

    refund.refresh_from_db()
    assert refund.stripe_refund_id
    charge = stripe_api(localstripe, "GET", f"/v1/payment_intents/{order.payment_intent_id}")
    assert (
        stripe_api(localstripe, "GET", f"/v1/charges/{charge['latest_charge']['id']}")[
            "amount_refunded"
        ]
        == 2000
    )


def test_a_refund_stripe_refuses_fails_and_gives_its_claim_back(shop, localstripe, stripe_settings):
    order = OrderFactory(brand=shop.brand, payment_intent_id="pi_nobody_knows")

    refund = refund_request(order_id=order.pk, amount=500)

    assert refund_send(refund_id=refund.pk) is False
    refund.refresh_from_db()
    order.refresh_from_db()
    assert (refund.status, refund.stripe_refund_id, refund.given_up_at) == (
        Refund.Status.FAILED,
        None,
        None,  # failed by Stripe: final
    )
    assert (order.refund_claimed, order.refunded_amount, order.status) == (0, 0, Order.Status.PAID)
    assert refund_request(order_id=order.pk).amount == 2000  # all of it may be asked again


def test_no_more_than_the_total_can_be_claimed(shop):
    order = OrderFactory(brand=shop.brand)
    refund_request(order_id=order.pk, amount=1500)

    with pytest.raises(RefundRefused) as refused:
        refund_request(order_id=order.pk, amount=501)
    assert refused.value.message == "€5.00 is left to refund on this order."
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds it too
        Order.objects.filter(pk=order.pk).update(refund_claimed=2001)
    assert refund_request(order_id=order.pk).amount == 500
    assert Order.objects.get(pk=order.pk).refund_claimed == 2000


def test_a_refund_in_dinars_is_whole_tens_of_fils(shop):
    order = OrderFactory(brand=shop.brand, currency="KWD", subtotal=5120, total=5120)

    with pytest.raises(RefundRefused) as refused:
        refund_request(order_id=order.pk, amount=1005)

    assert refused.value.message == "Stripe charges KWD in steps of 10 minor units: type 1010."
    assert Order.objects.get(pk=order.pk).refund_claimed == 0
    assert refund_request(order_id=order.pk, amount=1010).amount == 1010


@pytest.mark.postgres
def test_concurrent_refunds_of_one_order_never_claim_more_than_was_paid(transactional_db):
    order = OrderFactory(brand=make_shop().brand)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def request(amount: int) -> None:
        try:
            barrier.wait()
            refund_request(order_id=order.pk, amount=amount)
            outcomes.append("claimed")
        except RefundRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=request, args=(700,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["claimed"] * 2 + ["refused"] * 6
    order.refresh_from_db()
    assert order.refund_claimed == 1400
    assert sum(order.refunds.values_list("amount", flat=True)) == 1400


def test_the_sweep_fails_a_refund_it_could_not_send_for_days_and_gives_its_claim_back(
    shop, settings
):
    # given: a refund claimed four days ago that never reached Stripe
    settings.SHOP_REFUND_RETRY_DAYS = 3
    order = OrderFactory(brand=shop.brand, payment_intent_id="pi_never_reached")
    refund = refund_request(order_id=order.pk, amount=700)
    Refund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - timedelta(days=4))

    # when
    changed = refunds_reconcile(older_than=timedelta(minutes=5))

    # then: it fails (no Stripe call is made for it) and the amount may be asked again
    refund.refresh_from_db()
    order.refresh_from_db()
    assert changed == 1
    assert (refund.status, refund.stripe_refund_id) == (Refund.Status.FAILED, None)
    assert order.refund_claimed == 0
    assert refund_request(order_id=order.pk).amount == 2000


def test_a_refund_stripe_confirms_while_the_sweep_gives_up_on_it_stays_succeeded(
    shop, settings, monkeypatch
):
    # given: a refund claimed four days ago, never confirmed
    from shop.payments import refunds

    settings.SHOP_REFUND_RETRY_DAYS = 3
    order = OrderFactory(brand=shop.brand, payment_intent_id="pi_late")
    refund = refund_request(order_id=order.pk, amount=700)
    Refund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - timedelta(days=4))

    # when: Stripe's webhook records it succeeded after the sweep read it as pending, just
    # before the sweep marks it failed (the sweep logs its decision first)
    def webhook_lands(*args):
        refunds.refund_record(
            stripe_refund_id="re_late",
            status="succeeded",
            amount=700,
            currency="EUR",
            order=order,
            refund_id=refund.pk,
        )

    monkeypatch.setattr(refunds.logger, "error", webhook_lands)
    refunds_reconcile(older_than=timedelta(minutes=5))

    # then: Stripe's answer stands, and the refunded amount cannot be asked again
    refund.refresh_from_db()
    order.refresh_from_db()
    assert (refund.status, refund.stripe_refund_id) == (Refund.Status.SUCCEEDED, "re_late")
    assert (order.refunded_amount, order.refund_claimed) == (700, 700)
    with pytest.raises(RefundRefused):
        refund_request(order_id=order.pk, amount=1400)


def test_a_refund_stripe_made_after_the_sweep_gave_up_on_it_is_recorded_as_refunded(
    client, shop, settings, stripe_settings
):
    # given: a refund the sweep gave up on after three days without Stripe's answer
    settings.SHOP_REFUND_RETRY_DAYS = 3
    order = OrderFactory(brand=shop.brand, payment_intent_id="pi_slow")
    refund = refund_request(order_id=order.pk, amount=700)
    Refund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - timedelta(days=4))
    refunds_reconcile(older_than=timedelta(minutes=5))
    refund.refresh_from_db()
    assert (refund.status, refund.given_up_at is not None) == (Refund.Status.FAILED, True)

    # when: Stripe's webhook says it made the refund (the request had reached it)
    event = _refund_event(order, "refund.updated", "succeeded", int(time.time()))
    event["data"]["object"].update(
        id="re_made", amount=700, metadata={"order": str(order.token), "refund": str(refund.pk)}
    )
    answer = deliver(client, event)

    # then: succeeded, refunded and claimed; only the rest can be asked for
    assert answer.status_code == 200
    refund.refresh_from_db()
    order.refresh_from_db()
    assert (refund.status, refund.stripe_refund_id, refund.given_up_at) == (
        Refund.Status.SUCCEEDED,
        "re_made",
        None,
    )
    assert (order.refunded_amount, order.refund_claimed, order.status) == (
        700,
        700,
        Order.Status.PAID,
    )
    assert refund_request(order_id=order.pk).amount == 1300


def _refund_event(order, kind, status, created):
    refund = {
        "id": "re_out_of_order",
        "object": "refund",
        "amount": order.total,
        "currency": "eur",
        "status": status,
        "payment_intent": order.payment_intent_id,
        "metadata": {},
    }
    return {
        "id": f"evt_{kind}_{status}_{created}",
        "object": "event",
        "type": kind,
        "created": created,
        "data": {"object": refund},
    }


def test_a_late_pending_event_never_undoes_a_succeeded_refund(client, shop, stripe_settings):
    # given: Stripe sends refund.updated (succeeded) before the older refund.created (pending)
    order = OrderFactory(brand=shop.brand)
    now = int(time.time())

    first = deliver(client, _refund_event(order, "refund.updated", "succeeded", now))
    late = deliver(client, _refund_event(order, "refund.created", "pending", now - 2))
    refunded = Order.objects.get(pk=order.pk)
    failed = deliver(client, _refund_event(order, "refund.updated", "failed", now + 60))
    after_failure = Order.objects.get(pk=order.pk)
    stale = deliver(client, _refund_event(order, "refund.updated", "succeeded", now + 1))

    # then: refunded, not moved back by the late one; a real failure afterwards counts
    assert [r.status_code for r in (first, late, failed, stale)] == [200] * 4
    assert (refunded.status, refunded.refunded_amount) == (Order.Status.REFUNDED, order.total)
    assert Refund.objects.get().status == Refund.Status.FAILED
    assert (after_failure.status, after_failure.refunded_amount) == (Order.Status.PAID, 0)
    assert Order.objects.get(pk=order.pk).refunded_amount == 0
