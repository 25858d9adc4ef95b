"""/api/v1/webhooks/: create and manage subscriptions, read their delivery log, re-send;
validation in the one error envelope, scopes, brand and key isolation, query counts."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import BrandFactory
from tests.tracking.api.conftest import assert_error
from tracking import partner_webhooks
from tracking.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db
WEBHOOKS = "/api/v1/webhooks/"
PUBLIC_URL = "https://8.8.8.8/hooks"  # an address literal: public, and no DNS needed


def client_for(make_api_key, brands, scopes):
    key, raw = make_api_key(brands=brands, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client, key


@pytest.fixture
def brand():
    return BrandFactory(slug="nova")


@pytest.fixture
def partner(make_api_key, brand):
    client, _key = client_for(
        make_api_key, [brand], ["webhooks:read", "webhooks:write", "entries:read"]
    )
    return client


def create(client, brand, **extra):
    body = {"brand": brand.slug, "url": PUBLIC_URL, "event_types": ["draw.completed"], **extra}
    response = client.post(WEBHOOKS, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_partner_subscribes_and_gets_the_secret_once(partner, brand):
    created = create(partner, brand, event_types=["order.paid", "entry.created"], name="CRM")

    assert created["secret"].startswith("whsec_")
    assert created["brand"] == "nova"
    assert created["event_types"] == ["entry.created", "order.paid"]
    assert (created["name"], created["active"], created["url"]) == ("CRM", True, PUBLIC_URL)
    fetched = partner.get(f"{WEBHOOKS}{created['id']}/").json()
    assert "secret" not in fetched
    assert fetched["event_types"] == created["event_types"]
    assert WebhookSubscription.objects.get().secret == created["secret"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"url": "http://8.8.8.8/hooks"}, ["url"]),
        ({"url": "https://10.0.0.5/admin"}, ["url"]),
        ({"url": "https://169.254.169.254/latest"}, ["url"]),
        ({"url": "not a url"}, ["url"]),
        ({"event_types": []}, ["event_types"]),
        ({"event_types": ["entry.deleted"]}, ["event_types"]),
        ({"event_types": ["order.paid", "order.paid"]}, ["event_types"]),
        ({"event_types": "order.paid"}, ["event_types"]),
        ({"brand": "unknown-brand"}, ["brand"]),
        ({"brand": None}, ["brand"]),
        ({"active": "maybe"}, ["active"]),
        ({"secret": "mine"}, ["secret"]),
        ({"colour": "red"}, ["colour"]),
        ({"name": "x" * 121}, ["name"]),
    ],
)
def test_a_bad_subscription_is_a_400_naming_the_field(partner, brand, body, fields):
    payload = {"brand": brand.slug, "url": PUBLIC_URL, "event_types": ["draw.completed"], **body}

    response = partner.post(WEBHOOKS, payload, format="json")

    assert_error(response, 400, "invalid", fields)
    assert not WebhookSubscription.objects.exists()


def test_a_body_that_is_not_json_is_a_400(partner):
    response = partner.post(WEBHOOKS, b"{nope", content_type="application/json")

    assert_error(response, 400, "parse_error")


def test_entry_events_need_the_entries_scope(make_api_key, brand):
    client, _key = client_for(make_api_key, [brand], ["webhooks:write"])
    payload = {"brand": brand.slug, "url": PUBLIC_URL, "event_types": ["entry.created"]}

    assert_error(client.post(WEBHOOKS, payload, format="json"), 400, "invalid", ["event_types"])
    payload["event_types"] = ["order.paid"]
    assert client.post(WEBHOOKS, payload, format="json").status_code == 201


def test_scopes_read_and_write(make_api_key, brand, partner):
    created = create(partner, brand)
    reader, _ = client_for(make_api_key, [brand], ["webhooks:read"])
    nobody, _ = client_for(make_api_key, [brand], ["reports:read"])
    payload = {"brand": brand.slug, "url": PUBLIC_URL, "event_types": ["order.paid"]}

    assert reader.get(WEBHOOKS).status_code == 200
    assert_error(reader.post(WEBHOOKS, payload, format="json"), 403, "missing_scope")
    assert_error(nobody.get(WEBHOOKS), 403, "missing_scope")
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Bearer phk_0123abcd_" + "x" * 40)
    assert_error(stranger.get(WEBHOOKS), 401, "authentication_failed")
    assert_error(APIClient().get(WEBHOOKS), 401, "not_authenticated")
    # a reader sees only its own key's subscriptions, so this one is not found for it
    assert_error(reader.get(f"{WEBHOOKS}{created['id']}/deliveries/"), 404, "not_found")


def test_another_brands_or_another_keys_subscription_is_a_404(make_api_key, brand, partner):
    mine = create(partner, brand)
    other_brand = BrandFactory()
    theirs, _ = client_for(
        make_api_key, [other_brand], ["webhooks:read", "webhooks:write", "entries:read"]
    )
    foreign = create(theirs, other_brand)
    url = f"{WEBHOOKS}{foreign['id']}/"

    assert_error(partner.get(url), 404, "not_found")
    assert_error(partner.patch(url, {"active": False}, format="json"), 404, "not_found")
    assert_error(partner.delete(url), 404, "not_found")
    assert_error(partner.get(f"{url}deliveries/"), 404, "not_found")
    assert_error(partner.post(f"{url}deliveries/1/resend/"), 404, "not_found")
    assert_error(partner.get(f"{WEBHOOKS}999999999/"), 404, "not_found")
    assert [s["id"] for s in partner.get(WEBHOOKS).json()["results"]] == [mine["id"]]
    # naming the other brand in a body is refused as not the key's
    payload = {"brand": other_brand.slug, "url": PUBLIC_URL, "event_types": ["order.paid"]}
    assert_error(partner.post(WEBHOOKS, payload, format="json"), 400, "invalid", ["brand"])
    assert WebhookSubscription.objects.get(pk=foreign["id"]).active is True


def test_a_subscription_is_changed_and_deleted(partner, brand):
    created = create(partner, brand)
    url = f"{WEBHOOKS}{created['id']}/"

    changed = partner.patch(
        url, {"event_types": ["order.paid", "draw.completed"], "active": False}, format="json"
    )
    refused_url = partner.patch(url, {"url": "https://192.168.1.1/"}, format="json")
    refused_brand = partner.patch(url, {"brand": BrandFactory().slug}, format="json")
    refused_types = partner.patch(url, {"event_types": ["nope"]}, format="json")

    assert changed.status_code == 200, changed.content
    assert changed.json()["event_types"] == ["draw.completed", "order.paid"]
    assert changed.json()["active"] is False
    for response, field in ((refused_url, "url"), (refused_brand, "brand")):
        assert_error(response, 400, "invalid", [field])
    assert_error(refused_types, 400, "invalid", ["event_types"])
    subscription = WebhookSubscription.objects.get()
    assert subscription.url == PUBLIC_URL
    assert partner.delete(url).status_code == 204
    assert not WebhookSubscription.objects.exists()


def test_the_list_pages_in_a_fixed_number_of_queries(partner, brand, django_assert_num_queries):
    for _ in range(3):
        create(partner, brand)
    with django_assert_num_queries(2):  # the key's brands, the page
        partner.get(WEBHOOKS)
    for _ in range(12):
        create(partner, brand)

    with django_assert_num_queries(2):
        page = partner.get(WEBHOOKS, {"page_size": 10}).json()

    assert len(page["results"]) == 10 and page["next"]
    rest = partner.get(page["next"]).json()
    assert len(rest["results"]) == 5 and rest["next"] is None
    assert_error(partner.get(WEBHOOKS, {"page_size": 0}), 400, "invalid", ["page_size"])
    assert_error(partner.get(WEBHOOKS, {"cursor": "garbage"}), 400, "invalid", ["cursor"])
    assert_error(partner.get(WEBHOOKS, {"brand": "nova"}), 400, "invalid", ["brand"])


def publish(subscription, n, *, status=500):
    """``n`` events for the subscription, each tried once and answered ``status``."""
    at = timezone.now()
    for i in range(n):
        partner_webhooks.event_publish(
            brand_id=subscription.brand_id, event_type="draw.completed", data={"draw": i}, at=at
        )
    for delivery in WebhookDelivery.objects.filter(attempts=0):
        delivery.log.create(
            attempt=1, started_at=at, status_code=status, error=f"HTTP {status}", latency_ms=9
        )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=1)


def test_the_delivery_log_in_a_fixed_number_of_queries(partner, brand, django_assert_num_queries):
    created = create(partner, brand)
    subscription = WebhookSubscription.objects.get(pk=created["id"])
    url = f"{WEBHOOKS}{created['id']}/deliveries/"
    publish(subscription, 2)
    with django_assert_num_queries(4):  # brands, subscription, page, their log
        partner.get(url)
    publish(subscription, 10)

    with django_assert_num_queries(4):
        body = partner.get(url, {"page_size": 20}).json()

    assert len(body["results"]) == 12
    first = body["results"][0]
    assert set(first) == {
        "id",
        "event",
        "state",
        "attempts",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "resend_of",
        "log",
    }
    assert first["event"]["type"] == "draw.completed"
    assert first["log"][0]["status_code"] == 500 and first["log"][0]["error"] == "HTTP 500"
    assert_error(partner.get(url, {"state": "failed"}), 400, "invalid", ["state"])


def test_a_delivery_is_resent_through_the_api(
    partner, brand, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    created = create(partner, brand)
    subscription = WebhookSubscription.objects.get(pk=created["id"])
    publish(subscription, 1)
    delivery = WebhookDelivery.objects.get()

    with django_capture_on_commit_callbacks() as queued:
        response = partner.post(f"{WEBHOOKS}{created['id']}/deliveries/{delivery.pk}/resend/")

    assert response.status_code == 202, response.content
    again = response.json()
    assert again["resend_of"] == delivery.pk
    assert again["event"]["id"] == str(delivery.event.event_id)
    assert again["state"] == "pending" and again["log"] == []
    assert len(queued) == 1  # sent by the worker after commit, not by the request
    assert WebhookDelivery.objects.count() == 2
    other = create(partner, brand)
    assert_error(
        partner.post(f"{WEBHOOKS}{other['id']}/deliveries/{delivery.pk}/resend/"), 404, "not_found"
    )
    assert_error(partner.get(f"{WEBHOOKS}{created['id']}/deliveries/x/resend/"), 404, "not_found")


@pytest.mark.parametrize("brand_ref", ["\u0000", "nova\u0000", "x" * 51, "no va", 2**70])
def test_a_brand_that_cannot_be_a_slug_is_a_400(partner, brand_ref):
    payload = {"brand": brand_ref, "url": PUBLIC_URL, "event_types": ["order.paid"]}

    assert_error(partner.post(WEBHOOKS, payload, format="json"), 400, "invalid", ["brand"])
