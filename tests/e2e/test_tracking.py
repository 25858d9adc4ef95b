"""A phone opens a promotion tab: the impression is counted; it follows the call-to-action,
lands on the target, and the click is counted (chromium through Playwright)."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.factories import PromotionFactory
from tests.tracking.conftest import drain
from tests.tracking.totals import promotion_totals

pytestmark = pytest.mark.browser


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        drain()
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("the condition did not hold within the time allowed")


def test_a_tab_counts_its_impression_and_its_call_to_action_click(phone, live_server, settings):
    settings.TRACKING_STREAM = f"test:tracking:e2e:{uuid.uuid4().hex[:12]}"
    promotion = PromotionFactory(cta_label="Shop the Nova X")
    promotion.cta_url = f"{live_server.url}{promotion.get_absolute_url()}rules/"
    promotion.save(update_fields=["cta_url"])

    def stats():
        return promotion_totals(promotion_ids=[promotion.pk]).get(promotion.pk)

    phone.goto(promotion.get_absolute_url())

    counted = wait_for(lambda: stats() and stats().impressions == 1 and stats())
    assert (counted.impressions, counted.clicks) == (1, 0)

    phone.get_by_role("link", name="Shop the Nova X").click()
    phone.wait_for_url(promotion.cta_url)

    counted = wait_for(lambda: stats().clicks == 1 and stats())
    assert (counted.impressions, counted.clicks, counted.invalid_events) == (1, 1, 0)
    cookie = {c["name"]: c for c in phone.context.cookies()}["ph_click"]
    assert cookie["httpOnly"] is True


def test_the_impression_and_the_click_carry_the_language_of_the_page(phone, live_server, settings):
    # given: a French brand's tab, whose page says <html lang="fr">
    from tracking.models import Event

    settings.TRACKING_STREAM = f"test:tracking:e2e:{uuid.uuid4().hex[:12]}"
    promotion = PromotionFactory(cta_label="Participer", campaign__brand__language="fr")
    promotion.cta_url = f"{live_server.url}{promotion.get_absolute_url()}rules/"
    promotion.save(update_fields=["cta_url"])

    # when the phone sees the tab and follows its call-to-action
    phone.goto(promotion.get_absolute_url())
    assert phone.evaluate("document.documentElement.lang") == "fr"
    wait_for(lambda: Event.objects.filter(promotion_id=promotion.pk, type="impression").exists())
    phone.get_by_role("link", name="Participer").click()
    phone.wait_for_url(promotion.cta_url)

    # then both raw events carry the page's language
    wait_for(lambda: Event.objects.filter(promotion_id=promotion.pk, type="click").exists())
    languages = set(Event.objects.filter(promotion_id=promotion.pk).values_list("type", "language"))
    assert languages == {("impression", "fr"), ("click", "fr")}
