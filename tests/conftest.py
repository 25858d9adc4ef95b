"""Shared fixtures. Database mode follows DATABASE_URL (SQLite by default)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://...")
    skip_redis = pytest.mark.skip(reason="needs Redis: run with REDIS_URL=redis://...")
    for item in items:
        if "postgres" in item.keywords and not settings.USING_POSTGRES:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def make_api_key(db):
    """make_api_key(brands=[...], scopes=[...], **kw) -> (ApiKey, raw key string)."""
    from tracking.services import api_key_create

    def make(*, brands, scopes=(), **kwargs):
        return api_key_create(
            name=kwargs.pop("name", "Partner"),
            brand_ids=[b.pk for b in brands],
            scopes=scopes,
            **kwargs,
        )

    return make


os.environ.setdefault("PLAYWRIGHT_BROWSERS_PATH", "0")
