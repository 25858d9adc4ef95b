"""The partner API against its own schema, and brand isolation on every endpoint.

schemathesis generates requests for every operation of ``/api/schema/`` (valid and
invalid parameters and bodies) and sends them with a valid key holding every scope: no
answer may be a 5xx, and every answer must match the schema (status code, content type,
headers, body). Then a key of brand A tries every path with brand B's ids.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import schemathesis
import yaml
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import BrandFactory, PromotionFactory
from tests.factories.promotions import EntryFactory
from tracking import partner_webhooks, report_pushes, webhooks
from tracking.services import api_key_create
from tracking.store import events_store
from tracking.tracked_event import TrackedEvent

ALL_SCOPES = [
    "reports:read",
    "events:write",
    "entries:read",
    "entries:pii",
    "webhooks:read",
    "webhooks:write",
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def world(slug: str) -> dict:
    brand = BrandFactory(slug=slug)
    promotion = PromotionFactory(campaign__brand=brand)
    entry = EntryFactory(promotion=promotion)
    ids = (promotion.pk, promotion.campaign_id, brand.pk)
    events_store(
        [TrackedEvent(uuid.uuid4(), datetime.now(UTC), "impression", *ids) for _ in range(3)]
        + [TrackedEvent(uuid.uuid4(), datetime.now(UTC), "click", *ids)]
    )
    key, raw = api_key_create(name=f"{slug} agency", brand_ids=[brand.pk], scopes=ALL_SCOPES)
    subscription = report_pushes.report_subscription_create(
        brand_id=brand.pk, url="https://8.8.8.8/hook", schedule="daily", api_key=key
    )
    hook = partner_webhooks.webhook_subscription_create(
        api_key=key, brand_id=brand.pk, url="https://8.8.8.8/events", event_types=["order.paid"]
    )
    partner_webhooks.event_publish(brand_id=brand.pk, event_type="order.paid", data={"order": 1})
    return {
        "brand": brand,
        "promotion": promotion,
        "entry": entry,
        "raw": raw,
        "subscription": subscription,
        "hook": hook,
        "delivery": hook.deliveries.get(),
    }


@pytest.fixture
def partner(db, settings, monkeypatch):
    # A test delivery (POST .../test/) would call the subscription's public address: answer
    # for it here (tests/tracking/test_pushes.py sends real ones to a local receiver).
    monkeypatch.setattr(
        webhooks,
        "webhook_post",
        lambda **_kwargs: webhooks.DeliveryResult(True, 200, 3, "ok", ""),
    )
    # Enough budget for every generated request (throttling has its own tests).
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "100000/min"},
    }
    # Requests go straight to the WSGI application: keep the test's connection open across
    # them, as Django's test client does (it would be closed inside the test transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield world("alpha")
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _load_schema():
    from config.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/", application)


# Loaded when the module is collected (schemathesis' lazy fixture loader does not support
# pytest 9): the schema view needs no database.
schema = _load_schema()


@schema.parametrize()
@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_5xx_and_no_schema_breaking_answer(case, partner):
    # Path ids: mostly ours (so detail endpoints answer 200), sometimes what was generated.
    if "id" in (case.path_parameters or {}) and case.path.startswith("/api/v1/reports/sub"):
        case.path_parameters["id"] = partner["subscription"].pk
    elif "id" in (case.path_parameters or {}) and case.path.startswith("/api/v1/promotions"):
        case.path_parameters["id"] = partner["promotion"].pk
    elif "id" in (case.path_parameters or {}) and case.path.startswith("/api/v1/campaigns"):
        case.path_parameters["id"] = partner["promotion"].campaign_id
    # schemathesis' WSGI transport sends requests' "Accept-Encoding: gzip, deflate" but does
    # not decode the answer (an HTTP client would): ask for the uncompressed body.
    headers = {"Authorization": f"Bearer {partner['raw']}", "Accept-Encoding": "identity"}
    case.call_and_validate(headers=headers, checks=CHECKS)


# --- brand isolation ----------------------------------------------------------------------

SCHEMA_PATHS = set(
    yaml.safe_load((Path(settings.BASE_DIR) / "docs" / "openapi.yaml").read_text())["paths"]
)


@pytest.mark.django_db
def test_a_key_of_brand_a_reaches_nothing_of_brand_b(api_client):
    a, b = world("alpha"), world("bravo")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {a['raw']}")
    bp, be, bs = b["promotion"], b["entry"], b["subscription"]
    today = datetime.now(UTC).date()
    span = {"since": today - timedelta(days=1), "until": today + timedelta(days=1)}
    checked: set[str] = set()

    def get(path, params=None):
        checked.add(path.split("?")[0].replace(str(bp.pk), "{id}"))
        return api_client.get(path, params or {})

    # lists never show B, whatever the filters
    assert bp.campaign_id not in [c["id"] for c in get("/api/v1/campaigns/").json()["results"]]
    assert get("/api/v1/campaigns/", {"brand": "bravo"}).json()["results"] == []
    assert bp.pk not in [p["id"] for p in get("/api/v1/promotions/").json()["results"]]
    assert get("/api/v1/promotions/", {"campaign": bp.campaign_id}).json()["results"] == []
    entries = get("/api/v1/entries/").json()["results"]
    assert [e["id"] for e in entries] == [a["entry"].public_id]
    assert get("/api/v1/entries/", {"promotion": bp.pk}).json()["results"] == []
    assert get("/api/v1/entries/", {"brand": "bravo"}).json()["results"] == []
    subscriptions = get("/api/v1/reports/subscriptions/").json()["results"]
    assert [s["id"] for s in subscriptions] == [a["subscription"].pk]
    rows = get("/api/v1/reports/insights/", {**span, "level": "brand"}).json()["data"]
    assert [r["brand"] for r in rows] == [a["brand"].slug]
    # B's objects are 404s, as if they did not exist
    for path in (f"/api/v1/campaigns/{bp.campaign_id}/", f"/api/v1/promotions/{bp.pk}/"):
        assert get(path).status_code == 404
    checked.add("/api/v1/campaigns/{id}/")
    subscription_url = f"/api/v1/reports/subscriptions/{bs.pk}/"
    assert api_client.get(subscription_url).status_code == 404
    assert api_client.patch(subscription_url, {"name": "x"}, format="json").status_code == 404
    assert api_client.delete(subscription_url).status_code == 404
    assert api_client.post(f"{subscription_url}test/").status_code == 404
    checked |= {"/api/v1/reports/subscriptions/{id}/", "/api/v1/reports/subscriptions/{id}/test/"}
    for params in ({"promotion": bp.pk}, {"campaign": bp.campaign_id}):
        assert get("/api/v1/reports/insights/", {**span, **params}).status_code == 404
    # writes cannot land in B either
    for brand_ref in (b["brand"].slug, b["brand"].pk):  # by slug, and by the deprecated id
        created = api_client.post(
            "/api/v1/reports/subscriptions/",
            {"brand": brand_ref, "url": "https://8.8.8.8/x", "schedule": "daily"},
            format="json",
        )
        assert created.status_code == 400, brand_ref
        assert list(created.json()["error"]["fields"]) == ["brand"]

    def event(promotion):
        return {
            "event_id": str(uuid.uuid4()),
            "type": "impression",
            "promotion": promotion.pk,
            "ts": datetime.now(UTC).isoformat(),
        }

    batch = api_client.post(
        "/api/v1/events/batch", [event(a["promotion"]), event(bp)], format="json"
    )
    assert batch.status_code == 202, batch.content
    assert batch.json()["accepted"] == 1
    assert [r["index"] for r in batch.json()["rejected"]] == [1]
    checked |= {"/api/v1/events/batch", "/api/v1/reports/subscriptions/"}
    assert be.public_id not in str(entries)

    # B's webhook subscriptions and deliveries are 404s too, and none of A's lists show them
    hooks = api_client.get("/api/v1/webhooks/").json()["results"]
    assert [h["id"] for h in hooks] == [a["hook"].pk]
    hook_url = f"/api/v1/webhooks/{b['hook'].pk}/"
    assert api_client.get(hook_url).status_code == 404
    assert api_client.patch(hook_url, {"active": False}, format="json").status_code == 404
    assert api_client.delete(hook_url).status_code == 404
    assert api_client.get(f"{hook_url}deliveries/").status_code == 404
    assert api_client.post(f"{hook_url}deliveries/{b['delivery'].pk}/resend/").status_code == 404
    mine = f"/api/v1/webhooks/{a['hook'].pk}/deliveries/{b['delivery'].pk}/resend/"
    assert api_client.post(mine).status_code == 404  # B's delivery under A's subscription
    created = api_client.post(
        "/api/v1/webhooks/",
        {"brand": "bravo", "url": "https://8.8.8.8/x", "event_types": ["order.paid"]},
        format="json",
    )
    assert created.status_code == 400 and list(created.json()["error"]["fields"]) == ["brand"]
    checked |= {
        "/api/v1/webhooks/",
        "/api/v1/webhooks/{id}/",
        "/api/v1/webhooks/{id}/deliveries/",
        "/api/v1/webhooks/{id}/deliveries/{delivery_id}/resend/",
    }

    # every path of the schema was tried
    assert checked >= SCHEMA_PATHS, SCHEMA_PATHS - checked
