"""Input no partner should send still gets a 400 that says why, never a 500."""

from __future__ import annotations

import base64

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

INSIGHTS = "/api/v1/reports/insights/"
DAYS = {"since": "2026-05-01", "until": "2026-05-02"}
DEEP = b"[" * 20_000 + b"]" * 20_000


@pytest.fixture
def partner(make_api_key, brand_a):
    _key, raw = make_api_key(
        brands=[brand_a], scopes=["reports:read", "events:write", "webhooks:write"]
    )
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.mark.parametrize("value", ["²", "1,²", "٣"])  # digits, but not 0-9
def test_an_id_filter_of_other_digits_is_a_400(partner, value):
    response = partner.get(INSIGHTS, {**DAYS, "promotion": value})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["promotion"]


def test_a_cursor_nested_thousands_deep_is_a_400(partner):
    cursor = base64.urlsafe_b64encode(b"[" * 20_000).decode().rstrip("=")

    response = partner.get(INSIGHTS, {**DAYS, "cursor": cursor})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["cursor"]


@pytest.mark.parametrize("path", ["/api/v1/events/batch", "/api/v1/webhooks/"])
def test_a_body_nested_thousands_deep_is_a_400(partner, path):
    response = partner.post(path, data=DEEP, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("JSON parse error")
