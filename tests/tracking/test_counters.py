"""tracking.counters: the one fixed-window counter (API throttle, click velocity, limits)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tracking import counters

PRIVATE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rates"}
}


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("5/min", (5, 60)), ("30/hour", (30, 3600)), ("2/s", (2, 1)), ("1200/m", (1200, 60))],
)
def test_a_rate_is_a_count_per_period(rate, parsed):
    assert counters.rate_parse(rate) == parsed


@pytest.mark.parametrize("rate", ["5", "five/min", "5/fortnight", "/min"])
def test_a_rate_that_is_not_one_is_refused(rate):
    with pytest.raises(ValueError, match="Not a rate"):
        counters.rate_parse(rate)


def test_each_key_counts_on_its_own_within_the_window(settings):
    settings.CACHES = PRIVATE_CACHE
    cache.clear()

    counts = [
        counters.window_count(scope="test", key="a", window_seconds=60).count for _ in range(3)
    ]
    other = counters.window_count(scope="test", key="b", window_seconds=60)
    elsewhere = counters.window_count(scope="other-limit", key="a", window_seconds=60)

    assert counts == [1, 2, 3]
    assert (other.count, elsewhere.count) == (1, 1)
    assert 0 < other.remaining_seconds <= 60


def test_over_the_rate_the_wait_is_what_is_left_of_the_window(settings):
    settings.CACHES = PRIVATE_CACHE
    cache.clear()

    waits = [counters.rate_limit(scope="test", key="ip", rate="2/hour") for _ in range(3)]

    assert waits[:2] == [0, 0]
    assert 1 <= waits[2] <= 3600


def test_an_unreachable_counter_limits_nothing(settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nobody answers there
    settings.CACHES = PRIVATE_CACHE

    assert counters.window_count(scope="test", key="a", window_seconds=60) is None
    assert [counters.rate_limit(scope="test", key="a", rate="1/min") for _ in range(3)] == [0] * 3
    assert "test counter unavailable" in caplog.text


def test_one_action_counts_against_each_of_its_keys_at_once(settings):
    settings.CACHES = PRIVATE_CACHE
    cache.clear()

    # a person who used the rate from one browser, now on a fresh one
    first = [counters.rate_limit_many(scope="test", keys=["v:a", "p:1"], rate="2/hour")] * 1
    first.append(counters.rate_limit_many(scope="test", keys=["v:a", "p:1"], rate="2/hour"))
    fresh_browser = counters.rate_limit_many(scope="test", keys=["v:b", "p:1"], rate="2/hour")
    other_person = counters.rate_limit_many(scope="test", keys=["v:c", "p:2"], rate="2/hour")

    assert first == [0, 0]
    assert 1 <= fresh_browser <= 3600  # the person's third attempt
    assert other_person == 0
    assert counters.window_count(scope="test", key="v:b", window_seconds=3600).count == 2
