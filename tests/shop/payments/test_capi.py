"""Facebook Conversions API: the Purchase event of a paid order, checked at the HTTP layer."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
import responses
from django.utils import timezone

from shop import tasks
from shop.checkout.selectors import CartItem
from shop.checkout.services import Buyer, order_create
from shop.models import CapiDelivery, Order
from shop.orders.services import order_mark_paid
from tests.factories import CapiDeliveryFactory, OrderFactory

PIXEL = "123456789012345"
GRAPH = f"https://graph.facebook.com/v25.0/{PIXEL}/events"


@pytest.fixture
def capi_on(settings):
    settings.FACEBOOK_PIXEL_ID = PIXEL
    settings.FACEBOOK_CAPI_TOKEN = "EAAB-test-token"
    settings.FACEBOOK_GRAPH_VERSION = "v25.0"
    settings.SITE_URL = "https://promos.example.com"


@pytest.fixture
def graph():
    with responses.RequestsMock() as mock:
        yield mock


def paid_order(
    shop, django_capture_on_commit_callbacks, *, email="  Ana.Buyer@Example.COM "
) -> Order:
    order = order_create(
        brand=shop.brand,
        items=[CartItem(variant_id=shop.variant.pk, quantity=2)],
        email=email,
        buyer=Buyer(ip="203.0.113.7", user_agent="Mozilla/5.0 (Phone)", fbp="fb.1.1.42"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(
            order_id=order.pk, payment_intent_id="pi_capi", amount=order.total, currency="eur"
        )
    order.refresh_from_db()
    return order


def test_a_paid_order_sends_one_purchase_event(
    shop, capi_on, graph, django_capture_on_commit_callbacks
):
    graph.post(GRAPH, json={"events_received": 1, "fbtrace_id": "AbC"})

    order = paid_order(shop, django_capture_on_commit_callbacks)

    assert len(graph.calls) == 1
    body = json.loads(graph.calls[0].request.body)
    expected_email_hash = hashlib.sha256(b"ana.buyer@example.com").hexdigest()
    assert body == {
        "access_token": "EAAB-test-token",
        "data": [
            {
                "event_name": "Purchase",
                "event_time": int(order.paid_at.timestamp()),
                "event_id": str(order.pk),
                "action_source": "website",
                "event_source_url": f"https://promos.example.com/shop/nova/orders/{order.token}/",
                "user_data": {
                    "em": [expected_email_hash],
                    "external_id": [expected_email_hash],
                    "client_ip_address": "203.0.113.7",
                    "client_user_agent": "Mozilla/5.0 (Phone)",
                    "fbp": "fb.1.1.42",
                },
                "custom_data": {
                    "currency": "EUR",
                    "value": 40.0,
                    "order_id": str(order.pk),
                    "content_type": "product",
                    "content_ids": [str(shop.variant.pk)],
                    "contents": [{"id": str(shop.variant.pk), "quantity": 2, "item_price": 20.0}],
                    "num_items": 2,
                },
            }
        ],
    }
    assert "ana.buyer" not in graph.calls[0].request.body.decode()
    delivery = CapiDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.event_id) == ("sent", 1, str(order.pk))
    assert [(a.ok, a.http_status) for a in delivery.log.all()] == [(True, 200)]


def test_a_failing_graph_call_is_retried_not_lost(
    shop, capi_on, graph, django_capture_on_commit_callbacks
):
    graph.post(GRAPH, status=500, json={"error": {"message": "Service temporarily unavailable"}})
    graph.post(GRAPH, json={"events_received": 1})

    # the first attempt (right after payment) fails
    order = paid_order(shop, django_capture_on_commit_callbacks)
    delivery = CapiDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert (
        delivery.last_error
        == "POST 123456789012345/events: HTTP 500: Service temporarily unavailable"
    )

    # the retry task leaves it alone until its backoff is over...
    assert tasks.capi_deliveries_retry() == 0
    assert len(graph.calls) == 1

    # ...then sends it again, with the same event_id
    assert tasks.capi_deliveries_retry(at=timezone.now() + timedelta(minutes=2)) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert [json.loads(c.request.body)["data"][0]["event_id"] for c in graph.calls] == [
        str(order.pk),
        str(order.pk),
    ]
    assert [(a.ok, a.http_status) for a in delivery.log.all()] == [(False, 500), (True, 200)]


def test_network_errors_are_retried_and_bad_requests_wait_for_a_person(
    shop, capi_on, graph, django_capture_on_commit_callbacks
):
    import requests

    graph.post(GRAPH, body=requests.ConnectionError("connection reset"))
    graph.post(
        GRAPH,
        status=400,
        json={"error": {"message": "Invalid OAuth access token.", "code": 190}},
    )
    graph.post(GRAPH, json={"events_received": 1})

    paid_order(shop, django_capture_on_commit_callbacks)
    delivery = CapiDelivery.objects.get()
    assert (delivery.status, delivery.log.get().http_status) == ("pending", None)

    tasks.capi_deliveries_retry(at=timezone.now() + timedelta(minutes=2))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("gave_up", 2)
    assert tasks.capi_deliveries_retry(at=timezone.now() + timedelta(days=1)) == 0

    # the token is fixed; "send again" in admin starts a fresh round
    from shop.payments import capi

    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert capi.capi_deliveries_resend(delivery_ids=[delivery.pk]) == 1
    assert tasks.capi_deliveries_retry() == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert len(graph.calls) == 3
    for task in queued:  # the queued send comes after the sweep: it sends nothing more
        task()
    assert len(graph.calls) == 3


def test_off_when_the_pixel_is_not_configured(
    shop, settings, graph, django_capture_on_commit_callbacks
):
    settings.FACEBOOK_PIXEL_ID = ""
    settings.FACEBOOK_CAPI_TOKEN = "EAAB-test-token"

    paid_order(shop, django_capture_on_commit_callbacks)

    assert CapiDelivery.objects.count() == 0
    assert len(graph.calls) == 0


def test_the_graph_version_comes_from_settings(
    shop, capi_on, settings, graph, django_capture_on_commit_callbacks
):
    settings.FACEBOOK_GRAPH_VERSION = "v26.0"
    graph.post(f"https://graph.facebook.com/v26.0/{PIXEL}/events", json={"events_received": 1})

    paid_order(shop, django_capture_on_commit_callbacks)

    assert graph.calls[0].request.url == f"https://graph.facebook.com/v26.0/{PIXEL}/events"


def test_a_second_payment_webhook_sends_nothing_more(
    shop, capi_on, graph, django_capture_on_commit_callbacks
):
    graph.post(GRAPH, json={"events_received": 1})
    order = paid_order(shop, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        again = order_mark_paid(
            order_id=order.pk, payment_intent_id="pi_capi", amount=order.total, currency="eur"
        )

    assert again is False
    assert len(graph.calls) == 1


def test_send_again_in_admin_queues_the_delivery_and_its_log_shows_the_result(
    admin_client, shop, capi_on, graph, django_capture_on_commit_callbacks
):
    graph.post(GRAPH, status=400, json={"error": {"message": "Invalid OAuth access token."}})
    graph.post(GRAPH, json={"events_received": 1})
    paid_order(shop, django_capture_on_commit_callbacks)
    delivery = CapiDelivery.objects.get()
    sent = CapiDeliveryFactory(order=OrderFactory(brand=shop.brand), status="sent")
    assert (delivery.status, len(graph.calls)) == ("gave_up", 1)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = admin_client.post(
            "/admin/shop/capidelivery/",
            {"action": "send_again", "_selected_action": [delivery.pk, sent.pk]},
            follow=True,
        )

    # the marketer is told it is queued; Facebook was not called while they waited
    assert "1 delivery queued to be sent again; its log shows the result." in (
        response.content.decode()
    )
    assert len(graph.calls) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)

    for task in queued:  # the worker
        task()

    delivery.refresh_from_db()
    assert (delivery.status, len(graph.calls)) == ("sent", 2)
    assert [(a.ok, a.http_status) for a in delivery.log.all()] == [(False, 400), (True, 200)]
