"""Fixtures for dashboards, alerts and the live wall."""

from __future__ import annotations

import uuid

import pytest

from tracking import store, stream, zones


@pytest.fixture(autouse=True)
def _isolated_tracking(settings):
    """Each test gets its own stream name and fresh per-process caches of the store."""
    settings.TRACKING_STREAM = f"test:reports:{uuid.uuid4().hex[:12]}"
    stream._down_until = 0.0
    zones._cache.clear()
    store._salts.clear()
    yield
    stream._down_until = 0.0
