"""config/sessions.py: with Redis, a session is read from the cache by the lean client; the
value and the fallbacks (not cached, Redis not reachable that way) are Django's."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session

from config.sessions import SessionStore

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


def _saved(data: dict[str, object]) -> str:
    store = SessionStore()
    store.update(data)
    store.save()
    assert store.session_key is not None
    return store.session_key


def test_the_engine_is_this_one():
    assert settings.SESSION_ENGINE == "config.sessions"


def test_a_cached_session_is_read_without_djangos_cache_client(
    monkeypatch, django_assert_num_queries
):
    key = _saved({"person": 42, "fb": {"language": "fr"}, "n": 7})
    store = SessionStore(key)

    def refused(*args, **kwargs):
        raise AssertionError("read through Django's cache")

    monkeypatch.setattr(store._cache, "get", refused)
    with django_assert_num_queries(0):
        assert store.load() == {"person": 42, "fb": {"language": "fr"}, "n": 7}
        assert store["person"] == 42


def test_a_session_gone_from_the_cache_is_read_from_the_database_and_cached_again():
    key = _saved({"person": 5})
    store = SessionStore(key)
    store._cache.delete(store.cache_key)
    assert Session.objects.filter(session_key=key).exists()

    assert SessionStore(key).load() == {"person": 5}
    assert store._cache.get(store.cache_key) == {"person": 5}


def test_when_the_lean_client_cannot_read_djangos_read_decides(settings):
    key = _saved({"person": 9})
    settings.REDIS_URL = "rediss://127.0.0.1:6379/0"  # the lean client speaks no TLS

    assert SessionStore(key).load() == {"person": 9}


def test_an_unknown_or_missing_key_is_an_empty_session():
    assert SessionStore("x" * 32).load() == {}
    assert SessionStore().load() == {}
