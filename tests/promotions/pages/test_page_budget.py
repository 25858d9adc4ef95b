"""What a tab costs a phone in Facebook's in-app browser: bytes, requests, queries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from promotions.demo import demo_seed
from tests.factories.promotions import PersonFactory
from tests.promotions.conftest import sign_in

pytestmark = pytest.mark.django_db

PAGES = ["", "giveaway/", "instant/", "shorts/", "coupon/", "giveaway/rules/"]
BUDGET_BYTES = 150_000


def assets(html: str) -> list[str]:
    """What the page loads (``rel="alternate"`` links name the page in other languages)."""
    return re.findall(r'<(?:script|link)(?![^>]*rel="alternate")[^>]+(?:src|href)="([^"]+)"', html)


@pytest.mark.parametrize("path", PAGES)
def test_each_demo_page_stays_within_150_kb_without_images_and_uses_no_cdn(consumer, path):
    demo_seed()
    sign_in(consumer, PersonFactory())  # the signed-in form is the heaviest version

    html = consumer.get(f"/p/demo/launch/{path}").content.decode()

    urls = assets(html)
    assert urls and all(u.startswith("/static/") for u in urls), urls
    weight = len(html.encode()) + sum(
        Path(finders.find(u.removeprefix("/static/"))).stat().st_size for u in urls
    )
    assert weight <= BUDGET_BYTES, weight


def test_a_signed_in_contest_tab_with_its_gallery_takes_a_bounded_number_of_queries(
    consumer, django_assert_max_num_queries
):
    demo_seed()
    sign_in(consumer, PersonFactory())

    with django_assert_max_num_queries(8):
        response = consumer.get("/p/demo/launch/shorts/")

    assert response.status_code == 200
