"""An entry reads its promotion at most once per PROMOTIONS_ACTION_CACHE_SECONDS per process
(promotions/campaigns/action_cache.py); pages always read afresh."""

from __future__ import annotations

import json

import pytest

from promotions.campaigns.action_cache import action_cache_clear, action_cached
from promotions.models import Promotion, Status
from tests.factories.promotions import PersonFactory, PromotionFactory
from tests.promotions.conftest import ENTRY_JSON, make_consumer, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh():
    action_cache_clear()
    yield
    action_cache_clear()


def enter(promotion):
    client = sign_in(make_consumer(), PersonFactory())
    return client.post(
        promotion.get_absolute_url() + "enter/",
        json.dumps(ENTRY_JSON),
        content_type="application/json",
    )


def test_a_pause_reaches_entries_once_the_cached_read_is_over(settings):
    settings.PROMOTIONS_ACTION_CACHE_SECONDS = 60
    promotion = PromotionFactory()
    assert enter(promotion).status_code == 201  # read, and kept

    Promotion.objects.filter(pk=promotion.pk).update(status=Status.PAUSED)

    assert enter(promotion).status_code == 201  # within the cache's time: still open
    assert make_consumer().get(promotion.get_absolute_url()).status_code == 404  # pages: afresh
    action_cache_clear()  # the time is over
    refused = enter(promotion)
    assert refused.status_code == 404  # a paused promotion is not open
    assert refused.json()["error"]["code"] == "not_found"


def test_without_the_cache_every_entry_reads_the_promotion(settings):
    settings.PROMOTIONS_ACTION_CACHE_SECONDS = 0
    promotion = PromotionFactory()
    assert enter(promotion).status_code == 201

    Promotion.objects.filter(pk=promotion.pk).update(status=Status.PAUSED)

    assert enter(promotion).status_code == 404


def test_a_value_is_loaded_once_within_the_time(settings):
    settings.PROMOTIONS_ACTION_CACHE_SECONDS = 60
    loads = []

    def load():
        loads.append(1)
        return len(loads)

    assert [action_cached(("k",), load) for _ in range(3)] == [1, 1, 1]
    assert action_cached(("other",), load) == 2
