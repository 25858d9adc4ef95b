"""config/cache.py: Django's Redis cache with one client per connection pool."""

from __future__ import annotations

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.redis


def test_the_cache_works_through_one_client():
    first = cache._cache.get_client("a")
    cache.set("a", {"person": 1}, 30)

    assert cache.get("a") == {"person": 1}
    assert cache.add("n", 1, 30)
    assert cache.incr("n") == 2
    assert cache._cache.get_client("b", write=True) is first  # one server: one pool
    assert type(cache._cache).__name__ == "ReusingRedisCacheClient"
