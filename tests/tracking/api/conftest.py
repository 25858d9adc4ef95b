"""Fixtures for the partner API: two brands and a client holding a key of the first."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.factories import BrandFactory


def assert_error(response: Any, status: int, code: str, fields: list[str] | None = None) -> dict:
    """The documented error format, with this status and code (and these field names)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if fields is not None:
        assert sorted(body["error"]["fields"]) == sorted(fields)
    return body["error"]


@pytest.fixture
def brand_a(db):
    return BrandFactory(slug="alpha")


@pytest.fixture
def brand_b(db):
    return BrandFactory(slug="bravo")


@pytest.fixture
def key_a(make_api_key, brand_a):
    """(ApiKey, raw key) of brand A, without scopes."""
    return make_api_key(brands=[brand_a])


@pytest.fixture
def client_a(key_a) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key_a[1]}")
    return client
