"""Webhook subscriptions and deliveries in admin: scoped by brand, attempt log shown, and a
re-send that queues (the marketer's request makes no HTTP call)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import BrandFactory, BrandMembershipFactory
from tests.factories.tracking import WebhookAttemptFactory, WebhookDeliveryFactory
from tracking.models import WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(receiver):
    brand = BrandFactory(slug="nova")
    delivery = WebhookDeliveryFactory(subscription__brand=brand, subscription__url=receiver.url)
    WebhookAttemptFactory(delivery=delivery, status_code=200, response_excerpt="thanks")
    return delivery


@pytest.fixture
def marketer(delivery):
    client = Client()
    client.force_login(BrandMembershipFactory(brand=delivery.subscription.brand).user)
    return client


def test_a_marketer_sees_their_brands_deliveries_and_their_log(marketer, delivery):
    foreign = WebhookDeliveryFactory()  # another brand's

    listed = marketer.get("/admin/tracking/webhookdelivery/")
    page = marketer.get(f"/admin/tracking/webhookdelivery/{delivery.pk}/change/")
    hidden = marketer.get(f"/admin/tracking/webhookdelivery/{foreign.pk}/change/")
    subscriptions = marketer.get("/admin/tracking/webhooksubscription/")

    assert listed.status_code == 200
    assert [d.pk for d in listed.context["cl"].result_list] == [delivery.pk]
    assert page.status_code == 200
    assert str(delivery.event.event_id) in page.content.decode()
    assert "thanks" in page.content.decode()
    assert hidden.status_code == 302  # as if it did not exist: back to the admin index
    assert [s.pk for s in subscriptions.context["cl"].result_list] == [delivery.subscription_id]


def test_the_resend_action_queues_and_the_worker_sends(
    marketer, delivery, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = marketer.post(
            "/admin/tracking/webhookdelivery/",
            {"action": "resend", "_selected_action": [delivery.pk]},
            follow=True,
        )

    assert [str(m) for m in response.context["messages"]] == [
        "Queued 1 delivery to be re-sent; its attempt log shows how it went."
    ]
    copy = WebhookDelivery.objects.get(resend_of=delivery)
    assert (copy.state, copy.attempts) == ("pending", 0)
    assert receiver.received == []  # nothing sent during the request
    assert len(queued) == 1

    queued[0]()  # the transaction commits: the queued task runs (sync django-q in tests)

    copy.refresh_from_db()
    assert (copy.state, copy.attempts) == ("delivered", 1)
    assert len(receiver.received) == 1
    assert receiver.received[0].headers["X-Webhook-Event"] == str(delivery.event.event_id)


def test_a_marketer_pauses_a_subscription(marketer, delivery):
    subscription = delivery.subscription
    url = f"/admin/tracking/webhooksubscription/{subscription.pk}/change/"

    response = marketer.post(url, {"active": ""})

    assert response.status_code == 302, response.content
    subscription.refresh_from_db()
    assert subscription.active is False
