"""A comment giveaway's draw certificate on a phone: the post, the rules, the counts per
reason and the entries with comment references, no names; axe finds nothing serious."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from promotions.draws.services import draw_run
from promotions.social import importer
from tests.e2e.test_accessibility import axe_violations
from tests.fakes import graph_comments
from tests.promotions.social.conftest import PAGE_ID, POST_ID, TOKEN, giveaway

pytestmark = pytest.mark.browser


def test_the_certificate_of_a_comment_draw_on_a_phone(phone, screenshot, fake_graph):
    promotion, source = giveaway(keyword="#win", blocklist="666")
    source.permalink = f"https://www.facebook.com/{PAGE_ID}/posts/777888999"
    source.save()
    at = timezone.now() - timedelta(hours=3)
    graph_comments.post_add(
        fake_graph,
        post_id=POST_ID,
        page_id=PAGE_ID,
        token=TOKEN,
        comments=[
            graph_comments.comment(
                f"777888999_{i}",
                author="666" if i == 3 else f"{100 + i % 9}",
                name=f"Hidden Person{i}",
                message="#win!" if i % 4 else "hi",
                at=at + timedelta(minutes=i),
            )
            for i in range(30)
        ],
    )
    importer.social_promotion_import(promotion=promotion)
    draw = draw_run(draw=promotion.draws.get(), at=promotion.ends_at + timedelta(minutes=1))

    phone.goto(draw.get_absolute_url())

    expect(phone.get_by_role("heading", name="Where the entries came from")).to_be_visible()
    expect(phone.get_by_text(POST_ID)).to_be_visible()
    assert "Hidden Person" not in phone.content()
    screenshot(phone, "social-01-phone-certificate")
    assert axe_violations(phone) == []
